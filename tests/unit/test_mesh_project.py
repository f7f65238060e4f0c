"""The project paradigm's mesh core: indicators, tree, diagnosis and catch-up, by hand.

The fixture is Q1 2026 (Jan 1 … Mar 31) as of Tue Mar 10; Wed Mar 11 is the first working day
after it and Tue Mar 31 the period's last. Two projects:

    Alpha  a1 contract   planned 01-15  reached 01-14  200,000.00  business
           a2 design     planned 02-10  reached 02-20        0.00  solution (10 days late)
           a3 go-live    planned 03-05  open           300,000.00  pmo      (5 days late)
           a4 acceptance planned 03-25  open           200,000.00  pmo
           a5 final      planned 05-20  open           300,000.00  business (after Q1; needs a4)
    Beta   b1 contract   planned 2025-12-20 reached 01-08  250,000.00  business
           b2 payment    planned 02-27  reached 02-27  250,000.00  pmo
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmesh.core.calendar import FiscalCalendar, WorkCalendar
from salesmesh.core.mesh import Direction, Health, HealthThresholds, MeshError, Unit
from salesmesh.core.mesh_project import (
    ActionRecord,
    MilestoneRecord,
    ProjectRecords,
    ResourceRecord,
    ReviewRecord,
    diagnose_projects,
    milestone_revenue,
    project_actuals_of,
    project_catch_up,
    project_mesh,
    restrict_to_roles,
)

CN = WorkCalendar("CN")
Q1 = FiscalCalendar(1).quarter(2026, 1)
AS_OF = date(2026, 3, 10)
D = date.fromisoformat


def milestone(key: str, project: str, planned: str, actual: str | None, revenue: str, role: str,
              depends_on: tuple[str, ...] = ()) -> MilestoneRecord:  # fmt: skip
    return MilestoneRecord(
        id=key,
        project_id=project,
        project=project.title(),
        name=key,
        owning_role=role,
        planned_date=D(planned),
        actual_date=D(actual) if actual else None,
        revenue=Decimal(revenue),
        depends_on=depends_on,
    )


MILESTONES = (
    milestone("a1", "alpha", "2026-01-15", "2026-01-14", "200000.00", "business"),
    milestone("a2", "alpha", "2026-02-10", "2026-02-20", "0.00", "solution"),
    milestone("a3", "alpha", "2026-03-05", None, "300000.00", "pmo"),
    milestone("a4", "alpha", "2026-03-25", None, "200000.00", "pmo"),
    milestone("a5", "alpha", "2026-05-20", None, "300000.00", "business", ("a4",)),
    milestone("b1", "beta", "2025-12-20", "2026-01-08", "250000.00", "business"),
    milestone("b2", "beta", "2026-02-27", "2026-02-27", "250000.00", "pmo"),
)
RESOURCES = (
    ResourceRecord("r1", "a3", "licence", 20, D("2026-02-10")),  # ready by 02-13: in time
    ResourceRecord("r2", "a3", "integration", 10, D("2026-03-01")),  # ready by 02-23: late
    ResourceRecord("r3", "a4", "servers", 14, None),  # ready by 03-11: not due yet
    ResourceRecord("r4", "a4", "training", 30, None),  # ready by 02-23: missing
    ResourceRecord("r5", "a5", "team", 60, D("2026-03-05")),  # ready by 03-21: early
)
ACTIONS = (
    ActionRecord("s1", "a1", "Wang", D("2026-01-10")),
    ActionRecord("s2", "a3", "Li", None),
    ActionRecord("s3", "a4", "Zhao", D("2026-03-08")),
    ActionRecord("s4", "b2", "Chen", D("2026-03-01")),  # after its milestone: still done
    ActionRecord("s5", "a5", "Sun", None),
)
REVIEWS = (
    ReviewRecord("v1", "alpha", D("2026-01-20"), "business"),
    ReviewRecord("v2", "beta", D("2026-01-12"), "business"),
    ReviewRecord("v3", "alpha", D("2026-03-02"), "solution"),
    ReviewRecord("v4", "beta", D("2025-12-30"), None),
)
RECORDS = ProjectRecords(
    milestones=MILESTONES, resources=RESOURCES, actions=ACTIONS, reviews=REVIEWS
)


def test_actuals_by_hand():
    actuals = project_actuals_of(RECORDS, start=Q1.start, end=Q1.end, as_of=AS_OF)

    # a1 a2 a3 a4 b2 are planned in Q1; a1 a2 a3 b2 due by Mar 10; a1 a2 b2 reached.
    assert actuals.milestones_planned == 5
    assert actuals.revenue_planned == Decimal("950000.00")
    assert actuals.milestones_due == 4
    assert actuals.revenue_due == Decimal("750000.00")
    assert actuals.milestones_reached == 3
    assert actuals.milestones_on_time == 2  # a1 early, b2 on the day
    assert actuals.on_time_rate == Decimal("0.500000")
    # a2 10 days late, a3 open since Mar 5: 5 days.
    assert actuals.slippage_days == 15
    assert actuals.average_slippage_days == Decimal("3.75")
    # a1 + b1 (planned last year, reached in Q1) + b2.
    assert actuals.revenue_recognised == Decimal("700000.00")
    assert (actuals.resources_planned, actuals.resources_due) == (5, 3)
    assert actuals.resources_ready_in_time == 1
    assert actuals.resources_ready_rate == Decimal("0.333333")
    assert actuals.resources_readied == 3  # r1, r2 late, r5 early
    assert (actuals.actions_planned, actuals.actions_due, actuals.actions_done) == (4, 3, 2)
    assert actuals.actions_done_rate == Decimal("0.666667")
    assert actuals.actions_handled == 3  # s1, s3 early, s4
    # Reviews expected for milestones reached by Feb 28 (ten days' grace): a1 a2 b1 b2.
    assert (actuals.reviews_expected, actuals.reviews_held) == (4, 3)


def test_an_empty_window_measures_nothing():
    actuals = project_actuals_of(
        RECORDS, start=date(2026, 7, 1), end=date(2026, 9, 30), as_of=AS_OF
    )
    assert actuals.milestones_planned == actuals.milestones_due == 0
    assert actuals.on_time_rate is None
    assert actuals.average_slippage_days is None
    assert actuals.resources_ready_rate is None
    assert actuals.actions_done_rate is None
    assert actuals.revenue_recognised == Decimal("0.00")


def test_the_tree_by_hand():
    root = project_mesh(
        records=RECORDS, period=Q1, as_of=AS_OF, calendar=CN, target=Decimal("1000000")
    )

    assert [child.key for child in root.children] == [
        "milestones_on_time",
        "slippage_days",
        "resources_ready",
        "stakeholder_actions_done",
        "reviews_held",
    ]
    # Expected on the milestones' schedule: 1,000,000 × 750,000 ÷ 950,000.
    assert root.unit is Unit.MONEY
    assert root.plan == Decimal("1000000.00")
    assert root.expected_to_date == Decimal("789473.68")
    assert root.actual == Decimal("700000.00")
    assert root.gap == Decimal("-89473.68")
    assert root.pacing == Decimal("0.8867")
    assert root.health is Health.AMBER

    on_time = root.find("milestones_on_time")
    assert (on_time.plan, on_time.actual, on_time.health) == (1, Decimal("0.5"), Health.RED)
    reached = root.find("milestones_reached")
    assert (reached.plan, reached.expected_to_date, reached.actual) == (5, 4, 3)
    assert reached.pacing == Decimal("0.75")
    assert reached.health is Health.AMBER  # 0.75 is not below red_below

    slippage = root.find("slippage_days")
    assert slippage.direction is Direction.LOWER_IS_BETTER
    assert (slippage.plan, slippage.actual, slippage.gap) == (0, Decimal("3.75"), Decimal("3.75"))
    assert slippage.pacing is None
    assert slippage.health is Health.GREEN  # under the 5-day tolerance

    resources = root.find("resources_ready")
    assert resources.actual == Decimal("0.333333")
    assert resources.health is Health.RED
    readied = root.find("resources_readied")
    assert (readied.plan, readied.expected_to_date, readied.actual) == (5, 3, 3)
    assert readied.health is Health.GREEN

    actions = root.find("stakeholder_actions_done")
    assert actions.actual == Decimal("0.666667")
    assert actions.health is Health.RED
    handled = root.find("stakeholder_actions")
    assert (handled.plan, handled.expected_to_date, handled.actual) == (4, 3, 3)

    reviews = root.find("reviews_held")
    assert (reviews.plan, reviews.expected_to_date, reviews.actual) == (5, 4, 3)
    assert reviews.health is Health.AMBER


@pytest.mark.parametrize(
    ("tolerance", "health"),
    [(Decimal(5), Health.GREEN), (Decimal("3.5"), Health.AMBER), (Decimal(2), Health.RED),
     (Decimal(0), Health.RED)],
)  # fmt: skip
def test_slippage_health_against_the_tolerance(tolerance, health):
    # 3.75 days late on average: the score is tolerance ÷ 3.75 (5 → 1.33, 3.5 → 0.93, 2 → 0.53).
    root = project_mesh(
        records=RECORDS,
        period=Q1,
        as_of=AS_OF,
        calendar=CN,
        slippage_tolerance_days=tolerance,
        thresholds=HealthThresholds(amber_below=Decimal("0.95"), red_below=Decimal("0.75")),
    )
    assert root.find("slippage_days").health is health


def test_without_a_target_the_node_plans_its_milestones_revenue():
    root = project_mesh(records=RECORDS, period=Q1, as_of=AS_OF, calendar=CN)
    assert root.plan == Decimal("950000.00")
    assert root.expected_to_date == Decimal("750000.00")


def test_revenue_is_expected_pro_rata_when_no_milestone_revenue_is_planned():
    records = ProjectRecords(milestones=(milestone("x", "p", "2026-02-10", None, "0", "pmo"),))
    # By Jan 31, 21 of Q1's 59 working days in China: 590 × 21 ÷ 59 = 210.
    assert CN.elapsed_share(Q1, date(2026, 1, 31)) == Fraction(21, 59)
    root = project_mesh(
        records=records, period=Q1, as_of=date(2026, 1, 31), calendar=CN, target=Decimal(590)
    )
    assert root.expected_to_date == Decimal("210.00")


def test_restrict_to_roles_keeps_the_roles_milestones_and_what_hangs_on_them():
    pmo = restrict_to_roles(RECORDS, roles={"pmo"})
    assert [m.id for m in pmo.milestones] == ["a3", "a4", "b2"]
    assert [r.id for r in pmo.resources] == ["r1", "r2", "r3", "r4"]
    assert [a.id for a in pmo.actions] == ["s2", "s3", "s4"]
    assert pmo.reviews == ()
    business = restrict_to_roles(RECORDS, roles={"business"})
    assert [r.id for r in business.reviews] == ["v1", "v2"]
    root = project_mesh(records=pmo, period=Q1, as_of=AS_OF, calendar=CN)
    # a3 + a4 + b2 planned in Q1; b2 recognised.
    assert (root.plan, root.actual) == (Decimal("750000.00"), Decimal("250000.00"))


def test_records_must_hang_together():
    with pytest.raises(MeshError):
        ProjectRecords(milestones=MILESTONES, resources=(ResourceRecord("r", "zz", "", 0, None),))
    with pytest.raises(MeshError):
        ProjectRecords(milestones=(*MILESTONES, MILESTONES[0]))
    with pytest.raises(MeshError):
        project_actuals_of(RECORDS, start=Q1.end, end=Q1.start, as_of=AS_OF)
    with pytest.raises(MeshError):
        project_mesh(
            records=RECORDS,
            period=Q1,
            as_of=AS_OF,
            calendar=CN,
            slippage_tolerance_days=Decimal(-1),
        )


def test_milestone_revenue_rounds_half_up_to_the_cent():
    assert milestone_revenue(Decimal("12800000"), Decimal("0.1")) == Decimal("1280000.00")
    assert milestone_revenue(Decimal("0.05"), Decimal("0.5")) == Decimal("0.03")


def test_diagnosis_names_the_late_milestones_worst_first():
    messages = diagnose_projects(RECORDS, start=Q1.start, end=Q1.end, as_of=AS_OF)
    texts = [m.render() for m in messages]
    assert texts == [
        "“a2” of Alpha landed 10 days late, on 2026-02-20 (0.00).",
        "“a3” of Alpha is 5 days late and still open (300000.00 waiting).",
        "Resources not ready by their ready-by date: 2.",
        "Stakeholder actions due and not handled yet: 1.",
    ]
    clean = diagnose_projects(RECORDS, start=date(2026, 7, 1), end=date(2026, 9, 30), as_of=AS_OF)
    assert [m.render() for m in clean] == [
        "Every milestone, resource and stakeholder action due is on time."
    ]


def test_catch_up_by_hand():
    plan = project_catch_up(
        records=RECORDS, period=Q1, as_of=AS_OF, calendar=CN, target=Decimal("1000000")
    )

    assert plan.remaining_target == Decimal("300000.00")
    assert plan.now == date(2026, 3, 11)
    assert plan.remaining_working_days == CN.working_days(date(2026, 3, 11), Q1.end) == 15
    # a3 is late: it must land on the next working day; a4 keeps its date.
    assert [(m.milestone_id, m.land_by, m.overdue) for m in plan.targets.milestones] == [
        ("a3", date(2026, 3, 11), True),
        ("a4", date(2026, 3, 25), False),
    ]
    assert plan.feasible
    assert (plan.shortfall, plan.pull_forward, plan.fixes) == (0, (), ())
    # s2 (towards Li, for a3) is pending and now due; s3 was handled early.
    assert [(a.action_id, a.due, a.do_by) for a in plan.targets.actions] == [
        ("s2", date(2026, 3, 5), date(2026, 3, 11))
    ]
    # r3 on its date; r4 (needed by 02-23) now; r2 came late but is ready, r5 early.
    assert [(r.resource_id, r.due, r.do_by) for r in plan.targets.resources] == [
        ("r3", date(2026, 3, 11), date(2026, 3, 11)),
        ("r4", date(2026, 2, 23), date(2026, 3, 11)),
    ]
    # The original plan for Mar 11 … 31: a4, its action s3, resources r3 and r5.
    assert plan.baseline.revenue == Decimal("210526.32")
    assert [m.milestone_id for m in plan.baseline.milestones] == ["a4"]
    assert [a.action_id for a in plan.baseline.actions] == ["s3"]
    assert [r.resource_id for r in plan.baseline.resources] == ["r3", "r5"]
    texts = [m.render() for m in plan.messages]
    assert texts[0] == (
        "To recognise the remaining 300000.00 by 2026-03-31 — milestones to land: 2; "
        "stakeholder actions to handle: 1; resources to ready: 2."
    )
    assert (
        "Land “a3” of Alpha by 2026-03-11 — planned for 2026-03-05, now late (300000.00)." in texts
    )
    assert (
        "Now due by 2026-03-11: the actions towards Li for “a3” (planned by 2026-03-05)." in texts
    )
    assert "Now due by 2026-03-11: training for “a4” (needed by 2026-02-23)." in texts


def test_catch_up_pulls_later_milestones_in_when_short():
    plan = project_catch_up(
        records=RECORDS, period=Q1, as_of=AS_OF, calendar=CN, target=Decimal("1300000")
    )
    # 600,000 left, a3 + a4 bring 500,000: a5 (300,000) must be pulled in by Mar 31.
    assert plan.remaining_target == Decimal("600000.00")
    assert not plan.feasible
    assert [(m.milestone_id, m.land_by, m.pulled_forward) for m in plan.pull_forward] == [
        ("a5", date(2026, 3, 31), True)
    ]
    assert plan.shortfall == 0
    assert [m.render() for m in plan.fixes] == [
        "Pull “a5” of Alpha forward from 2026-05-20 to land by 2026-03-31: 300000.00."
    ]

    beyond = project_catch_up(
        records=RECORDS, period=Q1, as_of=AS_OF, calendar=CN, target=Decimal("2000000")
    )
    assert beyond.shortfall == Decimal("500000.00")
    assert beyond.fixes[-1].render() == (
        "500000.00 of the remaining target has no milestone to come from: it needs new "
        "projects or a larger scope."
    )


def test_a_pulled_milestone_brings_its_open_prerequisites():
    records = ProjectRecords(
        milestones=(
            milestone("p1", "p", "2026-04-10", None, "0", "pmo"),
            milestone("p2", "p", "2026-05-10", None, "100", "pmo", ("p1",)),
        )
    )
    plan = project_catch_up(
        records=records, period=Q1, as_of=AS_OF, calendar=CN, target=Decimal(100)
    )
    assert [m.milestone_id for m in plan.pull_forward] == ["p1", "p2"]
    assert plan.fixes[0].render() == (
        "Pull “p1 + p2” of P forward from 2026-05-10 to land by 2026-03-31: 100.00."
    )


def test_catch_up_on_the_last_day():
    plan = project_catch_up(
        records=RECORDS, period=Q1, as_of=Q1.end, calendar=CN, target=Decimal("1000000")
    )
    assert (plan.remaining_working_days, plan.now, plan.targets.milestones) == (0, None, ())
    assert not plan.feasible
    assert plan.messages[0].render() == (
        "No working day is left in the period; 300000.00 of the target cannot be recognised "
        "any more."
    )
    done = project_catch_up(records=RECORDS, period=Q1, as_of=Q1.end, calendar=CN, target=1)
    assert done.feasible
    assert done.messages[0].render() == "The target is reached."


# -- properties -------------------------------------------------------------------------------

DAYS = st.integers(min_value=-60, max_value=150)  # around Q1 (90 days)


@st.composite
def on_plan_records(draw: st.DrawFn) -> tuple[ProjectRecords, date]:
    """Records exactly on plan as of a day in Q1: everything due done on its date, no more."""
    as_of = Q1.start + timedelta(days=draw(st.integers(min_value=0, max_value=89)))
    milestones, resources, actions, reviews = [], [], [], []
    for k in range(draw(st.integers(min_value=0, max_value=8))):
        planned = Q1.start + timedelta(days=draw(DAYS))
        reached = planned if planned <= as_of else None
        milestones.append(
            MilestoneRecord(
                id=f"m{k}",
                project_id=f"p{k % 3}",
                project=f"P{k % 3}",
                name=f"m{k}",
                owning_role=draw(st.sampled_from(["pmo", "business", "solution"])),
                planned_date=planned,
                actual_date=reached,
                revenue=Decimal(draw(st.integers(min_value=0, max_value=10**8))) / 100,
            )
        )
        if reached is not None:
            reviews.append(ReviewRecord(f"v{k}", f"p{k % 3}", reached, "pmo"))
        for j in range(draw(st.integers(min_value=0, max_value=2))):
            lead = draw(st.integers(min_value=0, max_value=60))
            ready_by = planned - timedelta(days=lead)
            resources.append(
                ResourceRecord(
                    f"r{k}.{j}", f"m{k}", "r", lead, ready_by if ready_by <= as_of else None
                )
            )
        if draw(st.booleans()):
            actions.append(ActionRecord(f"s{k}", f"m{k}", "S", reached))
    records = ProjectRecords(
        milestones=tuple(milestones),
        resources=tuple(resources),
        actions=tuple(actions),
        reviews=tuple(reviews),
    )
    return records, as_of


@settings(max_examples=200, deadline=None)
@given(case=on_plan_records())
def test_catch_up_on_plan_is_the_original_plan(case):
    records, as_of = case
    plan = project_catch_up(records=records, period=Q1, as_of=as_of, calendar=CN)
    assert plan.targets == plan.baseline
    assert plan.feasible
    assert (plan.pull_forward, plan.fixes) == ((), ())
    root = project_mesh(records=records, period=Q1, as_of=as_of, calendar=CN)
    assert all(node.health is Health.GREEN for node in root.walk())


@st.composite
def any_records(draw: st.DrawFn) -> tuple[ProjectRecords, date, Decimal]:
    as_of = Q1.start + timedelta(days=draw(st.integers(min_value=0, max_value=89)))
    milestones = []
    for k in range(draw(st.integers(min_value=0, max_value=10))):
        planned = Q1.start + timedelta(days=draw(DAYS))
        actual = draw(st.none() | DAYS.map(lambda d: Q1.start + timedelta(days=d)))
        milestones.append(
            MilestoneRecord(
                id=f"m{k}", project_id="p", project="P", name=f"m{k}", owning_role="pmo",
                planned_date=planned, actual_date=actual,
                revenue=Decimal(draw(st.integers(min_value=0, max_value=10**7))) / 100,
            )
        )  # fmt: skip
    target = Decimal(draw(st.integers(min_value=0, max_value=10**9))) / 100
    return ProjectRecords(milestones=tuple(milestones)), as_of, target


@settings(max_examples=300, deadline=None)
@given(case=any_records())
def test_pull_forward_is_earliest_first_and_stops_once_covered(case):
    records, as_of, target = case
    plan = project_catch_up(records=records, period=Q1, as_of=as_of, calendar=CN, target=target)
    short = max(plan.remaining_target - plan.targets.milestone_revenue, Decimal(0))
    pulled = sum((m.revenue for m in plan.pull_forward), Decimal(0))
    assert plan.feasible == (short == 0)
    assert plan.shortfall == max(short - pulled, Decimal(0))
    if plan.pull_forward:
        # Without its last milestone the pull would not have covered the shortfall.
        assert pulled - plan.pull_forward[-1].revenue < short
        # Nothing later and open was skipped for something planned after it.
        latest = max(m.planned_date for m in plan.pull_forward)
        chosen = {m.milestone_id for m in plan.pull_forward}
        skipped = [
            m
            for m in records.milestones
            if m.id not in chosen
            and Q1.end < m.planned_date < latest
            and m.revenue > 0
            and not (m.actual_date is not None and m.actual_date <= as_of)
        ]
        assert skipped == []
    if plan.shortfall > 0 and plan.now is not None:
        later = [
            m
            for m in records.milestones
            if m.planned_date > Q1.end
            and m.revenue > 0
            and not (m.actual_date is not None and m.actual_date <= as_of)
        ]
        assert {m.milestone_id for m in plan.pull_forward} >= {m.id for m in later}


@settings(max_examples=300, deadline=None)
@given(case=any_records())
def test_indicators_stay_in_range(case):
    records, as_of, _ = case
    actuals = project_actuals_of(records, start=Q1.start, end=Q1.end, as_of=as_of)
    assert 0 <= actuals.milestones_on_time <= actuals.milestones_due <= actuals.milestones_planned
    assert actuals.milestones_reached <= actuals.milestones_planned
    for rate in (actuals.on_time_rate,):
        assert rate is None or 0 <= rate <= 1
    reached = [
        m.revenue
        for m in records.milestones
        if m.actual_date is not None and Q1.start <= m.actual_date <= min(as_of, Q1.end)
    ]
    assert actuals.revenue_recognised == sum(reached, Decimal("0.00"))
