"""Probability-paradigm planner (DESIGN.md §1.1): target → funnel → behaviours per rep.

Every expected number in the worked examples is computed by hand in the comments. The
calendar facts come from the State Council's 2025 holiday schedule: June 2 2025 (Dragon
Boat Festival) is a day off; July 2025 has no holiday; Spring Festival runs Jan 28 - Feb 4
with Sunday Jan 26 and Saturday Feb 8 as make-up working days.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmesh.core.calendar import FiscalCalendar, WorkCalendar
from salesmesh.core.i18n import Message
from salesmesh.core.money import largest_remainder, to_money
from salesmesh.core.probability import (
    AddReps,
    BehaviourYields,
    CapabilityModel,
    Fix,
    Funnel,
    FunnelStage,
    LeadSource,
    ProbabilityInputs,
    ProbabilityPlan,
    ProbabilityPlanError,
    Product,
    RaiseConversion,
    RaiseDealValue,
    Rep,
    RepHistory,
    apply_fix,
    calibrate_capability,
    capability_multipliers,
    expected_deal_value,
    plan_probability,
    working_day_lag,
)

D = Decimal
# Shared so the holiday tables are built once for all (hypothesis) examples.
CN = WorkCalendar("CN")
FISCAL = FiscalCalendar()
JULY = FISCAL.parse("2025-07")

PRODUCTS = (
    Product("basic", D("10000"), D("0.6")),
    Product("pro", D("25000"), D("0.4")),
)
STAGES = (
    FunnelStage("lead", D("0.5"), 28),
    FunnelStage("qualified lead", D("0.4"), 14),
    FunnelStage("opportunity", D("0.25"), 7),
)
SOURCES = (
    LeadSource("market coverage", D("0.5"), D("0.8")),
    LeadSource("brand", D("0.3"), D("1")),
    LeadSource("private domain", D("0.2"), D("1.5")),
)
YIELDS = BehaviourYields(
    attempts_per_reached_lead=D("2"), reach_rate=D("0.4"), visits_per_opportunity=D("1.5")
)


def neutral_rep(rep_id: str, calls: int, visits: int) -> Rep:
    """A reference rep: both exams at 50 %, 18 months → capability multiplier exactly 1."""
    return Rep(rep_id, D(calls), D(visits), D("0.5"), D("0.5"), 18)


def example(**changes: object) -> ProbabilityInputs:
    """The hand-worked example, with optional field changes."""
    inputs = ProbabilityInputs(
        target=D("1200000.00"),
        period=JULY,
        work_calendar=CN,
        products=PRODUCTS,
        funnel=Funnel(STAGES, SOURCES),
        yields=YIELDS,
        reps=(neutral_rep("A", 300, 20), neutral_rep("B", 150, 10)),
    )
    return replace(inputs, **changes)  # type: ignore[arg-type]


# -- the hand-worked example -----------------------------------------------------------------


def test_funnel_counts_by_hand():
    plan = plan_probability(example())
    # deal value = 0.6 x 10,000 + 0.4 x 25,000 = 6,000 + 10,000 = 16,000
    assert plan.deal_value == D("16000.00")
    # customers = ceil(1,200,000 / 16,000) = 75
    assert plan.customers == 75
    # Sources blend the first stage: 0.5 x 0.8 + 0.3 x 1 + 0.2 x 1.5 = 0.4 + 0.3 + 0.3 = 1.0.
    # opportunities = ceil(75 / 0.25) = 300; qualified leads = ceil(300 / 0.4) = 750;
    # leads = ceil(750 / (0.5 x 1.0)) = 1,500
    assert [stage.count for stage in plan.stages] == [1500, 750, 300]
    assert plan.leads == 1500
    assert plan.stages[0].effective_conversion == D("0.5")
    # leads per source by share: 0.5 / 0.3 / 0.2 of 1,500 = 750 / 450 / 300
    assert [(s.name, s.leads) for s in plan.sources] == [
        ("market coverage", 750),
        ("brand", 450),
        ("private domain", 300),
    ]
    # each source's own first-stage conversion: 0.5 x 0.8, 0.5 x 1, 0.5 x 1.5
    assert [s.conversion for s in plan.sources] == [D("0.40"), D("0.5"), D("0.75")]
    # calls = 1,500 leads x 2 connected attempts / 0.4 reach rate = 7,500
    assert plan.calls == 7500
    # visits = 300 opportunities x 1.5 = 450
    assert plan.visits == 450


def test_back_scheduled_weeks_by_hand():
    plan = plan_probability(example())
    # Lags in working days: round(28 x 5/7) = 20, round(14 x 5/7) = 10, round(7 x 5/7) = 5.
    # July 2025 has 23 working days (Tue 1 .. Thu 31, no holiday). The first close (Tue Jul 1)
    # needs its lead 20 working days earlier: Jun 30, 27-23, 20-16, 13-9, 6-3 → Tue Jun 3
    # (Mon Jun 2 is the Dragon Boat holiday). So the schedule starts in ISO week 2025-W23.
    labels = [(w.label, w.start, w.working_days, w.before_target) for w in plan.weeks]
    assert labels == [
        ("2025-W23", date(2025, 6, 2), 4, True),  # Jun 2 is off
        ("2025-W24", date(2025, 6, 9), 5, True),
        ("2025-W25", date(2025, 6, 16), 5, True),
        ("2025-W26", date(2025, 6, 23), 5, True),
        ("2025-W27", date(2025, 6, 30), 1, True),  # Mon Jun 30, cut at the period start
        ("2025-W27", date(2025, 7, 1), 4, False),
        ("2025-W28", date(2025, 7, 7), 5, False),
        ("2025-W29", date(2025, 7, 14), 5, False),
        ("2025-W30", date(2025, 7, 21), 5, False),
        ("2025-W31", date(2025, 7, 28), 4, False),
    ]
    # Lead work of the 23 close days: closes Jul 1-4 → Jun 3-6 (W23: 4), Jul 7-11 → W24 (5),
    # Jul 14-18 → W25 (5), Jul 21-25 → W26 (5), Jul 28 → Jun 30 (1), Jul 29-31 → Jul 1-3 (3).
    # Cumulative ceiling of 1,500 over weights 4, 5, 5, 5, 1, 3 (of 23):
    #   ceil(1500 x 4/23) = ceil(260.87) = 261            → 261
    #   ceil(1500 x 9/23) = ceil(586.96) = 587            → 587 - 261 = 326
    #   ceil(1500 x 14/23) = ceil(913.04) = 914           → 327
    #   ceil(1500 x 19/23) = ceil(1239.13) = 1240         → 326
    #   ceil(1500 x 20/23) = ceil(1304.35) = 1305         → 65
    #   1500                                              → 195
    assert plan.stages[0].by_week == (261, 326, 327, 326, 65, 195, 0, 0, 0, 0)
    assert plan.leads_before_target == 261 + 326 + 327 + 326 + 65  # = 1305
    # Opportunities 5 working days ahead: closes Jul 1-4 → Jun 24-27 (W26: 4), Jul 7 → Jun 30
    # (1), Jul 8-11 → Jul 1-4 (4), then 5, 5, 4. 300 over 4, 1, 4, 5, 5, 4 cumulatively:
    # ceil(52.17) = 53, ceil(65.22) = 66 → 13, ceil(117.39) = 118 → 52, ceil(182.61) = 183
    # → 65, ceil(247.83) = 248 → 65, 300 → 52.
    assert plan.stages[2].by_week == (0, 0, 0, 53, 13, 52, 65, 65, 52, 0)
    # Calls follow the leads' weeks: 7,500 over 4, 5, 5, 5, 1, 3 cumulatively:
    # ceil(1304.35) = 1305, ceil(2934.78) = 2935 → 1630, ceil(4565.22) = 4566 → 1631,
    # ceil(6195.65) = 6196 → 1630, ceil(6521.74) = 6522 → 326, 7500 → 978.
    assert [w.calls for w in plan.weeks] == [1305, 1630, 1631, 1630, 326, 978, 0, 0, 0, 0]
    # Visits follow the opportunities' weeks: 450 over 4, 1, 4, 5, 5, 4:
    # ceil(78.26) = 79, ceil(97.83) = 98 → 19, ceil(176.09) = 177 → 79, ceil(273.91) = 274
    # → 97, ceil(371.74) = 372 → 98, 450 → 78.
    assert [w.visits for w in plan.weeks] == [0, 0, 0, 79, 19, 79, 97, 98, 78, 0]
    # Closes in proportion to working days 4, 5, 5, 5, 4 (of 23): 13.04, 16.30 x 3, 13.04 →
    # floors 13, 16, 16, 16, 13 = 74; the spare close goes to the first .30 (W28).
    assert [w.closes for w in plan.weeks] == [0, 0, 0, 0, 0, 13, 17, 16, 16, 13]
    assert any("1305 of 1500 leads" in str(message) for message in plan.messages)


def test_reps_by_hand():
    plan = plan_probability(example())
    # Capacity relative to the team mean (225 calls, 15 visits): A = min(300/225, 20/15)
    # = 4/3, B = min(150/225, 10/15) = 2/3; both multipliers are 1 → customers 2:1 = 50 / 25.
    assert [(r.rep_id, r.multiplier, r.customers) for r in plan.reps] == [
        ("A", 1.0, 50),
        ("B", 1.0, 25),
    ]
    # Everything else splits in proportion to customers / multiplier, i.e. 2:1.
    assert [r.stage_counts for r in plan.reps] == [(1000, 500, 200), (500, 250, 100)]
    assert [(r.calls, r.visits) for r in plan.reps] == [(5000, 300), (2500, 150)]
    # Rep A's exact weekly calls are 5000/7500 of each week: 870, 1086.67, 1087.33,
    # 1086.67, 217.33, 652 (floors sum to 4,998: 2 units missing); B's: 435, 543.33,
    # 543.67, 543.33, 108.67, 326 (2 missing). Week W24 misses 1 unit: both rows miss 2, A
    # has the larger fraction (.67 vs .33) → A. W25: B misses more (2 vs 1) → B. W26: tie
    # at 1 each, A's fraction .67 wins. W27 (Jun 30): only B still misses a unit → B.
    assert plan.calls_by_rep_week.tolist() == [
        [870, 1087, 1087, 1087, 217, 652, 0, 0, 0, 0],
        [435, 543, 544, 543, 109, 326, 0, 0, 0, 0],
    ]
    assert plan.visits_by_rep_week.sum(axis=1).tolist() == [300, 150]
    # Busiest week per working day is W23 (1305 calls / 4 days = 326.25): A's share is
    # 326.25 x 2/3 = 217.5 a day against 300, B's 108.75 against 150 → feasible.
    assert plan.reps[0].peak_calls_per_working_day == pytest.approx(217.5)
    assert plan.reps[1].peak_calls_per_working_day == pytest.approx(108.75)
    # Calls happen in weeks with 4 + 5 + 5 + 5 + 1 + 4 = 24 working days: 5000 / 24.
    assert plan.reps[0].average_calls_per_working_day == pytest.approx(5000 / 24)
    assert plan.calls_per_working_day()[0, 0] == pytest.approx(870 / 4)
    assert plan.feasibility.feasible
    assert plan.feasibility.fixes == ()
    # The peak utilisation is the exact share over whole calls possible: 870 / (300 x 4).
    assert plan.feasibility.peak_call_utilisation == pytest.approx(870 / 1200)


def test_capability_shifts_conversion_and_allocation_by_hand():
    # Same capacity; the strong rep has both exams at 100 % and 36 months:
    #   m = 1 + 0.2 x 0.5 + 0.3 x 0.5 + 0.2 x (36/36 - 0.5) = 1.35;
    # the weak one 0 %, 0 %, 0 months: m = 1 - 0.1 - 0.15 - 0.1 = 0.65.
    strong = Rep("strong", D(300), D(20), D(1), D(1), 36)
    weak = Rep("weak", D(300), D(20), D(0), D(0), 0)
    plan = plan_probability(example(reps=(strong, weak)))
    assert [r.multiplier for r in plan.reps] == pytest.approx([1.35, 0.65])
    # customers 75 in proportion 1.35 : 0.65 → 50.625 / 24.375 → 50 / 24 + 1 → 51 / 24
    assert [r.customers for r in plan.reps] == [51, 24]
    # opportunities = ceil(51 / (0.25 x 1.35) + 24 / (0.25 x 0.65)) = ceil(151.11 + 147.69)
    # = ceil(298.80) = 299 (a neutral team needs 300); QL = ceil(299 / 0.4) = ceil(747.5)
    # = 748; leads = 748 / 0.5 = 1,496; calls = 1,496 x 5 = 7,480; visits = ceil(448.5) = 449
    assert [s.count for s in plan.stages] == [1496, 748, 299]
    assert (plan.calls, plan.visits) == (7480, 449)
    # Per rep in proportion to 51/1.35 = 37.78 and 24/0.65 = 36.92 (sum 74.70): calls
    # 7480 x 0.5057 = 3782.8 → 3783 and 3697.2 → 3697; the strong rep needs more calls
    # than the weak one only because they win more than twice as many customers.
    assert [r.calls for r in plan.reps] == [3783, 3697]
    assert [r.stage_counts[0] for r in plan.reps] == [757, 739]


# -- validation ------------------------------------------------------------------------------


def test_probabilities_must_sum_to_one():
    bad = (Product("basic", D("10000"), D("0.6")), Product("pro", D("25000"), D("0.3")))
    with pytest.raises(ProbabilityPlanError) as caught:
        plan_probability(example(products=bad))
    assert [path for path, _ in caught.value.problems] == ["products"]
    assert "sum to 1 (they sum to 0.9)" in str(caught.value)


def test_probabilities_within_tolerance_are_accepted():
    # Thirds typed to six places sum to 0.999999 (inside 1e-6); dividing by that sum keeps
    # the deal value at (10 + 20 + 30) / 3 = 20.
    thirds = tuple(
        Product(f"p{i}", D(price), D("0.333333")) for i, price in enumerate([10, 20, 30])
    )
    assert expected_deal_value(thirds) == D("20.00")


def test_every_problem_is_reported_with_its_path():
    stages = (
        FunnelStage("lead", D("0.5"), 28),
        FunnelStage("qualified lead", D("0.4"), 40),  # further from the close than a lead
        FunnelStage("opportunity", D("1.2"), 7),
    )
    inputs = example(
        target=D("-1"),
        funnel=Funnel(stages, (LeadSource("brand", D("1"), D("2.5")),)),
        yields=replace(YIELDS, reach_rate=D("0")),
        reps=(Rep("A", D(10), D(1), D("1.5"), D("0.5"), 3), Rep("A", D(10), D(1), D(0), D(0), 0)),
    )
    with pytest.raises(ProbabilityPlanError) as caught:
        plan_probability(inputs)
    paths = [path for path, _ in caught.value.problems]
    assert paths == [
        "target",
        "funnel.stages[1].lag_days",
        "funnel.stages[2].conversion",
        "funnel.sources[0].conversion_multiplier",
        "yields.reach_rate",
        "reps[0].product_pass_rate",
        "reps[1].rep_id",
    ]
    assert "funnel.stages[2].conversion: must be in (0, 1]" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_floats_are_refused():
    with pytest.raises(ProbabilityPlanError) as caught:
        plan_probability(example(target=1200000.0))
    assert caught.value.problems[0][0] == "target"
    assert "not float" in str(caught.value)


def test_a_zero_target_needs_nothing():
    plan = plan_probability(example(target=D(0)))
    assert (plan.customers, plan.leads, plan.calls, plan.visits) == (0, 0, 0, 0)
    assert plan.calls_by_rep_week.sum() == 0
    assert plan.feasibility.feasible


def test_working_day_lag():
    # round(L x 5/7), half up: 1 → 0.71 → 1, 3 → 2.14 → 2, 4 → 2.86 → 3, 7 → 5, 28 → 20
    assert [working_day_lag(n) for n in (0, 1, 3, 4, 7, 14, 28)] == [0, 1, 2, 3, 5, 10, 20]


def test_a_long_holiday_pauses_the_cycle_instead_of_piling_up_work():
    # Closes in February 2025 with a 7-day (5 working day) opportunity lag: the closes of
    # Feb 5-11 need their opportunities across Spring Festival (Jan 28 - Feb 4 off). Counted in
    # working days they land on distinct days (Jan 22-27 and Feb 5 ...), so no week carries
    # more than one close day's work per working day.
    plan = plan_probability(
        example(period=FISCAL.parse("2025-02"), reps=(neutral_rep("A", 9000, 900),))
    )
    close_days = CN.working_days(date(2025, 2, 1), date(2025, 2, 28))
    daily = math.ceil(plan.stages[2].count / close_days) + 1
    for count, week in zip(plan.stages[2].by_week, plan.weeks, strict=True):
        assert count <= daily * week.working_days


# -- infeasibility and fixes -----------------------------------------------------------------


def tight() -> ProbabilityInputs:
    """The example with two-thirds of the capacity: 200 / 100 calls, 12 / 6 visits a day."""
    return example(reps=(neutral_rep("A", 200, 12), neutral_rep("B", 100, 6)))


def test_infeasible_plan_says_so_with_numbers():
    plan = plan_probability(tight())
    feasibility = plan.feasibility
    assert not feasibility.feasible
    # A's busiest call week is W23: 1305 x 2/3 = 870 calls in 4 days = 217.5 a day > 200
    # (utilisation 870 / 800 = 1.0875).
    assert feasibility.peak_call_utilisation == pytest.approx(870 / 800)
    assert feasibility.reps_over_call_capacity == 2
    texts = [str(message) for message in feasibility.messages]
    assert texts[0].startswith("The plan is infeasible")
    assert "A, needs 217.5 a working day in week 2025-W23 against a capacity of 200" in texts[1]
    assert [type(fix) for fix in feasibility.fixes] == [AddReps, RaiseConversion, RaiseDealValue]
    assert not any(rep.feasible for rep in plan.reps)


def test_each_fix_alone_makes_the_plan_feasible_and_is_minimal():
    inputs = tight()
    fixes = {type(fix): fix for fix in plan_probability(inputs).feasibility.fixes}

    add = fixes[AddReps]
    assert isinstance(add, AddReps)
    assert (add.template.max_calls_per_day, add.template.max_visits_per_day) == (
        D("150.00"),
        D("9.00"),
    )
    assert plan_probability(apply_fix(inputs, add)).feasibility.feasible
    if add.count > 1:
        fewer = replace(add, count=add.count - 1)
        assert not plan_probability(apply_fix(inputs, fewer)).feasibility.feasible

    conversion = fixes[RaiseConversion]
    assert isinstance(conversion, RaiseConversion)
    # The close stage is raised first; here it alone absorbs the whole factor.
    assert conversion.conversions[:2] == (D("0.5"), D("0.4"))
    assert conversion.conversions[2] == D("0.25") * conversion.factor
    assert plan_probability(apply_fix(inputs, conversion)).feasibility.feasible
    one_step_less = replace(
        conversion, conversions=(D("0.5"), D("0.4"), D("0.25") * (conversion.factor - D("0.0001")))
    )
    assert not plan_probability(apply_fix(inputs, one_step_less)).feasibility.feasible

    deal = fixes[RaiseDealValue]
    assert isinstance(deal, RaiseDealValue)
    assert deal.prices == tuple(to_money(p.price * deal.factor) for p in PRODUCTS)
    fixed = plan_probability(apply_fix(inputs, deal))
    assert fixed.feasibility.feasible
    assert fixed.customers == deal.customers
    cheaper = replace(
        deal, prices=tuple(to_money(p.price * (deal.factor - D("0.0001"))) for p in PRODUCTS)
    )
    assert not plan_probability(apply_fix(inputs, cheaper)).feasibility.feasible


def test_added_reps_get_fresh_ids():
    inputs = tight()
    add = AddReps(count=2, template=replace(inputs.reps[0], rep_id="new"), message=Message("-"))
    crowded = replace(inputs, reps=(*inputs.reps, neutral_rep("new-1", 1, 1)))
    ids = [rep.rep_id for rep in apply_fix(crowded, add).reps]
    assert ids == ["A", "B", "new-1", "new-2", "new-3"]


def test_when_no_single_fix_is_enough_the_plan_says_why():
    # One rep who can make a single call a day: even one customer needs 1/0.05 = 20 leads,
    # i.e. 100 calls within the run-up weeks, far beyond 1 a day.
    plan = plan_probability(example(reps=(neutral_rep("A", 1, 1),)))
    assert plan.feasibility.fixes == ()
    texts = " ".join(str(m) for m in plan.feasibility.messages)
    assert "Adding reps alone cannot" in texts
    assert "Raising conversion alone cannot" in texts
    assert "Raising the deal value alone cannot" in texts


# -- capability model ------------------------------------------------------------------------


def test_default_capability_model():
    reps = [
        neutral_rep("ref", 1, 1),
        Rep("top", D(1), D(1), D(1), D(1), 120),  # tenure saturates at 36 months
        Rep("junior", D(1), D(1), D("0.5"), D("0.5"), 0),
    ]
    # 1; 1 + 0.1 + 0.15 + 0.1 = 1.35; 1 + 0.2 x (0 - 0.5) = 0.9
    assert capability_multipliers(reps, CapabilityModel()) == pytest.approx((1.0, 1.35, 0.9))
    # Weights that would push below the floor are clamped to it (0.5).
    harsh = CapabilityModel(product_weight=3.0)
    assert capability_multipliers([Rep("x", D(1), D(1), D(0), D("0.5"), 18)], harsh) == (0.5,)


def history(n: int, a: float = 0.4, b: float = 0.2, c: float = 0.3) -> list[RepHistory]:
    """n reps whose conversion follows 0.05 x (1 + a·x1 + b·x2 + c·x3) exactly."""
    rows = []
    for i in range(n):
        product, scenario, tenure = (i * 37 % 11) / 10, (i * 53 % 7) / 6, i * 17 % 40
        x3 = min(tenure, 36) / 36 - 0.5
        conversion = 0.05 * (1 + a * (product - 0.5) + b * (scenario - 0.5) + c * x3)
        rows.append(
            RepHistory(
                f"r{i}",
                D(repr(conversion)),
                D(repr(product)),
                D(repr(scenario)),
                tenure,
                leads=100 + i,
            )
        )
    return rows


def test_calibration_recovers_the_weights():
    result = calibrate_capability(history(12))
    assert result.calibrated
    assert result.reps_used == 12
    model = result.model
    assert (model.product_weight, model.scenario_weight, model.tenure_weight) == pytest.approx(
        (0.4, 0.2, 0.3), abs=1e-9
    )
    assert result.r_squared == pytest.approx(1.0)
    # The clamp range and tenure saturation stay those of the prior.
    assert (model.lower, model.upper, model.tenure_saturation_months) == (0.5, 1.5, 36)


def test_calibration_falls_back_with_too_little_history():
    # Nine reps < MIN_CALIBRATION_REPS (10).
    result = calibrate_capability(history(9))
    assert not result.calibrated
    assert result.model == CapabilityModel()
    assert "at least 10 needed" in str(result.messages[0])


def test_calibration_falls_back_when_indicators_do_not_vary():
    same = [RepHistory(f"r{i}", D("0.05"), D("0.8"), D("0.7"), 12) for i in range(12)]
    result = calibrate_capability(same)
    assert not result.calibrated
    assert "do not vary enough" in str(result.messages[0])


def test_calibration_reports_bad_history():
    with pytest.raises(ProbabilityPlanError) as caught:
        calibrate_capability([RepHistory("r0", D("1.5"), D("0.5"), D("0.5"), -1)])
    assert [path for path, _ in caught.value.problems] == [
        "history[0].conversion",
        "history[0].tenure_months",
    ]


# -- properties ------------------------------------------------------------------------------

rates = st.integers(min_value=5, max_value=100).map(lambda n: D(n) / 100)
months = st.sampled_from(["2025-03", "2025-05", "2025-07", "2025-10", "2026-02"])


@st.composite
def plans(draw: st.DrawFn) -> ProbabilityInputs:
    """Small random plans: 1-3 stages, 1-5 reps of varied capability, a month of 2025/26."""
    n_stages = draw(st.integers(min_value=1, max_value=3))
    lags = sorted(
        draw(st.lists(st.integers(0, 45), min_size=n_stages, max_size=n_stages)), reverse=True
    )
    stages = tuple(FunnelStage(f"s{k}", draw(rates), lag) for k, lag in enumerate(lags))
    reps = tuple(
        Rep(
            f"r{i}",
            D(draw(st.integers(20, 400))),
            D(draw(st.integers(1, 30))),
            D(draw(st.integers(0, 10))) / 10,
            D(draw(st.integers(0, 10))) / 10,
            draw(st.integers(0, 60)),
        )
        for i in range(draw(st.integers(1, 5)))
    )
    # Sources with multipliers up to 1 keep every source's first-stage conversion ≤ 1 however
    # high the first stage's own conversion is drawn.
    weights = draw(st.lists(st.integers(1, 10), max_size=3))
    shares = largest_remainder(100, weights) if weights else []
    sources = tuple(
        LeadSource(f"src{j}", D(share) / 100, D(draw(st.integers(30, 100))) / 100)
        for j, share in enumerate(shares)
    )
    return ProbabilityInputs(
        target=D(draw(st.integers(0, 3_000_000))),
        period=FISCAL.parse(draw(months)),
        work_calendar=CN,
        products=PRODUCTS,
        funnel=Funnel(stages, sources),
        yields=BehaviourYields(
            attempts_per_reached_lead=D(draw(st.integers(1, 4))),
            reach_rate=draw(rates),
            visits_per_opportunity=D(draw(st.integers(0, 3))) / 2,
        ),
        reps=reps,
    )


def first_lead_week(plan: ProbabilityPlan) -> date | None:
    """Start of the first week with any leads to generate."""
    return next(
        (w.start for w, n in zip(plan.weeks, plan.stages[0].by_week, strict=True) if n), None
    )


@settings(max_examples=60, deadline=None)
@given(plans(), st.integers(min_value=1, max_value=4))
def test_more_reps_means_fewer_calls_per_rep(inputs, extra):
    # Reps like the first one, so the team's conversion stays the same.
    clones = tuple(replace(inputs.reps[0], rep_id=f"clone{i}") for i in range(extra))
    base = replace(inputs, reps=(inputs.reps[0],))
    bigger = replace(inputs, reps=(inputs.reps[0], *clones))
    before, after = plan_probability(base), plan_probability(bigger)
    assert after.calls == before.calls
    assert after.calls / len(bigger.reps) <= before.calls / len(base.reps)
    assert max(r.calls for r in after.reps) <= max(r.calls for r in before.reps)
    assert (
        max(r.peak_calls_per_working_day for r in after.reps)
        <= max(r.peak_calls_per_working_day for r in before.reps) + 1e-9
    )


@settings(max_examples=60, deadline=None)
@given(plans(), st.data())
def test_higher_conversion_means_fewer_leads(inputs, data):
    stages = inputs.funnel.stages
    k = data.draw(st.integers(0, len(stages) - 1))
    raised = data.draw(st.integers(int(stages[k].conversion * 100), 100).map(lambda n: D(n) / 100))
    better = tuple(replace(s, conversion=raised) if i == k else s for i, s in enumerate(stages))
    before = plan_probability(inputs)
    after = plan_probability(replace(inputs, funnel=replace(inputs.funnel, stages=better)))
    assert after.leads <= before.leads
    assert after.calls <= before.calls


@settings(max_examples=60, deadline=None)
@given(plans(), st.integers(min_value=0, max_value=60))
def test_longer_lag_means_leads_are_needed_earlier(inputs, extra):
    stages = inputs.funnel.stages
    longer = (replace(stages[0], lag_days=stages[0].lag_days + extra), *stages[1:])
    before = plan_probability(inputs)
    after = plan_probability(replace(inputs, funnel=replace(inputs.funnel, stages=longer)))
    if before.leads:
        first_before, first_after = first_lead_week(before), first_lead_week(after)
        assert first_before is not None
        assert first_after is not None
        assert first_after <= first_before


@settings(max_examples=80, deadline=None)
@given(plans())
def test_totals_are_preserved_at_every_level(inputs):
    plan = plan_probability(inputs)
    calls, visits = plan.calls_by_rep_week, plan.visits_by_rep_week
    assert int(calls.sum()) == plan.calls
    assert int(visits.sum()) == plan.visits
    assert calls.sum(axis=1).tolist() == [r.calls for r in plan.reps]
    assert calls.sum(axis=0).tolist() == [w.calls for w in plan.weeks]
    assert visits.sum(axis=1).tolist() == [r.visits for r in plan.reps]
    assert visits.sum(axis=0).tolist() == [w.visits for w in plan.weeks]
    assert sum(r.customers for r in plan.reps) == plan.customers
    if plan.sources:
        assert sum(source.leads for source in plan.sources) == plan.leads
    assert sum(w.closes for w in plan.weeks) == plan.customers
    for k, stage in enumerate(plan.stages):
        assert sum(stage.by_week) == stage.count
        assert sum(r.stage_counts[k] for r in plan.reps) == stage.count
    # Every cell is the floor or the ceiling of its exact share.
    if plan.calls:
        exact = np.multiply.outer(
            np.array([r.calls for r in plan.reps]), np.array([w.calls for w in plan.weeks])
        )
        assert np.all(calls * plan.calls >= exact - plan.calls + 1)
        assert np.all(calls * plan.calls <= exact + plan.calls - 1)
    # A feasible plan never shows a rep more calls or visits than they can make that week.
    if plan.feasibility.feasible:
        days = np.array([w.working_days for w in plan.weeks])
        for matrix, field in ((calls, "max_calls_per_day"), (visits, "max_visits_per_day")):
            caps = np.array([float(getattr(rep, field)) for rep in inputs.reps])
            assert np.all(matrix <= np.floor(np.multiply.outer(caps, days) + 1e-9))


def one_step_less(inputs: ProbabilityInputs, fix: Fix) -> Fix | None:
    """The same fix one unit (a rep, or 0.0001 of the factor) smaller, where expressible."""
    step = D("0.0001")
    if isinstance(fix, AddReps):
        return replace(fix, count=fix.count - 1) if fix.count > 1 else None
    if isinstance(fix, RaiseDealValue):
        prices = tuple(to_money(p.price * (fix.factor - step)) for p in inputs.products)
        return replace(fix, prices=prices)
    stages = inputs.funnel.stages
    if fix.conversions[:-1] != tuple(s.conversion for s in stages[:-1]):
        return None  # the factor spilled over into earlier stages
    last = stages[-1].conversion * (fix.factor - step)
    return replace(fix, conversions=(*fix.conversions[:-1], last))


@settings(max_examples=40, deadline=None)
@given(plans())
def test_every_offered_fix_is_enough_and_minimal(inputs):
    plan = plan_probability(inputs)
    assert plan.feasibility.feasible or plan.feasibility.messages
    for fix in plan.feasibility.fixes:
        assert plan_probability(apply_fix(inputs, fix)).feasibility.feasible
        smaller = one_step_less(inputs, fix)
        if smaller is not None:
            assert not plan_probability(apply_fix(inputs, smaller)).feasibility.feasible


def test_a_conversion_fix_never_asks_a_stage_above_one_when_every_source_is_weak():
    # One source converting at half the first stage's rate: the first stage could "reach"
    # 1 / 0.5 = 2 by the source's ceiling, but no conversion exceeds 1.
    weak = Funnel(STAGES, (LeadSource("cold", D("1"), D("0.5")),))
    inputs = example(funnel=weak, reps=(neutral_rep("A", 12, 40), neutral_rep("B", 12, 40)))
    feasibility = plan_probability(inputs).feasibility
    assert not feasibility.feasible
    conversion_fixes = [fix for fix in feasibility.fixes if isinstance(fix, RaiseConversion)]
    for fix in conversion_fixes:
        assert all(0 < c <= 1 for c in fix.conversions), fix.conversions
        assert plan_probability(apply_fix(inputs, fix)).feasibility.feasible
    if not conversion_fixes:
        assert any("Raising conversion alone" in str(note) for note in feasibility.messages)
