"""Attainment forecast, win-rate calibration and back-test, checked against exact arithmetic.

The reference for the distribution is brute force: all 2^n outcomes of n ≤ 10 deals
enumerated with Fractions, so probabilities and the mean are exact rationals.
"""

from __future__ import annotations

import itertools
import math
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from salesmesh.core.forecast import (
    QUANTILE_SLACK,
    AttainmentForecast,
    ClosedDealObservation,
    ForecastError,
    ForecastMethod,
    NewBusiness,
    OpenDeal,
    attainment_distribution,
    backtest,
    calibrate_win_rates,
)

M = Decimal
ZERO = M(0)
Obs = ClosedDealObservation

# -- brute force ---------------------------------------------------------------------------


def exact_distribution(closed: Decimal, deals: list[OpenDeal]) -> dict[Decimal, Fraction]:
    """Every total with its exact probability, from all 2^n win/loss outcomes."""
    totals: dict[Decimal, Fraction] = {}
    for outcome in itertools.product((False, True), repeat=len(deals)):
        probability = Fraction(1)
        total = closed
        for won, deal in zip(outcome, deals, strict=True):
            p = Fraction(deal.win_probability)
            probability *= p if won else 1 - p
            total += deal.amount if won else 0
        totals[total] = totals.get(total, Fraction(0)) + probability
    return totals


def at_least(totals: dict[Decimal, Fraction], target: Decimal) -> Fraction:
    return sum((p for value, p in totals.items() if value >= target), Fraction(0))


def at_most(totals: dict[Decimal, Fraction], point: Decimal) -> Fraction:
    return sum((p for value, p in totals.items() if value <= point), Fraction(0))


def assert_lattice_quantile(totals: dict[Decimal, Fraction], level: float, got: Decimal) -> None:
    """``got`` is the smallest total whose exact cumulative probability reaches ``level``.

    Within QUANTILE_SLACK for exact ties: F(got) ≥ q − slack and F(previous total) < q + slack.
    """
    assert got in totals
    assert at_most(totals, got) >= Fraction(level) - Fraction(QUANTILE_SLACK)
    below = [value for value in totals if value < got]
    if below:
        assert at_most(totals, max(below)) < Fraction(level) + Fraction(QUANTILE_SLACK)


def forecast(
    deals: list[OpenDeal],
    *,
    closed: Decimal = ZERO,
    target: Decimal = ZERO,
    new_business: NewBusiness | None = None,
    method: ForecastMethod = ForecastMethod.AUTO,
    cdf_points: tuple[Decimal, ...] = (),
) -> AttainmentForecast:
    return attainment_distribution(
        closed=closed,
        deals=deals,
        new_business=new_business,
        target=target,
        cdf_points=cdf_points,
        method=method,
    )


cents = st.integers(min_value=1, max_value=10**8).map(lambda c: M(c) / 100)
probabilities = st.one_of(
    st.floats(min_value=0.0, max_value=1.0), st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])
)
open_deals = st.builds(OpenDeal, amount=cents, win_probability=probabilities)
small_pipelines = st.lists(open_deals, min_size=0, max_size=10)
money = st.integers(min_value=0, max_value=10**9).map(lambda c: M(c) / 100)


# -- exactness on small cases --------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(small_pipelines, money, money, money)
def test_small_pipelines_match_brute_force(
    deals: list[OpenDeal], closed: Decimal, target_offset: Decimal, point_offset: Decimal
) -> None:
    # Given up to ten deals, when the distribution is computed, then it is the brute force one
    totals = exact_distribution(closed, deals)
    target = closed + target_offset
    point = closed + point_offset
    result = forecast(deals, closed=closed, target=target, cdf_points=(point, closed))
    assert result.method is ForecastMethod.ENUMERATION
    assert abs(result.probability_of_target - float(at_least(totals, target))) <= 1e-9
    assert abs(result.cdf[0].probability - float(at_most(totals, point))) <= 1e-9
    assert abs(result.cdf[1].probability - float(at_most(totals, closed))) <= 1e-9
    for level, quantile in zip((0.1, 0.5, 0.9), (result.p10, result.p50, result.p90), strict=True):
        assert_lattice_quantile(totals, level, quantile)
    assert result.error_bound is not None
    assert result.error_bound < 1e-9


