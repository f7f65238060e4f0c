"""Benchmark harness: prints a table of timings and ratios against a baseline.

Run with `make bench`. Each row times one job and the naive way of doing it in
the same process, so the ratio holds however noisy the machine is. Figures go
to docs/benchmarks.md; nothing here is asserted by the test suite.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import holidays

from salesmesh.core.behaviour import (
    BehaviourPlanInput,
    Conversions,
    NamedAccount,
    Role,
    Stage,
    TeamMember,
    TierPlan,
    plan_behaviour,
)
from salesmesh.core.calendar import FiscalCalendar, WorkCalendar
from salesmesh.core.probability import (
    BehaviourYields,
    Funnel,
    FunnelStage,
    LeadSource,
    ProbabilityInputs,
    Product,
    Rep,
    plan_probability,
)

RANGES = 2_000
SEED = 7


def best_of(job: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of several runs, in seconds (the least disturbed by noise)."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        job()
        timings.append(time.perf_counter() - started)
    return min(timings)


def random_ranges(count: int) -> list[tuple[date, date]]:
    rng = random.Random(SEED)
    ranges = []
    for _ in range(count):
        start = date(2018, 1, 1) + timedelta(days=rng.randrange(9 * 365))
        ranges.append((start, start + timedelta(days=rng.randrange(1, 400))))
    return ranges


def bench_working_days() -> tuple[str, float, float]:
    ranges = random_ranges(RANGES)
    calendar = WorkCalendar("CN")
    calendar.working_days(date(2018, 1, 1), date(2027, 12, 31))  # warm the per-year cache
    library = holidays.country_holidays("CN", years=range(2018, 2028))

    def ours() -> int:
        return sum(calendar.working_days(a, b) for a, b in ranges)

    def naive() -> int:
        total = 0
        for a, b in ranges:
            day = a
            while day <= b:
                total += library.is_working_day(day)
                day += timedelta(days=1)
        return total

    if ours() != naive():
        raise SystemExit("the fast path disagrees with the library day by day")
    return (f"working days, {RANGES} random CN ranges", best_of(ours), best_of(naive, 2))


def probability_inputs(reps: int, load: int = 1) -> ProbabilityInputs:
    """A year's SMB plan whose target scales with the team, so each rep's load is alike."""
    rng = random.Random(SEED)
    D = Decimal
    return ProbabilityInputs(
        target=D(250_000) * reps * load,
        period=FiscalCalendar().parse("FY2025"),
        work_calendar=WorkCalendar("CN"),
        products=(Product("basic", D(9800), D("0.7")), Product("pro", D(29800), D("0.3"))),
        funnel=Funnel(
            (
                FunnelStage("lead", D("0.3"), 30),
                FunnelStage("qualified lead", D("0.4"), 14),
                FunnelStage("opportunity", D("0.3"), 7),
            ),
            (LeadSource("market", D("0.6"), D("1")), LeadSource("brand", D("0.4"), D("1.2"))),
        ),
        yields=BehaviourYields(D("2"), D("0.35"), D("1")),
        reps=tuple(
            Rep(
                f"r{i}",
                D(rng.randrange(50, 90)),
                D(rng.randrange(2, 6)),
                D(rng.randrange(30, 100)) / 100,
                D(rng.randrange(30, 100)) / 100,
                rng.randrange(1, 96),
            )
            for i in range(reps)
        ),
    )


def bench_probability() -> tuple[str, float, float]:
    big, small = probability_inputs(5_000), probability_inputs(50)
    plan = plan_probability(big)
    state = "feasible" if plan.feasibility.feasible else "infeasible"
    return (
        f"probability plan, 5,000 reps x {len(plan.weeks)} weeks, {state} (baseline: 50 reps)",
        best_of(lambda: plan_probability(big), 3),
        best_of(lambda: plan_probability(small), 3),
    )


def bench_probability_infeasible() -> tuple[str, float, float]:
    big, small = probability_inputs(5_000, load=12), probability_inputs(50, load=12)
    plan = plan_probability(big)
    if plan.feasibility.feasible:
        raise SystemExit("the 12x plan was meant to exceed capacity")
    return (
        f"same, 12x the target: infeasible, {len(plan.feasibility.fixes)} fixes found",
        best_of(lambda: plan_probability(big), 3),
        best_of(lambda: plan_probability(small), 3),
    )


def behaviour_inputs(accounts: int, sdrs: int) -> BehaviourPlanInput:
    """Named accounts over tiers A/B/C with an SDR, BD and presales team sized to cover them."""
    rng = random.Random(SEED)
    D = Decimal
    stages = [Stage.UNTOUCHED] * 6 + [Stage.TOUCHED] * 2 + [Stage.ENGAGED, Stage.VQL]
    bds = max(1, sdrs * 3 // 4)
    team = (
        *(TeamMember(f"sdr{i}", Role.SDR, 250) for i in range(sdrs)),
        *(TeamMember(f"bd{i}", Role.BD, 40) for i in range(bds)),
        *(TeamMember(f"pre{i}", Role.PRESALES, 10) for i in range(max(1, sdrs // 5))),
    )
    return BehaviourPlanInput(
        target=D(accounts) * 30_000,
        period=FiscalCalendar().parse("FY2025"),
        accounts=tuple(
            NamedAccount(
                f"acc{i}",
                f"Account {i}",
                rng.choice("AABBBCCCCC"),
                D(rng.randrange(100, 5_000)) * 1_000,
                rng.choice(stages),
                f"bd{rng.randrange(bds)}",
            )
            for i in range(accounts)
        ),
        tiers=(TierPlan("A", D(600_000)), TierPlan("B", D(200_000)), TierPlan("C", D(80_000))),
        conversions=Conversions(D("0.5"), D("0.5"), D("0.5")),
        team=team,
    )


def bench_behaviour() -> tuple[str, float, float]:
    calendar = WorkCalendar("CN")
    big, small = behaviour_inputs(20_000, 40), behaviour_inputs(200, 2)
    plan_behaviour(big, calendar)  # warm the calendar's year tables
    return (
        "behaviour plan, 20,000 accounts x 40 SDRs (baseline: 200 x 2)",
        best_of(lambda: plan_behaviour(big, calendar), 3),
        best_of(lambda: plan_behaviour(small, calendar), 3),
    )


def main() -> None:
    rows = [
        bench_working_days(),
        bench_probability(),
        bench_probability_infeasible(),
        bench_behaviour(),
    ]
    width = max(len(name) for name, _, _ in rows)
    print(f"{'job':<{width}} {'ours (ms)':>10} {'baseline (ms)':>14} {'ours/base':>10}")
    for name, ours, baseline in rows:
        ratio = ours / baseline
        print(f"{name:<{width}} {ours * 1e3:>10.1f} {baseline * 1e3:>14.1f} {ratio:>10.3f}")
    print("(best of several runs in one process; ours/base below 1 is faster than the baseline)")


if __name__ == "__main__":
    main()
