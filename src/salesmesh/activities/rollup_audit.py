"""Checking the maintained rollups against raw activities, and rebuilding them.

Both recount with one ``GROUP BY`` per table in the database. The local day
and week come from Django's time-zone-aware truncation, so the recount uses
the same calendar as :func:`salesmesh.activities.rollups.rollup_deltas`. On
SQLite that truncation is a Python function called for every row (≈ 80 µs:
a quarter of an hour for 10M activities), so the rebuild computes the day in
SQL there instead — SQLite's ``date()`` shifted by the zone's offset, with a
``CASE`` over the zone's transitions within the data's span
(:class:`_SqliteLocalDay`) — and its result is checked against the maintained
tables by the tests. The verification keeps Django's truncation: it checks
the rollups against a recount computed independently of both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, DateField, Expression, F, Func, Max, Min, Model, Q, QuerySet
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from salesmesh.activities.models import AccountWeeklyTouch, Activity, ActivityDailyRollup
from salesmesh.ops.statistics import refresh_planner_statistics

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


def daily_recount(*, day: Expression | None = None) -> QuerySet[Activity, dict[str, object]]:
    """Attempts and reached per person × local day × type, from raw activities.

    ``day``: how the local day is computed (default Django's ``TruncDate`` in the project's
    zone; the rebuild passes :class:`_SqliteLocalDay` on SQLite).
    """
    return (
        Activity.objects.order_by()
        .annotate(day=day if day is not None else _local_day())
        .values("person_id", "day", "type")
        .annotate(n_attempts=Count("pk"), n_reached=Count("pk", filter=Q(reached=True)))
    )


def weekly_recount(*, week: Expression | None = None) -> QuerySet[Activity, dict[str, object]]:
    """Touches and reached per account × local week (Monday), from raw activities."""
    return (
        Activity.objects.order_by()
        .filter(account__isnull=False)
        .annotate(
            week_start=(
                week if week is not None else TruncWeek(_local_day(), output_field=DateField())
            )
        )
        .values("account_id", "week_start")
        .annotate(n_touches=Count("pk"), n_reached=Count("pk", filter=Q(reached=True)))
    )


# The longest span of activities the rebuild reads the zone's transitions over, hour by
# hour (≈ 0.1 s a decade); a longer one falls back to Django's per-row local day.
_MAX_SPAN = timedelta(days=366 * 50)
_HOUR_S = 3600


def offset_segments(zone: tzinfo, first: datetime, last: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offsets over ``first`` … ``last``: (UTC instant it ends, seconds).

    One pair per stretch of one offset, in order; the last stretch ends after ``last``.
    Read hour by hour, each change then narrowed to its second: transitions fall on whole
    seconds, and no zone changes its offset twice within an hour.
    """

    def offset(stamp: int) -> int:
        delta = datetime.fromtimestamp(stamp, zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    at, stop = math.floor(first.timestamp()), math.ceil(last.timestamp())
    current = offset(at)
    segments: list[tuple[datetime, int]] = []
    while at < stop:
        probe = min(at + _HOUR_S, stop)
        if offset(probe) != current:
            low, high = at, probe  # offset(low) is current, offset(high) is not
            while high - low > 1:
                middle = (low + high) // 2
                if offset(middle) == current:
                    low = middle
                else:
                    high = middle
            segments.append((datetime.fromtimestamp(high, UTC), current))
            current = offset(high)
        at = probe
    segments.append((datetime.fromtimestamp(stop + 1, UTC), current))
    return segments


class _SqliteLocalDay(Func):
    """SQLite: the local day (or its week's Monday) of ``occurred_at``, in SQL alone.

    Django's ``TruncDate`` with a time zone calls a Python function for every row on SQLite
    (≈ 80 µs a row: a quarter of an hour for 10M activities). SQLite's ``date()`` shifts by
    a fixed offset instead, and a zone's offset is fixed between its transitions: a
    ``CASE`` over the transitions within the data's span (``offset_segments``) gives the
    day the zone gives. Times are stored as UTC text, so they compare with the
    transitions' instants as text.
    """

    output_field = DateField()

    def __init__(self, segments: list[tuple[datetime, int]], *, week: bool = False) -> None:
        super().__init__(F("occurred_at"))
        self.segments = segments
        self.week = week

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        cases, case_params = [], []
        for until, seconds in self.segments[:-1]:
            cases.append(f"WHEN {column} < %s THEN %s")
            case_params += [
                *params,
                connection.ops.adapt_datetimefield_value(until),
                f"{seconds:+d} seconds",
            ]
        last = f"{self.segments[-1][1]:+d} seconds"
        shift = f"CASE {' '.join(cases)} ELSE %s END" if cases else "%s"
        monday = ", 'weekday 0', '-6 days'" if self.week else ""
        return f"date({column}, {shift}{monday})", [*params, *case_params, last]


def _sqlite_local_days() -> tuple[Expression | None, Expression | None]:
    """The day and week expressions the SQLite rebuild uses (None: Django's, per row)."""
    if connection.vendor != "sqlite":
        return None, None
    span = Activity.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    if span["first"] is None or span["last"] - span["first"] > _MAX_SPAN:
        return None, None
    segments = offset_segments(timezone.get_default_timezone(), span["first"], span["last"])
    return _SqliteLocalDay(segments), _SqliteLocalDay(segments, week=True)


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
    day, week = _sqlite_local_days()
    daily = _insert_select(
        ActivityDailyRollup,
        {
            "person": "person_id",
            "day": "day",
            "type": "type",
            "attempts": "n_attempts",
            "reached": "n_reached",
        },
        daily_recount(day=day),
    )
    weekly = _insert_select(
        AccountWeeklyTouch,
        {
            "account": "account_id",
            "week_start": "week_start",
            "touches": "n_touches",
            "reached": "n_reached",
        },
        weekly_recount(week=week),
    )
    # Both tables were refilled at once: SQLite's planner statistics (ops.statistics).
    refresh_planner_statistics()
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