def test_a_hand_computed_pipeline() -> None:
    # Given 100 closed and two deals: 50 at 0.5, 200 at 0.25
    deals = [OpenDeal(M(50), 0.5), OpenDeal(M(200), 0.25)]
    # When the target is 300
    result = forecast(deals, closed=M(100), target=M(300), cdf_points=(M(149), M(150)))
    # Then totals 100, 150, 300, 350 have 3/8, 3/8, 1/8, 1/8
    assert result.probability_of_target == pytest.approx(0.25, abs=1e-15)
    assert [c.probability for c in result.cdf] == pytest.approx([0.375, 0.75], abs=1e-15)
    assert (result.p10, result.p50, result.p90) == (M(100), M("150.00"), M(350))
    assert result.mean == M("175.00")  # 100 + 25 + 50
    # var = 50²·¼ + 200²·3/16 = 625 + 7500 = 8125
    assert result.std == M("90.14")
    assert result.lattice_unit == M(50)


def test_no_open_deals_is_the_closed_amount_for_certain() -> None:
    result = forecast([], closed=M("1234.56"), target=M("1234.56"))
    assert result.probability_of_target == 1.0
    assert result.p10 == result.p50 == result.p90 == M("1234.56")
    assert result.std == M(0)
    assert forecast([], closed=M("1234.56"), target=M("1234.57")).probability_of_target == 0.0


def test_certain_and_hopeless_deals_move_the_total_without_spreading_it() -> None:
    result = forecast(
        [OpenDeal(M(300), 1.0), OpenDeal(M(9999), 0.0), OpenDeal(M(100), 0.5)],
        closed=M(10),
        target=M(410),
    )
    assert result.probability_of_target == pytest.approx(0.5)
    assert (result.p10, result.p90) == (M(310), M(410))
    assert result.mean == M("360.00")


@settings(max_examples=80, deadline=None)
@given(st.lists(open_deals, max_size=40), money)
def test_mean_is_exact_to_the_cent(deals: list[OpenDeal], closed: Decimal) -> None:
    # Given any pipeline, then the mean is closed + Σ a_i·p_i in exact arithmetic, to the cent
    exact = Fraction(closed) + sum(
        (Fraction(d.amount) * Fraction(d.win_probability) for d in deals), Fraction(0)
    )
    expected = (M(exact.numerator) / M(exact.denominator)).quantize(M("0.01"))
    # Half-cent ties would need more digits than the quotient above carries; rare enough to skip.
    assume(abs(exact * 100 - math.floor(exact * 100) - Fraction(1, 2)) > Fraction(1, 10**12))
    assert forecast(deals, closed=closed).mean == expected


# -- properties ------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(st.lists(open_deals, min_size=1, max_size=10), money, st.data())
def test_probability_of_target_is_monotone_in_each_win_probability(
    deals: list[OpenDeal], target: Decimal, data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(deals) - 1))
    higher = data.draw(st.floats(min_value=deals[index].win_probability, max_value=1.0))
    raised = [*deals]
    raised[index] = OpenDeal(deals[index].amount, higher)
    before = forecast(deals, target=target).probability_of_target
    after = forecast(raised, target=target).probability_of_target
    assert after >= before - 1e-12


@settings(max_examples=80, deadline=None)
@given(small_pipelines, money, money, money)
def test_probability_of_target_is_monotone_in_closed_and_target(
    deals: list[OpenDeal], closed: Decimal, more: Decimal, target: Decimal
) -> None:
    base = forecast(deals, closed=closed, target=target)
    more_closed = forecast(deals, closed=closed + more, target=target)
    higher_target = forecast(deals, closed=closed, target=target + more)
    assert more_closed.probability_of_target >= base.probability_of_target - 1e-12
    assert higher_target.probability_of_target <= base.probability_of_target + 1e-12
    assert base.p10 <= base.p50 <= base.p90


def lattice_pipeline(count: int, seed: int, *, unit: int = 100) -> list[OpenDeal]:
    """Deals whose amounts are multiples of ``unit`` so that enumeration stays dense."""
    rng = random.Random(seed)
    return [
        OpenDeal(M(rng.randrange(1, 100) * unit), rng.uniform(0.02, 0.95)) for _ in range(count)
    ]


