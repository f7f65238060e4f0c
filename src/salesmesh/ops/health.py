"""The health checks behind /healthz: is the database answering, is every migration applied.

Each check answers one word so a load balancer or monitor can act on it; the reason
goes to the server log, never to the (unauthenticated) response.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)

OK = "ok"
ERROR = "error"
PENDING = "pending"
# The migrations cannot be read while the database is down.
SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Health:
    """The outcome of every check; healthy only when each one is ``ok``."""

    database: str
    migrations: str

    @property
    def healthy(self) -> bool:
        return self.database == OK and self.migrations == OK

    def as_dict(self) -> dict[str, str]:
        return {
            "status": OK if self.healthy else ERROR,
            "database": self.database,
            "migrations": self.migrations,
        }


def check_health(*, alias: str = DEFAULT_DB_ALIAS) -> Health:
    """Run the checks against one database connection; never raises."""
    database = check_database(alias=alias)
    migrations = check_migrations(alias=alias) if database == OK else SKIPPED
    return Health(database=database, migrations=migrations)


def check_database(*, alias: str = DEFAULT_DB_ALIAS) -> str:
    """``ok`` when a trivial query round-trips, ``error`` otherwise."""
    connection = connections[alias]
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means unhealthy; the reason is logged, not shown
        logger.exception("health check: the database does not answer")
        return ERROR
    return OK


def check_migrations(*, alias: str = DEFAULT_DB_ALIAS) -> str:
    """``ok`` when the migration plan to the code's leaf nodes is empty, else ``pending``.

    A deploy that forgot ``salesmesh migrate`` serves errors on the pages touching the
    new columns; reporting it here stops a load balancer routing traffic to it.
    """
    connection = connections[alias]
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        logger.exception("health check: the migration state cannot be read")
        return ERROR
    if plan:
        logger.warning(
            "health check: %d migration(s) not applied, first %s",
            len(plan),
            plan[0][0],
        )
        return PENDING
    return OK
