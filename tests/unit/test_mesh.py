"""The mesh core (DESIGN.md §2): nodes with pacing and health, gap attribution, diagnosis, catch-up.

Calendar facts: July 2025 in China has 23 working days (Tue 1 .. Thu 31, no holiday); by
Mon July 14 ten of them have passed (Jul 1-4, 7-11, 14), thirteen remain.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from salesmesh.core.attribution import (
    AttributionError,
    FactorComparison,
    attribute_gap,
    diagnose,
    format_percent,
)
from salesmesh.core.calendar import FiscalCalendar, WorkCalendar
from salesmesh.core.i18n import Message
from salesmesh.core.mesh import (
    ActualIndicators,
    ActualSource,
    ActualStage,
    Direction,
    Health,
    HealthThresholds,
    MeshError,
    PlanIndicators,
    PlanSource,
    PlanStage,
    catch_up,
    daily_targets,
    diagnose_funnel,
    funnel_attribution,
    funnel_factors,
    funnel_gap,
    health_of,
    plan_indicators,
    probability_mesh,
    rep_plan_indicators,
)
from salesmesh.core.money import to_money
from salesmesh.core.probability import (
    AddReps,
    BehaviourYields,
    Funnel,
    FunnelStage,
    ProbabilityInputs,
    Product,
    Rep,
    apply_fix,
    plan_probability,
)

D = Decimal
CN = WorkCalendar("CN")
JULY = FiscalCalendar().parse("2025-07")
MID_JULY = date(2025, 7, 14)


# -- fixtures --------------------------------------------------------------------------------


def rep(rep_id: str, calls: int = 100, visits: int = 10) -> Rep:
    """A reference rep (capability multiplier exactly 1)."""
    return Rep(rep_id, D(calls), D(visits), D("0.5"), D("0.5"), 18)


def inputs(**changes: object) -> ProbabilityInputs:
    """46 customers at 1,000 in July: 2 a working day, everything divides evenly.

    customers = 46,000 / 1,000 = 46; opportunities = 46 / 0.5 = 92; leads = 92 / 0.5 = 184;
    calls = 184 × 2 / 0.4 = 920 (40 a working day); visits = 92 × 1.5 = 138 (6 a day).
    """
    base = ProbabilityInputs(
        target=D("46000"),
        period=JULY,
        work_calendar=CN,
        products=(Product("standard", D("1000"), D("1")),),
        funnel=Funnel((FunnelStage("lead", D("0.5"), 14), FunnelStage("opportunity", D("0.5"), 7))),
        yields=BehaviourYields(D("2"), D("0.4"), D("1.5")),
        reps=(rep("A"), rep("B")),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


PLAN = PlanIndicators(
    target=D("46000.00"),
    customers=46,
    deal_value=D("1000.00"),
    stages=(PlanStage("lead", 184, D("0.5")), PlanStage("opportunity", 92, D("0.5"))),
    sources=(PlanSource("brand", 92), PlanSource("private domain", 92)),
    calls=920,
    visits=138,
    reach_rate=D("0.4"),
    reps=2,
)

ACTUAL = ActualIndicators(
    revenue=D("15000.00"),
    customers=15,
    stages=(ActualStage("lead", 80), ActualStage("opportunity", 30)),
    sources=(ActualSource("brand", 50), ActualSource("private domain", 30)),
    calls=400,
    reached_calls=120,
    visits=50,
    reps=2,
)


# -- nodes, pacing and health ----------------------------------------------------------------


def test_plan_indicators_come_from_the_planner():
    planned = plan_probability(inputs())
    assert plan_indicators(inputs=inputs(), plan=planned) == replace(PLAN, sources=())


def test_mesh_tree_by_hand():
    tree = probability_mesh(plan=PLAN, actual=ACTUAL, period=JULY, as_of=MID_JULY, calendar=CN)
    assert [node.key for node in tree.walk()] == [
        "revenue",
        "customers",
        "leads",
        "leads/brand",
        "leads/private domain",
        "calls_per_rep_day",
        "reach_rate",
        "conversion",
        "conversion/lead",
        "conversion/opportunity",
        "visits_per_rep_day",
        "deal_value",
    ]
    # Revenue: expected by now 46,000 × 10/23 = 20,000; 15,000 is 75 % of that: amber
    # (red is strictly below 0.75).
    assert (tree.plan, tree.actual, tree.expected_to_date, tree.gap, tree.pacing) == (
        D("46000.00"),
        D("15000.00"),
        D("20000.00"),
        D("-5000.00"),
        D("0.7500"),
    )
    assert tree.health is Health.AMBER
    assert str(tree.formula) == "revenue = customers × deal value"
    # Leads: 184 × 10/23 = 80 expected, 80 in: green.
    leads = tree.find("leads")
    assert (leads.expected_to_date, leads.gap, leads.pacing, leads.health) == (
        D("80.00"),
        D("0.00"),
        D("1.0000"),
        Health.GREEN,
    )
    # Brand: 92 × 10/23 = 40 expected, 50 in: ahead, green.
    brand = tree.find("leads/brand")
    assert (brand.expected_to_date, brand.pacing, brand.health) == (
        D("40.00"),
        D("1.2500"),
        Health.GREEN,
    )
    assert str(brand.label) == "Leads from brand"
    # Private domain: 30 / 40 = 0.75: amber.
    assert tree.find("leads/private domain").health is Health.AMBER
    # Calls per rep per working day: plan 920 / (2 × 23) = 20; actual 400 / (2 × 10) = 20.
    calls = tree.find("calls_per_rep_day")
    assert (calls.plan, calls.actual, calls.expected_to_date, calls.health) == (
        D("20.00"),
        D("20.00"),
        D("20.00"),
        Health.GREEN,
    )
    # Reach rate is a level: expected = plan all along; 120 / 400 = 0.3 against 0.4.
    reach = tree.find("reach_rate")
    assert (reach.actual, reach.expected_to_date, reach.gap, reach.pacing) == (
        D("0.300000"),
        D("0.4"),
        D("-0.100000"),
        D("0.7500"),
    )
    # Stage conversions are period ratios: 30 / 80 = 0.375 and 15 / 30 = 0.5.
    assert tree.find("conversion/lead").actual == D("0.375000")
    assert tree.find("conversion/opportunity").health is Health.GREEN
    # Overall conversion: plan 0.5 × 0.5, actual 15 / 80.
    overall = tree.find("conversion")
    assert (overall.plan, overall.actual) == (D("0.250000"), D("0.187500"))
    # Visits: plan 138 / 46 = 3 a rep a day, actual 50 / 20 = 2.5 → 0.8333: amber.
    visits = tree.find("visits_per_rep_day")
    assert (visits.actual, visits.pacing, visits.health) == (D("2.50"), D("0.8333"), Health.AMBER)
    # Deal value: 15,000 / 15 = 1,000, on plan.
    deal = tree.find("deal_value")
    assert (deal.actual, deal.gap, deal.health) == (D("1000.00"), D("0.00"), Health.GREEN)


def test_health_thresholds_are_configuration():
    lenient = HealthThresholds(amber_below=D("0.7"), red_below=D("0.5"))
    strict = HealthThresholds(amber_below=D("0.95"), red_below=D("0.8"))
    for thresholds, health in ((lenient, Health.GREEN), (strict, Health.RED)):
        tree = probability_mesh(
            plan=PLAN,
            actual=ACTUAL,
            period=JULY,
            as_of=MID_JULY,
            calendar=CN,
            thresholds=thresholds,
        )
        assert tree.health is health


def test_thresholds_reject_floats_and_wrong_order():
    with pytest.raises(MeshError):
        HealthThresholds(amber_below=0.9)  # type: ignore[arg-type]
    with pytest.raises(MeshError):
        HealthThresholds(amber_below=D("0.7"), red_below=D("0.8"))


def test_health_of_lower_is_better():
    thresholds = HealthThresholds()
    lower = Direction.LOWER_IS_BETTER

    def health(actual: int, expected: int) -> Health:
        return health_of(
            actual=D(actual), expected=D(expected), direction=lower, thresholds=thresholds
        )

    # Slippage of 10 days expected: 10 or fewer is green; 12 scores 10/12 = 0.83 (amber);
    # 20 scores 0.5 (red); none at all is green; any when none was allowed is red.
    assert health(9, 10) is Health.GREEN
    assert health(10, 10) is Health.GREEN
    assert health(12, 10) is Health.AMBER
    assert health(20, 10) is Health.RED
    assert health(0, 10) is Health.GREEN
    assert health(3, 0) is Health.RED
    # Higher is better: nothing expected yet is green whatever happened.
    assert (
        health_of(
            actual=D(0),
            expected=D(0),
            direction=Direction.HIGHER_IS_BETTER,
            thresholds=thresholds,
        )
        is Health.GREEN
    )


def test_before_the_period_nothing_is_expected_and_levels_are_unmeasured():
    nothing = ActualIndicators(
        revenue=D(0),
        customers=0,
        stages=(ActualStage("lead", 0), ActualStage("opportunity", 0)),
        sources=(),
        calls=0,
        reached_calls=0,
        visits=0,
        reps=2,
    )
    tree = probability_mesh(
        plan=PLAN, actual=nothing, period=JULY, as_of=date(2025, 6, 30), calendar=CN
    )
    for node in tree.walk():
        assert node.pacing is None
        assert node.health is Health.GREEN
        assert node.gap == 0
    # Cumulative nodes are measured (0 of 0 so far); rates and per-day figures are not.
    assert tree.measured
    assert tree.find("leads/brand").measured
    assert not tree.find("reach_rate").measured
    assert not tree.find("calls_per_rep_day").measured
    assert not tree.find("deal_value").measured


def test_after_the_period_the_whole_plan_is_expected():
    tree = probability_mesh(
        plan=PLAN, actual=ACTUAL, period=JULY, as_of=date(2025, 8, 15), calendar=CN
    )
    assert tree.expected_to_date == D("46000.00")
    assert tree.gap == D("-31000.00")
    assert tree.health is Health.RED
    # Per-day actuals divide by the period's 23 working days, not by days after it.
    assert tree.find("calls_per_rep_day").actual == D("8.70")  # 400 / 46


def test_unmatched_funnels_are_refused():
    other = replace(ACTUAL, stages=(ActualStage("lead", 80),))
    with pytest.raises(MeshError):
        probability_mesh(plan=PLAN, actual=other, period=JULY, as_of=MID_JULY, calendar=CN)
    stray = replace(ACTUAL, sources=(ActualSource("fair", 3),))
    with pytest.raises(MeshError):
        probability_mesh(plan=PLAN, actual=stray, period=JULY, as_of=MID_JULY, calendar=CN)


@settings(max_examples=60, deadline=None)
@given(
    day=st.integers(min_value=0, max_value=40),
    revenue=st.integers(min_value=0, max_value=60_000),
    amber=st.integers(min_value=50, max_value=100),
    red=st.integers(min_value=0, max_value=50),
)
def test_pacing_and_health_follow_the_working_days(day, revenue, amber, red):
    as_of = date(2025, 6, 25) + timedelta(days=day)
    thresholds = HealthThresholds(amber_below=D(amber) / 100, red_below=D(red) / 100)
    tree = probability_mesh(
        plan=PLAN,
        actual=replace(ACTUAL, revenue=D(revenue)),
        period=JULY,
        as_of=as_of,
        calendar=CN,
        thresholds=thresholds,
    )
    share = CN.elapsed_share(JULY, as_of)
    expected = Fraction(46000) * share
    assert tree.expected_to_date == to_money(D(expected.numerator) / D(expected.denominator))
    assert tree.gap == D(revenue) - tree.expected_to_date
    if expected == 0:
        assert tree.pacing is None
        assert tree.health is Health.GREEN
        return
    pacing = Fraction(revenue) / expected
    assert tree.pacing is not None
    assert abs(Fraction(tree.pacing) - pacing) <= Fraction(1, 20000)
    if pacing < Fraction(red, 100):
        assert tree.health is Health.RED
    elif pacing < Fraction(amber, 100):
        assert tree.health is Health.AMBER
    else:
        assert tree.health is Health.GREEN


# -- gap attribution -------------------------------------------------------------------------


def test_attribution_by_hand():
    attribution = attribute_gap(
        plan_factors={"leads": D(100), "conversion": D("0.1"), "deal_value": D(1000)},
        actual_factors={"leads": D(120), "conversion": D("0.05"), "deal_value": D(1000)},
    )
    # 100 × 0.1 × 1,000 = 10,000 planned; 120 × 0.05 × 1,000 = 6,000 actual.
    assert attribution.gap == D("-4000.00")
    # ln 1.2 = 0.18232, ln 0.5 = −0.69315, Σ = −0.51083; leads get −4,000 × 0.18232 /
    # −0.51083 = +1,427.66; conversion the rest, −5,427.66; deal value, on plan, nothing.
    assert [(s.key, s.share) for s in attribution.shares] == [
        ("leads", D("1427.66")),
        ("conversion", D("-5427.66")),
        ("deal_value", D("0.00")),
    ]
    assert attribution.log_ratio is not None
    assert math.isclose(float(attribution.log_ratio), math.log(0.6), rel_tol=1e-12)


def test_attribution_on_plan_is_all_zero():
    factors = {"leads": D(100), "conversion": D("0.1")}
    attribution = attribute_gap(plan_factors=factors, actual_factors=dict(factors))
    assert attribution.gap == 0
    assert attribution.log_ratio == 0
    assert all(s.share == 0 and s.log_ratio == 0 for s in attribution.shares)


def test_a_factor_at_zero_takes_the_whole_gap():
    # Revenue is zero whatever leads and deal value did: the zero conversion explains it all.
    attribution = attribute_gap(
        plan_factors={"leads": D(100), "conversion": D("0.1"), "deal_value": D(1000)},
        actual_factors={"leads": D(50), "conversion": D(0), "deal_value": D(2000)},
    )
    assert attribution.gap == D("-10000.00")
    assert attribution.log_ratio is None
    assert [s.share for s in attribution.shares] == [D(0), D("-10000.00"), D(0)]
    assert attribution.share_of("conversion").log_ratio is None


def test_several_factors_at_zero_share_the_gap_equally():
    attribution = attribute_gap(
        plan_factors={"a": D(1), "b": D(1), "c": D(1), "d": D("100.01")},
        actual_factors={"a": D(0), "b": D(0), "c": D(0), "d": D(5)},
    )
    # −100.01 over three zero factors: 33.34 / 33.34 / 33.33 (largest remainder, by key).
    assert [s.share for s in attribution.shares] == [
        D("-33.34"),
        D("-33.34"),
        D("-33.33"),
        D(0),
    ]


def test_a_factor_planned_at_zero_takes_the_surplus_and_zeros_on_both_sides_give_no_gap():
    surplus = attribute_gap(
        plan_factors={"leads": D(0), "deal_value": D(10)},
        actual_factors={"leads": D(3), "deal_value": D(5)},
    )
    assert [s.share for s in surplus.shares] == [D("15.00"), D(0)]
    nothing = attribute_gap(
        plan_factors={"leads": D(0), "deal_value": D(10)},
        actual_factors={"leads": D(3), "deal_value": D(0)},
    )
    assert nothing.gap == 0
    assert [s.share for s in nothing.shares] == [D(0), D(0)]


def test_attribution_refuses_bad_factors():
    with pytest.raises(AttributionError):
        attribute_gap(plan_factors={"a": D(1)}, actual_factors={"b": D(1)})
    with pytest.raises(AttributionError):
        attribute_gap(plan_factors={"a": D(-1)}, actual_factors={"a": D(1)})
    with pytest.raises(AttributionError):
        attribute_gap(plan_factors={"a": 1.5}, actual_factors={"a": D(1)})  # type: ignore[dict-item]
    with pytest.raises(AttributionError):
        attribute_gap(plan_factors={}, actual_factors={})


# Values with up to 4 decimals, zeros included now and then.
_values = st.one_of(
    st.just(D(0)),
    st.decimals(min_value=D("0.0001"), max_value=D("5000"), places=4),
)


@st.composite
def factor_pairs(draw: st.DrawFn) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Plan and actual factors over the same keys; some equal, some zero."""
    n = draw(st.integers(min_value=1, max_value=6))
    keys = [f"f{i}" for i in range(n)]
    plan = {key: draw(_values) for key in keys}
    actual = {
        key: plan[key] if draw(st.booleans()) and draw(st.booleans()) else draw(_values)
        for key in keys
    }
    return plan, actual


