"""Checking the maintained rollups against raw activities, and rebuilding them.

Both recount with one ``GROUP BY`` per table in the database. The local day
and week come from Django's time-zone-aware truncation, so the recount uses
the same calendar as :func:`salesmesh.activities.rollups.rollup_deltas`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, DateField, Model, Q, QuerySet
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from salesmesh.activities.models import AccountWeeklyTouch, Activity, ActivityDailyRollup

DAILY = "daily"
WEEKLY = "weekly"


@dataclass(frozen=True)
class Difference:
    """A rollup row that disagrees with the recount; missing rows count as (0, 0)."""

    table: str
    key: tuple[object, ...]
    expected: tuple[int, int]
    stored: tuple[int, int]

    def __str__(self) -> str:
        key = " ".join(str(part) for part in self.key)
        return (
            f"{self.table} {key}: expected {self.expected[0]}/{self.expected[1]}, "
            f"stored {self.stored[0]}/{self.stored[1]}"
        )


def _local_day() -> TruncDate:
    return TruncDate("occurred_at", tzinfo=timezone.get_default_timezone())


def daily_recount() -> QuerySet[Activity, dict[str, object]]:
    """Attempts and reached per person × local day × type, from raw activities."""
    return (
        Activity.objects.order_by()
        .annotate(day=_local_day())
        .values("person_id", "day", "type")
        .annotate(n_attempts=Count("pk"), n_reached=Count("pk", filter=Q(reached=True)))
    )


def weekly_recount() -> QuerySet[Activity, dict[str, object]]:
    """Touches and reached per account × local week (Monday), from raw activities."""
    return (
        Activity.objects.order_by()
        .filter(account__isnull=False)
        .annotate(week_start=TruncWeek(_local_day(), output_field=DateField()))
        .values("account_id", "week_start")
        .annotate(n_touches=Count("pk"), n_reached=Count("pk", filter=Q(reached=True)))
    )


def _as_date(value: object) -> object:
    # PostgreSQL's date_trunc answers with a timestamp even for a date.
    return value.date() if isinstance(value, datetime) else value


@transaction.atomic
def rollups_verify() -> list[Difference]:
    """Every difference between the rollups and a fresh recount (four queries).

    The four reads share one snapshot, so writes committed meanwhile cannot
    show up as differences: SQLite's transaction sees one snapshot, and on
    PostgreSQL an outermost call asks for REPEATABLE READ.
    """
    if connection.vendor == "postgresql" and _outermost():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
    expected_daily = {
        (row["person_id"], _as_date(row["day"]), row["type"]): (
            row["n_attempts"],
            row["n_reached"],
        )
        for row in daily_recount()
    }
    stored_daily = {
        (person, day, kind): (attempts, reached)
        for person, day, kind, attempts, reached in ActivityDailyRollup.objects.values_list(
            "person_id", "day", "type", "attempts", "reached"
        )
    }
    expected_weekly = {
        (row["account_id"], _as_date(row["week_start"])): (row["n_touches"], row["n_reached"])
        for row in weekly_recount()
    }
    stored_weekly = {
        (account, week): (touches, reached)
        for account, week, touches, reached in AccountWeeklyTouch.objects.values_list(
            "account_id", "week_start", "touches", "reached"
        )
    }
    return _compare(DAILY, expected_daily, stored_daily) + _compare(
        WEEKLY, expected_weekly, stored_weekly
    )


def _outermost() -> bool:
    # Inside ``atomic`` only; the isolation level can be set before the first query only.
    return len(connection.savepoint_ids) == 0 and not connection.needs_rollback


def _compare(
    table: str,
    expected: dict[tuple[object, ...], tuple[int, int]],
    stored: dict[tuple[object, ...], tuple[int, int]],
) -> list[Difference]:
    return [
        Difference(table, key, expected.get(key, (0, 0)), stored.get(key, (0, 0)))
        for key in sorted(expected.keys() | stored.keys(), key=str)
        if expected.get(key, (0, 0)) != stored.get(key, (0, 0))
    ]


@dataclass(frozen=True)
class RebuildReport:
    """How many rollup rows a rebuild wrote."""

    daily_rows: int
    weekly_rows: int


@transaction.atomic
def rollups_rebuild() -> RebuildReport:
    """Empty both rollup tables and refill them from raw activities, inside the database."""
    if connection.vendor == "postgresql":
        # Writers of activities wait until the rebuild commits; readers go on.
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(Activity._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
    ActivityDailyRollup.objects.all().delete()
    AccountWeeklyTouch.objects.all().delete()
    daily = _insert_select(
        ActivityDailyRollup,
        {
            "person": "person_id",
            "day": "day",
            "type": "type",
            "attempts": "n_attempts",
            "reached": "n_reached",
        },
        daily_recount(),
    )
    weekly = _insert_select(
        AccountWeeklyTouch,
        {
            "account": "account_id",
            "week_start": "week_start",
            "touches": "n_touches",
            "reached": "n_reached",
        },
        weekly_recount(),
    )
    return RebuildReport(daily_rows=daily, weekly_rows=weekly)


def _insert_select(
    model: type[Model], columns: dict[str, str], recount: QuerySet[Activity, dict[str, object]]
) -> int:
    """``INSERT INTO rollup (…) SELECT … FROM (recount)``: no row passes through Python."""
    quote = connection.ops.quote_name
    select_sql, params = recount.query.sql_with_params()
    target = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    source = ", ".join(f"recount.{quote(alias)}" for alias in columns.values())
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({target}) "  # noqa: S608 - names from _meta
        f"SELECT {source} FROM ({select_sql}) recount"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)
