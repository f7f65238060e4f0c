"""Project planner: revenue by milestone and period, CPM schedule, resources, stakeholders."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmesh.core.calendar import FiscalCalendar, Grain, Period, WorkCalendar
from salesmesh.core.project import (
    ActionPriority,
    Attitude,
    Milestone,
    MilestoneResource,
    OwningRole,
    Project,
    ProjectPlanError,
    ProjectWarningCode,
    ResourceKind,
    RevenueKind,
    Stakeholder,
    StakeholderAction,
    plan_project,
    plan_projects,
    project_problems,
)

# One instance for the whole module: it caches each year's working-day table.
WORK = WorkCalendar("CN")
CALENDAR_YEARS = FiscalCalendar()

# --------------------------------------------------------------------------- worked example
#
# A city government's digital platform (城市数字政府平台), contract 3,600,000.00,
# working days of mainland China in 2025. The base platform is a configured product,
# so it can go live straight after signing; the design of the customised approval
# workflows is accepted in parallel; final acceptance needs both.
#
#   signing (2025-03-14, Fri) ──► golive (2025-09-30, Tue) ──┐
#        │                                                    ├──► final (2025-12-12, Fri)
#        └──────────────────────► design (2025-06-27, Fri) ──┘
#
# China 2025 facts used below: Qingming Fri 04-04 off; Labour Day 05-01..05-05 off with
# make-up Sunday 04-27; Dragon Boat Mon 06-02 off; National Day / Mid-Autumn 10-01..10-08
# off with make-up Sunday 09-28 and Saturday 10-11.


def gov_platform(**changes: object) -> Project:
    """The worked-example project (optionally with some fields replaced)."""
    project = Project(
        id="gov-platform",
        name="City digital government platform",
        goal="One-stop online government services for citizens",
        contract_value=Decimal("3600000.00"),
        contract_end=date(2025, 12, 31),
        milestones=(
            Milestone(
                id="signing",
                name="Contract signing",
                planned_date=date(2025, 3, 14),
                revenue_share=Decimal("0.30"),
                revenue_kind=RevenueKind.CONTRACT,
                owner=OwningRole.BUSINESS,
                resources=(
                    MilestoneResource(ResourceKind.SERVICES, "Bid and solution documents", 10),
                ),
            ),
            Milestone(
                id="design",
                name="Design acceptance",
                planned_date=date(2025, 6, 27),
                depends_on=("signing",),
                revenue_share=Decimal("0.20"),
                revenue_kind=RevenueKind.ACCEPTANCE,
                owner=OwningRole.SOLUTION,
                resources=(
                    MilestoneResource(
                        ResourceKind.SECONDARY_DEVELOPMENT, "Approval-workflow design team", 15
                    ),
                ),
            ),
            Milestone(
                id="golive",
                name="Go-live",
                planned_date=date(2025, 9, 30),
                depends_on=("signing",),
                revenue_share=Decimal("0.30"),
                revenue_kind=RevenueKind.PAYMENT,
                owner=OwningRole.PMO,
                resources=(
                    MilestoneResource(ResourceKind.PRODUCT, "Platform licences and servers", 20),
                    MilestoneResource(
                        ResourceKind.INTEGRATION, "Interfaces to the population database", 10
                    ),
                ),
            ),
            Milestone(
                id="final",
                name="Final acceptance",
                planned_date=date(2025, 12, 12),
                depends_on=("golive", "design"),
                revenue_share=Decimal("0.20"),
                revenue_kind=RevenueKind.ACCEPTANCE,
                owner=OwningRole.PMO,
            ),
        ),
        stakeholders=(
            Stakeholder(
                name="Director Wang",
                title="Director, Big Data Bureau",
                influence=5,
                attitude=Attitude.OPPONENT,
                milestone_ids=("design", "final"),
                actions=(
                    StakeholderAction("Private briefing on the design choices", 10),
                    StakeholderAction("Site visit to a reference city", 20, "final"),
                ),
            ),
            Stakeholder(
                name="Ms Li",
                title="Deputy head, IT division",
                influence=3,
                attitude=Attitude.SUPPORTER,
                milestone_ids=("golive",),
                actions=(StakeholderAction("Agree the go-live checklist", 5),),
            ),
        ),
    )
    return replace(project, **changes)


def plan(project: Project, as_of: date = date(2025, 6, 10), grain: Grain = Grain.QUARTER):
    """Plan one project on China's 2025 working days with calendar-year quarters."""
    return plan_project(project, as_of=as_of, grain=grain, fiscal=CALENDAR_YEARS, work=WORK)


