"""Projects: acyclic milestone dependencies within a project, revenue shares, search."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from salesmesh.org.models import Paradigm
from salesmesh.projects.models import Milestone, OwningRole, RevenueKind
from salesmesh.projects.selectors import projects_visible_to, scenario_solutions_search
from salesmesh.projects.services import (
    milestone_create,
    milestone_dependencies_check,
    milestone_dependencies_set,
    milestone_update,
    project_create,
    resource_create,
    scenario_solution_create,
    stage_review_create,
    stakeholder_create,
)
from tests.accounts.factories import make_account, make_line, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def line():
    return make_line("gov", Paradigm.PROJECT)


@pytest.fixture
def project(line):
    account = make_account(line, make_user("pm"))
    return project_create(
        line=line,
        account=account,
        name="智慧园区",
        customer_goal="降本增效",
        contract_value=Decimal("3000000.00"),
    )


def milestone(project, name: str, **fields) -> Milestone:
    return milestone_create(
        project=project,
        name=name,
        planned_date=fields.pop("planned_date", date(2026, 3, 1)),
        owning_role=fields.pop("owning_role", OwningRole.PMO),
        **fields,
    )


def test_dependencies_within_a_project_are_kept(project):
    design = milestone(project, "design")
    build = milestone(project, "build", depends_on=[design])
    accept = milestone(project, "accept", depends_on=[build, design])

    assert set(accept.depends_on.all()) == {build, design}
    assert set(design.dependents.all()) == {build, accept}


def test_a_dependency_cycle_is_refused(project):
    a = milestone(project, "a")
    b = milestone(project, "b", depends_on=[a])
    c = milestone(project, "c", depends_on=[b])

    with pytest.raises(ValidationError) as refused, translation.override("en"):
        milestone_dependencies_set(milestone=a, depends_on=[c])
    assert "cycle" in " ".join(refused.value.messages)
    with pytest.raises(ValidationError):
        milestone_dependencies_set(milestone=a, depends_on=[a])

    assert not a.depends_on.exists()


def test_dependencies_stay_inside_the_project(project, line):
    other = project_create(line=line, account=project.account, name="二期")
    foreign = milestone(other, "x")
    own = milestone(project, "y")

    with pytest.raises(ValidationError):
        milestone_dependencies_set(milestone=own, depends_on=[foreign])


@pytest.mark.parametrize("size", [3, 30])
def test_the_cycle_check_is_one_query_at_any_size(project, size, django_assert_num_queries):
    chain = [milestone(project, "m0")]
    for index in range(1, size):
        chain.append(milestone(project, f"m{index}", depends_on=[chain[-1]]))

    with django_assert_num_queries(1):
        milestone_dependencies_check(milestone=chain[-1], depends_on=[chain[0]])
    with django_assert_num_queries(2), pytest.raises(ValidationError):  # +1 names the cycle
        milestone_dependencies_check(milestone=chain[0], depends_on=[chain[-1]])


def test_revenue_shares_add_up_to_at_most_the_contract(project):
    milestone(project, "contract", revenue_share=Decimal("0.3"), revenue_kind=RevenueKind.CONTRACT)
    accept = milestone(
        project, "accept", revenue_share=Decimal("0.7"), revenue_kind=RevenueKind.ACCEPTANCE
    )

    with pytest.raises(ValidationError):
        milestone(project, "extra", revenue_share=Decimal("0.0001"), revenue_kind="payment")
    with pytest.raises(ValidationError):
        milestone_update(milestone=accept, revenue_share=Decimal("0.8"))
    milestone_update(milestone=accept, revenue_share=Decimal("0.6"), actual_date=date(2026, 4, 1))


def test_a_revenue_milestone_names_its_kind(project):
    with pytest.raises(ValidationError):
        milestone(project, "pay", revenue_share=Decimal("0.5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Milestone.objects.create(
            project=project,
            name="x",
            planned_date=date(2026, 1, 1),
            owning_role="pmo",
            revenue_share=Decimal("1.5"),
            revenue_kind="payment",
        )


def test_a_project_is_with_an_account_of_its_line(line):
    foreign = make_account(make_line("other"), make_user())

    with pytest.raises(ValidationError):
        project_create(line=line, account=foreign, name="x")


def test_stakeholders_resources_and_reviews(project, line):
    kickoff = milestone(project, "kickoff")
    other = milestone(project_create(line=line, account=project.account, name="p2"), "other")

    chief = stakeholder_create(
        project=project, milestone=kickoff, name="张处长", influence=5, attitude="opponent"
    )
    assert chief.get_attitude_display()
    with pytest.raises(ValidationError):
        stakeholder_create(project=project, milestone=other, name="李科长")
    with pytest.raises(ValidationError):
        stakeholder_create(project=project, name="王", influence=9)
    resource = resource_create(milestone=kickoff, kind="integration", lead_time_days=30)
    assert resource.ready_date is None
    review = stage_review_create(
        project=project,
        held_on=date(2026, 2, 1),
        what_happened="延期两周",
        gaps="接口",
        actions="加人",
    )
    assert list(project.reviews.all()) == [review]


def test_scenario_solutions_are_searched_by_every_word_in_any_field(project):
    park = scenario_solution_create(
        project=project,
        industry="政府",
        problem="园区能耗 monitoring",
        components="IoT gateway, BI",
        lessons="先做试点",
    )
    scenario_solution_create(industry="Retail", problem="store traffic", lessons="100% coverage")

    assert list(scenario_solutions_search(query="能耗")) == [park]
    assert list(scenario_solutions_search(query="MONITORING 试点")) == [park]
    assert list(scenario_solutions_search(query="gateway retail")) == []
    assert scenario_solutions_search(query="retail").count() == 1
    assert scenario_solutions_search(query="100%").count() == 1
    assert scenario_solutions_search(query="%").count() == 1  # a literal percent sign
    assert scenario_solutions_search(query="  ").count() == 2


def test_projects_are_visible_to_the_account_owner(project):
    assert list(projects_visible_to(user=project.account.owner)) == [project]
    assert list(projects_visible_to(user=make_user())) == []