@pytest.mark.parametrize(
    ("count", "new_business"),
    [(30, None), (500, None), (500, NewBusiness(12.5, M(1500)))],
)
def test_characteristic_function_agrees_with_enumeration(
    count: int, new_business: NewBusiness | None
) -> None:
    # Given a pipeline both methods can compute
    deals = lattice_pipeline(count, seed=count)
    middle = sum(d.amount * M(d.win_probability) for d in deals).quantize(M(1))
    points = tuple(middle + step * 1000 for step in range(-30, 31, 3))
    results = [
        forecast(deals, target=middle, new_business=new_business, method=method, cdf_points=points)
        for method in (ForecastMethod.ENUMERATION, ForecastMethod.CHARACTERISTIC_FUNCTION)
    ]
    exact, inverted = results
    # Then the inversion is within its stated bound everywhere, and that bound is tiny
    assert inverted.method is ForecastMethod.CHARACTERISTIC_FUNCTION
    assert inverted.error_bound is not None
    assert inverted.error_bound < 1e-9
    tolerance = inverted.error_bound + 1e-12
    assert abs(exact.probability_of_target - inverted.probability_of_target) <= tolerance
    for a, b in zip(exact.cdf, inverted.cdf, strict=True):
        assert abs(a.probability - b.probability) <= tolerance
    assert (exact.p10, exact.p50, exact.p90) == (inverted.p10, inverted.p50, inverted.p90)
    assert exact.mean == inverted.mean


def cent_pipeline(count: int, seed: int) -> list[OpenDeal]:
    """Lognormal amounts in cents (no common unit beyond the cent), beta-distributed chances."""
    rng = random.Random(seed)
    return [
        OpenDeal(M(round(rng.lognormvariate(9, 1.2), 2)).quantize(M("0.01")), rng.betavariate(2, 5))
        for _ in range(count)
    ]


def test_whales_are_mixed_back_into_the_smooth_rest() -> None:
    # Given 3,000 deals in cents, and the same with two very large deals added
    deals = cent_pipeline(3000, seed=3)
    whales = [OpenDeal(M("25000000.00"), 0.3), OpenDeal(M("41000000.37"), 0.1)]
    points = (M(40_000_000), M(60_000_000), M(70_000_000))
    with_whales = forecast(deals + whales, cdf_points=points)
    assert with_whales.method is ForecastMethod.CHARACTERISTIC_FUNCTION
    assert with_whales.lattice_unit == M("0.01")
    assert with_whales.error_bound is not None
    assert with_whales.error_bound < 1e-9
    # Then P(total ≤ x) = Σ over the four whale outcomes of P(outcome)·P(rest ≤ x − their sum)
    outcomes = {M(0): 0.7 * 0.9, M("25000000.00"): 0.3 * 0.9, M("41000000.37"): 0.7 * 0.1}
    outcomes[M("66000000.37")] = 0.3 * 0.1
    for point, got in zip(points, with_whales.cdf, strict=True):
        shifted = forecast(deals, cdf_points=tuple(point - s for s in outcomes))
        expected = sum(
            w * c.probability for w, c in zip(outcomes.values(), shifted.cdf, strict=True)
        )
        assert got.probability == pytest.approx(expected, abs=1e-9)


