"""The behaviour paradigm's mesh (DESIGN.md §1.2, §2): tree, pacing, attribution, catch-up.

Calendar facts: July 2025 in China has 23 working days (Tue 1 .. Thu 31, no holiday); its
plan weeks are W27 (Jul 1-6, 4 working days), W28 (Jul 7-13, 5), W29 (5), W30 (5) and W31
(Jul 28-31, 4). By Mon July 14 ten working days have passed, thirteen remain; by Wed July 9
seven.

The planner fixture (``small_input``): 250,000 over seven named accounts.

- tier A (100,000 a signing, weight 2, conversions ½ ½ ½, touched weekly, visited every
  two weeks): A1 signed, A2 and A3 at VQL (bd1) — 100,000 already, 100,000 more: one
  signing, from the two VQLs held (no new VQL);
- tier B (50,000, weight 1, conversions 1 ½ ½, default cadences): B1 touched (sdr1), B2
  engaged (bd1), B3 untouched (sdr2), B4 untouched (sdr1) — 50,000: one signing, two VQLs,
  both new, from four engaged (three new, from the touched B1 and two of the untouched);
- team: sdr1 and sdr2 (20 touches a week), bd1 (5 visits), ps1 (2 solutions).

Its schedule (the planner's, reproduced by hand): A accounts touched in every week (5
touches each), B1 and B2 in weeks 0, 2, 4, B3 and B4 in weeks 1, 3: 25 touches, sdr1 13
(A2, B1, B2, B4), sdr2 12 (A1, A3, B3); bd1 visits A2 3 times, A3 twice, B2 twice (7);
presales write one solution per VQL worked (2 + 2 = 4).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from salesmesh.core.mesh import Accrual, Health, HealthThresholds, MeshError, Unit
from salesmesh.core.mesh_behaviour import (
    AccountNow,
    BehaviourActualIndicators,
    BehaviourPlanIndicators,
    MemberWeeklyTarget,
    PresalesNorms,
    ScheduleWeek,
    behaviour_attribution,
    behaviour_catch_up,
    behaviour_factors,
    behaviour_mesh,
    behaviour_plan_indicators,
    diagnose_behaviour,
    expected_coverage,
    plan_feasible,
    role_mesh,
    weekly_targets,
)
from salesmesh.core.money import to_money

D = Decimal
F = Fraction
CN = WorkCalendar("CN")
JULY = FiscalCalendar().parse("2025-07")
MID_JULY = date(2025, 7, 14)
JULY_9 = date(2025, 7, 9)


# -- the planner fixture -----------------------------------------------------------------------


def small_input(**changes: object) -> BehaviourPlanInput:
    half = Conversions(D("0.5"), D("0.5"), D("0.5"))
    plan = BehaviourPlanInput(
        target=D(250_000),
        period=JULY,
        accounts=(
            NamedAccount("A1", "A1", "A", D(400_000), Stage.SIGNED, "bd1"),
            NamedAccount("A2", "A2", "A", D(300_000), Stage.VQL, "bd1"),
            NamedAccount("A3", "A3", "A", D(300_000), Stage.VQL, "bd1"),
            NamedAccount("B1", "B1", "B", D(100_000), Stage.TOUCHED, "sdr1"),
            NamedAccount("B2", "B2", "B", D(100_000), Stage.ENGAGED, "bd1"),
            NamedAccount("B3", "B3", "B", D(100_000), Stage.UNTOUCHED, "sdr2"),
            NamedAccount("B4", "B4", "B", D(100_000), Stage.UNTOUCHED, "sdr1"),
        ),
        tiers=(
            TierPlan("A", D(100_000), target_weight=D(2)),
            TierPlan(
                "B",
                D(50_000),
                target_weight=D(1),
                conversions=Conversions(D(1), D("0.5"), D("0.5")),
            ),
        ),
        conversions=half,
        team=(
            TeamMember("sdr1", Role.SDR, 20),
            TeamMember("sdr2", Role.SDR, 20),
            TeamMember("bd1", Role.BD, 5),
            TeamMember("ps1", Role.PRESALES, 2),
        ),
    )
    return replace(plan, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def planned():  # type: ignore[no-untyped-def]
    inputs = small_input()
    return inputs, plan_behaviour(inputs, CN)


def test_the_planner_fixture_is_as_described(planned) -> None:  # type: ignore[no-untyped-def]
    _, plan = planned
    assert [(t.tier, t.signed_needed, t.new_vql_needed) for t in plan.tiers] == [
        ("A", 1, 0),
        ("B", 1, 2),
    ]
    assert {(e.account_id, e.member_id, e.weeks) for e in plan.touches} == {
        ("A1", "sdr2", (0, 1, 2, 3, 4)),
        ("A2", "sdr1", (0, 1, 2, 3, 4)),
        ("A3", "sdr2", (0, 1, 2, 3, 4)),
        ("B1", "sdr1", (0, 2, 4)),
        ("B2", "sdr1", (0, 2, 4)),
        ("B3", "sdr2", (1, 3)),
        ("B4", "sdr1", (1, 3)),
    }
    assert sum(e.contacts for e in plan.visits) == 7
    assert plan.presales.solutions_needed == 4
    assert plan_feasible(plan)


# -- plan indicators ---------------------------------------------------------------------------


def test_line_plan_indicators_are_the_planners_totals(planned) -> None:  # type: ignore[no-untyped-def]
    inputs, plan = planned
    line = behaviour_plan_indicators(inputs=inputs, plan=plan)
    assert line == BehaviourPlanIndicators(
        target=D("250000.00"),
        planned_revenue=D("250000.00"),  # 100,000 already + one A + one B signing
        named_accounts=7,
        signed=F(3),  # A1 + (A2, A3 half each) + (B1..B4 a quarter each)
        vql=F(2),  # B1, B2, B3, B4 half a new VQL each
        wallet_potential=D("1400000.00"),
        touched=7,
        weeks=(
            ScheduleWeek(date(2025, 7, 1), date(2025, 7, 6), 4, 5),
            ScheduleWeek(date(2025, 7, 7), date(2025, 7, 13), 5, 2),
            ScheduleWeek(date(2025, 7, 14), date(2025, 7, 20), 5, 0),
            ScheduleWeek(date(2025, 7, 21), date(2025, 7, 27), 5, 0),
            ScheduleWeek(date(2025, 7, 28), date(2025, 7, 31), 4, 0),
        ),
        sdr_touches=25,
        bd_visits=7,
        solutions=F(4),
        sdrs=2,
        bds=1,
        presales=1,
        working_days=23,
    )


def test_a_persons_plan_is_the_sum_over_their_accounts(planned) -> None:  # type: ignore[no-untyped-def]
    inputs, plan = planned
    sdr1 = behaviour_plan_indicators(
        inputs=inputs, plan=plan, accounts={"A2", "B1", "B2", "B4"}, members={"sdr1"}
    )
    # A2 half a signing, B1 B2 B4 a quarter each; B1 B2 B4 half a new VQL each.
    assert (sdr1.named_accounts, sdr1.signed, sdr1.vql) == (4, F(5, 4), F(3, 2))
    assert sdr1.planned_revenue == D("87500.00")  # 50,000 + 3 × 12,500
    assert sdr1.target == D("87500.00")  # 250,000 × 87,500 ÷ 250,000
    assert (sdr1.sdr_touches, sdr1.bd_visits, sdr1.solutions) == (13, 0, F(0))
    assert (sdr1.sdrs, sdr1.bds, sdr1.presales) == (1, 0, 0)
    assert [week.first_touches for week in sdr1.weeks] == [3, 1, 0, 0, 0]

    bd1 = behaviour_plan_indicators(
        inputs=inputs, plan=plan, accounts={"A1", "A2", "A3", "B2"}, members={"bd1"}
    )
    assert (bd1.signed, bd1.vql, bd1.planned_revenue) == (F(9, 4), F(1, 2), D("212500.00"))
    assert bd1.wallet_potential == D("1100000.00")
    assert (bd1.bd_visits, bd1.bds, bd1.sdr_touches) == (7, 1, 0)

    ps1 = behaviour_plan_indicators(inputs=inputs, plan=plan, accounts=(), members={"ps1"})
    assert (ps1.named_accounts, ps1.solutions, ps1.presales, ps1.target) == (
        0,
        F(4),
        1,
        D("0.00"),
    )


def test_parts_add_up_to_the_line(planned) -> None:  # type: ignore[no-untyped-def]
    inputs, plan = planned
    line = behaviour_plan_indicators(inputs=inputs, plan=plan)
    parts = [
        behaviour_plan_indicators(inputs=inputs, plan=plan, accounts={a.id}, members=())
        for a in inputs.accounts
    ]
    assert sum((p.signed for p in parts), F(0)) == line.signed
    assert sum((p.vql for p in parts), F(0)) == line.vql
    assert sum(p.planned_revenue for p in parts) == line.planned_revenue
    assert sum(p.touched for p in parts) == line.touched


def test_expected_coverage_follows_the_first_touch_weeks(planned) -> None:  # type: ignore[no-untyped-def]
    inputs, plan = planned
    line = behaviour_plan_indicators(inputs=inputs, plan=plan)
    # Before the period nothing; on Tue 1 July one of week 0's four working days: 5/4 of 7.
    assert expected_coverage(plan=line, as_of=date(2025, 6, 30), calendar=CN) == 0
    assert expected_coverage(plan=line, as_of=date(2025, 7, 1), calendar=CN) == F(5, 4) / 7
    # Wed 9 July: week 0's five accounts, and three of week 1's five days of its two.
    assert expected_coverage(plan=line, as_of=JULY_9, calendar=CN) == (5 + F(6, 5)) / 7
    assert expected_coverage(plan=line, as_of=MID_JULY, calendar=CN) == 1


# -- the tree, by hand -------------------------------------------------------------------------


def hand_plan(**changes: object) -> BehaviourPlanIndicators:
    """230,000 over 23 working days: everything pro rata to Jul 14 is a round 10/23."""
    plan = BehaviourPlanIndicators(
        target=D("230000.00"),
        planned_revenue=D("230000.00"),
        named_accounts=100,
        signed=F(23),
        vql=F(46),
        wallet_potential=D("2300000.00"),
        touched=100,
        weeks=(
            ScheduleWeek(date(2025, 7, 1), date(2025, 7, 6), 4, 60),
            ScheduleWeek(date(2025, 7, 7), date(2025, 7, 13), 5, 40),
            ScheduleWeek(date(2025, 7, 14), date(2025, 7, 20), 5, 0),
            ScheduleWeek(date(2025, 7, 21), date(2025, 7, 27), 5, 0),
            ScheduleWeek(date(2025, 7, 28), date(2025, 7, 31), 4, 0),
        ),
        sdr_touches=920,  # 20 per SDR per working day
        bd_visits=230,  # 5 per BD per working day
        solutions=F(23),  # 1 per presales engineer per working day
        sdrs=2,
        bds=2,
        presales=1,
        working_days=23,
    )
    return replace(plan, **changes)


def hand_actual(**changes: object) -> BehaviourActualIndicators:
    actual = BehaviourActualIndicators(
        signed_revenue=D("80000.00"),
        named_accounts=100,
        touched=90,
        reached=75,
        vql=16,
        signed=8,
        wallet_potential=D("2300000.00"),
        referrals=3,
        sdr_touches=360,  # 18 per SDR per working day over 10 days
        bd_visits=100,
        requests=10,
        responded=9,
        reviewed=8,
        first_pass=6,
        completed=7,
        sdrs=2,
        bds=2,
        presales=1,
    )
    return replace(actual, **changes)


def line_tree(plan: BehaviourPlanIndicators | None = None, actual=None, as_of=MID_JULY, **kw):  # type: ignore[no-untyped-def]
    return behaviour_mesh(
        plan=plan or hand_plan(),
        actual=actual or hand_actual(),
        period=JULY,
        as_of=as_of,
        calendar=CN,
        **kw,
    )


def figures(node):  # type: ignore[no-untyped-def]
    return (node.plan, node.expected_to_date, node.actual, node.gap, node.pacing, node.health)


def test_every_node_by_hand() -> None:
    root = line_tree()
    assert [n.key for n in root.walk()] == [
        "revenue",
        "signed",
        "named_accounts",
        "signing_rate",
        "vql",
        "touch_rate",
        "coverage_rate",
        "sdr_touches_per_day",
        "bd_visits_per_day",
        "solutions_per_day",
        "response_rate",
        "first_pass_rate",
        "completion_rate",
        "revenue_per_signed",
        "penetration",
        "referrals",
    ]
    # Cumulative: expected 10/23 of the plan; 80 % paced is amber (below 0.9, not 0.75).
    assert figures(root) == (
        D("230000.00"),
        D("100000.00"),
        D("80000.00"),
        D("-20000.00"),
        D("0.8000"),
        Health.AMBER,
    )
    assert root.unit is Unit.MONEY
    assert root.accrual is Accrual.CUMULATIVE
    assert figures(root.find("signed")) == (
        D(23),
        D("10.00"),
        D(8),
        D("-2.00"),
        D("0.8"),
        Health.AMBER,
    )
    assert figures(root.find("named_accounts")) == (
        D(100),
        D(100),
        D(100),
        D("0.00"),
        D(1),
        Health.GREEN,
    )
    # A cumulative rate keeps six places: 0.23 × 10/23 = 0.1.
    assert figures(root.find("signing_rate")) == (
        D("0.230000"),
        D("0.100000"),
        D("0.080000"),
        D("-0.020000"),
        D("0.8"),
        Health.AMBER,
    )
    assert figures(root.find("vql")) == (
        D(46),
        D("20.00"),
        D(16),
        D("-4.00"),
        D("0.8"),
        Health.AMBER,
    )
    # Scheduled: by Jul 14 both first-touch weeks are over, every account is due.
    assert figures(root.find("touch_rate")) == (
        D("1.000000"),
        D("1.000000"),
        D("0.900000"),
        D("-0.100000"),
        D("0.9"),
        Health.GREEN,
    )
    assert figures(root.find("coverage_rate"))[2:] == (
        D("0.750000"),
        D("-0.250000"),
        D("0.75"),
        Health.AMBER,
    )
    # Level behaviours: 360 touches ÷ (2 SDRs × 10 days) = 18 against 20.
    assert figures(root.find("sdr_touches_per_day")) == (
        D(20),
        D(20),
        D(18),
        D("-2.00"),
        D("0.9"),
        Health.GREEN,
    )
    assert root.find("sdr_touches_per_day").accrual is Accrual.LEVEL
    assert figures(root.find("bd_visits_per_day"))[2:5] == (D(5), D("0.00"), D(1))
    assert figures(root.find("solutions_per_day"))[2:5] == (D(1), D("0.00"), D(1))
    # Presales rates against the default norms 0.95, 0.7, 0.8.
    assert figures(root.find("response_rate"))[2:] == (
        D("0.900000"),
        D("-0.050000"),
        D("0.9474"),
        Health.GREEN,
    )
    assert figures(root.find("first_pass_rate"))[2:5] == (D("0.750000"), D("0.050000"), D("1.0714"))
    assert figures(root.find("completion_rate"))[2:] == (
        D("0.700000"),
        D("-0.100000"),
        D("0.875"),
        Health.AMBER,
    )
    assert figures(root.find("revenue_per_signed"))[:3] == (
        D("10000.00"),
        D("10000.00"),
        D("10000.00"),
    )
    # Penetration: 0.1 planned, 0.1 × 10/23 expected, 80,000 ÷ 2.3M signed.
    assert figures(root.find("penetration")) == (
        D("0.100000"),
        D("0.043478"),
        D("0.034783"),
        D("-0.008695"),
        D("0.8"),
        Health.AMBER,
    )
    # Referrals are tracked, not planned: never behind.
    assert figures(root.find("referrals")) == (D(0), D(0), D(3), D("3.00"), None, Health.GREEN)


def test_scheduled_coverage_mid_week() -> None:
    # Wed 9 July: 60 + 40 × 3/5 = 84 of 100 accounts due; 75 reached is 0.8929 of that.
    root = line_tree(as_of=JULY_9)
    coverage = root.find("coverage_rate")
    assert (coverage.expected_to_date, coverage.pacing, coverage.health) == (
        D("0.840000"),
        D("0.8929"),
        Health.AMBER,
    )


def test_thresholds_and_norms_are_configuration() -> None:
    norms = PresalesNorms(D("1"), D("0.9"), D("1"))
    lenient = line_tree(thresholds=HealthThresholds(amber_below=D("0.7"), red_below=D("0.5")))
    assert lenient.health is Health.GREEN  # 0.8 is above the 0.7 amber line
    strict = line_tree(norms=norms)
    assert strict.find("response_rate").plan == D("1")
    # 0.75 ÷ 0.9 is amber, 0.7 ÷ 1 red, under the default thresholds.
    first_pass = strict.find("first_pass_rate")
    assert (first_pass.pacing, first_pass.health) == (D("0.8333"), Health.AMBER)
    assert strict.find("completion_rate").health is Health.RED


def test_nothing_to_measure_is_not_measured() -> None:
    empty = hand_actual(
        named_accounts=0,
        touched=0,
        reached=0,
        vql=0,
        signed=0,
        signed_revenue=D(0),
        wallet_potential=D(0),
        requests=0,
        responded=0,
        reviewed=0,
        first_pass=0,
        completed=0,
        sdrs=0,
    )
    root = line_tree(actual=empty)
    for key in (
        "signing_rate",
        "touch_rate",
        "coverage_rate",
        "sdr_touches_per_day",
        "response_rate",
        "first_pass_rate",
        "completion_rate",
        "revenue_per_signed",
        "penetration",
    ):
        node = root.find(key)
        assert not node.measured, key
        assert (node.pacing, node.health) == (None, Health.GREEN)
    assert root.find("revenue").health is Health.RED


def test_a_negative_figure_is_refused() -> None:
    with pytest.raises(MeshError, match="signed revenue"):
        line_tree(actual=hand_actual(signed_revenue=D(-1)))
    with pytest.raises(MeshError, match="sdr_touches"):
        line_tree(actual=hand_actual(sdr_touches=-1))


def test_role_trees_are_their_teams_part() -> None:
    kwargs = {"plan": hand_plan(), "actual": hand_actual(), "period": JULY, "as_of": MID_JULY}
    sdr = role_mesh(role=Role.SDR, calendar=CN, **kwargs)  # type: ignore[arg-type]
    assert [n.key for n in sdr.walk()] == [
        "vql",
        "touch_rate",
        "coverage_rate",
        "sdr_touches_per_day",
    ]
    bd = role_mesh(role=Role.BD, calendar=CN, **kwargs)  # type: ignore[arg-type]
    assert [n.key for n in bd.walk()] == [
        "revenue",
        "signed",
        "named_accounts",
        "signing_rate",
        "revenue_per_signed",
        "penetration",
        "referrals",
        "bd_visits_per_day",
    ]
    presales = role_mesh(role=Role.PRESALES, calendar=CN, **kwargs)  # type: ignore[arg-type]
    assert [n.key for n in presales.walk()] == [
        "solutions_per_day",
        "response_rate",
        "first_pass_rate",
        "completion_rate",
    ]
    assert figures(sdr) == figures(line_tree().find("vql"))


# -- gap attribution ---------------------------------------------------------------------------


def attribution(plan=None, actual=None, as_of=MID_JULY, role=None):  # type: ignore[no-untyped-def]
    return behaviour_attribution(
        plan=plan or hand_plan(),
        actual=actual or hand_actual(),
        period=JULY,
        as_of=as_of,
        calendar=CN,
        role=role,
    )


def test_the_revenue_gap_splits_over_the_funnel() -> None:
    result = attribution()
    # Plan to date 100,000 (N 100 × coverage 1 × 0.2 VQL per reached × ½ × 10,000);
    # actual 100 × 0.75 × 16/75 × ½ × 10,000 = 80,000.
    assert (to_money(result.plan_total), to_money(result.actual_total)) == (
        D("100000.00"),
        D("80000.00"),
    )
    assert result.gap == D("-20000.00")
    assert [s.key for s in result.shares] == [
        "named_accounts",
        "reached_per_named_accounts",
        "vql_per_reached",
        "signed_per_vql",
        "revenue_per_signed",
    ]
    shares = {s.key: s.share for s in result.shares}
    assert sum(shares.values()) == result.gap
    # ln 0.8 = ln 0.75 + ln(16/15): coverage costs 20,000 × ln 0.75 / ln 0.8, VQL yield gives
    # some back; the factors on plan get nothing.
    coverage = -20_000 * math.log(0.75) / math.log(0.8)
    assert abs(float(shares["reached_per_named_accounts"]) - coverage) < 0.02
    assert abs(float(shares["vql_per_reached"]) - (-20_000 - coverage)) < 0.02
    assert shares["named_accounts"] == shares["signed_per_vql"] == shares["revenue_per_signed"] == 0


def test_the_plan_side_is_the_target_not_the_rounded_up_signings() -> None:
    # The planner's whole signings may bring more than the target: the tree and the
    # attribution both compare with the target, so they agree on being behind.
    plan = hand_plan(planned_revenue=D("253000.00"))
    assert line_tree(plan=plan).find("revenue_per_signed").plan == D("10000.00")
    result = attribution(plan=plan)
    assert to_money(result.plan_total) == D("100000.00")
    assert result.gap == D("-20000.00")


def test_the_diagnosis_names_coverage() -> None:
    messages = diagnose_behaviour(
        plan=hand_plan(), actual=hand_actual(), period=JULY, as_of=MID_JULY, calendar=CN
    )
    text = [str(m) for m in messages]
    assert text[0] == "Bottleneck: Coverage rate (129% of the gap)."
    assert "Coverage rate 25% under plan explains 129% of the gap (-25784.48)." in text
    assert "Named accounts on plan." in text


def test_a_zero_stage_before_signings_merges_into_the_next() -> None:
    # Eight accounts signed from VQLs of an earlier period, none new in the window: the VQL
    # stage would need an infinite ratio, so signings are compared per reached account.
    result = attribution(actual=hand_actual(vql=0))
    assert [s.key for s in result.shares] == [
        "named_accounts",
        "reached_per_named_accounts",
        "signed_per_reached",
        "revenue_per_signed",
    ]
    assert sum(s.share for s in result.shares) == result.gap == D("-20000.00")


def test_a_zero_that_stops_the_funnel_takes_the_gap() -> None:
    nothing = hand_actual(vql=0, signed=0, signed_revenue=D(0))
    result = attribution(actual=nothing)
    shares = {s.key: s.share for s in result.shares}
    assert shares["vql_per_reached"] == D("-100000.00")
    assert sum(shares.values()) == result.gap == D("-100000.00")


def test_sdr_and_bd_chains() -> None:
    sdr = behaviour_factors(
        plan=hand_plan(),
        actual=hand_actual(),
        period=JULY,
        as_of=MID_JULY,
        calendar=CN,
        role=Role.SDR,
    )
    assert [f.key for f in sdr] == [
        "named_accounts",
        "reached_per_named_accounts",
        "vql_per_reached",
    ]
    bd = attribution(role=Role.BD)
    assert [s.key for s in bd.shares] == [
        "named_accounts",
        "signed_per_named_accounts",
        "revenue_per_signed",
    ]
    # 8 of 100 signed against 10 expected: the signing rate carries the whole gap.
    assert {s.key: s.share for s in bd.shares}["signed_per_named_accounts"] == D("-20000.00")
    with pytest.raises(MeshError, match="rates"):
        behaviour_factors(
            plan=hand_plan(),
            actual=hand_actual(),
            period=JULY,
            as_of=MID_JULY,
            calendar=CN,
            role=Role.PRESALES,
        )


@st.composite
def actual_counts(draw: st.DrawFn) -> BehaviourActualIndicators:
    named = draw(st.integers(0, 300))
    reached = draw(st.integers(0, named))
    vql = draw(st.integers(0, named))
    signed = draw(st.integers(0, named))
    revenue = draw(st.integers(0, 10**9)) if signed else 0
    return hand_actual(
        named_accounts=named,
        touched=reached,
        reached=reached,
        vql=vql,
        signed=signed,
        signed_revenue=D(revenue) / 100,
    )


@settings(max_examples=300, deadline=None)
@given(
    actual=actual_counts(),
    day=st.integers(0, 30),
    vql_plan=st.integers(0, 60),
    role=st.sampled_from([None, Role.SDR, Role.BD]),
)
def test_attribution_sums_exactly_to_the_gap(
    actual: BehaviourActualIndicators, day: int, vql_plan: int, role: Role | None
) -> None:
    as_of = date(2025, 7, 1) + timedelta(days=day)
    plan = hand_plan(vql=F(vql_plan))
    result = attribution(plan=plan, actual=actual, as_of=as_of, role=role)
    assert sum(share.share for share in result.shares) == result.gap
    if role is None:
        # The factors multiply out to the revenue on each side, to the cent.
        expected = to_money(
            D(230_000)
            * CN.elapsed_share(JULY, as_of).numerator
            / CN.elapsed_share(JULY, as_of).denominator
        )
        assert result.gap == actual.signed_revenue - expected
    for share in result.shares:
        if share.plan == share.actual:
            assert share.share == 0


# -- catch-up ----------------------------------------------------------------------------------


def test_weekly_targets_of_the_original_plan(planned) -> None:  # type: ignore[no-untyped-def]
    inputs, plan = planned
    weekly = weekly_targets(inputs=inputs, plan=plan)
    # Per five-day week, rounded up: 25 × 5/23, 7 × 5/23, 4 × 5/23; sdr1 13, sdr2 12.
    assert (weekly.sdr_touches, weekly.bd_visits, weekly.solutions) == (
        D("5.44"),
        D("1.53"),
        D("0.87"),
    )
    assert (weekly.signings, weekly.vqls, weekly.working_days) == (2, 2, 23)
    assert weekly.members == (
        MemberWeeklyTarget("sdr1", Role.SDR, D("2.83")),
        MemberWeeklyTarget("sdr2", Role.SDR, D("2.61")),
        MemberWeeklyTarget("bd1", Role.BD, D("1.53")),
        MemberWeeklyTarget("ps1", Role.PRESALES, D("0.87")),
    )
    assert weekly.member("bd1") == weekly.members[2]
    assert weekly.member("nobody") is None


@settings(max_examples=60, deadline=None)
@given(day=st.integers(-3, 33), ahead=st.integers(0, 10**7))
def test_catch_up_on_plan_is_the_original_plan(day: int, ahead: int) -> None:
    inputs = small_input()
    original = plan_behaviour(inputs, CN)
    as_of = date(2025, 7, 1) + timedelta(days=day)
    expected = to_money(
        D(250_000)
        * D(CN.elapsed_share(JULY, as_of).numerator)
        / D(CN.elapsed_share(JULY, as_of).denominator)
    )
    result = behaviour_catch_up(
        inputs=inputs,
        original=original,
        as_of=as_of,
        calendar=CN,
        signed_revenue=expected + D(ahead) / 100,
    )
    assert result.on_plan
    assert result.targets == result.baseline == weekly_targets(inputs=inputs, plan=original)
    assert result.plan is original
    assert result.feasible


def test_catch_up_behind_replans_the_remaining_target(planned) -> None:  # type: ignore[no-untyped-def]
    inputs, original = planned
    # By Jul 14 B2 signed for 60,000 (expected 250,000 × 10/23 = 108,695.65): behind.
    result = behaviour_catch_up(
        inputs=inputs,
        original=original,
        as_of=MID_JULY,
        calendar=CN,
        signed_revenue=D(60_000),
        accounts_now={
            "B2": AccountNow(Stage.SIGNED, signed_in_period=True),
            "B3": AccountNow(Stage.TOUCHED),
        },
    )
    assert not result.on_plan
    assert (result.remaining_target, result.remaining_working_days) == (D("190000.00"), 13)
    assert result.period is not None
    assert result.period.start == date(2025, 7, 15)
    assert result.inputs is not None
    assert result.plan is not None
    # B2's revenue per signing is added back: the planner subtracts it as already signed.
    assert result.inputs.target == D("240000.00")
    assert result.plan.remaining_target == D("90000.00")  # 240,000 − A1 − B2
    # A carries 60,000 (one signing from its VQLs), B 30,000: one signing needing two new
    # VQLs, four engaged, four touched — three of them new, but only B4 is still untouched.
    assert [(t.tier, t.signed_needed, t.new_vql_needed) for t in result.plan.tiers] == [
        ("A", 1, 0),
        ("B", 1, 2),
    ]
    assert not result.feasible
    assert result.fixes  # the planner's warning for tier B, with its numbers
    assert "Tier B needs 1 new signings" in str(result.fixes[0])
    # The touch schedule carries on over three plan weeks for every account.
    assert result.targets.working_days == 13
    assert result.baseline == weekly_targets(inputs=inputs, plan=original)
    assert str(result.messages[0]).startswith("To sign the remaining 190000.00 in 13 working days")


def test_catch_up_moves_an_account_to_its_new_owner(planned) -> None:  # type: ignore[no-untyped-def]
    inputs, original = planned
    result = behaviour_catch_up(
        inputs=inputs,
        original=original,
        as_of=MID_JULY,
        calendar=CN,
        signed_revenue=D(0),
        # B1 engaged and went to bd1; a presales engineer cannot own it; B4's stage never
        # goes back.
        accounts_now={
            "B1": AccountNow(Stage.ENGAGED, owner="bd1"),
            "B3": AccountNow(Stage.TOUCHED, owner="ps1"),
            "A2": AccountNow(Stage.TOUCHED),
        },
    )
    assert result.inputs is not None
    accounts = {a.id: a for a in result.inputs.accounts}
    assert (accounts["B1"].stage, accounts["B1"].owner) == (Stage.ENGAGED, "bd1")
    assert (accounts["B3"].stage, accounts["B3"].owner) == (Stage.TOUCHED, "sdr2")
    assert accounts["A2"].stage is Stage.VQL
    assert result.inputs.target == D("250000.00")


def test_catch_up_with_no_working_day_left(planned) -> None:  # type: ignore[no-untyped-def]
    inputs, original = planned
    result = behaviour_catch_up(
        inputs=inputs, original=original, as_of=date(2025, 7, 31), calendar=CN, signed_revenue=D(1)
    )
    assert not result.on_plan
    assert not result.feasible
    assert (result.remaining_working_days, result.period, result.plan) == (0, None, None)
    assert str(result.messages[0]).startswith("No working day is left in the period; 249999.00")
