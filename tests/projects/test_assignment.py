"""People assigned to projects see them — and their parts — through ``projects_visible_to``.

A government line ``gv`` with a business rep who owns the customers' accounts, a PMO, a
solution person and a rep of another team. Only assignments give the PMO and the solution
person any project; taking them off a project takes it away on their next request.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from salesmesh.audit.models import AuditSource
from salesmesh.audit.selectors import display_value, entries_for, history_for
from salesmesh.demo.process import seed_demo_process_data
from salesmesh.demo.seed import seed_demo_company
from salesmesh.org.models import OrgUnit, Paradigm, Role, User
from salesmesh.projects.models import Project, ProjectMember
from salesmesh.projects.selectors import projects_visible_to
from salesmesh.projects.services import (
    milestone_create,
    project_create,
    project_member_assign,
    project_member_unassign,
    resource_create,
    stage_review_create,
    stakeholder_create,
)
from tests.accounts.admin_forms import admin_form_data
from tests.accounts.factories import make_account, make_line, make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def line() -> OrgUnit:
    return make_line("gv", Paradigm.PROJECT)


@pytest.fixture
def people(line: OrgUnit) -> dict[str, User]:
    return {
        "business": make_user("biz", unit=make_team(line, "gv-biz"), role=Role.BUSINESS),
        "pmo": make_user("pm", unit=make_team(line, "gv-pmo"), role=Role.PMO),
        "solution": make_user("sol", unit=make_team(line, "gv-sol"), role=Role.SOLUTION),
        "rep": make_user("rep2", unit=make_team(line, "gv-other"), role=Role.REP),
        "manager": make_user("boss", unit=line, role=Role.MANAGER),
    }


def add_project(line: OrgUnit, owner: User, name: str) -> Project:
    account = make_account(line, owner, name=f"{name}客户")
    return project_create(line=line, account=account, name=name, contract_value=Decimal(100))


@pytest.fixture
def projects(line: OrgUnit, people: dict[str, User]) -> list[Project]:
    """Three projects of the business rep's accounts; the PMO works on the first two."""
    made = [add_project(line, people["business"], name) for name in ("甲项目", "乙项目", "丙项目")]
    for project in made[:2]:
        project_member_assign(
            project=project, user=people["pmo"], role=Role.PMO, assigned_on=date(2026, 1, 5)
        )
    return made


def listed(client, kind: str = "projects") -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get(reverse("records:list", args=[kind]))
    assert response.status_code == 200
    return [row["cells"][0] for row in response.context["rows"]]


def detail(client, project: Project) -> int:  # type: ignore[no-untyped-def]
    return client.get(reverse("records:project", args=[project.pk])).status_code


# -- the services ----------------------------------------------------------------------------


def test_assigning_again_changes_the_role_and_keeps_the_day(projects, people):
    first = projects[0]
    again = project_member_assign(project=first, user=people["pmo"], role=Role.SOLUTION)
    assert ProjectMember.objects.filter(project=first).count() == 1
    assert (again.role, again.assigned_on) == (Role.SOLUTION, date(2026, 1, 5))
    assert list(first.members.all()) == [people["pmo"]]


def _member_history(project: Project) -> list[tuple[object, object, str, str, str]]:
    """The project's "member" changes, oldest first: (old, new, by, source, shown as)."""
    rows = entries_for(project).filter(field="member").order_by("at", "pk")
    return [
        (
            entry.old and (entry.old["user"], entry.old["role"]),
            entry.new and (entry.new["user"], entry.new["role"]),
            entry.by.username if entry.by else "",
            entry.source,
            display_value(Project, "member", entry.new or entry.old),
        )
        for entry in rows
    ]


def test_joining_a_new_role_and_leaving_are_in_the_project_s_history(projects, people):
    project, solution, boss = projects[2], people["solution"], people["manager"]
    project_member_assign(project=project, user=solution, role=Role.SOLUTION, by=boss)
    # The same role again (a new day only) is no change of membership.
    project_member_assign(
        project=project, user=solution, role=Role.SOLUTION, assigned_on=date(2026, 3, 1), by=boss
    )
    project_member_assign(
        project=project, user=solution, role=Role.PMO, by=boss, source=AuditSource.API
    )
    assert project_member_unassign(project=project, user=solution, by=boss)
    assert not project_member_unassign(project=project, user=solution, by=boss)  # not on it

    label = solution.display_name
    assert _member_history(project) == [
        (None, (solution.pk, "solution"), "boss", "web", f"{label} · {Role.SOLUTION.label}"),
        (
            (solution.pk, "solution"),
            (solution.pk, "pmo"),
            "boss",
            "api",
            f"{label} · {Role.PMO.label}",
        ),
        ((solution.pk, "pmo"), None, "boss", "web", f"{label} · {Role.PMO.label}"),
    ]
    with translation.override("en"):
        shown = history_for(project, boss)
        assert [row.field for row in shown] == ["project member"] * 3