def test_characteristic_function_with_cent_amounts_agrees_with_sampling() -> None:
    # Given 400 deals in cents, too many distinct totals to enumerate
    deals = cent_pipeline(400, seed=4)
    result = forecast(deals, target=M(2_000_000), cdf_points=(M(1_800_000), M(2_200_000)))
    assert result.method is ForecastMethod.CHARACTERISTIC_FUNCTION
    assert result.error_bound is not None
    # When 20,000 seeded samples are drawn
    rng = random.Random(8)
    amounts = [float(d.amount) for d in deals]
    chances = [d.win_probability for d in deals]
    trials = 20_000
    totals = sorted(
        sum(a for a, p in zip(amounts, chances, strict=True) if rng.random() < p)
        for _ in range(trials)
    )

    # Then every probability is within four standard errors (≤ 0.014) of the sample's
    def share_at_most(x: float) -> float:
        return sum(1 for t in totals if t <= x) / trials

    assert result.probability_of_target == pytest.approx(1 - share_at_most(1_999_999.99), abs=0.014)
    assert result.cdf[0].probability == pytest.approx(share_at_most(1_800_000), abs=0.014)
    assert result.cdf[1].probability == pytest.approx(share_at_most(2_200_000), abs=0.014)
    assert float(result.p50) == pytest.approx(totals[trials // 2], rel=0.02)


def test_a_lumpy_pipeline_is_not_given_a_bound_it_cannot_prove() -> None:
    # Given ten deals of irregular amounts, inverted from the characteristic function
    rng = random.Random(5)
    deals = [OpenDeal(M(rng.randrange(1, 10**7)) / 100, rng.random()) for _ in range(10)]
    result = forecast(deals, target=M(1), method=ForecastMethod.CHARACTERISTIC_FUNCTION)
    # Then the method does not claim an error bound (enumeration is the exact way here)
    assert result.error_bound is None


def test_new_business_is_a_poisson_count_at_the_mean_deal_value() -> None:
    # Given no pipeline and 2.5 new deals expected at 1,000 each
    result = forecast(
        [],
        closed=M(500),
        target=M(3500),
        new_business=NewBusiness(2.5, M(1000)),
        cdf_points=(M(500), M(1499)),
    )
    # Then P(total ≥ 3,500) = P(N ≥ 3) and P(total ≤ 500) = P(N = 0)
    p0 = math.exp(-2.5)
    p1, p2 = p0 * 2.5, p0 * 2.5**2 / 2
    assert result.probability_of_target == pytest.approx(1 - p0 - p1 - p2, abs=1e-12)
    assert [c.probability for c in result.cdf] == pytest.approx([p0, p0], abs=1e-12)
    assert result.mean == M("3000.00")
    assert result.std == M("1581.14")  # 1,000·√2.5


def test_new_business_with_deals_matches_brute_force() -> None:
    deals = [OpenDeal(M(700), 0.4), OpenDeal(M(1300), 0.7), OpenDeal(M("250.50"), 0.9)]
    new = NewBusiness(1.7, M(400))
    pipeline = exact_distribution(M(0), deals)
    poisson = [math.exp(-1.7) * 1.7**k / math.factorial(k) for k in range(60)]
    for target in (M(0), M(1000), M("1950.50"), M(2500), M(4000)):
        expected = sum(
            float(p) * q
            for value, p in pipeline.items()
            for k, q in enumerate(poisson)
            if value + 400 * k >= target
        )
        got = forecast(deals, target=target, new_business=new).probability_of_target
        assert got == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("deals", "field"),
    [
        ([OpenDeal(M(-1), 0.5)], "deals[0].amount"),
        ([OpenDeal(1.5, 0.5)], "deals[0].amount"),  # type: ignore[arg-type]
        ([OpenDeal(M(1), 1.5)], "deals[0].win_probability"),
        ([OpenDeal(M(1), math.nan)], "deals[0].win_probability"),
        ([OpenDeal(M("NaN"), 0.5)], "deals[0].amount"),
    ],
)
def test_invalid_deals_are_reported_by_field(deals: list[OpenDeal], field: str) -> None:
    with pytest.raises(ForecastError) as excinfo:
        forecast(deals)
    assert [path for path, _ in excinfo.value.problems] == [field]


def test_invalid_new_business_and_totals_are_reported() -> None:
    with pytest.raises(ForecastError) as excinfo:
        attainment_distribution(
            closed=M("inf"),
            deals=[],
            new_business=NewBusiness(-1.0, M(10)),
            target=M(1),
        )
    assert [path for path, _ in excinfo.value.problems] == [
        "closed",
        "new_business.expected_deals",
    ]


def test_forced_enumeration_refuses_an_explosion(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real ceiling is 16 million totals; a lower one shows the same refusal in milliseconds.
    monkeypatch.setattr("salesmesh.core.forecast._ENUMERATION_CEILING", 1000)
    rng = random.Random(9)
    deals = [OpenDeal(M(rng.randrange(1, 10**9)) / 100, 0.5) for _ in range(40)]
    with pytest.raises(ForecastError):
        forecast(deals, method=ForecastMethod.ENUMERATION)


# -- calibration -----------------------------------------------------------------------------


def test_calibration_recovers_known_rates() -> None:
    # Given 4,000 closed deals per (stage, age bin) drawn with known win rates
    rng = random.Random(1)
    truth = {"proposal": (0.6, 0.45, 0.3), "negotiation": (0.8, 0.7, 0.5)}
    ages = (10, 45, 75)  # one in each of the bins [0, 30), [30, 60), [60, ∞)
    history = [
        Obs(stage, age, rng.random() < rate)
        for stage, rates in truth.items()
        for age, rate in zip(ages, rates, strict=True)
        for _ in range(4000)
    ]
    model = calibrate_win_rates(history, age_bins=(0, 30, 60))
    # Then every bin is within 3 percentage points (about four standard errors)
    for stage, rates in truth.items():
        for age, rate in zip(ages, rates, strict=True):
            assert model.probability(stage, age) == pytest.approx(rate, abs=0.03)


def test_small_bins_shrink_towards_the_stage_and_never_reach_zero_or_one() -> None:
    # Given a stage winning half its deals, and a young bin with only losses
    base = [Obs("demo", 100, won) for won in [True, False] * 50]
    rates = []
    for losses in (0, 1, 3, 10, 100):
        model = calibrate_win_rates(base + [Obs("demo", 5, False)] * losses, age_bins=(0, 30))
        rates.append(model.probability("demo", 5))
    # Then the young bin starts at the stage's rate and falls with every extra loss, never to 0
    stage_rate = calibrate_win_rates(base, age_bins=(0, 30)).stages[0].probability
    assert rates[0] == pytest.approx(stage_rate)
    assert all(a > b for a, b in itertools.pairwise(rates))
    assert rates[-1] > 0
    # And a stage that won everything it saw is still below 1
    perfect = calibrate_win_rates([Obs("won-it-all", 3, True)] * 5 + base)
    assert 0.5 < perfect.probability("won-it-all", 3) < 1


def test_unseen_stage_and_edges() -> None:
    history = [Obs("a", 0, True), Obs("a", 30, False), Obs("a", 400, False), Obs("b", 29, True)]
    model = calibrate_win_rates(history, age_bins=(0, 30), prior_strength=2)
    # Overall: (2 wins + 1) / (4 + 2); an unseen stage gets exactly that
    assert model.prior == pytest.approx(0.5)
    assert model.probability("never-seen", 10) == model.prior
    stage_a = model.stages[0]
    assert stage_a.stage == "a"
    # Stage a: (1 + 2·0.5) / (3 + 2) = 0.4; bin [0, 30) holds age 0 only, [30, ∞) ages 30 and 400
    assert stage_a.probability == pytest.approx(0.4)
    assert [(b.lower, b.upper, b.count, b.wins) for b in stage_a.bins] == [
        (0, 30, 1, 1),
        (30, None, 2, 0),
    ]
    assert model.probability("a", 0) == pytest.approx((1 + 2 * 0.4) / 3)
    assert model.probability("a", 10_000) == pytest.approx((0 + 2 * 0.4) / 4)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"age_bins": (5, 30)}, "age_bins"),
        ({"age_bins": (0, 30, 30)}, "age_bins"),
        ({"prior_strength": 0}, "prior_strength"),
    ],
)
def test_calibration_rejects_bad_settings(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ForecastError) as excinfo:
        calibrate_win_rates([Obs("a", 1, True)], **kwargs)  # type: ignore[arg-type]
    assert [path for path, _ in excinfo.value.problems] == [field]


