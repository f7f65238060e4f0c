"""Set-based maintenance of the activity rollups: signed deltas in, one upsert per table.

Every write path turns the activities it adds (+1) and removes (−1) into
:class:`SignedActivity` tuples; :func:`rollup_deltas` folds them into net
changes per rollup key (pure, no database), and :func:`rollups_apply` adds
those changes in one ``executemany`` per table::

    INSERT INTO rollup (key…, counts…) VALUES (…)
    ON CONFLICT (key…) DO UPDATE SET count = rollup.count + excluded.count

The statement is the same on SQLite (≥ 3.24) and PostgreSQL. Adding deltas
commutes, so concurrent writers need no lock beyond the row the database
takes for each upsert, and keys are applied in sorted order so two
transactions never wait on each other in a cycle. A single-row edit, a bulk
insert of a million rows and an import all pay the same handful of
statements; rows that fall to zero are deleted afterwards.

Days and weeks are local to the project's ``TIME_ZONE`` (Asia/Shanghai): a
call at 23:30 in Shanghai counts on that Shanghai day, whatever UTC says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from salesmesh.activities.models import AccountWeeklyTouch, ActivityDailyRollup

DailyKey = tuple[int, date, str]  # person id, local day, activity type
WeeklyKey = tuple[int, date]  # account id, Monday of the local week
Counts = tuple[int, int]  # (attempts or touches, reached)


class SignedActivity(NamedTuple):
    """What the rollups need of one activity, and whether it is added (+1) or removed (−1)."""

    person_id: int
    account_id: int | None
    type: str
    occurred_at: datetime
    reached: bool
    sign: int


def rollup_deltas(
    rows: Iterable[SignedActivity], *, tz: tzinfo | None = None
) -> tuple[dict[DailyKey, Counts], dict[WeeklyKey, Counts]]:
    """Net rollup changes of the signed activities; keys whose changes cancel are dropped."""
    zone = tz or timezone.get_default_timezone()
    daily: dict[DailyKey, list[int]] = {}
    weekly: dict[WeeklyKey, list[int]] = {}
    for person_id, account_id, kind, occurred_at, reached, sign in rows:
        day = occurred_at.astimezone(zone).date()
        hit = sign if reached else 0
        counts = daily.get((person_id, day, kind))
        if counts is None:
            daily[(person_id, day, kind)] = [sign, hit]
        else:
            counts[0] += sign
            counts[1] += hit
        if account_id is not None:
            week = (account_id, day - timedelta(days=day.weekday()))
            counts = weekly.get(week)
            if counts is None:
                weekly[week] = [sign, hit]
            else:
                counts[0] += sign
                counts[1] += hit
    return _nonzero(daily), _nonzero(weekly)


def _nonzero[K](deltas: dict[K, list[int]]) -> dict[K, Counts]:
    return {key: (total, hit) for key, (total, hit) in deltas.items() if total or hit}


# No savepoint of its own: the callers' transaction already holds the activity
# writes, and a failure here must undo them too.
@transaction.atomic(savepoint=False)
def rollups_apply(*, daily: Mapping[DailyKey, Counts], weekly: Mapping[WeeklyKey, Counts]) -> None:
    """Add the deltas to the rollup tables: at most two statements per table."""
    _apply(ActivityDailyRollup, ("person", "day", "type"), ("attempts", "reached"), daily)
    _apply(AccountWeeklyTouch, ("account", "week_start"), ("touches", "reached"), weekly)


def _apply(
    model: type[Model],
    key_fields: Sequence[str],
    count_fields: Sequence[str],
    deltas: Mapping[tuple[object, ...], Counts],
) -> None:
    if not deltas:
        return
    ops = connection.ops
    params = [
        tuple(ops.adapt_datefield_value(part) if isinstance(part, date) else part for part in key)
        + counts
        for key, counts in sorted(deltas.items())
    ]
    with connection.cursor() as cursor:
        cursor.executemany(upsert_sql(model, key_fields, count_fields), params)
        if any(counts[0] < 0 for counts in deltas.values()):
            table = ops.quote_name(model._meta.db_table)
            total = ops.quote_name(model._meta.get_field(count_fields[0]).column)
            # Served by a partial index that holds only the emptied rows.
            cursor.execute(f"DELETE FROM {table} WHERE {total} = 0")  # noqa: S608 - names from _meta


def upsert_sql(model: type[Model], key_fields: Sequence[str], count_fields: Sequence[str]) -> str:
    """``INSERT … ON CONFLICT (keys) DO UPDATE SET count = count + excluded.count``."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    keys = [quote(model._meta.get_field(name).column) for name in key_fields]
    counts = [quote(model._meta.get_field(name).column) for name in count_fields]
    columns = ", ".join(keys + counts)
    values = ", ".join(["%s"] * (len(keys) + len(counts)))
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counts)
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({values}) "  # noqa: S608 - names from _meta
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )
