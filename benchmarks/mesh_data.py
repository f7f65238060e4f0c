"""The mesh benchmark's company: one probability line, its reps, a year of activities, a plan.

:func:`generate` fills an empty, migrated database (SQLite or PostgreSQL) with

* the org — a company, one probability business line (China's calendar), ``teams`` teams
  and ``people`` reps with a ``rep`` membership each, hire dates, capacities and exam
  sittings; a head of sales and a line manager to draft and approve the plan;
* ``accounts_per_person`` accounts per rep, each with its open ownership row;
* ``activities`` activities over the year up to :data:`AS_OF` (working days, 09:00-18:00
  Shanghai time, about 40 per rep per day: three quarters calls), loaded in bulk — one
  ``executemany`` per day in one transaction on SQLite, ``COPY`` on PostgreSQL — with the
  activity table's secondary indexes and foreign keys dropped for the load and rebuilt
  after it (an offline bulk load; the schema ends as the migrations made it);
* both rollup tables rebuilt set-based from the activities by the app's own
  ``rollups_rebuild`` (one ``INSERT … SELECT … GROUP BY`` per table, the local day in SQL
  on both databases), then a sample of people and accounts checked against the app's own
  recount;
* ``leads`` leads and ``opportunities`` deals with their stage history over the same year;
* the line's probability plan for FY2026-Q2 (:data:`AS_OF` falls in it), drafted from the
  worked example with the org's 1,000 reps, saved and approved through the planning
  services;
* planner statistics as each database would have them: ``VACUUM ANALYZE`` on PostgreSQL
  (what autovacuum does after a load), the app's sampled ``ANALYZE`` on SQLite (what its
  imports and ``salesmesh migrate`` run, ``ops.statistics``).

Every value comes from a seeded generator, so two runs build the same data. The timings
of each step are returned (and kept in the database beside the dataset's shape, so a
reused database still reports what generating it cost).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from django.db.models import Model

# Bump when the generated data changes, so a cached database is not reused by mistake.
GENERATOR_VERSION = 3
# The day the benchmark looks at: a Wednesday and a working day in China, in FY2026-Q2.
AS_OF = date(2026, 5, 20)
HISTORY_DAYS = 365
LINE_CODE = "bench-smb"
COMPANY_CODE = "bench"
# The line's quarterly target: about what the generated funnel closes in a quarter.
TARGET = "4000万"
META_TABLE = "bench_mesh_meta"
# Shanghai has kept UTC+8 without daylight saving since 1991: 09:00 local is 01:00 UTC.
WORKDAY_START_UTC_S = 1 * 3600
WORKDAY_SECONDS = 9 * 3600

# Activity types and their shares; the share of each that reaches someone.
ACTIVITY_TYPES = ("call", "visit", "meeting", "demo", "email", "wecom", "event")
ACTIVITY_SHARES = (0.75, 0.03, 0.03, 0.02, 0.05, 0.11, 0.01)
REACH_RATES = (0.40, 0.95, 0.95, 0.95, 0.20, 0.50, 0.60)
# Lead sources as the plan's funnel names them (市场覆盖, 品牌, 私域), with their shares.
LEAD_SOURCES = ("market_coverage", "brand", "private_domain")
LEAD_SHARES = (0.5, 0.3, 0.2)
LEAD_QUALIFIED_SHARE = 0.3
# Deal values of the example's product mix and their probabilities.
PRICES = ("4800.00", "12800.00", "29800.00")
PRICE_SHARES = (0.55, 0.35, 0.10)
# qualified → proposal → negotiation → won: the chance of each step, else lost.
STEP_CHANCES = (0.65, 0.6, 0.6)


@dataclass(frozen=True)
class Shape:
    """How much to generate; equal shapes give equal data."""

    people: int = 1_000
    activities: int = 10_000_000
    teams: int = 50
    leads: int = 200_000
    opportunities: int = 60_000
    accounts_per_person: int = 60
    seed: int = 9

    def key(self) -> str:
        """What a cached database must match to be reused."""
        return json.dumps({**asdict(self), "generator": GENERATOR_VERSION}, sort_keys=True)


# -- the cache marker ----------------------------------------------------------------------


def stored_shape() -> dict[str, Any] | None:
    """The marker a finished generation left in this database (None without one)."""
    from django.db import connection

    if META_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {META_TABLE} WHERE name = %s", ["dataset"])  # noqa: S608
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def _store_marker(shape: Shape, steps: dict[str, float], notes: dict[str, Any]) -> None:
    from django.db import connection

    value = json.dumps({"shape": shape.key(), "steps": steps, "notes": notes})
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (name varchar(32) PRIMARY KEY, value text)"
        )
        cursor.execute(f"DELETE FROM {META_TABLE}")  # noqa: S608
        cursor.execute(f"INSERT INTO {META_TABLE} VALUES (%s, %s)", ["dataset", value])  # noqa: S608


# -- bulk loading --------------------------------------------------------------------------


def _is_pg() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


# "HH:MM:SS" for every second of a day, built once.
_CLOCK = np.array(
    [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)], dtype=object
)


def _stamp(day: date, seconds: np.ndarray) -> list[str]:
    """UTC timestamps as text for the database: ``day`` (UTC) plus ``seconds`` past midnight."""
    suffix = "+00" if _is_pg() else ""
    return ((f"{day.isoformat()} " + _CLOCK[seconds]) + suffix).tolist()  # type: ignore[no-any-return]


def _defaults(model: type[Model], columns: Sequence[str]) -> dict[str, Any]:
    """Columns the generated rows leave out that may not be NULL, with the model's default.

    Keeps the loader working when a migration adds such a column (a version counter, say).
    """
    from django.db import connection

    return {
        field.column: field.get_db_prep_save(field.get_default(), connection)
        for field in model._meta.concrete_fields
        if not field.primary_key
        and not field.null
        and field.column not in columns
        and field.has_default()
    }


def insert_rows(model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows into ``model``'s table: one ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

    Values are already in the database's text form (dates and times as ISO strings).
    """
    from django.db import connection

    extra = _defaults(model, columns)
    if extra:
        tail = tuple(extra.values())
        columns = [*columns, *extra]
        rows = [(*row, *tail) for row in rows]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if _is_pg():
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                rows,
            )