def test_worked_example_revenue_per_quarter():
    result = plan(gov_platform())
    # 3,600,000.00 x 0.30 = 1,080,000.00 (signing 03-14, Q1)
    # 3,600,000.00 x 0.20 =   720,000.00 (design 06-27, Q2)
    # 3,600,000.00 x 0.30 = 1,080,000.00 (go-live 09-30, Q3 — the last day of Q3)
    # 3,600,000.00 x 0.20 =   720,000.00 (final 12-12, Q4)
    # sum                 = 3,600,000.00
    assert [(p.period.label, p.amount) for p in result.revenue_by_period] == [
        ("FY2025-Q1", Decimal("1080000.00")),
        ("FY2025-Q2", Decimal("720000.00")),
        ("FY2025-Q3", Decimal("1080000.00")),
        ("FY2025-Q4", Decimal("720000.00")),
    ]
    assert [
        (m.milestone_id, m.revenue_kind) for p in result.revenue_by_period for m in p.milestones
    ] == [
        ("signing", RevenueKind.CONTRACT),
        ("design", RevenueKind.ACCEPTANCE),
        ("golive", RevenueKind.PAYMENT),
        ("final", RevenueKind.ACCEPTANCE),
    ]
    assert sum(p.amount for p in result.revenue_by_period) == Decimal("3600000.00")


def test_worked_example_critical_path_and_slack():
    result = plan(gov_platform())
    by_id = {m.id: m for m in result.milestones}
    # Working days after signing (03-14) up to each date, the CPM time axis:
    #   design 06-27: March 17..31 = 11; April = 22 weekdays - Qingming 04-04 + make-up
    #     04-27 = 22; May = 22 weekdays - 05-01, 05-02, 05-05 = 19; June 1..27 = 20
    #     weekdays - 06-02 = 19  →  11 + 22 + 19 + 19 = 71
    #   golive 09-30: design's 71 + (06-30 = 1, July 23, August 21, September 22
    #     weekdays + make-up 09-28 = 23) = 71 + 68 = 139
    #   final 12-12: October 09, 10 + make-up 10-11 + 13..31 (15) = 18; November 20;
    #     December 1..12 = 10  →  139 + 48 = 187
    # Durations (from the latest dependency): signing 0 (it starts the project),
    # design 71, golive 139, final 187 - max(139, 71) = 48.
    assert {k: m.duration_working_days for k, m in by_id.items()} == {
        "signing": 0,
        "design": 71,
        "golive": 139,
        "final": 48,
    }
    # Forward pass: EF = 0, 71, 139, 139 + 48 = 187. Backward pass from 187:
    #   LF(final) = 187; LF(golive) = 187 - 48 = 139; LF(design) = 187 - 48 = 139;
    #   LF(signing) = min(139 - 139, 139 - 71) = 0.
    # Slack = LF - EF: signing 0, design 139 - 71 = 68, golive 0, final 0.
    assert {k: m.slack_working_days for k, m in by_id.items()} == {
        "signing": 0,
        "design": 68,
        "golive": 0,
        "final": 0,
    }
    # Critical path: final's binding dependency is golive (139 > 71), golive's is signing.
    assert result.critical_path == ("signing", "golive", "final")
    assert [m.is_critical for m in result.milestones] == [True, False, True, True]
    # Design may slip 68 working days: 06-27 + 68 working days = 09-30, go-live's date.
    assert by_id["design"].latest_date == date(2025, 9, 30)
    assert by_id["golive"].latest_date == date(2025, 9, 30)
    assert result.finish_date == date(2025, 12, 12)
    assert result.length_working_days == 187
    # Finishes 12-12, before the contract end 12-31; every milestone has an owner.
    assert result.warnings[0].code is ProjectWarningCode.RESOURCE_LATE
    assert len(result.warnings) == 1