@settings(max_examples=300, deadline=None)
@given(pair=factor_pairs())
def test_shares_add_up_to_the_gap_to_the_cent(pair):
    plan, actual = pair
    attribution = attribute_gap(plan_factors=plan, actual_factors=actual)
    assert attribution.gap == to_money(math.prod(actual.values(), start=D(1))) - to_money(
        math.prod(plan.values(), start=D(1))
    )
    assert sum(s.share for s in attribution.shares) == attribution.gap
    for share in attribution.shares:
        assert share.share == share.share.quantize(D("0.01"))


@settings(max_examples=300, deadline=None)
@given(pair=factor_pairs())
def test_a_factor_on_plan_gets_nothing(pair):
    plan, actual = pair
    attribution = attribute_gap(plan_factors=plan, actual_factors=actual)
    for share in attribution.shares:
        if share.plan == share.actual:
            assert share.share == 0
            assert share.log_ratio == 0


@settings(max_examples=300, deadline=None)
@given(pair=factor_pairs())
def test_shares_have_the_sign_of_their_deviation(pair):
    plan, actual = pair
    attribution = attribute_gap(plan_factors=plan, actual_factors=actual)
    infinite = [s for s in attribution.shares if s.log_ratio is None]
    for share in attribution.shares:
        if infinite:
            # Zero rule: the infinite factors carry the gap's sign, the others nothing.
            if share.log_ratio is None:
                assert share.share * attribution.gap >= 0
            else:
                assert share.share == 0
        else:
            assert share.log_ratio is not None
            assert share.share * share.log_ratio >= 0


