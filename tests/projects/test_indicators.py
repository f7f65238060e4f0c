"""Project indicators from the database: hand-computed, in a constant number of queries.

The fixture repeats tests/unit/test_mesh_project.py's through the services — Q1 2026 as of
Tue Mar 10 — with records the loader must leave out around it: a milestone closed before the
quarter, stakeholders without a milestone or with blank actions, a review before the quarter
and another line's project.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from salesmesh.org.models import Paradigm
from salesmesh.projects.indicators import project_actuals, project_records
from salesmesh.projects.models import OwningRole, ResourceKind, Stakeholder
from salesmesh.projects.services import (
    milestone_create,
    project_create,
    resource_create,
    stage_review_create,
    stakeholder_create,
    stakeholder_update,
)
from tests.accounts.factories import make_account, make_line, make_user

pytestmark = pytest.mark.django_db

START, END, AS_OF = date(2026, 1, 1), date(2026, 3, 31), date(2026, 3, 10)
D = date.fromisoformat


def add_project(line, name: str, value: str):  # type: ignore[no-untyped-def]
    return project_create(
        line=line,
        account=make_account(line, make_user()),
        name=name,
        contract_value=Decimal(value),
    )


def add_milestone(project, name, planned, actual, share, role, kind="", depends_on=()):  # type: ignore[no-untyped-def]
    return milestone_create(
        project=project,
        name=name,
        planned_date=D(planned),
        actual_date=D(actual) if actual else None,
        revenue_share=Decimal(share),
        revenue_kind=kind,
        owning_role=role,
        depends_on=depends_on,
    )


@pytest.fixture
def line():  # type: ignore[no-untyped-def]
    return make_line("gov", Paradigm.PROJECT)


@pytest.fixture
def world(line):  # type: ignore[no-untyped-def]
    return build_world(line)


def build_world(line):  # type: ignore[no-untyped-def]
    """The fixture's projects on ``line`` (and another line's); a4 and a5 by name."""
    pmo, business, solution = OwningRole.PMO, OwningRole.BUSINESS, OwningRole.SOLUTION
    alpha = add_project(line, "Alpha", "1000000")
    add_milestone(alpha, "a0", "2025-10-01", "2025-10-01", "0", pmo)  # closed before Q1
    a1 = add_milestone(alpha, "a1", "2026-01-15", "2026-01-14", "0.2", business, "contract")
    add_milestone(alpha, "a2", "2026-02-10", "2026-02-20", "0", solution)
    a3 = add_milestone(alpha, "a3", "2026-03-05", None, "0.3", pmo, "payment")
    a4 = add_milestone(alpha, "a4", "2026-03-25", None, "0.2", pmo, "acceptance")
    a5 = add_milestone(alpha, "a5", "2026-05-20", None, "0.3", business, "acceptance", [a4])
    beta = add_project(line, "Beta", "500000")
    add_milestone(beta, "b1", "2025-12-20", "2026-01-08", "0.5", business, "contract")
    b2 = add_milestone(beta, "b2", "2026-02-27", "2026-02-27", "0.5", pmo, "payment")

    resource_create(milestone=a3, kind=ResourceKind.PRODUCT, description="licence",
                    lead_time_days=20, ready_date=D("2026-02-10"))  # fmt: skip
    resource_create(milestone=a3, kind=ResourceKind.INTEGRATION, description="integration",
                    lead_time_days=10, ready_date=D("2026-03-01"))  # fmt: skip
    resource_create(milestone=a4, kind=ResourceKind.PRODUCT, description="servers",
                    lead_time_days=14)  # fmt: skip
    resource_create(milestone=a4, kind=ResourceKind.SERVICES, lead_time_days=30)  # no text
    resource_create(milestone=a5, kind=ResourceKind.SERVICES, description="team",
                    lead_time_days=60, ready_date=D("2026-03-05"))  # fmt: skip

    for milestone, name, handled in [
        (a1, "Wang", "2026-01-10"),
        (a3, "Li", None),
        (a4, "Zhao", "2026-03-08"),
        (b2, "Chen", "2026-03-01"),
        (a5, "Sun", None),
    ]:
        stakeholder_create(
            project=milestone.project,
            milestone=milestone,
            name=name,
            planned_actions="汇报",
            handled_on=D(handled) if handled else None,
        )
    stakeholder_create(project=alpha, name="no milestone", planned_actions="汇报")
    stakeholder_create(project=alpha, milestone=a3, name="blank")
    stakeholder_create(project=alpha, milestone=a3, name="spaces", planned_actions="  \n")

    stage_review_create(project=alpha, held_on=D("2026-01-20"), what_happened="a1")
    stage_review_create(project=beta, held_on=D("2026-01-12"), what_happened="b1")
    stage_review_create(project=alpha, held_on=D("2026-03-02"), what_happened="a2")
    stage_review_create(project=beta, held_on=D("2025-12-30"), what_happened="old")

    other = make_line("other", Paradigm.PROJECT)
    elsewhere = add_project(other, "Elsewhere", "900000")
    x = add_milestone(elsewhere, "x", "2026-02-01", None, "1", pmo, "contract")
    resource_create(milestone=x, kind=ResourceKind.PRODUCT, lead_time_days=5)
    stakeholder_create(project=elsewhere, milestone=x, name="X", planned_actions="汇报")
    stage_review_create(project=elsewhere, held_on=D("2026-02-02"), what_happened="x")
    return {"a4": a4, "a5": a5}


def test_actuals_by_hand(line, world):
    actuals = project_actuals(line=line, start=START, end=END, as_of=AS_OF)

    assert (actuals.milestones_planned, actuals.milestones_due) == (5, 4)
    assert actuals.revenue_planned == Decimal("950000.00")
    assert actuals.revenue_due == Decimal("750000.00")
    assert (actuals.milestones_reached, actuals.milestones_on_time) == (3, 2)
    assert actuals.on_time_rate == Decimal("0.500000")
    assert (actuals.slippage_days, actuals.average_slippage_days) == (15, Decimal("3.75"))
    assert actuals.revenue_recognised == Decimal("700000.00")
    assert (actuals.resources_planned, actuals.resources_due) == (5, 3)
    assert (actuals.resources_ready_in_time, actuals.resources_readied) == (1, 3)
    assert actuals.resources_ready_rate == Decimal("0.333333")
    assert (actuals.actions_planned, actuals.actions_due, actuals.actions_done) == (4, 3, 2)
    assert actuals.actions_done_rate == Decimal("0.666667")
    assert actuals.actions_handled == 3
    assert (actuals.reviews_expected, actuals.reviews_held) == (4, 3)


def test_records_leave_out_what_the_window_does_not_need(line, world):
    records = project_records(line=line, start=START, end=END, as_of=AS_OF)

    assert sorted(m.name for m in records.milestones) == ["a1", "a2", "a3", "a4", "a5", "b1", "b2"]
    by_name = {m.name: m for m in records.milestones}
    assert by_name["a5"].depends_on == (str(world["a4"].pk),)
    assert by_name["a3"].revenue == Decimal("300000.00")
    assert by_name["a3"].project == "Alpha"
    assert sorted(a.stakeholder for a in records.actions) == ["Chen", "Li", "Sun", "Wang", "Zhao"]
    # Each review with the role of the stage it closes: a1 and b1 (business), a2 (solution).
    assert [(r.held_on, r.owning_role) for r in records.reviews] == [
        (D("2026-01-12"), "business"),
        (D("2026-01-20"), "business"),
        (D("2026-03-02"), "solution"),
    ]
    with translation.override("en"):
        assert sorted(str(r.description) for r in records.resources) == [
            "Special services",  # no description: the kind
            "integration",
            "licence",
            "servers",
            "team",
        ]


def test_an_open_milestone_from_an_earlier_period_is_kept(line, world):
    later = project_records(line=line, start=D("2026-04-01"), end=D("2026-06-30"), as_of=AS_OF)
    # Q2 as of Mar 10: a3, a4 and a5 are still open; nothing reached in Q2.
    assert sorted(m.name for m in later.milestones) == ["a3", "a4", "a5"]
    assert later.reviews == ()


def test_the_query_count_does_not_grow_with_the_projects(line, world, django_assert_num_queries):
    with django_assert_num_queries(5):
        project_actuals(line=line, start=START, end=END, as_of=AS_OF)
    for n in range(4):
        project = add_project(line, f"more {n}", "100000")
        first = add_milestone(project, "m1", "2026-02-02", "2026-02-03", "0.5", "pmo", "payment")
        second = add_milestone(project, "m2", "2026-03-20", None, "0.5", "pmo", "payment", [first])
        for milestone in (first, second):
            resource_create(milestone=milestone, kind=ResourceKind.PRODUCT, lead_time_days=3)
            stakeholder_create(
                project=project, milestone=milestone, name="S", planned_actions="汇报"
            )
        stage_review_create(project=project, held_on=D("2026-02-10"), what_happened="m1")
    with django_assert_num_queries(5):
        actuals = project_actuals(line=line, start=START, end=END, as_of=AS_OF)
    assert actuals.milestones_planned == 5 + 8


def test_an_empty_line_and_a_reversed_window(line):
    actuals = project_actuals(line=line, start=START, end=END, as_of=AS_OF)
    assert actuals.milestones_planned == 0
    assert actuals.on_time_rate is None
    with pytest.raises(ValueError, match="window"):
        project_records(line=line, start=END, end=START, as_of=AS_OF)


def test_handled_on_is_written_by_the_service_and_counts(line, world):
    li = Stakeholder.objects.get(name="Li")
    stakeholder_update(stakeholder=li, handled_on=D("2026-03-09"))
    li.refresh_from_db()
    assert li.handled_on == D("2026-03-09")
    actuals = project_actuals(line=line, start=START, end=END, as_of=AS_OF)
    assert (actuals.actions_done, actuals.actions_due) == (3, 3)
    # Handled after as_of: not done yet as of as_of.
    stakeholder_update(stakeholder=li, handled_on=D("2026-03-11"))
    assert project_actuals(line=line, start=START, end=END, as_of=AS_OF).actions_done == 2


def test_the_records_form_edits_handled_on(client, line):
    from tests.records.test_forms import post_form, url

    owner = make_user("owner", unit=line, role="business")
    project = project_create(
        line=line, account=make_account(line, owner), name="P", contract_value=Decimal(1)
    )
    stakeholder = stakeholder_create(project=project, name="王局长", planned_actions="汇报")
    client.force_login(owner)
    response = post_form(client, url("stakeholder_edit", stakeholder.pk), handled_on="2026-03-09")
    assert response.status_code == 302
    stakeholder.refresh_from_db()
    assert stakeholder.handled_on == D("2026-03-09")