@contextmanager
def _bare_table(table: str) -> Iterator[None]:
    """``table`` without its secondary indexes and foreign keys for a load; rebuilt after.

    The definitions are read from the database before dropping them and replayed
    afterwards, so the table ends exactly as the migrations made it.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        if _is_pg():
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
                "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, _definition in constraints:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
            indexes = cursor.fetchall()
            constraints = []
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        if _is_pg():
            cursor.execute("SET maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


@contextmanager
def _sqlite_foreign_keys_off() -> Iterator[None]:
    """SQLite: no per-row foreign-key lookups during the load; a full check after it.

    The pragma only takes effect outside a transaction. PostgreSQL drops the keys
    in :func:`_bare_table` instead.
    """
    from django.db import connection

    if _is_pg():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute("PRAGMA cache_size = -524288")  # 512 MB for the index builds
    yield
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA foreign_key_check(activities_activity)")
        broken = cursor.fetchmany(5)
    if broken:
        raise RuntimeError(f"generated activities break foreign keys: {broken}")


# -- the generator -------------------------------------------------------------------------


@dataclass
class _World:
    """What later steps need of earlier ones."""

    line_id: int
    rep_ids: np.ndarray  # user ids, by rep index
    weights: np.ndarray  # each rep's share of the work
    accounts: np.ndarray  # account ids, [rep index, k]
    working_days: list[date]


def _working_days(start: date, end: date) -> list[date]:
    from salesmesh.core.calendar import WorkCalendar

    return WorkCalendar("CN").working_dates(start, end)


def _org(shape: Shape, rng: np.random.Generator) -> tuple[int, np.ndarray, np.ndarray]:
    """The company, the line, its teams and reps; returns the line's id, rep ids, weights."""
    from django.contrib.auth.hashers import make_password

    from salesmesh.demo.names import GIVEN_NAMES, SURNAMES
    from salesmesh.org.models import (
        ExamKind,
        ExamResult,
        Membership,
        OrgUnit,
        Paradigm,
        Role,
        UnitKind,
        User,
    )
    from salesmesh.org.services import unit_create

    unusable = make_password(None)
    head = User.objects.create(
        username="bench-head", name_zh="周总", name_en="Head", password=unusable
    )
    manager = User.objects.create(
        username="bench-manager", name_zh="陈经理", name_en="Manager", password=unusable
    )
    company = unit_create(
        parent=None,
        code=COMPANY_CODE,
        name_zh="基准科技",
        name_en="Benchmark Tech",
        kind=UnitKind.COMPANY,
        manager=head,
        calendar_country="CN",
    )
    line = unit_create(
        parent=company,
        code=LINE_CODE,
        name_zh="中小企业事业部",
        name_en="SMB",
        kind=UnitKind.BUSINESS_LINE,
        paradigm=Paradigm.PROBABILITY,
        manager=manager,
    )
    teams: list[OrgUnit] = [
        unit_create(
            parent=line,
            code=f"bench-t{n:03d}",
            name_zh=f"电销{n + 1}组",
            name_en=f"Telesales {n + 1}",
            kind=UnitKind.TEAM,
        )
        for n in range(shape.teams)
    ]
    Membership.objects.bulk_create(
        [
            Membership(user=head, unit=company, role=Role.MANAGER),
            Membership(user=manager, unit=line, role=Role.MANAGER),
        ]
    )
    hired = rng.integers(30, 3000, size=shape.people)
    calls = rng.integers(40, 91, size=shape.people)
    visits = rng.integers(1, 5, size=shape.people)
    people = []
    for i in range(shape.people):
        surname = SURNAMES[int(rng.integers(len(SURNAMES)))]
        given = GIVEN_NAMES[int(rng.integers(len(GIVEN_NAMES)))]
        people.append(
            User(
                username=f"rep{i:04d}",
                name_zh=surname[0] + given[0],
                name_en=f"{given[1]} {surname[1]}",
                employee_no=f"B{i:05d}",
                hire_date=AS_OF - timedelta(days=int(hired[i])),
                max_calls_per_day=int(calls[i]),
                max_visits_per_day=int(visits[i]),
                password=unusable,
            )
        )
    User.objects.bulk_create(people, batch_size=500)
    reps = list(User.objects.filter(username__startswith="rep").order_by("username"))
    Membership.objects.bulk_create(
        [
            Membership(user=rep, unit=teams[i * shape.teams // shape.people], role=Role.REP)
            for i, rep in enumerate(reps)
        ],
        batch_size=500,
    )
    scores = rng.uniform(45, 100, size=(shape.people, 2)).round(2)
    ExamResult.objects.bulk_create(
        [
            ExamResult(
                user=rep,
                kind=kind,
                taken_on=date(2026, 1, 15),
                score=Decimal(f"{scores[i, k]:.2f}"),
                passed=bool(scores[i, k] >= 60),
            )
            for i, rep in enumerate(reps)
            for k, kind in enumerate((ExamKind.PRODUCT, ExamKind.SCENARIO))
        ],
        batch_size=1000,
    )
    # Busier reps do more of everything, in proportion to their call capacity.
    weights = calls / calls.sum()
    return line.pk, np.array([rep.pk for rep in reps]), weights


def _accounts(shape: Shape, line_id: int, rep_ids: np.ndarray) -> np.ndarray:
    """``accounts_per_person`` accounts per rep with their open ownership; ids by [rep, k]."""
    from salesmesh.accounts.models import Account, AccountOwnership

    start = "2025-01-01 00:00:00" + ("+00" if _is_pg() else "")
    per = shape.accounts_per_person
    insert_rows(
        Account,
        ["line_id", "name", "is_named", "tier", "industry", "region", "owner_id"],
        [
            (line_id, f"客户{i:04d}-{k:03d}", False, "", "", "", int(rep_id))
            for i, rep_id in enumerate(rep_ids)
            for k in range(per)
        ],
    )
    ids = np.array(
        Account.objects.filter(line_id=line_id).order_by("pk").values_list("pk", flat=True)
    ).reshape(len(rep_ids), per)
    insert_rows(
        AccountOwnership,
        ["account_id", "owner_id", "started_at"],
        [
            (int(ids[i, k]), int(rep_id), start)
            for i, rep_id in enumerate(rep_ids)
            for k in range(per)
        ],
    )
    return ids


def _activities(shape: Shape, world: _World, rng: np.random.Generator) -> None:
    """The activities, day by day in time order, into a bare activity table (one transaction)."""
    from django.db import transaction

    from salesmesh.activities.models import Activity

    columns = ["type", "person_id", "account_id", "occurred_at", "reached", "duration_minutes"]
    days = world.working_days
    per_day = np.full(len(days), shape.activities // len(days))
    per_day[: shape.activities % len(days)] += 1
    types = np.array(ACTIVITY_TYPES, dtype=object)
    reach = np.array(REACH_RATES)
    people = len(world.rep_ids)
    with _sqlite_foreign_keys_off(), _bare_table("activities_activity"), transaction.atomic():
        for day, count in zip(days, per_day, strict=True):
            who = rng.choice(people, size=count, p=world.weights)
            kind = rng.choice(len(ACTIVITY_TYPES), size=count, p=ACTIVITY_SHARES)
            seconds = np.sort(WORKDAY_START_UTC_S + rng.integers(0, WORKDAY_SECONDS, size=count))
            reached = rng.random(count) < reach[kind]
            account = world.accounts[who, rng.integers(0, shape.accounts_per_person, size=count)]
            minutes = np.where(kind == 0, rng.integers(0, 12, size=count), 0)
            minutes = np.where(kind == 1, rng.integers(30, 121, size=count), minutes)
            insert_rows(
                Activity,
                columns,
                list(
                    zip(
                        types[kind].tolist(),
                        world.rep_ids[who].tolist(),
                        account.tolist(),
                        _stamp(day, seconds),
                        reached.tolist(),
                        minutes.tolist(),
                        strict=True,
                    )
                ),
            )


def _rollups() -> dict[str, int]:
    """Both rollup tables from the activities, set-based: the app's own ``rollups_rebuild``.

    One ``INSERT … SELECT … GROUP BY`` per table; on SQLite the local day is computed in SQL
    (``rollup_audit._SqliteLocalDay``), on PostgreSQL with ``AT TIME ZONE``. The sample
    check below compares the result with the app's recount, which computes the day with
    Django's own truncation.
    """
    from salesmesh.activities.rollup_audit import rollups_rebuild

    report = rollups_rebuild()
    return {"daily_rollup_rows": report.daily_rows, "weekly_rollup_rows": report.weekly_rows}


def verify_sample(world: _World, rng: np.random.Generator) -> int:
    """A sample of people's and accounts' rollup rows against the app's own recount.

    ``rollup_audit.daily_recount`` / ``weekly_recount`` are what ``salesmesh rollups
    --verify`` compares with; restricted to 20 people and 200 accounts they read a few
    hundred thousand activities through the indexes instead of all of them. Returns the
    number of rollup rows compared; raises if any differs.
    """
    from datetime import datetime

    from salesmesh.activities.models import AccountWeeklyTouch, ActivityDailyRollup
    from salesmesh.activities.rollup_audit import daily_recount, weekly_recount

    def day_of(value: object) -> object:
        return value.date() if isinstance(value, datetime) else value

    people = sorted(int(p) for p in rng.choice(world.rep_ids, size=20, replace=False))
    accounts = sorted(int(a) for a in rng.choice(world.accounts.ravel(), size=200, replace=False))
    expected = {
        (r["person_id"], day_of(r["day"]), r["type"]): (r["n_attempts"], r["n_reached"])
        for r in daily_recount().filter(person_id__in=people)
    }
    stored = {
        (p, d, t): (a, r)
        for p, d, t, a, r in ActivityDailyRollup.objects.filter(person_id__in=people).values_list(
            "person_id", "day", "type", "attempts", "reached"
        )
    }
    expected_weeks = {
        (r["account_id"], day_of(r["week_start"])): (r["n_touches"], r["n_reached"])
        for r in weekly_recount().filter(account_id__in=accounts)
    }
    stored_weeks = {
        (a, w): (t, r)
        for a, w, t, r in AccountWeeklyTouch.objects.filter(account_id__in=accounts).values_list(
            "account_id", "week_start", "touches", "reached"
        )
    }
    if expected != stored or expected_weeks != stored_weeks:
        raise RuntimeError("the rebuilt rollups differ from the app's recount")
    return len(stored) + len(stored_weeks)


def _leads(shape: Shape, world: _World, rng: np.random.Generator) -> None:
    """Leads created on working days over the year; some qualified up to 20 days later."""
    from salesmesh.pipeline.models import Lead

    days = np.array(world.working_days, dtype="datetime64[D]")
    # In the order they were created, as a live system stores them.
    created = np.sort(days[rng.integers(0, len(days), size=shape.leads)])
    owner = world.rep_ids[rng.choice(len(world.rep_ids), size=shape.leads, p=world.weights)]
    source = rng.choice(len(LEAD_SOURCES), size=shape.leads, p=LEAD_SHARES)
    qualified = created + rng.integers(0, 21, size=shape.leads).astype("timedelta64[D]")
    is_qualified = (rng.random(shape.leads) < LEAD_QUALIFIED_SHARE) & (
        qualified <= np.datetime64(AS_OF)
    )
    rows = [
        (
            world.line_id,
            "",
            LEAD_SOURCES[s],
            "qualified" if q else "working",
            int(o),
            str(c),
            str(qd) if q else None,
        )
        for c, o, s, q, qd in zip(created, owner, source, is_qualified, qualified, strict=True)
    ]
    insert_rows(
        Lead,
        ["line_id", "name", "source", "status", "owner_id", "created_on", "qualified_on"],
        rows,
    )


def _opportunities(shape: Shape, world: _World, rng: np.random.Generator) -> int:
    """Deals opened on working days, each walked through its stages up to :data:`AS_OF`.

    A deal enters *qualified* when it is opened, then each later stage with
    :data:`STEP_CHANCES` a few days apart, else it is lost; a step that would fall after
    :data:`AS_OF` has not happened yet, and the deal stays open. Returns the number of
    stage changes.
    """
    from salesmesh.pipeline.models import Opportunity, OpportunityStageChange

    count = shape.opportunities
    days = world.working_days
    opened = np.sort(rng.integers(0, len(days), size=count))  # stored in the order opened
    who = rng.choice(len(world.rep_ids), size=count, p=world.weights)
    price = rng.choice(len(PRICES), size=count, p=PRICE_SHARES)
    account = world.accounts[who, rng.integers(0, shape.accounts_per_person, size=count)]
    hour = rng.integers(2 * 3600, 9 * 3600, size=(count, 4))  # 10:00-17:00 in Shanghai
    gaps = rng.integers(2, 11, size=(count, 3))
    steps = rng.random((count, 3))
    suffix = "+00" if _is_pg() else ""
    path = ("qualified", "proposal", "negotiation", "won")
    deals: list[tuple[Any, ...]] = []
    changes: list[list[tuple[str, str, str]]] = []
    for n in range(count):
        day = days[int(opened[n])]
        stage, history = "qualified", [("", "qualified", day)]
        for k in range(3):
            day = day + timedelta(days=int(gaps[n, k]))
            if day > AS_OF:
                break
            stage = path[k + 1] if steps[n, k] < STEP_CHANCES[k] else "lost"
            history.append((history[-1][1], stage, day))
            if stage == "lost":
                break
        changes.append(
            [
                (
                    before,
                    after,
                    f"{on.isoformat()} {hour[n, k] // 3600:02d}:{hour[n, k] // 60 % 60:02d}:00"
                    + suffix,
                )
                for k, (before, after, on) in enumerate(history)
            ]
        )
        closed = stage in ("won", "lost")
        deals.append(
            (
                world.line_id,
                int(account[n]),
                f"商机 {n:06d}",
                stage,
                PRICES[int(price[n])],
                "CNY",
                (days[int(opened[n])] + timedelta(days=30)).isoformat(),
                "closed" if closed else "pipeline",
                "",
                int(world.rep_ids[who[n]]),
            )
        )
    insert_rows(
        Opportunity,
        [
            "line_id",
            "account_id",
            "name",
            "stage",
            "amount",
            "currency",
            "expected_close",
            "forecast_category",
            "product_lines",
            "owner_id",
        ],
        deals,
    )
    ids = list(
        Opportunity.objects.filter(line_id=world.line_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Stage changes in the order they happened, as the pipeline services write them.
    rows = sorted(
        (
            (opportunity, before, after, at)
            for opportunity, history in zip(ids, changes, strict=True)
            for before, after, at in history
        ),
        key=lambda row: row[3],
    )
    insert_rows(
        OpportunityStageChange,
        ["opportunity_id", "from_stage", "to_stage", "changed_at"],
        rows,
    )
    return len(rows)


def _plan() -> dict[str, Any]:
    """The line's FY2026-Q2 probability plan from the worked example, saved and approved."""
    from salesmesh.org.models import OrgUnit, User
    from salesmesh.planfile.report import report_to_dict
    from salesmesh.planning.documents import run_document, starting_assumptions
    from salesmesh.planning.services import plan_version_approve, plan_version_save

    line = OrgUnit.objects.get(code=LINE_CODE)
    document = starting_assumptions(line=line)
    document["target"] = TARGET
    report = run_document(document)
    version = plan_version_save(
        line=line,
        period_label=report.period_label,
        paradigm=report.paradigm,
        assumptions=document,
        result=report_to_dict(report),
        by=User.objects.get(username="bench-manager"),
        note="benchmark plan",
    )
    plan_version_approve(version=version, by=User.objects.get(username="bench-head"))
    return {"plan_period": report.period_label, "plan_reps": len(document["probability"]["reps"])}


def _vacuum() -> None:
    """Planner statistics as the app leaves them after a load.

    PostgreSQL: ``VACUUM ANALYZE``, what autovacuum leaves after a load (statistics, and
    the visibility map index-only scans need). SQLite: the app's own sampled ``ANALYZE``
    (``ops.statistics.refresh_planner_statistics``), which its imports, ``salesmesh
    rollups --rebuild`` and every ``salesmesh migrate`` run.
    """
    from django.db import connection

    from salesmesh.ops.statistics import refresh_planner_statistics

    if _is_pg():
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        refresh_planner_statistics()


def generate(shape: Shape, report: Callable[[str], None]) -> dict[str, Any]:
    """Fill the migrated, empty database; returns seconds per step and a few counts."""
    rng = np.random.default_rng(shape.seed)
    steps: dict[str, float] = {}
    notes: dict[str, Any] = {}

    def step[T](name: str, work: Callable[[], T]) -> T:
        report(f"{name} …")
        started = time.perf_counter()
        result = work()
        steps[name] = round(time.perf_counter() - started, 1)
        report(f"{name}: {steps[name]:.1f} s")
        return result

    from django.db import transaction

    with transaction.atomic():
        line_id, rep_ids, weights = step("org", lambda: _org(shape, rng))
        accounts = step("accounts", lambda: _accounts(shape, line_id, rep_ids))
    world = _World(
        line_id=line_id,
        rep_ids=rep_ids,
        weights=weights,
        accounts=accounts,
        working_days=_working_days(AS_OF - timedelta(days=HISTORY_DAYS - 1), AS_OF),
    )
    step("activities", lambda: _activities(shape, world, rng))
    notes.update(step("rollups", _rollups))
    notes["rollup_rows_checked"] = step("rollup check", lambda: verify_sample(world, rng))
    with transaction.atomic():
        step("leads", lambda: _leads(shape, world, rng))
        notes["stage_changes"] = step("deals", lambda: _opportunities(shape, world, rng))
    notes.update(step("plan", _plan))
    step("vacuum", _vacuum)
    _store_marker(shape, steps, notes)
    return {"steps": steps, "notes": notes}
