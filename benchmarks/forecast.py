"""Forecast benchmark: 100,000 open deals, the exact distribution beside Monte Carlo baselines.

    python -m benchmarks.forecast [--deals 100000] [--trials 10000] [--naive-trials 20]

One synthetic pipeline (lognormal amounts with a few very large deals, beta win
probabilities, new business from a run-rate) forecast four ways in the same process:

* ``exact`` — ``attainment_distribution`` (characteristic function, no sampling);
* ``numpy Monte Carlo`` — ``--trials`` draws, vectorised in blocks of trials;
* ``naive Monte Carlo`` — a Python loop over deals per trial: ``--naive-trials`` are timed
  and the time scaled to ``--trials`` (running all of them would take minutes);
* ``normal approximation`` — mean and variance only.

Each row shows its time, its ratio to the exact forecast, its P(total ≥ target) and the
difference from the exact one in percentage points (with ±1.96 standard errors for the
samplers). Nothing is asserted; figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Callable
from decimal import Decimal

import numpy as np

from salesmesh.core.forecast import (
    AttainmentForecast,
    NewBusiness,
    OpenDeal,
    attainment_distribution,
)

SEED = 5
WHALES = 20
# Trials per numpy block: 100 trials × 100,000 deals of float64 uniforms is 80 MB.
BLOCK_CELLS = 10_000_000


def pipeline(count: int) -> tuple[list[OpenDeal], NewBusiness, Decimal, Decimal]:
    """Deals (median ≈ 22k, a few 50 to 200 times that), new business, closed and a target."""
    rng = np.random.default_rng(SEED)
    amounts = rng.lognormal(mean=10.0, sigma=1.2, size=count)
    big = rng.choice(count, size=min(WHALES, count), replace=False)
    amounts[big] *= rng.uniform(50, 200, size=len(big))
    chances = rng.beta(2.0, 5.0, size=count)
    deals = [OpenDeal(Decimal(f"{a:.2f}"), float(p)) for a, p in zip(amounts, chances, strict=True)]
    new_business = NewBusiness(expected_deals=40.0, deal_value=Decimal("25000.00"))
    mean = float(np.dot(np.round(amounts, 2), chances)) + 40.0 * 25_000
    spread = math.sqrt(float(np.dot(amounts**2, chances * (1 - chances))) + 40.0 * 25_000**2)
    closed = Decimal(f"{mean * 0.4:.2f}")
    # Half a standard deviation above the expected total: a stretch target, P ≈ 0.3.
    target = Decimal(f"{mean * 1.4 + 0.5 * spread:.2f}")
    return deals, new_business, closed, target


def exact(
    deals: list[OpenDeal], new_business: NewBusiness, closed: Decimal, target: Decimal
) -> AttainmentForecast:
    """Ours: the exact distribution."""
    return attainment_distribution(
        closed=closed, deals=deals, new_business=new_business, target=target
    )


def numpy_monte_carlo(
    deals: list[OpenDeal], new_business: NewBusiness, closed: Decimal, target: Decimal, trials: int
) -> float:
    """P(total ≥ target) from ``trials`` samples, in blocks of trials."""
    rng = np.random.default_rng(SEED + 1)
    amounts = np.array([float(d.amount) for d in deals])
    chances = np.array([d.win_probability for d in deals])
    value, rate = float(new_business.deal_value), new_business.expected_deals
    need = float(target - closed)
    block = max(1, BLOCK_CELLS // len(deals))
    hits = 0
    for first in range(0, trials, block):
        size = min(block, trials - first)
        won = rng.random((size, len(deals))) < chances
        totals = won @ amounts + value * rng.poisson(rate, size)
        hits += int(np.count_nonzero(totals >= need))
    return hits / trials


def naive_monte_carlo(
    deals: list[OpenDeal], new_business: NewBusiness, closed: Decimal, target: Decimal, trials: int
) -> float:
    """The same, one deal at a time in Python: how a first version would be written."""
    rng = random.Random(SEED + 2)
    pairs = [(float(d.amount), d.win_probability) for d in deals]
    value, rate = float(new_business.deal_value), new_business.expected_deals
    need = float(target - closed)
    hits = 0
    for _ in range(trials):
        total = 0.0
        for amount, chance in pairs:
            if rng.random() < chance:
                total += amount
        # Poisson by counting unit-rate exponential arrivals before time `rate`.
        clock, count = rng.expovariate(1.0), 0
        while clock < rate:
            count += 1
            clock += rng.expovariate(1.0)
        total += value * count
        hits += total >= need
    return hits / trials


def normal_approximation(
    deals: list[OpenDeal], new_business: NewBusiness, closed: Decimal, target: Decimal
) -> float:
    """P(total ≥ target) if the total were normal with the exact mean and variance."""
    amounts = np.array([float(d.amount) for d in deals])
    chances = np.array([d.win_probability for d in deals])
    value, rate = float(new_business.deal_value), new_business.expected_deals
    mean = float(closed) + float(np.dot(amounts, chances)) + rate * value
    variance = float(np.dot(amounts**2, chances * (1 - chances))) + rate * value**2
    # P(total ≥ target) with a half-cent continuity correction.
    z = (float(target) - 0.005 - mean) / math.sqrt(variance)
    return 0.5 * math.erfc(z / math.sqrt(2))


def timed[T](job: Callable[[], T]) -> tuple[T, float]:
    """The job's result and its wall time in seconds."""
    started = time.perf_counter()
    result = job()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--naive-trials", type=int, default=20)
    args = parser.parse_args()

    deals, new_business, closed, target = pipeline(args.deals)
    exact(deals, new_business, closed, target)  # warm numpy and the Decimal context
    runs = [timed(lambda: exact(deals, new_business, closed, target)) for _ in range(3)]
    forecast, exact_seconds = runs[0][0], min(seconds for _, seconds in runs)
    truth = forecast.probability_of_target

    sampled, numpy_seconds = timed(
        lambda: numpy_monte_carlo(deals, new_business, closed, target, args.trials)
    )
    naive, naive_seconds = timed(
        lambda: naive_monte_carlo(deals, new_business, closed, target, args.naive_trials)
    )
    naive_scaled = naive_seconds * args.trials / args.naive_trials
    normal, normal_seconds = timed(
        lambda: normal_approximation(deals, new_business, closed, target)
    )

    def band(p: float, trials: int) -> str:
        return f"±{196 * math.sqrt(max(p * (1 - p), 1e-12) / trials):.2f}"

    rows = [
        (
            f"exact (characteristic function, bound {forecast.error_bound:.0e})",
            exact_seconds,
            truth,
            "",
        ),
        (
            f"numpy Monte Carlo, {args.trials:,} trials",
            numpy_seconds,
            sampled,
            band(truth, args.trials),
        ),
        (
            f"naive Python Monte Carlo, {args.trials:,} trials (timed {args.naive_trials}, scaled)",
            naive_scaled,
            None,
            "",
        ),
        (
            f"  same, its {args.naive_trials} trials",
            naive_seconds,
            naive,
            band(truth, args.naive_trials),
        ),
        ("normal approximation", normal_seconds, normal, ""),
    ]
    print(
        f"{args.deals:,} open deals, closed {closed:,}, target {target:,}; "
        f"mean {forecast.mean:,}, P10/P50/P90 {forecast.p10:,} / {forecast.p50:,} / "
        f"{forecast.p90:,}"
    )
    width = max(len(name) for name, *_ in rows)
    print(
        f"{'job':<{width}} {'time (ms)':>11} {'t/exact':>9} {'P(target)':>10} "
        f"{'diff (pp)':>10} {'95% (pp)':>9}"
    )
    for name, seconds, probability, interval in rows:
        shown = f"{probability:>10.4f}" if probability is not None else f"{'':>10}"
        diff = f"{100 * (probability - truth):>+10.2f}" if probability is not None else f"{'':>10}"
        print(
            f"{name:<{width}} {seconds * 1e3:>11.1f} {seconds / exact_seconds:>9.1f} "
            f"{shown} {diff} {interval:>9}"
        )
    print(
        "(exact: best of 3 runs; samplers: one run; diff = sampler − exact, "
        "95% = the sampler's own ±1.96 standard errors)"
    )


if __name__ == "__main__":
    main()
