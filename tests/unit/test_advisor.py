"""The paradigm advisor: hand-worked examples, contradictions, validation and properties."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmesh.core.advisor import (
    DEFAULT_THRESHOLDS,
    TIE_BREAK_ORDER,
    AdvisorError,
    AdvisorResult,
    AdvisorThresholds,
    Bands,
    BusinessIndicators,
    Factor,
    FactorWeights,
    Paradigm,
    WarningCode,
    advise,
)

# Default weights: demand 30, addressable 15, maturity 25, standardisation 30 (sum 100),
# so without a sales cycle a factor's points are weight * membership.
# Default anchors: demand 20/200/2,000, addressable 50/500/5,000 (both on log10),
# maturity and standardisation 1/3/5, sales cycle 365/90/30 days (log10, downwards).


def codes(result: AdvisorResult) -> set[WarningCode]:
    return {w.code for w in result.warnings}


def points(result: AdvisorResult, factor: Factor) -> tuple[float, float, float]:
    (explanation,) = [e for e in result.factors if e.factor is factor]
    p = explanation.points
    return (p.probability, p.behaviour, p.project)


# --------------------------------------------------------------------------- hand-worked


def test_b2c_smb_line_is_probability():
    # 200,000 SMBs in reach, 12,000 with the need now, established category (4), standard (5).
    result = advise(BusinessIndicators(200_000, 12_000, 4, 5))
    # demand 12,000 >= 2,000            -> all 30 to probability
    # addressable 200,000 >= 5,000      -> all 15 to probability
    # maturity 4: (4-3)/(5-3) = 0.5     -> 12.5 probability, 12.5 behaviour
    # standardisation 5 >= 5            -> all 30 to probability
    # probability = 30 + 15 + 12.5 + 30 = 87.5; behaviour = 12.5; project = 0
    assert result.scores.probability == pytest.approx(87.5)
    assert result.scores.behaviour == pytest.approx(12.5)
    assert result.scores.project == pytest.approx(0.0)
    assert result.core is Paradigm.PROBABILITY
    assert result.ranking == (Paradigm.PROBABILITY, Paradigm.BEHAVIOUR, Paradigm.PROJECT)
    assert result.margin == pytest.approx(75.0)  # 87.5 - 12.5
    assert result.warnings == ()
    assert points(result, Factor.MARKET_MATURITY) == pytest.approx((12.5, 12.5, 0.0))


def test_named_mid_size_accounts_are_behaviour():
    # ~300 named mid-size accounts with the need out of 400; explicit need (4); semi-standard (3).
    result = advise(BusinessIndicators(400, 300, 4, 3))
    # demand: log10 300 = 2.477121, between log10 200 = 2.301030 and log10 2000 = 3.301030
    #   probability share = (2.477121 - 2.301030) / 1 = 0.176091 (= log10 1.5)
    #   -> probability 30 * 0.176091 = 5.282738, behaviour 30 - 5.282738 = 24.717262
    assert points(result, Factor.DEMAND_CUSTOMERS) == pytest.approx(
        (5.282738, 24.717262, 0.0), abs=1e-6
    )
    # addressable: log10 400 = 2.602060, between log10 50 = 1.698970 and log10 500 = 2.698970
    #   behaviour share = (2.602060 - 1.698970) / 1 = 0.903090, project = 0.096910 (= log10 1.25)
    #   -> project 15 * 0.096910 = 1.453650, behaviour 15 - 1.453650 = 13.546350
    assert points(result, Factor.ADDRESSABLE_CUSTOMERS) == pytest.approx(
        (0.0, 13.546350, 1.453650), abs=1e-6
    )
    # maturity 4 -> 12.5 / 12.5; standardisation 3 is the behaviour anchor -> all 30 behaviour
    # probability = 5.282738 + 12.5 = 17.782738
    # behaviour   = 24.717262 + 13.546350 + 12.5 + 30 = 80.763612
    # project     = 1.453650
    assert result.scores.probability == pytest.approx(17.782738, abs=1e-6)
    assert result.scores.behaviour == pytest.approx(80.763612, abs=1e-6)
    assert result.scores.project == pytest.approx(1.453650, abs=1e-6)
    assert result.core is Paradigm.BEHAVIOUR
    assert result.margin == pytest.approx(80.763612 - 17.782738, abs=1e-6)
    assert result.warnings == ()


def test_government_bespoke_line_is_project_and_the_sales_cycle_counts():
    # 15 government customers with the need out of 40; goal clear, path not (2);
    # bespoke (1); a typical 540-day cycle (the optional factor, weight 10).
    result = advise(BusinessIndicators(40, 15, 2, 1, sales_cycle_days=540))
    # Weights now sum to 110, so each factor's points are weight * membership * 100 / 110.
    # demand 15 <= 20 -> project 30; addressable 40 <= 50 -> project 15
    # maturity 2: (2-1)/(3-1) = 0.5 -> 12.5 project, 12.5 behaviour
    # standardisation 1 -> project 30; cycle 540 >= 365 days -> project 10
    # project   = (30 + 15 + 12.5 + 30 + 10) / 110 * 100 = 97.5 / 1.1 = 88.636364
    # behaviour = 12.5 / 1.1 = 11.363636; probability = 0
    assert result.scores.project == pytest.approx(88.636364, abs=1e-6)
    assert result.scores.behaviour == pytest.approx(11.363636, abs=1e-6)
    assert result.scores.probability == pytest.approx(0.0)
    assert result.core is Paradigm.PROJECT
    assert result.margin == pytest.approx(77.272727, abs=1e-6)
    assert points(result, Factor.SALES_CYCLE_DAYS) == pytest.approx((0.0, 0.0, 9.090909), abs=1e-6)
    assert result.warnings == ()


def test_many_customers_with_a_bespoke_solution_warns():
    # 5,000 with the need out of 50,000, established category (4), but bespoke (1).
    result = advise(BusinessIndicators(50_000, 5_000, 4, 1))
    # probability = 30 (demand) + 15 (addressable) + 12.5 (maturity) = 57.5
    # behaviour = 12.5 (maturity); project = 30 (standardisation)
    assert result.scores.probability == pytest.approx(57.5)
    assert result.scores.behaviour == pytest.approx(12.5)
    assert result.scores.project == pytest.approx(30.0)
    assert result.core is Paradigm.PROBABILITY
    assert codes(result) == {WarningCode.MANY_CUSTOMERS_BESPOKE}
    (warning,) = result.warnings
    assert str(warning.message).startswith("5,000 customers with demand now, but a bespoke")


def test_few_customers_with_a_standard_product_warns_and_is_a_close_call():
    # 10 with the need out of 30, established category (4), off the shelf (5).
    result = advise(BusinessIndicators(30, 10, 4, 5))
    # project = 30 (demand) + 15 (addressable) = 45
    # probability = 12.5 (maturity) + 30 (standardisation) = 42.5; behaviour = 12.5
    # margin 45 - 42.5 = 2.5 < 10 -> close call
    assert result.scores.project == pytest.approx(45.0)
    assert result.scores.probability == pytest.approx(42.5)
    assert result.core is Paradigm.PROJECT
    assert result.margin == pytest.approx(2.5)
    assert codes(result) == {WarningCode.FEW_CUSTOMERS_STANDARD, WarningCode.CLOSE_CALL}
    assert result.close_call


def test_implicit_need_with_a_standard_product_at_volume_warns():
    # 10,000 with the need, standard product (5), but the need is still implicit (1).
    result = advise(BusinessIndicators(100_000, 10_000, 1, 5))
    # probability = 30 + 15 + 30 = 75, project = 25 (maturity)
    assert result.scores.probability == pytest.approx(75.0)
    assert result.scores.project == pytest.approx(25.0)
    assert codes(result) == {WarningCode.IMPLICIT_NEED_AT_VOLUME}


def test_contradiction_needs_both_indicators_halfway_into_the_conflicting_bands():
    # Standardisation 2 is exactly halfway to bespoke: (3-2)/(3-1) = 0.5 project.
    # Demand probability share = log10(d / 200); it reaches 0.5 at d = 200 * 10**0.5 = 632.46.
    # 633 -> log10 3.165 = 0.50037 >= 0.5 warns; 632 -> log10 3.16 = 0.49969 does not.
    assert WarningCode.MANY_CUSTOMERS_BESPOKE in codes(advise(BusinessIndicators(5_000, 633, 3, 2)))
    assert WarningCode.MANY_CUSTOMERS_BESPOKE not in codes(
        advise(BusinessIndicators(5_000, 632, 3, 2))
    )


def test_close_call_when_the_top_two_are_near():
    # addressable 500 is the behaviour anchor -> behaviour 15; demand 500 <= addressable
    # demand 500: log10(500/200) = 0.39794 probability -> 11.9382, behaviour 18.0618
    # maturity 3.5 -> probability 6.25, behaviour 18.75; standardisation 5 -> probability 30
    # probability = 11.9382 + 6.25 + 30 = 48.1882; behaviour = 15 + 18.0618 + 18.75 = 51.8118
    result = advise(BusinessIndicators(500, 500, 3.5, 5))
    assert result.scores.probability == pytest.approx(48.1882, abs=1e-4)
    assert result.scores.behaviour == pytest.approx(51.8118, abs=1e-4)
    assert result.core is Paradigm.BEHAVIOUR
    assert result.margin == pytest.approx(3.6236, abs=1e-4)
    assert result.close_call
    (warning,) = result.warnings
    assert "consider a hybrid" in str(warning.message)
    assert "3.6 points apart (51.8 vs 48.2 of 100)" in str(warning.message)


def test_exact_tie_goes_to_the_finer_grained_paradigm():
    # Demand anchors 50 / 200 / 500 (configured), so demand 500 -> all 30 to probability
    # addressable 500 is its default behaviour anchor -> all 15 to behaviour
    # maturity 4 -> 12.5 / 12.5; standardisation 3.5: (3.5-3)/2 = 0.25 -> 7.5 / 22.5
    # probability = 30 + 12.5 + 7.5 = 50 = behaviour = 15 + 12.5 + 22.5 (exact in binary)
    result = advise(
        BusinessIndicators(500, 500, 4, 3.5),
        AdvisorThresholds(demand_customers=Bands(50, 200, 500)),
    )
    assert result.scores.probability == 50.0
    assert result.scores.behaviour == 50.0
    # Tie order project, behaviour, probability: behaviour wins over probability.
    assert TIE_BREAK_ORDER == (Paradigm.PROJECT, Paradigm.BEHAVIOUR, Paradigm.PROBABILITY)
    assert result.core is Paradigm.BEHAVIOUR
    assert result.ranking == (Paradigm.BEHAVIOUR, Paradigm.PROBABILITY, Paradigm.PROJECT)
    assert result.margin == 0.0
    assert result.close_call


def test_each_factor_is_explained_in_words():
    result = advise(BusinessIndicators(20_000, 1_200, 5, 5))
    messages = {e.factor: str(e.message) for e in result.factors}
    # 1,200: log10(1200/200) = 0.778 probability share, the larger one
    assert messages[Factor.DEMAND_CUSTOMERS] == (
        "1,200 customers with demand now: many enough for funnel maths at volume"
    )
    assert messages[Factor.ADDRESSABLE_CUSTOMERS].startswith("20,000 potential customers")
    assert messages[Factor.SOLUTION_STANDARDISATION].startswith("standardisation 5/5: a standard")
    assert [e.value for e in result.factors] == [1_200, 20_000, 5, 5]
    assert [e.weight for e in result.factors] == [30, 15, 25, 30]
    # No sales cycle given: no explanation for it.
    assert Factor.SALES_CYCLE_DAYS not in messages


def test_zero_demand_reads_as_the_smallest_volume():
    result = advise(BusinessIndicators(10, 0, 3, 3))
    assert points(result, Factor.DEMAND_CUSTOMERS) == pytest.approx((0.0, 0.0, 30.0))


def test_thresholds_are_configuration():
    # Weights only on standardisation: the scores are the standardisation memberships.
    weights = FactorWeights(0, 0, 0, 1, 0)
    result = advise(
        BusinessIndicators(10, 5, 1, 4, sales_cycle_days=10), AdvisorThresholds(weights=weights)
    )
    # standardisation 4 -> 0.5 probability, 0.5 behaviour -> 50 / 50 / 0
    assert (result.scores.probability, result.scores.behaviour) == (50.0, 50.0)
    assert AdvisorThresholds() == DEFAULT_THRESHOLDS


# --------------------------------------------------------------------------- validation


def test_demand_above_addressable_is_an_error_not_a_warning():
    with pytest.raises(AdvisorError) as caught:
        advise(BusinessIndicators(100, 101, 3, 3))
    ((path, message),) = caught.value.problems
    assert path == "indicators.demand_customers"
    assert str(message) == "must not exceed addressable_customers (100)"
    assert "indicators.demand_customers: must not exceed" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_every_problem_is_reported_at_once():
    bad_indicators = BusinessIndicators(0, -1, 0.5, math.nan, sales_cycle_days=0)
    bad_thresholds = AdvisorThresholds(
        demand_customers=Bands(200, 20, 2000),
        market_maturity=Bands(1, 3, 6),
        sales_cycle_days=Bands(30, 90, 365),
        weights=FactorWeights(demand_customers=-1),
        close_call_margin=101,
        contradiction_level=0,
    )
    with pytest.raises(AdvisorError) as caught:
        advise(bad_indicators, bad_thresholds)
    assert [path for path, _ in caught.value.problems] == [
        "indicators.addressable_customers",
        "indicators.demand_customers",
        "indicators.market_maturity",
        "indicators.solution_standardisation",
        "indicators.sales_cycle_days",
        "thresholds.demand_customers",
        "thresholds.market_maturity.probability",
        "thresholds.sales_cycle_days",
        "thresholds.weights.demand_customers",
        "thresholds.close_call_margin",
        "thresholds.contradiction_level",
    ]


@pytest.mark.parametrize(
    "indicators",
    [
        BusinessIndicators(True, 1, 3, 3),  # type: ignore[arg-type]
        BusinessIndicators(10, 2.5, 3, 3),  # type: ignore[arg-type]
        BusinessIndicators(10, 1, "3", 3),  # type: ignore[arg-type]
        BusinessIndicators(10, 1, 3, math.inf),
        BusinessIndicators(10, 1, 3, 3, sales_cycle_days=1.5),  # type: ignore[arg-type]
    ],
)
def test_wrong_types_are_refused(indicators):
    with pytest.raises(AdvisorError):
        advise(indicators)


def test_weights_of_the_required_factors_must_not_all_be_zero():
    with pytest.raises(AdvisorError) as caught:
        advise(
            BusinessIndicators(10, 1, 3, 3, sales_cycle_days=30),
            AdvisorThresholds(weights=FactorWeights(0, 0, 0, 0, 10)),
        )
    assert [path for path, _ in caught.value.problems] == ["thresholds.weights"]


def test_factor_names_are_the_field_names():
    indicator_fields = [f.name for f in dataclasses.fields(BusinessIndicators)]
    assert sorted(indicator_fields) == sorted(f.value for f in Factor)
    assert sorted(f.name for f in dataclasses.fields(FactorWeights)) == sorted(Factor)


# --------------------------------------------------------------------------- properties

scale_values = st.one_of(
    st.integers(min_value=1, max_value=5),
    st.floats(min_value=1, max_value=5, allow_nan=False),
)
cycles = st.one_of(st.none(), st.integers(min_value=1, max_value=3_000))


@st.composite
def indicators_st(draw: st.DrawFn) -> BusinessIndicators:
    addressable = draw(st.integers(min_value=1, max_value=10**7))
    demand = draw(st.integers(min_value=0, max_value=addressable))
    return BusinessIndicators(
        addressable, demand, draw(scale_values), draw(scale_values), draw(cycles)
    )


ratios = st.floats(min_value=1.05, max_value=50)


@st.composite
def count_bands(draw: st.DrawFn) -> Bands:
    low = draw(st.floats(min_value=1, max_value=1_000))
    mid = low * draw(ratios)
    return Bands(low, mid, mid * draw(ratios))


@st.composite
def scale_bands(draw: st.DrawFn) -> Bands:
    low = draw(st.floats(min_value=1, max_value=4))
    mid = draw(st.floats(min_value=low + 0.01, max_value=4.5))
    return Bands(low, mid, draw(st.floats(min_value=mid + 0.01, max_value=5)))


@st.composite
def thresholds_st(draw: st.DrawFn) -> AdvisorThresholds:
    cycle = draw(count_bands())
    weight = st.floats(min_value=0, max_value=50)
    weights = FactorWeights(*(draw(weight) for _ in range(5)))
    if weights.demand_customers + weights.solution_standardisation == 0:
        weights = dataclasses.replace(weights, demand_customers=1.0)
    return AdvisorThresholds(
        demand_customers=draw(count_bands()),
        addressable_customers=draw(count_bands()),
        market_maturity=draw(scale_bands()),
        solution_standardisation=draw(scale_bands()),
        # Longer cycles point to projects: the same shape, reversed.
        sales_cycle_days=Bands(cycle.probability, cycle.behaviour, cycle.project),
        weights=weights,
        close_call_margin=draw(st.floats(min_value=0, max_value=50)),
        contradiction_level=draw(st.floats(min_value=0.05, max_value=1)),
    )


any_thresholds = st.one_of(st.just(DEFAULT_THRESHOLDS), thresholds_st())


def ordered(strategy: st.SearchStrategy[float]) -> st.SearchStrategy[tuple[float, float]]:
    return st.tuples(strategy, strategy).map(lambda pair: (min(pair), max(pair)))


@given(indicators_st(), ordered(st.integers(min_value=0, max_value=10**7)), any_thresholds)
def test_more_demand_never_lowers_probability_nor_raises_project(base, demands, thresholds):
    low, high = (min(d, base.addressable_customers) for d in demands)
    before = advise(dataclasses.replace(base, demand_customers=low), thresholds).scores
    after = advise(dataclasses.replace(base, demand_customers=high), thresholds).scores
    assert after.probability >= before.probability
    assert after.project <= before.project


@given(indicators_st(), ordered(st.integers(min_value=1, max_value=10**8)), any_thresholds)
def test_more_addressable_never_lowers_probability_nor_raises_project(base, counts, thresholds):
    low, high = (max(c, base.demand_customers, 1) for c in counts)
    before = advise(dataclasses.replace(base, addressable_customers=low), thresholds).scores
    after = advise(dataclasses.replace(base, addressable_customers=high), thresholds).scores
    assert after.probability >= before.probability
    assert after.project <= before.project


@given(indicators_st(), ordered(scale_values), any_thresholds)
def test_more_standardisation_never_lowers_probability_nor_raises_project(base, levels, thresholds):
    low, high = levels
    before = advise(dataclasses.replace(base, solution_standardisation=low), thresholds).scores
    after = advise(dataclasses.replace(base, solution_standardisation=high), thresholds).scores
    assert after.probability >= before.probability
    assert after.project <= before.project


@given(indicators_st(), ordered(scale_values), any_thresholds)
def test_more_maturity_never_lowers_probability_nor_behaviour_plus_probability(
    base, levels, thresholds
):
    # The guarantee: probability never falls and project never rises, hence
    # probability + behaviour (= 100 - project) never falls; behaviour alone may.
    low, high = levels
    before = advise(dataclasses.replace(base, market_maturity=low), thresholds).scores
    after = advise(dataclasses.replace(base, market_maturity=high), thresholds).scores
    assert after.probability >= before.probability
    assert after.project <= before.project
    assert after.probability + after.behaviour >= before.probability + before.behaviour - 1e-9


@given(indicators_st(), ordered(st.integers(min_value=1, max_value=3_000)), any_thresholds)
def test_a_longer_cycle_never_raises_probability_nor_lowers_project(base, days, thresholds):
    low, high = days
    before = advise(dataclasses.replace(base, sales_cycle_days=low), thresholds).scores
    after = advise(dataclasses.replace(base, sales_cycle_days=high), thresholds).scores
    assert after.probability <= before.probability
    assert after.project >= before.project


@given(indicators_st(), any_thresholds)
def test_scores_stay_in_range_and_the_explanation_adds_up(indicators, thresholds):
    result = advise(indicators, thresholds)
    scores = [result.scores.of(p) for p in Paradigm]
    assert all(0 <= s <= 100 for s in scores)
    assert math.fsum(scores) == pytest.approx(100, abs=1e-9)
    for paradigm in Paradigm:
        factor_points = [e.points.of(paradigm) for e in result.factors]
        assert all(0 <= p <= 100 for p in factor_points)
        assert math.fsum(factor_points) == pytest.approx(result.scores.of(paradigm), abs=1e-9)
    assert 0 <= result.margin <= 100
    assert result.core is result.ranking[0]
    assert sorted(result.ranking) == sorted(Paradigm)
    top = round(result.scores.of(result.core), 9)
    assert all(top >= round(s, 9) for s in scores)
    assert result.close_call == (result.margin < thresholds.close_call_margin)
    # Every message renders (no missing parameter).
    for text in [e.message for e in result.factors] + [w.message for w in result.warnings]:
        assert str(text)


@settings(max_examples=50)
@given(indicators_st(), any_thresholds)
def test_the_advice_is_deterministic(indicators, thresholds):
    first = advise(indicators, thresholds)
    again = advise(dataclasses.replace(indicators), dataclasses.replace(thresholds))
    assert first == again


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_demand_above_addressable_is_always_refused(addressable, excess):
    with pytest.raises(AdvisorError) as caught:
        advise(BusinessIndicators(addressable, addressable + excess, 3, 3))
    assert [path for path, _ in caught.value.problems] == ["indicators.demand_customers"]