def test_worked_example_resource_dates():
    result = plan(gov_platform(), as_of=date(2025, 6, 10))
    ready = {(r.milestone_id, r.kind): (r.ready_by, r.is_late) for r in result.resources}
    assert ready == {
        # 10th working date before 03-14: 13, 12, 11, 10, 7, 6, 5, 4, 3, Feb 28. Before
        # as_of, but signing itself is past, so it is history, not a late resource.
        ("signing", ResourceKind.SERVICES): (date(2025, 2, 28), False),
        # 15th before 06-27: 26, 25, 24, 23, 20, 19, 18, 17, 16, 13, 12, 11, 10, 9, 6 →
        # 06-06 < as_of 06-10 <= 06-27: late.
        ("design", ResourceKind.SECONDARY_DEVELOPMENT): (date(2025, 6, 6), True),
        # 20th before 09-30: 29, 28 (make-up Sunday), 26, 25, 24, 23, 22, 19, 18, 17, 16,
        # 15, 12, 11, 10, 9, 8, 5, 4, 3 → 09-03; the 10th of that list is 09-17.
        ("golive", ResourceKind.PRODUCT): (date(2025, 9, 3), False),
        ("golive", ResourceKind.INTEGRATION): (date(2025, 9, 17), False),
    }
    (warning,) = result.warnings
    assert warning.code is ProjectWarningCode.RESOURCE_LATE
    assert warning.milestone_id == "design"
    assert "2025-06-06" in str(warning.message)
    assert warning.message.params["lead"] == 15


def test_worked_example_stakeholder_actions():
    result = plan(gov_platform(), as_of=date(2025, 6, 10))
    by_id = {m.id: m for m in result.milestones}
    design_actions = [(a.stakeholder, a.due_date, a.priority) for a in by_id["design"].actions]
    # 10 working days before 06-27: 26, 25, 24, 23, 20, 19, 18, 17, 16, 13 → 06-13.
    # Wang is an opponent with influence 5 >= 4: high priority.
    assert design_actions == [("Director Wang", date(2025, 6, 13), ActionPriority.HIGH)]
    final_actions = [(a.description, a.due_date) for a in by_id["final"].actions]
    # Both of Wang's actions apply to final (the site visit names it); by due date:
    #   20 working days before 12-12: Dec 11..8 (4), 5..1 (9), Nov 28..24 (14),
    #   21..17 (19), 14 (20) → 11-14;   10 before: Nov 28.
    assert final_actions == [
        ("Site visit to a reference city", date(2025, 11, 14)),
        ("Private briefing on the design choices", date(2025, 11, 28)),
    ]
    golive_actions = [(a.stakeholder, a.due_date, a.priority) for a in by_id["golive"].actions]
    # 5 working days before 09-30: 29, 28 (make-up Sunday), 26, 25, 24 → 09-24.
    assert golive_actions == [("Ms Li", date(2025, 9, 24), ActionPriority.NORMAL)]
    assert not any(a.is_overdue for a in result.actions)


def test_overdue_high_priority_action_warns():
    # On 06-16 the design briefing (due 06-13) is overdue while design (06-27) is ahead.
    result = plan(gov_platform(), as_of=date(2025, 6, 16))
    overdue = [a for a in result.actions if a.is_overdue]
    assert [(a.milestone_id, a.due_date) for a in overdue] == [("design", date(2025, 6, 13))]
    codes = [w.code for w in result.warnings]
    assert ProjectWarningCode.ACTION_OVERDUE in codes