@settings(max_examples=300, deadline=None)
@given(pair=factor_pairs())
def test_log_ratios_add_up_and_shares_are_proportional(pair):
    plan, actual = pair
    attribution = attribute_gap(plan_factors=plan, actual_factors=actual)
    if attribution.log_ratio is None:
        return
    logs = [s.log_ratio for s in attribution.shares]
    assert all(log is not None for log in logs)
    # Exactly the sum of the factors' log-ratios (added without rounding).
    assert Fraction(attribution.log_ratio) == sum(Fraction(log) for log in logs)  # type: ignore[arg-type]
    assume(attribution.plan_total > 0 and attribution.actual_total > 0)
    ratio = float(attribution.actual_total) / float(attribution.plan_total)
    assert math.isclose(float(attribution.log_ratio), math.log(ratio), abs_tol=1e-9)
    total = Fraction(attribution.log_ratio)
    if attribution.gap == 0 or total == 0:
        return
    for share in attribution.shares:
        assert share.log_ratio is not None
        exact = Fraction(attribution.gap) * Fraction(share.log_ratio) / total
        # Half a cent from rounding one side's total, under a cent from splitting it.
        assert abs(Fraction(share.share) - exact) < Fraction(15, 1000)


@settings(max_examples=300, deadline=None)
@given(pair=factor_pairs(), data=st.data())
def test_swapping_two_factors_swaps_their_shares(pair, data):
    plan, actual = pair
    keys = list(plan)
    assume(len(keys) >= 2)
    a, b = data.draw(st.lists(st.sampled_from(keys), min_size=2, max_size=2, unique=True))
    before = attribute_gap(plan_factors=plan, actual_factors=actual)
    swapped_plan = {**plan, a: plan[b], b: plan[a]}
    swapped_actual = {**actual, a: actual[b], b: actual[a]}
    after = attribute_gap(plan_factors=swapped_plan, actual_factors=swapped_actual)
    pairs = [(plan[key], actual[key]) for key in keys]
    if pairs.count((plan[a], actual[a])) > 1 or pairs.count((plan[b], actual[b])) > 1:
        # Identical factors have the same exact share; an odd cent between them goes by key,
        # so after the swap a and b hold their counterparts' shares to within that cent.
        assert abs(after.share_of(a).share - before.share_of(b).share) <= D("0.01")
        assert abs(after.share_of(b).share - before.share_of(a).share) <= D("0.01")
        return
    assert after.share_of(a).share == before.share_of(b).share
    assert after.share_of(b).share == before.share_of(a).share
    for key in keys:
        if key not in (a, b):
            assert after.share_of(key).share == before.share_of(key).share


