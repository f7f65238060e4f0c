"""Forecast benchmark from the database: 100,000 open deals through ``forecast_for``.

    python -m benchmarks.forecast_db [--deals 100000] [--history 40000] [--leads 20000]
    DATABASE_URL=postgres://… python -m benchmarks.forecast_db    # PostgreSQL instead

A fresh SQLite database in a temporary directory (or the given PostgreSQL one, emptied of
the benchmark's line first) gets one probability line of 50 reps in five teams, a quarter
plan, ``--history`` deals closed in the year before the day (2 to 4 stage moves each),
``--deals`` open deals (a few very large) and ``--leads`` leads. Then, in one process:

* ``core only`` — ``attainment_distribution`` on the same open deals and new business the
  forecast hands it (the floor: the exact distribution itself);
* ``forecast_for, cold`` — end to end with an empty cache: data stamp, closed history and
  calibration, the deals' state on the day, the run-rate, the exact distribution and the
  weekly fan; its parts are timed again one by one below it;
* ``forecast_for, a team`` — a team's forecast with the line's history already cached;
* ``forecast_for, cached`` — a second call: the data stamp and a cache read;
* ``backtest_for`` — a year of weekly cutoffs replayed (skipped with ``--no-backtest``).

Each row prints its time, its ratio to the core call and its query count. Nothing is
asserted; figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

SEED = 17
AS_OF = date(2026, 5, 15)
PERIOD = "FY2026-Q2"  # April to June 2026
REPS, TEAMS = 50, 5
OPEN_STAGES = ("qualified", "proposal", "negotiation")


def setup_django() -> None:
    """Django on a fresh SQLite database (or DATABASE_URL), migrated."""
    if "DATABASE_URL" not in os.environ:
        os.environ["SALESMESH_DATA_DIR"] = tempfile.mkdtemp(prefix="salesmesh-forecast-bench-")
    else:
        os.environ.setdefault(
            "SALESMESH_DATA_DIR", tempfile.mkdtemp(prefix="salesmesh-forecast-bench-")
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesmesh.config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def moment(day: date, hour: int) -> datetime:
    """An aware moment on ``day`` (UTC; the forecast reads local days of Shanghai)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def seed(*, deals: int, history: int, leads: int) -> Any:
    """The benchmark line, its plan, people, deals and leads; returns the plan version."""
    from salesmesh.accounts.models import Account
    from salesmesh.core.calendar import FiscalCalendar
    from salesmesh.org.models import Membership, OrgUnit, Paradigm, Role, UnitKind, User
    from salesmesh.org.services import unit_create
    from salesmesh.pipeline.models import Lead, Opportunity, OpportunityStageChange
    from salesmesh.planning.models import PlanStatus, PlanVersion

    OrgUnit.objects.filter(code__startswith="bench").delete()
    company = OrgUnit.objects.filter(depth=1).first() or unit_create(
        parent=None, code="bench-co", name_zh="基准公司", kind=UnitKind.COMPANY
    )
    line = unit_create(
        parent=company,
        code="bench",
        name_zh="基准事业部",
        kind=UnitKind.BUSINESS_LINE,
        paradigm=Paradigm.PROBABILITY,
    )
    teams = [
        unit_create(parent=line, code=f"bench-t{n}", name_zh=f"组{n}", kind=UnitKind.TEAM)
        for n in range(TEAMS)
    ]
    User.objects.filter(username__startswith="bench-").delete()
    reps = User.objects.bulk_create(User(username=f"bench-{n:03d}") for n in range(REPS))
    Membership.objects.bulk_create(
        Membership(user=rep, unit=teams[n % TEAMS], role=Role.REP) for n, rep in enumerate(reps)
    )
    accounts = Account.objects.bulk_create(
        Account(line=line, name=f"基准客户{n}", owner=rep) for n, rep in enumerate(reps)
    )
    period = FiscalCalendar(1).parse(PERIOD)
    allocation = {team.code: "1000000.00" for team in teams}
    version = PlanVersion.objects.create(
        unit=line,
        period_label=PERIOD,
        number=1,
        paradigm=Paradigm.PROBABILITY,
        assumptions={"period": PERIOD},
        result={
            "data": {
                "document": {
                    "period": {"label": PERIOD, "start": str(period.start), "end": str(period.end)},
                    "target": "0",
                    "country": "CN",
                },
                "allocation": {"amounts": allocation},
            }
        },
        status=PlanStatus.APPROVED,
    )

    rng = random.Random(SEED)
    rows: list[Any] = []
    moves: list[list[tuple[str, datetime]]] = []

    def amount() -> Decimal:
        value = rng.lognormvariate(10.0, 1.2)
        if rng.random() < 0.0002:
            value *= rng.uniform(50, 200)
        return Decimal(f"{value:.2f}")

    for _ in range(history):
        rep = rng.randrange(REPS)
        closed_on = AS_OF - timedelta(days=rng.randrange(1, 365))
        path = list(OPEN_STAGES[: rng.randint(1, len(OPEN_STAGES))])
        offsets = sorted([0, *(rng.randrange(1, 60) for _ in path[1:])])
        opened = closed_on - timedelta(days=offsets[-1] + rng.randrange(1, 30))
        trail = [
            (stage, moment(opened + timedelta(days=offset), 10))
            for stage, offset in zip(path, offsets, strict=True)
        ]
        trail.append(("won" if rng.random() < 0.4 else "lost", moment(closed_on, 15)))
        rows.append(
            Opportunity(
                line=line,
                account=accounts[rep],
                name="历史商机",
                owner=reps[rep],
                stage=trail[-1][0],
                amount=amount(),
                expected_close=closed_on,
            )
        )
        moves.append(trail)
    for _ in range(deals):
        rep = rng.randrange(REPS)
        reached = rng.randrange(len(OPEN_STAGES))
        entered = AS_OF - timedelta(days=rng.randrange(0, 90))
        trail = [
            (stage, moment(entered - timedelta(days=7 * (reached - n)), 11))
            for n, stage in enumerate(OPEN_STAGES[: reached + 1])
        ]
        close = AS_OF + timedelta(days=rng.randrange(-20, 75))
        rows.append(
            Opportunity(
                line=line,
                account=accounts[rep],
                name="商机",
                owner=reps[rep],
                stage=OPEN_STAGES[reached],
                amount=amount(),
                expected_close=close,
            )
        )
        moves.append(trail)
    created = Opportunity.objects.bulk_create(rows, batch_size=5_000)
    changes = []
    for opportunity, trail in zip(created, moves, strict=True):
        previous = ""
        for stage, at in trail:
            changes.append(
                OpportunityStageChange(
                    opportunity=opportunity, from_stage=previous, to_stage=stage, changed_at=at
                )
            )
            previous = stage
    OpportunityStageChange.objects.bulk_create(changes, batch_size=10_000)
    Lead.objects.bulk_create(
        (
            Lead(
                line=line,
                source="market_coverage",
                owner=reps[rng.randrange(REPS)],
                created_on=AS_OF - timedelta(days=rng.randrange(0, 365)),
            )
            for _ in range(leads)
        ),
        batch_size=5_000,
    )
    return version, teams[0], len(changes)