def test_fiscal_quarters_and_months():
    # Fiscal year from April: 03-14 is FY2024-Q4, 06-27 FY2025-Q1, 09-30 FY2025-Q2,
    # 12-12 FY2025-Q3 — same amounts, other labels.
    result = plan_project(
        gov_platform(),
        as_of=date(2025, 1, 1),
        grain=Grain.QUARTER,
        fiscal=FiscalCalendar(start_month=4),
        work=WORK,
    )
    assert [(p.period.label, p.amount) for p in result.revenue_by_period] == [
        ("FY2024-Q4", Decimal("1080000.00")),
        ("FY2025-Q1", Decimal("720000.00")),
        ("FY2025-Q2", Decimal("1080000.00")),
        ("FY2025-Q3", Decimal("720000.00")),
    ]
    monthly = plan(gov_platform(), grain=Grain.MONTH)
    assert [p.period.label for p in monthly.revenue_by_period] == [
        "2025-03",
        "2025-06",
        "2025-09",
        "2025-12",
    ]


def test_portfolio_sums_projects_per_period():
    small = Project(
        id="county-pilot",
        name="County pilot",
        goal="Prove the platform in one county",
        contract_value=Decimal("100.01"),
        milestones=(
            Milestone(
                "a", "Pilot contract", Decimal("0.5"), RevenueKind.CONTRACT, date(2025, 2, 3)
            ),
            Milestone(
                "b",
                "Pilot acceptance",
                Decimal("0.5"),
                RevenueKind.ACCEPTANCE,
                date(2025, 12, 1),
                depends_on=("a",),
                owner=OwningRole.PMO,
            ),
        ),
    )
    result = plan_projects(
        [gov_platform(), small],
        as_of=date(2025, 1, 1),
        grain=Grain.QUARTER,
        fiscal=CALENDAR_YEARS,
        work=WORK,
    )
    # 100.01 x 0.5 = 50.005 each: 10,001 cents split 1:1 → 5,000.5 each; the leftover
    # cent goes to the first (ties to the earlier part) → 50.01 and 50.00.
    pilot = result.projects[1]
    assert [m.revenue for m in pilot.milestones] == [Decimal("50.01"), Decimal("50.00")]
    # Q1: 1,080,000.00 + 50.01; Q4: 720,000.00 + 50.00.
    assert [(p.period.label, p.amount) for p in result.revenue_by_period] == [
        ("FY2025-Q1", Decimal("1080050.01")),
        ("FY2025-Q2", Decimal("720000.00")),
        ("FY2025-Q3", Decimal("1080000.00")),
        ("FY2025-Q4", Decimal("720050.00")),
    ]
    # Milestone "a" has no owner.
    assert [(w.code, w.project_id, w.milestone_id) for w in result.warnings] == [
        (ProjectWarningCode.MILESTONE_WITHOUT_OWNER, "county-pilot", "a")
    ]