def test_calibration_rejects_negative_ages() -> None:
    with pytest.raises(ForecastError) as excinfo:
        calibrate_win_rates([Obs("a", -1, True)])
    assert [path for path, _ in excinfo.value.problems] == ["history[0].age_days"]


# -- back-test -------------------------------------------------------------------------------


def test_backtest_against_hand_computed_values() -> None:
    predictions = [0.05, 0.15, 0.15, 0.95, 1.0, 0.3]
    outcomes = [False, True, False, True, True, False]
    result = backtest(predictions, outcomes)
    # (0.0025 + 0.7225 + 0.0225 + 0.0025 + 0 + 0.09) / 6 = 0.84 / 6
    assert result.brier == pytest.approx(0.14)
    table = {
        (round(b.lower, 1), b.count, b.mean_predicted, b.observed_rate) for b in result.reliability
    }
    assert len(result.reliability) == 10
    assert (0.0, 1, 0.05, 0.0) in table
    assert (0.1, 2, 0.15, 0.5) in table
    assert (0.3, 1, 0.3, 0.0) in table  # 0.3 opens its decile, it does not close the one below
    last = result.reliability[-1]
    assert (last.count, last.observed_rate) == (2, 1.0)
    assert last.mean_predicted == pytest.approx(0.975)
    empty = result.reliability[5]
    assert (empty.count, empty.mean_predicted, empty.observed_rate) == (0, None, None)


def test_perfect_predictions_score_zero() -> None:
    assert backtest([0.0, 1.0, 1.0], [False, True, True]).brier == 0.0


@pytest.mark.parametrize(
    ("predictions", "outcomes", "field"),
    [
        ([0.5], [True, False], "outcomes"),
        ([], [], "predictions"),
        ([1.2], [True], "predictions[0]"),
    ],
)
def test_backtest_rejects_bad_input(
    predictions: list[float], outcomes: list[bool], field: str
) -> None:
    with pytest.raises(ForecastError) as excinfo:
        backtest(predictions, outcomes)
    assert [path for path, _ in excinfo.value.problems] == [field]
