"""The project mesh from the database: crafted projects end to end, query counts, the demo.

The crafted line repeats tests/projects/test_indicators.py's projects under an approved
plan for FY2026-Q1 with a target of 1,000,000.00, as of Tue Mar 10 2026; the figures are
tests/unit/test_mesh_project.py's, worked out by hand there.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from salesmesh.core.mesh import Health, MeshError
from salesmesh.demo.process import seed_demo_process_data
from salesmesh.mesh import project as project_mesh_module
from salesmesh.mesh.services import mesh_report
from salesmesh.org.models import Membership, OrgUnit, Paradigm, Role
from salesmesh.planfile.report import report_to_dict
from salesmesh.planning.documents import run_document, starting_assumptions
from salesmesh.planning.models import PlanStatus, PlanVersion
from salesmesh.planning.services import plan_version_approve, plan_version_save
from salesmesh.projects.models import ResourceKind, Stakeholder
from salesmesh.projects.services import (
    milestone_create,
    resource_create,
    stakeholder_create,
)
from tests.accounts.factories import make_line, make_team, make_user
from tests.projects.test_indicators import add_milestone, add_project, build_world

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 3, 10)


def approved_plan(
    line: OrgUnit, *, target: int = 1_000_000, period: str = "FY2026-Q1"
) -> PlanVersion:
    boss = make_user(f"{line.code}-boss", unit=line, role=Role.MANAGER)
    head = make_user(f"{line.code}-head")
    head.is_superuser = True
    head.save()
    document = starting_assumptions(line=line)
    document["period"] = period
    document["target"] = target
    report = run_document(document)
    version = plan_version_save(
        line=line,
        period_label=report.period_label,
        paradigm=report.paradigm,
        assumptions=document,
        result=report_to_dict(report),
        by=boss,
    )
    plan_version_approve(version=version, by=head)
    return PlanVersion.objects.select_related("unit").get(pk=version.pk)


@pytest.fixture
def line():  # type: ignore[no-untyped-def]
    return make_line("gov", Paradigm.PROJECT)


@pytest.fixture
def teams(line):  # type: ignore[no-untyped-def]
    pmo, business, solution = (
        make_team(line, "gov-pmo"),
        make_team(line, "gov-business"),
        make_team(line, "gov-solution"),
    )
    people = {
        "pmo1": make_user("pmo1", unit=pmo, role=Role.PMO),
        "biz1": make_user("biz1", unit=business, role=Role.BUSINESS),
        "sol1": make_user("sol1", unit=solution, role=Role.SOLUTION),
        # One person in two roles: both roles' milestones are theirs.
        "both": make_user("both", unit=pmo, role=Role.PMO),
    }
    Membership.objects.create(user=people["both"], unit=business, role=Role.BUSINESS)
    # Siblings are kept in code order, so adding one can move another's path: reload.
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__startswith="gov-")}
    return {
        "pmo": units["gov-pmo"],
        "business": units["gov-business"],
        "solution": units["gov-solution"],
        **people,
    }


@pytest.fixture
def version(line, teams):  # type: ignore[no-untyped-def]
    build_world(line)
    return approved_plan(line)


def test_the_lines_tree_catch_up_and_diagnosis(version):
    report = mesh_report(version=version, as_of=AS_OF)

    assert report.paradigm == Paradigm.PROJECT
    assert report.period.label == "FY2026-Q1"
    assert report.as_of == AS_OF
    root = report.root
    assert (root.plan, root.expected_to_date, root.actual) == (
        Decimal("1000000.00"),
        Decimal("789473.68"),
        Decimal("700000.00"),
    )
    assert root.health is Health.AMBER
    assert root.find("milestones_on_time").actual == Decimal("0.500000")
    assert root.find("slippage_days").actual == Decimal("3.75")
    assert root.find("resources_ready").actual == Decimal("0.333333")
    assert root.find("stakeholder_actions_done").actual == Decimal("0.666667")
    reviews = root.find("reviews_held")
    assert (reviews.expected_to_date, reviews.actual) == (4, 3)

    catch = report.catch_up
    assert catch is not None
    assert catch.remaining_target == Decimal("300000.00")
    assert catch.feasible
    rows = {row.key: (row.baseline, row.catch_up, row.per) for row in catch.rows}
    assert rows == {
        "revenue": (Decimal("210526.32"), Decimal("300000.00"), "period"),
        "milestone_revenue": (Decimal("200000.00"), Decimal("500000.00"), "period"),
        "milestones": (1, 2, "period"),
        "stakeholder_actions": (1, 1, "period"),
        "resources": (2, 2, "period"),
    }
    with translation.override("en"):
        texts = [m.render(translation.gettext) for m in catch.messages]
        diagnosis = [m.render(translation.gettext) for m in report.diagnosis]
    assert (
        "Land “a3” of Alpha by 2026-03-11 — planned for 2026-03-05, now late (300000.00)." in texts
    )
    assert diagnosis[0] == "“a2” of Alpha landed 10 days late, on 2026-02-20 (0.00)."
    # The quarter's milestones bring 950,000: 50,000 short of the target.
    with translation.override("en"):
        warnings = [m.render(translation.gettext) for m in report.warnings]
    assert warnings == [
        "The milestones planned in FY2026-Q1 bring 950000.00, 50000.00 short of the target "
        "1000000.00."
    ]


def test_each_role_holder_gets_the_tree_of_their_roles_milestones(version, teams):
    report = mesh_report(version=version, as_of=AS_OF)
    people = {p.name: p for p in report.people}
    assert [p.person_id for p in report.people] == [
        teams[name].pk for name in ("biz1", "both", "pmo1", "sol1")
    ]
    # PMO: a3 a4 b2 planned (750,000), a3 b2 due (550,000), b2 recognised.
    pmo = people["pmo1"].root
    assert (pmo.plan, pmo.expected_to_date, pmo.actual) == (
        Decimal("750000.00"),
        Decimal("550000.00"),
        Decimal("250000.00"),
    )
    assert pmo.health is Health.RED
    # Business: a1 planned in Q1; a1 and b1 (planned in 2025, reached Jan 8) recognised.
    business = people["biz1"].root
    assert (business.plan, business.actual) == (Decimal("200000.00"), Decimal("450000.00"))
    assert business.find("reviews_held").actual == 2  # after a1 and b1
    # Solution: a2 only, 10 days late, no revenue.
    solution = people["sol1"].root
    assert solution.find("slippage_days").actual == Decimal("10.00")
    assert solution.plan == 0
    both = people["both"].root
    assert (both.plan, both.actual) == (Decimal("950000.00"), Decimal("700000.00"))
    with translation.override("en"):
        assert people["pmo1"].diagnosis[0].render() == (
            "“a3” of Alpha is 5 days late and still open (300000.00 waiting)."
        )


def test_a_team_is_the_milestones_its_roles_own(version, teams):
    report = mesh_report(version=version, as_of=AS_OF, unit=teams["pmo"], people=False)
    assert report.unit_id == teams["pmo"].pk
    assert (report.root.plan, report.root.actual) == (
        Decimal("750000.00"),
        Decimal("250000.00"),
    )
    assert report.people == ()
    assert report.warnings == ()
    catch = report.catch_up
    assert catch is not None
    # a3 (late) and a4 must land; 500,000 left of 750,000 and they bring exactly that.
    assert catch.remaining_target == Decimal("500000.00")
    assert catch.feasible


def test_units_outside_the_line_or_without_project_roles_are_refused(version, line):
    outside = make_line("elsewhere", Paradigm.PROJECT)
    with pytest.raises(MeshError):
        mesh_report(version=version, as_of=AS_OF, unit=outside)
    empty = make_team(line, "gov-empty")
    with pytest.raises(MeshError):
        mesh_report(version=version, as_of=AS_OF, unit=empty)


def test_as_of_after_the_period_is_its_last_day(version):
    report = mesh_report(version=version, as_of=date(2026, 5, 1), people=False)
    assert report.as_of == date(2026, 3, 31)
    assert report.catch_up is not None
    assert report.catch_up.remaining_working_days == 0


def test_handling_an_action_moves_the_indicator(version):
    before = mesh_report(version=version, as_of=AS_OF, people=False)
    Stakeholder.objects.filter(name="Li").update(handled_on=date(2026, 3, 9))
    after = mesh_report(version=version, as_of=AS_OF, people=False)
    assert before.root.find("stakeholder_actions_done").actual == Decimal("0.666667")
    assert after.root.find("stakeholder_actions_done").actual == Decimal("1.000000")
    assert after.root.find("stakeholder_actions_done").health is Health.GREEN


def test_the_query_count_does_not_grow_with_projects_or_people(version, line, teams):
    def count() -> int:
        fresh = PlanVersion.objects.select_related("unit").get(pk=version.pk)
        with CaptureQueriesContext(connection) as queries:
            mesh_report(version=fresh, as_of=AS_OF)
        return len(queries)

    small = count()
    for n in range(5):
        make_user(f"pmo-extra{n}", unit=teams["pmo"], role=Role.PMO)
        project = add_project(line, f"more {n}", "100000")
        first = add_milestone(project, "m1", "2026-02-02", "2026-02-03", "0.5", "pmo", "payment")
        second = milestone_create(
            project=project,
            name="m2",
            planned_date=date(2026, 3, 20),
            owning_role="business",
            revenue_share=Decimal("0.5"),
            revenue_kind="payment",
            depends_on=[first],
        )
        resource_create(milestone=second, kind=ResourceKind.PRODUCT, lead_time_days=5)
        stakeholder_create(project=project, milestone=second, name="S", planned_actions="汇报")
    assert count() == small == 6


def test_one_person_asked_for_gets_the_full_builds_tree_and_nobody_else_is_built(
    version, teams, monkeypatch
):
    import salesmesh.mesh.project as builder

    built = []
    real = builder.PersonMesh

    def recording(**fields):  # type: ignore[no-untyped-def]
        built.append(fields["person_id"])
        return real(**fields)

    monkeypatch.setattr(builder, "PersonMesh", recording)
    whole = mesh_report(version=version, as_of=AS_OF)
    assert len(built) == 4
    for name in ("both", "sol1"):
        pk = teams[name].pk
        built.clear()
        one = mesh_report(version=version, as_of=AS_OF, people=[pk])
        assert built == [pk]
        assert one.people == tuple(p for p in whole.people if p.person_id == pk)
        assert (one.root, one.diagnosis, one.catch_up, one.warnings) == (
            whole.root,
            whole.diagnosis,
            whole.catch_up,
            whole.warnings,
        )
    built.clear()
    assert mesh_report(version=version, as_of=AS_OF, people=()).people == ()
    assert built == []


def test_the_builder_is_dispatched_for_project_plans():
    from salesmesh.mesh.services import BUILDERS

    assert BUILDERS[Paradigm.PROJECT] == project_mesh_module.__name__


# -- the demo company ----------------------------------------------------------------------

DEMO_UNTIL = date(2026, 11, 27)


def test_demo_smoke(demo_company):
    seed_demo_process_data(until=DEMO_UNTIL)
    gov = OrgUnit.objects.get(code="gov")
    version = PlanVersion.objects.select_related("unit").get(unit=gov, status=PlanStatus.APPROVED)
    handled = Stakeholder.objects.filter(project__line=gov, handled_on__isnull=False).count()
    pending = (
        Stakeholder.objects.filter(project__line=gov, handled_on__isnull=True)
        .exclude(planned_actions="")
        .count()
    )
    assert handled > 0
    assert pending > 0  # a mix of done and pending, as the demo promises

    report = mesh_report(version=version, as_of=DEMO_UNTIL)
    root = report.root
    assert report.period.label == "FY2026"
    assert root.plan == Decimal("18000000.00")
    assert root.actual > 0
    assert {child.key for child in root.children} == {
        "milestones_on_time",
        "slippage_days",
        "resources_ready",
        "stakeholder_actions_done",
        "reviews_held",
    }
    on_time = root.find("milestones_on_time")
    assert on_time.measured
    assert 0 < on_time.actual < 1  # the demo's two late milestones
    assert root.find("slippage_days").actual > 0
    assert 0 < root.find("stakeholder_actions_done").actual < 1
    assert root.find("reviews_held").actual > 0
    # Two PMO, three business and three solution people, each with a tree.
    assert len(report.people) == 8
    assert all(person.root.key == "revenue" for person in report.people)
    assert report.catch_up is not None
    with translation.override("en"):
        diagnosis = [m.render(translation.gettext) for m in report.diagnosis]
        messages = [m.render(translation.gettext) for m in report.catch_up.messages]
    assert any("days late" in text for text in diagnosis)
    assert messages[0].startswith("To recognise the remaining")
    with translation.override("zh-hans"):
        assert all(m.render(translation.gettext) for m in report.catch_up.messages)
