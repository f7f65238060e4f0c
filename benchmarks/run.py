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

import holidays

from salesmesh.core.calendar import WorkCalendar

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


def main() -> None:
    rows = [bench_working_days()]
    print(f"{'job':<44} {'ours (ms)':>10} {'baseline (ms)':>14} {'ratio':>8}")
    for name, ours, baseline in rows:
        print(f"{name:<44} {ours * 1000:>10.2f} {baseline * 1000:>14.2f} {baseline / ours:>7.1f}x")
    print("(best of several runs; ratio = baseline / ours, higher is better)")


if __name__ == "__main__":
    main()