def timed[T](job: Callable[[], T]) -> tuple[T, float, int]:
    """The job's result, its wall time in seconds and how many queries it ran."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = job()
        seconds = time.perf_counter() - started
    return result, seconds, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=40_000)
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--no-backtest", action="store_true")
    args = parser.parse_args()

    setup_django()
    from django.core.cache import cache
    from django.db import connection

    from salesmesh.core.calendar import FiscalCalendar, Grain, WorkCalendar
    from salesmesh.core.forecast import attainment_distribution
    from salesmesh.mesh import forecast as fc
    from salesmesh.mesh import forecast_inputs as fi
    from salesmesh.mesh.forecast_model import DealBook

    started = time.perf_counter()
    version, team, change_count = seed(deals=args.deals, history=args.history, leads=args.leads)
    print(
        f"{connection.vendor}: {args.deals:,} open deals, {args.history:,} closed in the year "
        f"before, {change_count:,} stage moves, {args.leads:,} leads "
        f"(seeded in {time.perf_counter() - started:.0f} s); as of {AS_OF}, plan {PERIOD}"
    )
    WorkCalendar("CN")  # the holidays tables load once per process, not per forecast

    # The path step by step, cold (then end to end, cold again).
    cache.clear()
    line = version.unit
    scope = fi.scope_for(line=line, unit=None, person=None)
    plan = fi.plan_frame(version)
    _, t_stamp, _ = timed(lambda: fi.data_stamp(line=line))
    rows, t_fetch_history, _ = timed(lambda: fi.line_closed_timelines(line=line, as_of=AS_OF))
    history, t_calibrate, _ = timed(lambda: fc._history_from(rows, as_of=AS_OF))
    state, t_state, _ = timed(
        lambda: fi.deal_state(scope=scope, as_of=AS_OF, period_start=plan.period.start)
    )
    _, t_book, _ = timed(
        lambda: DealBook.build(
            as_of=AS_OF,
            stages=state.stages,
            ages=state.ages,
            amounts=state.amounts,
            expected_closes=state.expected_closes,
            model=history.model,
            timing=history.timing,
        )
    )
    calendar = WorkCalendar(plan.country)
    _, t_leads, _ = timed(lambda: fi.lead_counts(scope=scope, as_of=AS_OF, calendar=calendar))
    horizon, _, closed_by, _ = fc._deal_parts(
        scope=scope, period=plan.period, day=AS_OF, state=state, history=history, calendar=calendar
    )
    (deals, new_business), t_inputs, _ = timed(lambda: horizon.inputs(plan.period.end))
    target = fi.plan_frame(version).target
    attainment_distribution(
        closed=horizon.closed, deals=deals, new_business=new_business, target=target
    )
    core, t_core, _ = timed(
        lambda: attainment_distribution(
            closed=horizon.closed, deals=deals, new_business=new_business, target=target
        )
    )
    weeks = [(w.label, w.start, w.end) for w in FiscalCalendar(1).split(plan.period, Grain.WEEK)]
    _, t_fan, _ = timed(lambda: horizon.fan(weeks, closed_by=closed_by, final=core))
    # A stretch target for the forecasts below: 2% above the expected total.
    version.result["data"]["document"]["target"] = str((core.mean * Decimal("1.02")).quantize(1))
    version.save(update_fields=["result"])

    cache.clear()
    view, cold, cold_queries = timed(lambda: fc.forecast_for(version=version, as_of=AS_OF))

    _, team_seconds, team_queries = timed(
        lambda: fc.forecast_for(version=version, unit=team, as_of=AS_OF)
    )
    _, warm, warm_queries = timed(lambda: fc.forecast_for(version=version, as_of=AS_OF))
    rows_out: list[tuple[str, float, int | str]] = [
        ("core only: attainment_distribution", t_core, "—"),
        ("forecast_for, cold (line)", cold, cold_queries),
        ("  data stamp", t_stamp, 1),
        ("  closed history: fetch", t_fetch_history, 1),
        ("  closed history: reviews + calibrate_win_rates", t_calibrate, 0),
        ("  deals' state on the day: fetch", t_state, 2),
        ("  deal book (win rates, timing, close dates)", t_book, 0),
        ("  run-rate: leads", t_leads, 1),
        ("  core inputs for the period's end", t_inputs, 0),
        ("  core: the exact distribution", t_core, 0),
        (f"  fan: {len(weeks)} weeks", t_fan, 0),
        ("forecast_for, a team (line history cached)", team_seconds, team_queries),
        ("forecast_for, cached", warm, warm_queries),
    ]
    if not args.no_backtest:
        cache.clear()
        calibration, t_backtest, backtest_queries = timed(
            lambda: fc.backtest_for(line=line, as_of=AS_OF)
        )
        rows_out.append(("backtest_for: a year of weekly cutoffs", t_backtest, backtest_queries))

    print(
        f"open deals counted {view.pipeline.deals:,} (excluded {view.pipeline.excluded:,}); "
        f"closed {view.closed:,}; P10/P50/P90 {view.attainment.p10:,} / {view.attainment.p50:,}"
        f" / {view.attainment.p90:,}; method {view.attainment.method}, error bound "
        f"{view.attainment.error_bound}"
    )
    width = max(len(name) for name, *_ in rows_out)
    print(f"{'job':<{width}} {'time (ms)':>10} {'× core':>8} {'queries':>8}")
    for name, seconds, queries in rows_out:
        print(f"{name:<{width}} {1000 * seconds:>10.0f} {seconds / t_core:>8.2f} {queries!s:>8}")
    if not args.no_backtest and calibration is not None:
        print(f"back-test Brier {calibration.brier:.4f}")


if __name__ == "__main__":
    main()