def test_durations_count_working_days_through_national_day():
    project = Project(
        id="p",
        name="Holiday project",
        goal="",
        contract_value=Decimal("1000.00"),
        start_date=date(2025, 9, 26),
        milestones=(
            Milestone(
                "m1",
                "Kick-off",
                Decimal("0.25"),
                RevenueKind.CONTRACT,
                duration_working_days=3,
                owner=OwningRole.PMO,
            ),
            Milestone(
                "m2",
                "Build",
                Decimal("0.25"),
                RevenueKind.PAYMENT,
                duration_working_days=2,
                depends_on=("m1",),
                owner=OwningRole.SOLUTION,
            ),
            Milestone(
                "m3",
                "Training",
                Decimal("0.25"),
                RevenueKind.PAYMENT,
                planned_date=date(2025, 10, 9),
                depends_on=("m1",),
                owner=OwningRole.PMO,
            ),
            Milestone(
                "m4",
                "Acceptance",
                Decimal("0.25"),
                RevenueKind.ACCEPTANCE,
                duration_working_days=1,
                depends_on=("m2", "m3"),
                owner=OwningRole.PMO,
            ),
        ),
    )
    result = plan(project, as_of=date(2025, 9, 1))
    by_id = {m.id: m for m in result.milestones}
    # m1: 3 working days after Fri 09-26: Sun 09-28 (make-up), Mon 29, Tue 30 → 09-30.
    # m2: 2 after 09-30, skipping 10-01..10-08: Thu 10-09, Fri 10-10 → 10-10.
    # m4: 1 after max(10-10, 10-09) = 10-10: Sat 10-11 (make-up) → 10-11.
    assert {k: m.planned_date for k, m in by_id.items()} == {
        "m1": date(2025, 9, 30),
        "m2": date(2025, 10, 10),
        "m3": date(2025, 10, 9),
        "m4": date(2025, 10, 11),
    }
    # From the start 09-26: EF m1 = 3, m2 = 5, m3 = 4 (10-09), m4 = 6; durations 3, 2,
    # 1 (10-09 after 09-30), 1. LF(m3) = LF(m4) - 1 = 5 → slack(m3) = 5 - 4 = 1.
    assert [m.duration_working_days for m in result.milestones] == [3, 2, 1, 1]
    assert [m.slack_working_days for m in result.milestones] == [0, 0, 1, 0]
    assert by_id["m3"].latest_date == date(2025, 10, 10)
    assert result.critical_path == ("m1", "m2", "m4")
    assert result.length_working_days == 6


def test_a_weekend_milestone_ends_the_critical_path_on_the_last_date():
    # Fri 2024-01-05 and Sat 2024-01-06 are the same number of working days in; the
    # path ends on the later calendar date, which is the project's finish.
    project = Project(
        id="p",
        name="P",
        goal="",
        contract_value=1000,  # an int is an exact amount too
        milestones=(
            Milestone("fri", "Fri", Decimal("0.5"), RevenueKind.PAYMENT, date(2024, 1, 5)),
            Milestone("sat", "Sat", Decimal("0.5"), RevenueKind.PAYMENT, date(2024, 1, 6)),
        ),
    )
    result = plan(project)
    assert result.critical_path == ("sat",)
    assert result.finish_date == date(2024, 1, 6)
    assert [m.slack_working_days for m in result.milestones] == [0, 0]
    assert result.contract_value == Decimal("1000.00")


def test_floats_are_refused_as_money_and_shares():
    base = gov_platform()
    signing, *rest = base.milestones
    project = replace(
        base, contract_value=3.6e6, milestones=(replace(signing, revenue_share=0.3), *rest)
    )
    assert [path for path, _ in problems_of(project)] == [
        "project.contract_value",
        "project.milestones[0].revenue_share",
    ]


def test_finishing_after_contract_end_warns():
    result = plan(gov_platform(contract_end=date(2025, 11, 30)))
    (late,) = [
        w for w in result.warnings if w.code is ProjectWarningCode.FINISHES_AFTER_CONTRACT_END
    ]
    assert late.milestone_id == "final"
    assert str(late.message) == (
        "Project gov-platform finishes on 2025-12-12, after its contract end 2025-11-30 "
        "(critical path: signing → golive → final)."
    )


def test_influential_opponent_without_actions_warns():
    wang = replace(gov_platform().stakeholders[0], actions=())
    result = plan(gov_platform(stakeholders=(wang,)))
    codes = [w.code for w in result.warnings]
    assert ProjectWarningCode.OPPONENT_WITHOUT_ACTION in codes


# --------------------------------------------------------------------------- errors


def problems_of(project: Project) -> list[tuple[str, str]]:
    """(path, English message) of every problem ``plan`` raises for ``project``."""
    with pytest.raises(ProjectPlanError) as info:
        plan(project)
    return [(path, str(message)) for path, message in info.value.problems]


