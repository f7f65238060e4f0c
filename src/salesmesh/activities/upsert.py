"""Set-based upsert of activities by external ID, for imports of millions of rows.

The ORM costs more per row than the whole rest of an import (DESIGN.md §4),
so this writer speaks SQL: per chunk, one query reads the rows already
stored under the chunk's external IDs, new rows go in with one
``executemany`` (PostgreSQL: ``COPY``), changed rows with one ``executemany``
UPDATE. The rollups see each added row at +1 and each replaced version at −1
(ADR 0009); their deltas are folded as the chunks pass and applied once, in
the caller's transaction, by :meth:`ActivityUpserter.finish`.

The caller has checked every value (types, ranges, references, the deal's
account); this module only writes. It must run inside a transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from salesmesh.activities.models import Activity
from salesmesh.activities.rollups import (
    Counts,
    DailyKey,
    SignedActivity,
    WeeklyKey,
    rollup_deltas,
    rollups_apply,
)
from salesmesh.activities.services import aware_from_db

# The columns an import writes, in the order the row tuples carry them.
COLUMNS = (
    "external_id",
    "type",
    "person_id",
    "account_id",
    "opportunity_id",
    "occurred_at",
    "reached",
    "duration_minutes",
)
COMPARED = COLUMNS[1:]
# Rollup keys held before they are applied (about 10 MB of deltas).
FLUSH_KEYS = 50_000
# Bound parameters per lookup query: well inside SQLite's limit (32,766).
LOOKUP_BATCH = 5000

ActivityRow = tuple[str, str, int, int | None, int | None, datetime, bool, int]


@dataclass
class UpsertResult:
    """Counts, and for each updated row its id, external ID and changed columns (old, new)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[tuple[int, str, dict[str, tuple[object, object]]]] = field(default_factory=list)


def _merge(total: dict[Any, list[int]], part: dict[Any, Counts]) -> None:
    for key, (count, reached) in part.items():
        counts = total.get(key)
        if counts is None:
            total[key] = [count, reached]
        else:
            counts[0] += count
            counts[1] += reached


