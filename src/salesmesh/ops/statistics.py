"""Query-planner statistics, refreshed after migrate, imports, rollup rebuilds and the demo.

SQLite plans a query from the indexes alone unless ``ANALYZE`` has stored statistics
(``sqlite_stat1``: rows per table, rows per key prefix of each index), and nothing refreshes
them by itself. Without them it guesses, and guesses wrong as tables grow: over 10M
activities (benchmarks/mesh.py) it reached a quarter's stage moves through the owner index of
all 60,000 deals instead of the index on the time of the move — 111-135 ms instead of
23-29 — because it could not know the window holds a small share of the history.

:func:`refresh_planner_statistics` runs ``ANALYZE`` with ``PRAGMA analysis_limit``: each
index is sampled on about :data:`ANALYSIS_LIMIT` rows, so it takes milliseconds even on a
10M-row database (a full ``ANALYZE`` there takes about 12 s). These approximate statistics
are what SQLite recommends for applications, and what its own ``PRAGMA optimize`` uses
from SQLite 3.46 on (earlier versions' ``optimize`` analyses only the tables the same
connection has queried, so a fresh connection's does nothing). Run:

- after every ``salesmesh migrate`` (a ``post_migrate`` handler, :class:`ops.apps.OpsConfig`),
  so a deployment has statistics from its first migration and after each upgrade;
- after an import that wrote rows (``exchange.importer.import_table``), when a table may
  have grown by a large factor at once;
- after ``salesmesh rollups --rebuild`` (``activities.rollup_audit.rollups_rebuild``);
- after ``salesmesh seed-demo`` has written the demo's year of process data.

A database that grows only through the web pages keeps its last statistics until the next
of these; ``salesmesh migrate`` at any time refreshes them. An empty table gets none, and
SQLite then keeps its built-in guesses for it.

PostgreSQL keeps its own statistics through autovacuum's ``ANALYZE`` — when autovacuum is
on, and only once its thresholds are crossed and its next round comes. Until then a table
filled in one go has none, and the planner takes it for empty: on a freshly seeded demo the
mesh's won-deals query ran as a nested loop over 4,500 deals × the quarter's stage moves,
265 ms instead of 1, and the load benchmark's dashboards missed their budget for it. So the
same moments run PostgreSQL's ``ANALYZE`` too; it samples a fixed number of rows per table
(30,000 at the default statistics target), so it stays in seconds on large tables. It
complements autovacuum (PostgreSQL's default, to keep on): the row counts it writes stay
until the next ``ANALYZE``, so a database that then grows only through the pages needs
autovacuum to follow it. ``SALESMESH_POSTGRESQL_ANALYZE = False`` turns it off (the test
settings do: each test's rows are rolled back, but the counts would not be).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

__all__ = ["ANALYSIS_LIMIT", "refresh_after_migrate", "refresh_planner_statistics"]

# Rows sampled per index (SQLite's own PRAGMA optimize samples 2,000 from 3.46 on).
ANALYSIS_LIMIT = 2000


def refresh_planner_statistics(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Refresh the planner statistics (SQLite sampled, PostgreSQL); False when nothing ran."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT:d}")
            cursor.execute("ANALYZE")
        return True
    if connection.vendor == "postgresql" and settings.SALESMESH_POSTGRESQL_ANALYZE:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return True
    return False


def refresh_after_migrate(*, using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
    """``post_migrate`` handler (connected once, for this app): statistics after migrate."""
    refresh_planner_statistics(using)