def test_all_problems_are_reported_at_once():
    base = gov_platform()
    signing, design, golive, final = base.milestones
    project = replace(
        base,
        milestones=(
            replace(signing, revenue_share=Decimal("0.35")),
            replace(design, depends_on=("signing", "golive")),
            replace(golive, depends_on=("design",)),
            replace(final, depends_on=("golive", "nowhere")),
        ),
    )
    assert problems_of(project) == [
        (
            "project.milestones[3].depends_on[1]",
            "unknown milestone nowhere in project gov-platform",
        ),
        (
            "project.milestones",
            "revenue shares of project gov-platform sum to 1.05; they must sum to exactly 1",
        ),
        (
            "project.milestones[1].depends_on",
            "dependencies form a cycle: design → golive → design "
            "(each milestone would have to come before the next)",
        ),
        # Dates are checked along every dependency whose both ends have a date, even in
        # a cycle: design (06-27) now also depends on golive (09-30).
        (
            "project.milestones[1].planned_date",
            "2025-06-27 is before golive's date 2025-09-30; "
            "a milestone cannot come before a milestone it depends on",
        ),
    ]


def test_cycle_message_and_every_cycle_is_listed():
    def ms(mid: str, *deps: str) -> Milestone:
        return Milestone(
            mid,
            mid,
            Decimal("0.2"),
            RevenueKind.PAYMENT,
            date(2025, 5, 6),
            depends_on=deps,
            owner=OwningRole.PMO,
        )

    project = replace(
        gov_platform(stakeholders=()),
        milestones=(ms("m1"), ms("m2", "m3"), ms("m3", "m2"), ms("m4", "m4"), ms("m5", "m1")),
    )
    messages = [message for _, message in problems_of(project)]
    assert "dependencies form a cycle: m2 → m3 → m2 " in messages[0] + " "
    assert messages[1].startswith("dependencies form a cycle: m4 → m4 ")
    assert len(messages) == 2


def test_date_before_a_dependency_is_an_error():
    base = gov_platform()
    signing, design, golive, final = base.milestones
    project = replace(
        base, milestones=(signing, design, golive, replace(final, planned_date=date(2025, 9, 1)))
    )
    assert problems_of(project) == [
        (
            "project.milestones[3].planned_date",
            "2025-09-01 is before golive's date 2025-09-30; "
            "a milestone cannot come before a milestone it depends on",
        )
    ]


def test_malformed_fields_are_named_by_path():
    base = gov_platform()
    signing, design, golive, final = base.milestones
    wang, li = base.stakeholders
    project = replace(
        base,
        contract_value=Decimal("-1"),
        milestones=(
            replace(signing, duration_working_days=5),
            replace(design, planned_date=None, revenue_kind="invoice"),
            replace(golive, resources=(MilestoneResource(ResourceKind.PRODUCT, "x", -2),)),
            replace(final, id="golive", revenue_share=Decimal("1.2")),
        ),
        stakeholders=(
            replace(wang, influence=6, actions=(StakeholderAction("Call", 3, "golive"),)),
            replace(li, milestone_ids=("launch",)),
        ),
    )
    paths = [path for path, _ in problems_of(project)]
    assert paths == [
        "project.contract_value",
        "project.milestones[3].id",
        "project.milestones[0]",  # both a planned date and a duration
        "project.milestones[1].revenue_kind",
        "project.milestones[1]",  # neither
        "project.milestones[2].resources[0].lead_time_working_days",
        "project.milestones[3].revenue_share",
        "project.stakeholders[0].influence",
        "project.stakeholders[0].milestone_ids[1]",  # "final" was renamed away
        "project.stakeholders[0].actions[0].milestone_id",
        "project.stakeholders[1].milestone_ids[0]",
    ]


def test_portfolio_paths_and_duplicate_projects():
    bad = gov_platform(milestones=(), stakeholders=())
    assert project_problems([gov_platform()], WORK) == []
    problems = project_problems([gov_platform(), bad], WORK)
    assert [(path, str(message)) for path, message in problems] == [
        ("projects[1].id", "duplicate project id gov-platform"),
        ("projects[1].milestones", "a project needs at least one milestone"),
    ]


