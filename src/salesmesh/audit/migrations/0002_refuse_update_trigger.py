"""The database itself refuses to UPDATE an audit row (SQLite and PostgreSQL).

Only UPDATE: a test database is emptied between transactional tests by
DELETE/TRUNCATE, which a delete trigger would break; deletes are refused by
the model, its queryset and the admin.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER audit_entry_refuse_update BEFORE UPDATE ON audit_auditentry
BEGIN SELECT RAISE(ABORT, 'audit entries are immutable'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS audit_entry_refuse_update;"
PG_UP = """
CREATE OR REPLACE FUNCTION audit_entry_refuse_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit entries are immutable'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_refuse_update BEFORE UPDATE ON audit_auditentry
FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_update();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS audit_entry_refuse_update ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_refuse_update();
"""


def _run(sql: dict[str, str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        statement = sql.get(schema_editor.connection.vendor)
        if statement:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        )
    ]