def test_the_day_defaults_to_today(projects, people):
    member = project_member_assign(project=projects[2], user=people["solution"], role="solution")
    assert member.assigned_on == timezone.localdate()


def test_an_inactive_person_or_an_unknown_role_is_refused(projects, people):
    gone = make_user("gone")
    gone.is_active = False
    gone.save()
    with pytest.raises(ValidationError) as inactive:
        project_member_assign(project=projects[0], user=gone, role=Role.PMO)
    with pytest.raises(ValidationError) as unknown:
        project_member_assign(project=projects[0], user=people["solution"], role="astronaut")
    assert "user" in inactive.value.message_dict
    assert "role" in unknown.value.message_dict
    assert not ProjectMember.objects.filter(user__in=[gone, people["solution"]]).exists()


def test_a_person_is_on_a_project_once(projects, people):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectMember.objects.create(
            project=projects[0], user=people["pmo"], role=Role.PMO, assigned_on=date(2026, 2, 1)
        )


def test_unassign_says_whether_the_person_was_on_the_project(projects, people):
    assert project_member_unassign(project=projects[0], user=people["pmo"]) is True
    assert project_member_unassign(project=projects[0], user=people["pmo"]) is False
    assert project_member_unassign(project=projects[2], user=people["pmo"]) is False
    assert list(people["pmo"].assigned_projects.all()) == [projects[1]]


# -- scoping ---------------------------------------------------------------------------------


def test_the_assigned_pmo_sees_exactly_the_assigned_projects(client, projects, people):
    client.force_login(people["pmo"])
    assert sorted(listed(client)) == sorted(["甲项目", "乙项目"])
    assert [detail(client, p) for p in projects] == [200, 200, 404]
    # Their edit pages follow the same rule.
    edit = [client.get(reverse("records:project_edit", args=[p.pk])) for p in projects]
    assert [r.status_code for r in edit] == [200, 200, 404]


def test_unassigning_takes_the_project_away_on_the_next_request(client, projects, people):
    client.force_login(people["pmo"])
    assert detail(client, projects[0]) == 200
    project_member_unassign(project=projects[0], user=people["pmo"])
    assert detail(client, projects[0]) == 404
    assert listed(client) == ["乙项目"]


def test_people_with_no_assignment_see_none(client, projects, people, line):
    outsider = make_user("far", unit=make_line("far-line"), role=Role.MANAGER)
    for who in (people["rep"], people["solution"], outsider):
        client.force_login(who)
        assert listed(client) == []
        assert [detail(client, p) for p in projects] == [404, 404, 404]
        assert not projects_visible_to(user=who).exists()


def test_an_assignment_lists_a_project_once_for_everyone_else_too(client, projects, people):
    # Several members of one project must not turn the manager's list into duplicates.
    for who, role in ((people["solution"], Role.SOLUTION), (people["rep"], Role.PRESALES)):
        project_member_assign(project=projects[0], user=who, role=role)
    client.force_login(people["manager"])
    every = sorted(p.name for p in projects)
    assert sorted(listed(client)) == every
    assert projects_visible_to(user=people["manager"]).count() == 3
    client.force_login(people["business"])  # owns every account, assigned to none
    assert sorted(listed(client)) == every


def test_an_inactive_member_sees_nothing(projects, people):
    pmo = people["pmo"]
    pmo.is_active = False
    pmo.save()
    assert not projects_visible_to(user=pmo).exists()