@settings(max_examples=100, deadline=None)
@given(pair=factor_pairs())
def test_the_order_the_factors_come_in_does_not_matter(pair):
    plan, actual = pair
    forward = attribute_gap(plan_factors=plan, actual_factors=actual)
    backward = attribute_gap(
        plan_factors=dict(reversed(plan.items())), actual_factors=dict(reversed(actual.items()))
    )
    assert {s.key: s.share for s in forward.shares} == {s.key: s.share for s in backward.shares}


# -- diagnosis -------------------------------------------------------------------------------


def comparison(key: str, label: str, plan: str, actual: str) -> FactorComparison:
    """A factor comparison with an untranslated label."""
    return FactorComparison(key, Message(label), D(plan), D(actual))


def test_diagnosis_in_words():
    # 400 × 0.5 × 0.1 × 1,000 = 20,000 planned; 400 × 0.3 × 0.08 × 1,000 = 9,600 in: −10,400.
    # ln 0.6 = −0.5108 and ln 0.8 = −0.2231: reach explains 0.5108 / 0.7340 = 69.6 %.
    messages = diagnose(
        factors=[
            comparison("calls", "calls", "400", "400"),
            comparison("reach", "reach rate", "0.5", "0.3"),
            comparison("conversion", "conversion", "0.1", "0.08"),
            comparison("deal_value", "deal value", "1000", "1000"),
        ]
    )
    assert [str(message) for message in messages] == [
        "Bottleneck: reach rate (70% of the gap).",
        "calls on plan.",
        "reach rate 40% under plan explains 70% of the gap (-7238.16).",
        "conversion 20% under plan explains 30% of the gap (-3161.84).",
        "deal value on plan.",
    ]