def test_duration_without_a_base_needs_a_start_date():
    signing, *rest = gov_platform().milestones
    project = gov_platform(
        milestones=(replace(signing, planned_date=None, duration_working_days=3), *rest)
    )
    assert problems_of(project) == [
        (
            "project.milestones[0].duration_working_days",
            "a milestone without dependencies needs a planned_date, "
            "or the project a start_date to count its duration from",
        )
    ]


def test_plan_parameters_are_checked():
    with pytest.raises(ProjectPlanError) as info:
        plan_projects(
            [],
            as_of=date(2025, 1, 1),
            grain="fortnight",
            fiscal=CALENDAR_YEARS,
            work=WORK,
            high_influence=9,
        )
    assert [path for path, _ in info.value.problems] == ["grain", "high_influence"]


# --------------------------------------------------------------------------- properties

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)
FIRST_DAY = date(2024, 1, 1)


def nth_working_day_after(d: date, n: int) -> date:
    """The n-th working date after ``d`` (``d`` itself for 0), straight from the calendar."""
    if n == 0:
        return d
    return WORK.working_dates(d + timedelta(days=1), d + timedelta(days=4 * n + 30))[n - 1]


@st.composite
def revenue_projects(draw: st.DrawFn) -> tuple[Project, Grain, FiscalCalendar]:
    """Projects with random exact shares (summing to 1), dates and contract values."""
    n = draw(st.integers(1, 8))
    scale = 10**6
    cuts = sorted(draw(st.lists(st.integers(0, scale), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cuts, scale]
    shares = [Decimal(b - a) / Decimal(scale) for a, b in pairwise(bounds)]
    days = st.dates(min_value=FIRST_DAY, max_value=date(2026, 12, 31))
    milestones = tuple(
        Milestone(f"m{i}", f"M{i}", share, RevenueKind.PAYMENT, draw(days), owner=OwningRole.PMO)
        for i, share in enumerate(shares)
    )
    value = draw(st.decimals(min_value=0, max_value=10**9, places=2))
    project = Project("p", "P", "goal", value, milestones)
    grain = draw(st.sampled_from([Grain.WEEK, Grain.MONTH, Grain.QUARTER, Grain.YEAR]))
    return project, grain, FiscalCalendar(draw(st.integers(1, 12)))


@PROPERTY_SETTINGS
@given(revenue_projects())
def test_revenue_by_period_sums_exactly_to_the_contract_value(case):
    project, grain, fiscal = case
    result = plan_project(project, as_of=FIRST_DAY, grain=grain, fiscal=fiscal, work=WORK)
    assert sum(p.amount for p in result.revenue_by_period) == project.contract_value
    assert sum(m.revenue for m in result.milestones) == project.contract_value
    for period_revenue in result.revenue_by_period:
        assert period_revenue.amount == sum(m.amount for m in period_revenue.milestones)
        assert all(period_revenue.period.contains(m.date) for m in period_revenue.milestones)
    for m in result.milestones:
        # Largest remainder: each part is within one cent of its exact share.
        assert abs(m.revenue - project.contract_value * m.revenue_share) < Decimal("0.01")
    starts = [p.period.start for p in result.revenue_by_period]
    assert starts == sorted(set(starts))


@st.composite
def dags(draw: st.DrawFn, durations_only: bool = False) -> Project:
    """A random DAG of milestones (listed in a random order), planned dates or durations."""
    n = draw(st.integers(1, 9))
    deps: list[list[int]] = [
        sorted(draw(st.sets(st.integers(0, i - 1), max_size=3))) if i else [] for i in range(n)
    ]
    start = FIRST_DAY + timedelta(days=draw(st.integers(0, 365)))
    dates: list[date] = []
    specs: list[tuple[date | None, int | None]] = []
    for i in range(n):
        base = max((dates[d] for d in deps[i]), default=start)
        if durations_only or draw(st.booleans()):
            duration = draw(st.integers(0, 30))
            dates.append(nth_working_day_after(base, duration))
            specs.append((None, duration))
        else:
            planned = base + timedelta(days=draw(st.integers(0, 60)))
            dates.append(planned)
            specs.append((planned, None))
    order = draw(st.permutations(range(n)))
    milestones = tuple(
        Milestone(
            id=f"m{i}",
            name=f"M{i}",
            revenue_share=Decimal(1) if i == 0 else Decimal(0),
            revenue_kind=RevenueKind.PAYMENT,
            planned_date=specs[i][0],
            duration_working_days=specs[i][1],
            depends_on=tuple(f"m{d}" for d in deps[i]),
            owner=OwningRole.PMO,
        )
        for i in order
    )
    return Project("p", "P", "goal", Decimal("1000.00"), milestones, start_date=start)


@PROPERTY_SETTINGS
@given(dags())
def test_slack_is_never_negative_and_the_critical_path_has_none(project):
    result = plan(project)
    deps = {m.id: set(m.depends_on) for m in project.milestones}
    by_id = {m.id: m for m in result.milestones}
    assert all(m.slack_working_days >= 0 for m in result.milestones)
    assert all(m.latest_date >= m.planned_date for m in result.milestones)
    path = result.critical_path
    assert path
    assert all(by_id[mid].slack_working_days == 0 and by_id[mid].is_critical for mid in path)
    # A chain from a milestone without dependencies to the finish, one dependency a step,
    # whose durations add up to the project length.
    assert not deps[path[0]]
    assert all(a in deps[b] for a, b in pairwise(path))
    assert by_id[path[-1]].planned_date == result.finish_date
    assert result.finish_date == max(m.planned_date for m in result.milestones)
    assert sum(by_id[mid].duration_working_days for mid in path) == result.length_working_days


@PROPERTY_SETTINGS
@given(dags(durations_only=True), st.data())
def test_adding_a_dependency_never_makes_a_milestone_earlier(project, data):
    n = len(project.milestones)
    existing = {(d, m.id) for m in project.milestones for d in m.depends_on}
    # Only edges from a lower to a higher index keep the graph acyclic.
    candidates = [
        (f"m{a}", f"m{b}")
        for a in range(n)
        for b in range(a + 1, n)
        if (f"m{a}", f"m{b}") not in existing
    ]
    if not candidates:
        return
    before, after = data.draw(st.sampled_from(candidates))
    extended = replace(
        project,
        milestones=tuple(
            replace(m, depends_on=(*m.depends_on, before)) if m.id == after else m
            for m in project.milestones
        ),
    )
    old = {m.id: m.planned_date for m in plan(project).milestones}
    new_plan = plan(extended)
    assert all(m.planned_date >= old[m.id] for m in new_plan.milestones)
    assert new_plan.finish_date >= max(old.values())


@PROPERTY_SETTINGS
@given(dags(), st.data())
def test_an_injected_cycle_is_always_detected(project, data):
    ids = [m.id for m in project.milestones]
    cycle = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True))
    # Close the ring: each chosen milestone depends on the previous one, the first on the last.
    added = {cycle[k]: cycle[k - 1] for k in range(len(cycle))}
    cyclic = replace(
        project,
        milestones=tuple(
            replace(m, depends_on=(*m.depends_on, added[m.id])) if m.id in added else m
            for m in project.milestones
        ),
    )
    with pytest.raises(ProjectPlanError) as info:
        plan(cyclic)
    deps = {m.id: set(m.depends_on) for m in cyclic.milestones}
    reported = [
        str(message.params["cycle"]).split(" → ")
        for _, message in info.value.problems
        if "cycle" in message.params
    ]
    assert reported
    for ring in reported:
        # Closed, and every step is a real dependency (each comes before the next).
        assert ring[0] == ring[-1]
        assert all(a in deps[b] for a, b in pairwise(ring))


def test_periods_are_the_fiscal_calendars():
    result = plan(gov_platform())
    assert result.revenue_by_period[0].period == Period(
        Grain.QUARTER, date(2025, 1, 1), date(2025, 3, 31), CALENDAR_YEARS
    )
