"""SQLite's planner statistics are refreshed after migrate, rollup rebuilds and imports.

Without ``ANALYZE`` SQLite plans from the indexes alone and read a quarter's stage moves
through every deal's owner (benchmarks/mesh.py, docs/benchmarks.md). ``ops.statistics``
refreshes them on SQLite and leaves PostgreSQL to its autovacuum.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test import override_settings

import salesmesh.exchange.importer as importer
from salesmesh.activities.models import ActivityType
from salesmesh.activities.rollup_audit import rollups_rebuild
from salesmesh.activities.services import activity_create
from salesmesh.exchange.importer import import_path
from salesmesh.ops.statistics import ANALYSIS_LIMIT, refresh_planner_statistics
from salesmesh.org.models import User
from tests.accounts.factories import make_line, make_user, shanghai

pytestmark = pytest.mark.django_db

ROLLUP = "activities_activitydailyrollup"


def _analysed_tables() -> set[str]:
    """The tables SQLite holds statistics for (none before the first ANALYZE)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return set()
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()}


def _forget_statistics() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is not None:
            cursor.execute("DELETE FROM sqlite_stat1")


@pytest.fixture
def calls(db: None) -> User:
    """A rep with a few calls: rows in the activity and rollup tables."""
    line = make_line("stats")
    rep = make_user("stats-rep", unit=line)
    for day in (1, 2, 3):
        activity_create(
            person=rep, type=ActivityType.CALL, occurred_at=shanghai(2026, 3, day, 10), reached=True
        )
    return rep


def test_sqlite_gets_sampled_statistics_and_postgresql_its_analyze(calls: User) -> None:
    if connection.vendor == "postgresql":
        # A real ANALYZE here would leave this test's row counts to the tests after it
        # (PostgreSQL writes them outside the transaction): the statement is caught.
        issued: list[str] = []

        def catch(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            if sql.strip().upper() == "ANALYZE":
                issued.append(sql)
                return None
            return execute(sql, params, many, context)

        with connection.execute_wrapper(catch):
            assert refresh_planner_statistics() is False  # off in the test settings
            assert issued == []
            with override_settings(SALESMESH_POSTGRESQL_ANALYZE=True):
                assert refresh_planner_statistics() is True
        assert issued == ["ANALYZE"]
        return
    _forget_statistics()
    assert ROLLUP not in _analysed_tables()
    assert refresh_planner_statistics() is True
    assert ROLLUP in _analysed_tables()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit")
        assert cursor.fetchone()[0] == ANALYSIS_LIMIT
        # Three calls on three days: the rollup's key index counts three rows.
        cursor.execute(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = %s AND idx = 'daily_rollup_counts'",
            [ROLLUP],
        )
        assert cursor.fetchone()[0].split()[0] == "3"


def test_every_migrate_refreshes_them(calls: User, monkeypatch: pytest.MonkeyPatch) -> None:
    refreshed: list[str] = []
    real = refresh_planner_statistics

    def spy(using: str = "default") -> bool:
        refreshed.append(using)
        return real(using)

    monkeypatch.setattr("salesmesh.ops.statistics.refresh_planner_statistics", spy)
    if connection.vendor == "sqlite":
        _forget_statistics()
    # What migrate (and flush) sends at its end: once per app with models.
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert refreshed == ["default"]  # once, not once per app
    if connection.vendor == "sqlite":
        assert ROLLUP in _analysed_tables()


def test_a_rollup_rebuild_refreshes_them(calls: User) -> None:
    if connection.vendor == "sqlite":
        _forget_statistics()
    report = rollups_rebuild()
    assert report.daily_rows == 3
    if connection.vendor == "sqlite":
        assert ROLLUP in _analysed_tables()


ACCOUNTS_CSV = """业务线,外部编号,客户名称,名单客户,层级,潜力,行业,区域,推荐人,负责人
ka,KA-1,华东制造,是,A,"¥1,200万",制造,华东,,bd
ka,KA-2,华南物流,否,B,35万,物流,华南,KA-1,bd
"""


def test_an_import_that_writes_refreshes_them_a_dry_run_or_no_change_does_not(
    demo_company: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refreshed: list[bool] = []
    monkeypatch.setattr(importer, "refresh_planner_statistics", lambda: refreshed.append(True))
    path = tmp_path / "accounts.csv"
    path.write_text(ACCOUNTS_CSV, encoding="utf-8")
    admin = User.objects.get(username="admin")

    def run(*, commit: bool) -> importer.ImportOutcome:
        return import_path(
            kind="accounts", path=path, filename=path.name, user=admin, commit=commit
        )

    assert run(commit=False).ok
    assert refreshed == []
    written = run(commit=True)
    assert (written.committed, written.created) == (True, 2)
    assert refreshed == [True]
    again = run(commit=True)
    assert (again.committed, again.unchanged) == (True, 2)
    assert refreshed == [True]