def test_diagnosis_names_offsets_and_leads():
    behind = diagnose(
        factors=[
            comparison("calls", "calls", "100", "150"),
            comparison("reach", "reach rate", "0.5", "0.25"),
        ]
    )
    # 50 planned, 37.5 in; ln 1.5 = 0.405, ln 0.5 = −0.693: calls offset 0.405/0.288 = 141 %.
    assert [str(message) for message in behind][1] == (
        "calls 50% over plan offsets 141% of the gap (17.62)."
    )
    ahead = diagnose(factors=[comparison("calls", "calls", "100", "150")])
    assert [str(message) for message in ahead] == [
        "calls 50% over plan explains 100% of the lead over plan (50.00)."
    ]
    held_back = diagnose(
        factors=[
            comparison("calls", "calls", "100", "300"),
            comparison("reach", "reach rate", "0.5", "0.25"),
        ]
    )
    assert str(held_back[1]) == (
        "reach rate 50% under plan holds back the lead over plan by 171% (-42.74)."
    )


def test_diagnosis_on_plan_and_at_zero():
    on_plan = diagnose(
        factors=[comparison("calls", "calls", "100", "101"), comparison("r", "reach", "1", "1")]
    )
    assert [str(message) for message in on_plan] == [
        "Every factor is on plan.",
        "calls on plan.",
        "reach on plan.",
    ]
    zero = diagnose(
        factors=[comparison("calls", "calls", "100", "0"), comparison("r", "reach", "1", "2")]
    )
    assert [str(message) for message in zero] == [
        "Bottleneck: calls (100% of the gap).",
        "calls at zero explains all of the gap (-100.00).",
        "reach 100% over plan offsets 0% of the gap (0.00).",
    ]