class ActivityUpserter:
    """Feed it chunks of checked rows with :meth:`add`; :meth:`finish` applies the rollups."""

    def __init__(self, *, keep: frozenset[str] = frozenset()) -> None:
        """``keep``: columns the source does not carry; stored rows keep their values there."""
        if not connection.in_atomic_block:
            raise RuntimeError("ActivityUpserter must run inside a transaction")
        self.result = UpsertResult()
        self._keep = [COLUMNS.index(name) for name in sorted(keep)]
        self._daily: dict[DailyKey, list[int]] = {}
        self._weekly: dict[WeeklyKey, list[int]] = {}
        self._quote = connection.ops.quote_name
        self._table = self._quote(Activity._meta.db_table)
        self._is_postgres = connection.vendor == "postgresql"
        self._zone = timezone.get_default_timezone()
        self._week_of: dict[date, date] = {}

    def add(self, rows: Sequence[ActivityRow]) -> None:
        """Write one chunk (external IDs unique within the whole import)."""
        stored = self._stored({row[0] for row in rows})
        new: list[ActivityRow] = []
        changed: list[tuple[ActivityRow, int]] = []
        signed: list[SignedActivity] = []
        for row in rows:
            before = stored.get(row[0]) if stored else None
            if before is None:
                new.append(row)
                continue
            if self._keep:
                merged = list(row)
                for index in self._keep:
                    merged[index] = before[index]
                row = tuple(merged)  # type: ignore[assignment]
            if before[1:] == row[1:]:
                self.result.unchanged += 1
                continue
            pk = before[0]
            changed.append((row, pk))
            self.result.changes.append((pk, row[0], _differences(before, row)))
            signed.append(SignedActivity(before[2], before[3], before[1], before[5], before[6], -1))
            signed.append(SignedActivity(row[2], row[3], row[1], row[5], row[6], +1))
        self._insert(new)
        self._update(changed)
        self.result.created += len(new)
        self.result.updated += len(changed)
        if signed:
            daily, weekly = rollup_deltas(signed)
            _merge(self._daily, daily)
            _merge(self._weekly, weekly)

    def _count_new(self, rows: list[ActivityRow]) -> None:
        """Fold added rows into the rollup deltas (+1 each) without building a tuple per row.

        The same arithmetic as ``rollup_deltas``, inlined: this loop runs once
        per imported row, so every call saved is a few percent of an import.
        """
        zone = self._zone
        daily, weekly, weeks = self._daily, self._weekly, self._week_of
        for _ext, kind, person, account, _deal, occurred_at, reached, _minutes in rows:
            day = occurred_at.astimezone(zone).date()
            hit = 1 if reached else 0
            counts = daily.get((person, day, kind))
            if counts is None:
                daily[(person, day, kind)] = [1, hit]
            else:
                counts[0] += 1
                counts[1] += hit
            if account is None:
                continue
            week = weeks.get(day)
            if week is None:
                week = weeks[day] = day - timedelta(days=day.weekday())
            counts = weekly.get((account, week))
            if counts is None:
                weekly[(account, week)] = [1, hit]
            else:
                counts[0] += 1
                counts[1] += hit

    def flush_if_large(self) -> None:
        """Apply the deltas once they hold many keys: memory stays bounded, statements few."""
        if len(self._daily) + len(self._weekly) > FLUSH_KEYS:
            self.flush()

    def flush(self) -> None:
        """Apply the rollup deltas folded so far and start afresh (bounds memory)."""
        rollups_apply(
            daily={k: (c[0], c[1]) for k, c in self._daily.items() if c[0] or c[1]},
            weekly={k: (c[0], c[1]) for k, c in self._weekly.items() if c[0] or c[1]},
        )
        self._daily = {}
        self._weekly = {}

    def finish(self) -> UpsertResult:
        """Apply the folded rollup deltas (one upsert per table) and give the counts."""
        self.flush()
        return self.result

    # SQL -----------------------------------------------------------------------

    def _stored(self, external_ids: set[str]) -> dict[str, tuple[Any, ...]]:
        """(pk, type, person, account, deal, occurred_at, reached, duration) by external ID."""
        found: dict[str, tuple[Any, ...]] = {}
        ids = sorted(external_ids)
        columns = ", ".join(self._quote(name) for name in ("id", *COLUMNS))
        with connection.cursor() as cursor:
            for start in range(0, len(ids), LOOKUP_BATCH):
                batch = ids[start : start + LOOKUP_BATCH]
                if self._is_postgres:
                    # One array parameter: psycopg need not parse thousands of placeholders.
                    condition, params = "= ANY(%s)", [batch]
                else:
                    condition, params = f"IN ({', '.join(['%s'] * len(batch))})", batch
                cursor.execute(
                    f"SELECT {columns} FROM {self._table} "  # noqa: S608 - names from _meta
                    f"WHERE {self._quote('external_id')} {condition}",
                    params,
                )
                for pk, external_id, *rest in cursor.fetchall():
                    kind, person, account, deal, occurred_at, reached, minutes = rest
                    found[external_id] = (
                        pk,
                        kind,
                        person,
                        account,
                        deal,
                        aware_from_db(occurred_at),
                        bool(reached),
                        minutes,
                    )
        return found

    def _insert(self, rows: list[ActivityRow]) -> None:
        if not rows:
            return
        self._count_new(rows)
        self._write_new(rows if self._is_postgres else _adapted(rows, datetime_adapter()))

    def _write_new(self, params: Iterable[Sequence[Any]]) -> None:
        """Insert rows already in the vendor's form (SQLite: time as text)."""
        names = ", ".join(self._quote(name) for name in COLUMNS)
        with connection.cursor() as cursor:
            if self._is_postgres:
                # COPY streams the rows in one round trip (psycopg 3).
                raw = cursor.cursor
                with raw.copy(f"COPY {self._table} ({names}) FROM STDIN") as copy:
                    for row in params:
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(COLUMNS))
            cursor.executemany(
                f"INSERT INTO {self._table} ({names}) VALUES ({marks})",  # noqa: S608
                params,
            )

    def insert_prepared(
        self,
        params: list[tuple[Any, ...]],
        *,
        daily: Iterable[tuple[int, date, str, int, int]],
        weekly: Iterable[tuple[int, date, int, int]],
    ) -> None:
        """Insert new rows whose rollup deltas the caller computed (a vectorised reader).

        ``params`` are in ``COLUMNS`` order and the vendor's form (see
        ``datetime_adapter``); ``daily``/``weekly`` are (key…, count, reached).
        """
        self._write_new(params)
        self.result.created += len(params)
        for person, day, kind, count, hits in daily:
            counts = self._daily.setdefault((person, day, kind), [0, 0])
            counts[0] += count
            counts[1] += hits
        for account, week, count, hits in weekly:
            counts = self._weekly.setdefault((account, week), [0, 0])
            counts[0] += count
            counts[1] += hits

    def stored_ids(self, external_ids: set[str]) -> set[str]:
        """Which of these external IDs are already stored."""
        return set(self._stored(external_ids))

    @property
    def zone_name(self) -> str:
        """The project's time zone, by name (days and weeks of the rollups are local to it)."""
        return str(self._zone)

    def _update(self, rows: list[tuple[ActivityRow, int]]) -> None:
        if not rows:
            return
        assignments = ", ".join(f"{self._quote(name)} = %s" for name in COMPARED)
        adapt = datetime_adapter()
        params = [
            (*next(_adapted([row], adapt))[1:], pk)  # the external ID is the key, not set
            for row, pk in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {self._table} SET {assignments} WHERE {self._quote('id')} = %s",  # noqa: S608
                params,
            )


def datetime_adapter() -> Callable[[datetime], Any]:
    """How a datetime is bound: Django's adapter, or a direct one where it is known to agree.

    Django's SQLite adapter (``str`` of the naive UTC value) costs several
    microseconds a row; for a million rows that is most of an import's budget.
    The direct form is the same text: the round trip is tested.
    """
    if connection.vendor == "sqlite" and connection.timezone == UTC:
        return _sqlite_utc_text
    return connection.ops.adapt_datetimefield_value


def _sqlite_utc_text(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _adapted(rows: list[ActivityRow], adapt: Callable[[Any], Any]) -> Iterator[tuple[Any, ...]]:
    for external_id, kind, person, account, deal, occurred_at, reached, minutes in rows:
        yield (external_id, kind, person, account, deal, adapt(occurred_at), reached, minutes)


def _differences(before: tuple[Any, ...], row: ActivityRow) -> dict[str, tuple[object, object]]:
    return {
        name: (old, new)
        for name, old, new in zip(COMPARED, before[1:], row[1:], strict=True)
        if old != new
    }


def upsert_in_transaction(chunks: Iterator[Sequence[ActivityRow]]) -> UpsertResult:
    """Upsert every chunk in one transaction (tests and benchmarks)."""
    with transaction.atomic():
        upserter = ActivityUpserter()
        for chunk in chunks:
            upserter.add(chunk)
        return upserter.finish()