def test_the_parts_follow_their_project(client, projects, people):
    """Milestones, stakeholders, resources and reviews: in scope with the project, else 404."""
    parts = []
    for project in projects[1:]:
        milestone = milestone_create(
            project=project, name="立项", planned_date=date(2026, 3, 1), owning_role="pmo"
        )
        parts.append(
            {
                "milestone_edit": milestone,
                "stakeholder_edit": stakeholder_create(project=project, name="王主任"),
                "resource_edit": resource_create(milestone=milestone, kind="product"),
                "review_edit": stage_review_create(
                    project=project, held_on=date(2026, 3, 9), what_happened="按期立项"
                ),
            }
        )
    client.force_login(people["pmo"])
    for expected, of_project in zip((200, 404), parts, strict=True):
        for name, part in of_project.items():
            assert client.get(reverse(f"records:{name}", args=[part.pk])).status_code == expected
    for expected, project in zip((200, 404), projects[1:], strict=True):
        for name in ("milestone_new", "stakeholder_new", "resource_new", "review_new"):
            assert client.get(reverse(f"records:{name}", args=[project.pk])).status_code == expected
    # The milestone export lists the assigned project's milestone only.
    response = client.get(reverse("exchange:export", args=["milestones", "csv"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2  # the header and 乙项目's 立项


def test_the_project_export_and_dashboard_show_the_assigned_projects(client, projects, people):
    client.force_login(people["pmo"])
    response = client.get(reverse("exchange:export", args=["projects", "csv"]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [name in body for name in ("甲项目", "乙项目", "丙项目")] == [True, True, False]
    page = client.get("/dashboards/project/", {"line": "gv"})
    assert page.status_code == 200
    assert {board.project.name for board in page.context["data"].boards} == {"甲项目", "乙项目"}
    assert client.get("/dashboards/project/", {"project": projects[2].pk}).status_code == 404


def count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_records_list_costs_the_same_for_two_or_eight_assigned_projects(
    client, projects, people, line
):
    client.force_login(people["pmo"])
    url = reverse("records:list", args=["projects"])
    count_queries(client, url)  # warm up the session and caches
    two = count_queries(client, url)
    for n in range(6):
        project = add_project(line, people["business"], f"新项目{n}")
        project_member_assign(project=project, user=people["pmo"], role=Role.PMO)
    assert len(listed(client)) == 8
    assert count_queries(client, url) == two


# -- the admin -------------------------------------------------------------------------------


def test_the_admin_inline_assigns_and_unassigns_through_the_services(
    admin_client, projects, people
):
    project = projects[0]
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = admin_form_data(admin_client.get(url).content.decode())
    prefix = "assignments"
    assert data[f"{prefix}-TOTAL_FORMS"] == ["1"]
    # Take the PMO off (delete the row) and add the solution person.
    data[f"{prefix}-0-DELETE"] = ["on"]
    data[f"{prefix}-TOTAL_FORMS"] = ["2"]
    data[f"{prefix}-1-user"] = [str(people["solution"].pk)]
    data[f"{prefix}-1-role"] = [Role.SOLUTION]
    data[f"{prefix}-1-assigned_on"] = ["2026-02-02"]
    data[f"{prefix}-1-project"] = [str(project.pk)]

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(
        ProjectMember.objects.filter(project=project).values_list("user__username", "role")
    ) == [("sol", Role.SOLUTION)]
    # Both changes are in the project's history, by the admin's user, through the admin.
    pmo, solution = people["pmo"], people["solution"]
    assert [(old, new, source) for old, new, _by, source, _shown in _member_history(project)][
        -2:
    ] == [
        ((pmo.pk, "pmo"), None, "admin"),
        (None, (solution.pk, "solution"), "admin"),
    ]
    assert {by for *_rest, by, _source, _shown in _member_history(project)[-2:]} == {"admin"}


def test_the_admin_inline_refuses_an_inactive_person(admin_client, projects):
    gone = make_user("gone")
    gone.is_active = False
    gone.save()
    project = projects[2]
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = admin_form_data(admin_client.get(url).content.decode())
    data["assignments-TOTAL_FORMS"] = ["1"]
    data["assignments-0-user"] = [str(gone.pk)]
    data["assignments-0-role"] = [Role.PMO]
    data["assignments-0-assigned_on"] = ["2026-02-02"]
    data["assignments-0-project"] = [str(project.pk)]

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert not ProjectMember.objects.filter(project=project).exists()


# -- the demo --------------------------------------------------------------------------------

DEMO_UNTIL = date(2026, 11, 27)


def test_the_demo_pmo_and_solution_logins_each_see_several_projects(client):
    seed_demo_company(today=DEMO_UNTIL)
    seed_demo_process_data(until=DEMO_UNTIL)
    gov = Project.objects.filter(line__code="gov")
    # Every government project has a PMO, a business and a solution person.
    for project in gov:
        roles = sorted(project.assignments.values_list("role", flat=True))
        assert roles == [Role.BUSINESS, Role.PMO, Role.SOLUTION], project.name
    for username in ("pmo", "solution"):
        user = User.objects.get(username=username)
        assigned = set(user.assigned_projects.values_list("pk", flat=True))
        assert len(assigned) >= 2, username
        assert set(projects_visible_to(user=user).values_list("pk", flat=True)) == assigned
        client.force_login(user)
        page = client.get("/dashboards/project/", {"line": "gov", "as_of": DEMO_UNTIL})
        assert {board.project.pk for board in page.context["data"].boards} == assigned