def test_diagnosis_labels_render_in_the_callers_language():
    messages = diagnose(
        factors=[
            FactorComparison("calls", Message("calls"), D(100), D(50)),
        ]
    )
    catalog = {
        "calls": "通话",
        "Bottleneck: %(factor)s (%(explained)s of the gap).": "瓶颈：%(factor)s（%(explained)s）",
    }
    assert messages[0].render(lambda text: catalog.get(text, text)) == "瓶颈：通话（100%）"


def test_percentages_are_preformatted():
    assert format_percent(D("0.4")) == "40%"
    assert format_percent(Fraction(2, 3)) == "67%"
    assert format_percent(D("0.001")) == "0.1%"
    assert format_percent(D("1.414")) == "141%"


# -- the funnel's factors --------------------------------------------------------------------


def test_funnel_factors_multiply_out_to_plan_to_date_and_actual_revenue():
    share = CN.elapsed_share(JULY, MID_JULY)
    factors = funnel_factors(plan=PLAN, actual=ACTUAL, elapsed=share)
    assert [factor.key for factor in factors] == [
        "calls",
        "reach_rate",
        "leads_per_reached_call",
        "conversion/lead",
        "conversion/opportunity",
        "deal_value",
    ]
    attribution = funnel_attribution(plan=PLAN, actual=ACTUAL, elapsed=share)
    # Plan: 80 leads to date × 0.5 × 0.5 × 1,000 = 20,000; actual: the revenue, 15,000.
    assert to_money(attribution.plan_total) == D("20000.00")
    assert to_money(attribution.actual_total) == D("15000.00")
    assert attribution.gap == D("-5000.00")
    assert sum(s.share for s in attribution.shares) == attribution.gap
    # Calls 400 of 400 expected: on plan, nothing to answer for.
    assert attribution.share_of("calls").share == 0
    messages = [str(m) for m in diagnose_funnel(plan=PLAN, actual=ACTUAL, elapsed=share)]
    assert messages[1] == "Calls on plan."
    assert messages[2].startswith("Reach rate 25% under plan explains")

    # The mesh's one-split path gives the same attribution and the same sentences.
    assert funnel_gap(plan=PLAN, actual=ACTUAL, elapsed=share) == (
        attribution,
        diagnose_funnel(plan=PLAN, actual=ACTUAL, elapsed=share),
    )


@settings(max_examples=200, deadline=None)
@given(pair=factor_pairs())
def test_diagnose_given_the_attribution_says_the_same(pair):
    plan, actual = pair
    factors = [comparison(key, key, str(plan[key]), str(actual[key])) for key in plan]
    attribution = attribute_gap(plan_factors=plan, actual_factors=actual)
    assert diagnose(factors=factors, attribution=attribution) == diagnose(factors=factors)


def test_diagnose_refuses_an_attribution_of_other_factors():
    factors = [comparison("calls", "calls", "100", "80")]
    other = attribute_gap(plan_factors={"visits": D(10)}, actual_factors={"visits": D(8)})
    with pytest.raises(AttributionError):
        diagnose(factors=factors, attribution=other)


def test_unmeasurable_factors_are_taken_at_plan():
    # Leads came in but nobody reached opportunity and nothing was won: the lead stage's
    # conversion is at zero and carries the gap; the later ones (0 / 0) stay at plan.
    stalled = replace(
        ACTUAL,
        revenue=D(0),
        customers=0,
        stages=(ActualStage("lead", 80), ActualStage("opportunity", 0)),
    )
    share = CN.elapsed_share(JULY, MID_JULY)
    attribution = funnel_attribution(plan=PLAN, actual=stalled, elapsed=share)
    assert attribution.share_of("conversion/lead").share == D("-20000.00")
    assert attribution.share_of("conversion/opportunity").actual == D("0.5")
    assert attribution.share_of("deal_value").actual == D("1000.00")
    tree = probability_mesh(plan=PLAN, actual=stalled, period=JULY, as_of=MID_JULY, calendar=CN)
    assert not tree.find("deal_value").measured
    assert not tree.find("conversion/opportunity").measured
    assert tree.find("conversion/lead").health is Health.RED


def test_rep_plan_indicators():
    planned = plan_probability(inputs())
    mine = rep_plan_indicators(inputs=inputs(), plan=planned, rep_id="A")
    # Two identical reps: half of everything each.
    assert (mine.target, mine.customers, mine.calls, mine.visits, mine.reps) == (
        D("23000.00"),
        23,
        460,
        69,
        1,
    )
    assert [(s.entered, s.conversion) for s in mine.stages] == [
        (92, D("0.5")),
        (46, D("0.5")),
    ]
    with pytest.raises(MeshError):
        rep_plan_indicators(inputs=inputs(), plan=planned, rep_id="Z")


# -- catch-up --------------------------------------------------------------------------------


def test_catch_up_on_plan_equals_the_original_daily_targets():
    original = plan_probability(inputs())
    # On plan by July 14: 46,000 × 10/23 = 20,000 closed, 26,000 left for 13 working days.
    result = catch_up(
        inputs=inputs(), remaining_target=D("26000"), as_of=MID_JULY, original=original
    )
    assert result.feasible
    assert result.remaining_working_days == 13
    assert result.period is not None
    assert (result.period.start, result.period.end) == (date(2025, 7, 15), date(2025, 7, 31))
    # 26 customers → 104 leads → 520 calls (40 a day) and 52 × 1.5 = 78 visits (6 a day).
    assert (result.targets.customers, result.targets.leads, result.targets.calls) == (26, 104, 520)
    assert result.baseline == daily_targets(plan=original, working_days=23)
    targets, baseline = result.targets, result.baseline
    assert (targets.calls_per_day, targets.visits_per_day, targets.leads_per_day) == (
        baseline.calls_per_day,
        baseline.visits_per_day,
        baseline.leads_per_day,
    )
    assert targets.calls_per_day == D("40.00")
    assert targets.reps == baseline.reps
    assert [(r.rep_id, r.calls_per_day, r.visits_per_day) for r in targets.reps] == [
        ("A", D("20.00"), D("3.00")),
        ("B", D("20.00"), D("3.00")),
    ]
    # The re-plan keeps the inputs but drops the lags: nothing is scheduled before July 15.
    assert result.inputs is not None
    assert result.plan is not None
    assert all(stage.lag_days == 0 for stage in result.inputs.funnel.stages)
    assert result.plan.leads_before_target == 0
    assert str(result.messages[0]) == (
        "To close the remaining 26000.00 in 13 working days: 26 customers from 104 leads, "
        "40.00 calls and 6.00 visits a working day."
    )


@settings(max_examples=40, deadline=None)
@given(
    day=st.integers(min_value=1, max_value=29),
    customers=st.integers(min_value=1, max_value=400),
    price=st.integers(min_value=100, max_value=5000),
)
def test_catch_up_on_plan_matches_the_plan_to_its_rounding(day, customers, price):
    as_of = date(2025, 7, day)
    base = inputs(
        target=D(customers * price),
        products=(Product("standard", D(price), D("1")),),
        reps=(rep("A", 10_000, 1_000), rep("B", 10_000, 1_000)),
    )
    original = plan_probability(base)
    total = CN.working_days_in(JULY)
    remaining_days = CN.remaining_working_days(JULY, as_of)
    assume(remaining_days > 0)
    on_plan = to_money(D(customers * price * remaining_days) / D(total))
    result = catch_up(inputs=base, remaining_target=on_plan, as_of=as_of, original=original)
    assert result.baseline is not None
    # The planner rounds up to whole customers (worth < 1/0.25 = 4 leads), whole
    # opportunities (< 2 leads) and whole leads (< 1), then whole calls (< 1): under 7 leads
    # × 5 calls + 1 = 36 calls of slack either way, plus the 0.01 the per-day figures round.
    slack = Fraction(36, remaining_days) + Fraction(36, total) + Fraction(1, 100)
    gap = abs(Fraction(result.targets.calls_per_day) - Fraction(result.baseline.calls_per_day))
    assert gap <= slack
    leads_slack = Fraction(7, remaining_days) + Fraction(7, total) + Fraction(1, 100)
    assert (
        abs(Fraction(result.targets.leads_per_day) - Fraction(result.baseline.leads_per_day))
        <= leads_slack
    )


def test_catch_up_behind_plan_asks_for_more_a_day():
    original = plan_probability(inputs())
    # Only 10,000 closed by July 14 instead of 20,000: 36,000 over 13 days.
    result = catch_up(
        inputs=inputs(), remaining_target=D("36000"), as_of=MID_JULY, original=original
    )
    assert result.baseline is not None
    assert result.targets.calls_per_day > result.baseline.calls_per_day
    assert result.targets.visits_per_day > result.baseline.visits_per_day
    # 36 customers → 144 leads → 720 calls / 13 = 55.38.. → 55.39 (rounded up).
    assert result.targets.calls_per_day == D("55.39")
    assert result.feasible


def test_infeasible_catch_up_returns_the_planners_fixes():
    # Each rep can make 30 calls a day; 55.39 a day for the team of two is too many.
    tight = inputs(reps=(rep("A", 25, 10), rep("B", 25, 10)))
    result = catch_up(inputs=tight, remaining_target=D("36000"), as_of=MID_JULY)
    assert not result.feasible
    assert result.inputs is not None
    assert result.plan is not None
    assert result.fixes == plan_probability(result.inputs).feasibility.fixes
    assert result.fixes
    assert any(isinstance(fix, AddReps) for fix in result.fixes)
    assert str(result.messages[1]).startswith("The plan is infeasible")
    for fix in result.fixes:
        assert plan_probability(apply_fix(result.inputs, fix)).feasibility.feasible


def test_catch_up_when_the_period_is_over():
    late = catch_up(inputs=inputs(), remaining_target=D("100"), as_of=date(2025, 7, 31))
    assert not late.feasible
    assert late.plan is None
    assert late.remaining_working_days == 0
    assert str(late.messages[0]) == (
        "No working day is left in the period; 100.00 of the target cannot be closed any more."
    )
    done = catch_up(inputs=inputs(), remaining_target=D("-5"), as_of=date(2025, 8, 3))
    assert done.feasible
    assert done.remaining_target == D("0.00")
    assert done.period is None


def test_catch_up_with_the_target_already_reached_needs_nothing():
    result = catch_up(inputs=inputs(), remaining_target=D("-1000"), as_of=MID_JULY)
    assert result.feasible
    assert result.remaining_target == D("0.00")
    assert (result.targets.calls, result.targets.visits, result.targets.leads) == (0, 0, 0)


def test_catch_up_before_the_period_plans_the_whole_period():
    result = catch_up(inputs=inputs(), remaining_target=D("46000"), as_of=date(2025, 6, 20))
    assert result.remaining_working_days == 23
    assert result.targets.calls_per_day == D("40.00")
