"""Projects and their parts through the API: created and changed as on the project's page,
milestones locked by their version and audited, members assigned by staff only."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from salesmesh.audit.models import AuditEntry
from salesmesh.audit.selectors import entries_for
from salesmesh.org.models import Role, User
from salesmesh.projects.models import (
    Milestone,
    Project,
    ProjectMember,
    Resource,
    StageReview,
    Stakeholder,
)
from salesmesh.projects.services import milestone_create, project_member_assign
from tests.accounts.factories import make_user
from tests.api.calls import fields_of, send, signed_in
from tests.api.records_world import RecordsWorld, build_records_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def rworld() -> RecordsWorld:
    world = build_records_world()
    # A PMO person of the line who owns no account: they see the project by assignment.
    world.users["pam"] = make_user("pam", unit=world.line, role=Role.PMO)
    project_member_assign(
        project=world.records["alice"]["project"], user=world.users["pam"], role=Role.PMO
    )
    return world


def milestones_of(project: Project) -> dict[str, Milestone]:
    return {m.name: m for m in Milestone.objects.filter(project=project)}


# Projects --------------------------------------------------------------------------------


def test_a_rep_creates_a_project_for_their_account(rworld):
    client = signed_in(rworld, "alice")
    account = rworld.records["alice"]["account"]
    response = send(
        client,
        "post",
        "/api/projects",
        {
            "line": rworld.line.pk,
            "account": account.pk,
            "name": "新项目",
            "customer_goal": "降本",
            "contract_value": "250000.50",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["account_id"], body["line"]) == ("新项目", account.pk, "rec")
    assert body["contract_value"] == "250000.50"
    assert body["milestones"] == []
    assert body["members"] == []
    assert client.get(f"/api/projects/{body['id']}").json() == body


def test_a_project_needs_an_account_in_scope_and_of_its_line(rworld):
    client = signed_in(rworld, "alice")
    before = Project.objects.count()
    theirs = send(
        client,
        "post",
        "/api/projects",
        {"line": rworld.line.pk, "account": rworld.records["bob"]["account"].pk, "name": "偷"},
    )
    assert fields_of(theirs) == {"account"}
    elsewhere = send(
        client,
        "post",
        "/api/projects",
        {
            "line": rworld.other_line.pk,
            "account": rworld.records["alice"]["account"].pk,
            "name": "越界",
        },
    )
    assert fields_of(elsewhere) == {"line"}
    admin = signed_in(rworld, "admin")
    other_line = send(
        admin,
        "post",
        "/api/projects",
        {"line": rworld.line.pk, "account": rworld.records["other"]["account"].pk, "name": "跨线"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert fields_of(other_line) == {"account"}
    assert "another business line" in other_line.json()["errors"][0]["message"]
    assert Project.objects.count() == before


@pytest.mark.parametrize("who", ["alice", "boss", "pam", "admin"])
def test_whoever_sees_a_project_may_change_it(rworld, who):
    project = rworld.records["alice"]["project"]
    client = signed_in(rworld, who)
    response = send(
        client, "patch", f"/api/projects/{project.pk}", {"customer_goal": f"{who}的目标"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["customer_goal"] == f"{who}的目标"
    assert body["name"] == "甲项目"  # untouched
    assert [m["name"] for m in body["milestones"]] == ["立项", "验收"]
    project.refresh_from_db()
    assert project.customer_goal == f"{who}的目标"


@pytest.mark.parametrize("who", ["bob", "other"])
def test_a_project_out_of_scope_is_404_and_unchanged(rworld, who):
    project = rworld.records["alice"]["project"]
    client = signed_in(rworld, who)
    assert send(client, "patch", f"/api/projects/{project.pk}", {"name": "x"}).status_code == 404
    for url, body in (
        (f"/api/projects/{project.pk}/milestones", {"name": "x", "planned_date": "2025-05-01",
                                                    "owning_role": "pmo"}),
        (f"/api/projects/{project.pk}/stakeholders", {"name": "x"}),
        (f"/api/projects/{project.pk}/reviews", {"what_happened": "x"}),
    ):  # fmt: skip
        assert send(client, "post", url, body).status_code == 404, url
    milestone = milestones_of(project)["立项"]
    assert client.get(f"/api/milestones/{milestone.pk}").status_code == 404
    assert (
        send(client, "patch", f"/api/milestones/{milestone.pk}", {"name": "x"}).status_code == 404
    )
    stakeholder = Stakeholder.objects.get(project=project)
    assert (
        send(client, "patch", f"/api/stakeholders/{stakeholder.pk}", {"name": "x"}).status_code
        == 404
    )
    resource = Resource.objects.get(milestone__project=project)
    assert (
        send(client, "patch", f"/api/resources/{resource.pk}", {"description": "x"}).status_code
        == 404
    )
    review = StageReview.objects.get(project=project)
    assert send(client, "patch", f"/api/reviews/{review.pk}", {"gaps": "x"}).status_code == 404
    project.refresh_from_db()
    assert project.name == "甲项目"
    assert sorted(milestones_of(project)) == ["立项", "验收"]
    assert Stakeholder.objects.get(pk=stakeholder.pk).name == "王局"
    assert StageReview.objects.get(pk=review.pk).gaps == ""


def test_the_line_of_a_project_cannot_change(rworld):
    client = signed_in(rworld, "boss")
    project = rworld.records["alice"]["project"]
    response = send(client, "patch", f"/api/projects/{project.pk}", {"line": rworld.line.pk})
    assert response.status_code == 422
    assert any("line" in e["field"] for e in response.json()["errors"])


def test_project_writes_leave_no_audit_entries_as_on_the_web(rworld):
    client = signed_in(rworld, "alice")
    project = rworld.records["alice"]["project"]
    before = AuditEntry.objects.count()
    assert (
        send(client, "patch", f"/api/projects/{project.pk}", {"contract_value": "2000"}).status_code
        == 200
    )
    assert AuditEntry.objects.count() == before


# Milestones ------------------------------------------------------------------------------


def test_a_milestone_is_added_with_its_dependencies(rworld):
    project = rworld.records["alice"]["project"]
    first = milestones_of(project)["立项"]
    client = signed_in(rworld, "pam")
    response = send(
        client,
        "post",
        f"/api/projects/{project.pk}/milestones",
        {
            "name": "签约",
            "planned_date": "2025-04-01",
            "owning_role": "business",
            "revenue_share": "0.3",
            "revenue_kind": "contract",
            "depends_on": [first.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["revenue_share"], body["version"]) == ("签约", "0.3000", 1)
    assert body["depends_on"] == [first.pk]
    assert client.get(f"/api/milestones/{body['id']}").json() == body
    assert AuditEntry.objects.filter(object_id=body["id"]).count() == 0  # as the web


def test_milestone_rules_are_422_naming_the_field(rworld):
    project = rworld.records["alice"]["project"]
    client = signed_in(rworld, "alice")
    url = f"/api/projects/{project.pk}/milestones"
    base = {"name": "回款", "planned_date": "2025-10-01", "owning_role": "pmo"}
    over = send(
        client,
        "post",
        url,
        {**base, "revenue_share": "1.2", "revenue_kind": "payment"},
    )
    assert "revenue_share" in fields_of(over)
    elsewhere = milestone_create(
        project=rworld.records["bob"]["project"],
        name="别处",
        planned_date=date(2025, 3, 1),
        owning_role="pmo",
    )
    foreign = send(client, "post", url, {**base, "depends_on": [elsewhere.pk]})
    assert fields_of(foreign) == {"depends_on"}
    beyond = send(client, "post", url, {**base, "depends_on": [2**64]})  # no 64-bit id
    assert beyond.status_code == 422
    assert "depends_on" in beyond.json()["errors"][0]["field"]
    first, second = milestones_of(project)["立项"], milestones_of(project)["验收"]
    cycle = send(client, "patch", f"/api/milestones/{first.pk}", {"depends_on": [second.pk]})
    assert fields_of(cycle) == {"depends_on"}
    assert list(first.depends_on.all()) == []
    assert sorted(milestones_of(project)) == ["立项", "验收"]


def test_a_milestone_change_is_audited_with_the_api_as_source(rworld):
    project = rworld.records["alice"]["project"]
    alice = rworld.users["alice"]
    milestone = milestones_of(project)["验收"]
    client = signed_in(rworld, "alice")
    response = send(
        client,
        "patch",
        f"/api/milestones/{milestone.pk}",
        {"planned_date": "2025-10-15", "name": "终验", "version": milestone.version},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["planned_date"], body["version"]) == (
        "终验",
        "2025-10-15",
        milestone.version + 1,
    )
    assert body["depends_on"] == [milestones_of(project)["立项"].pk]  # kept
    entries = AuditEntry.objects.filter(object_id=milestone.pk)
    # The dates and share are audited (the name is not), exactly as the web's edit.
    assert [(e.field, e.old, e.new, e.by_id, e.source) for e in entries] == [
        ("planned_date", "2025-09-01", "2025-10-15", alice.pk, "api")
    ]


def test_two_clients_edit_the_same_milestone_the_second_gets_409_and_one_change(rworld):
    """Both read the version; the first save wins, the second is refused, nothing is lost."""
    project = rworld.records["alice"]["project"]
    milestone = milestones_of(project)["验收"]
    first, second = signed_in(rworld, "alice"), signed_in(rworld, "pam")
    url = f"/api/milestones/{milestone.pk}"
    read = [c.get(url).json()["version"] for c in (first, second)]
    assert read == [1, 1]
    ok = send(first, "patch", url, {"actual_date": "2025-09-03", "version": read[0]})
    assert ok.status_code == 200, ok.content
    assert ok.json()["version"] == 2
    late = send(second, "patch", url, {"actual_date": "2025-09-20", "version": read[1]})
    assert late.status_code == 409
    body = late.json()
    assert body["code"] == "conflict"
    assert body["message"]
    milestone.refresh_from_db()
    assert (milestone.actual_date, milestone.version) == (date(2025, 9, 3), 2)
    changes = AuditEntry.objects.filter(object_id=milestone.pk, field="actual_date")
    assert [(c.old, c.new, c.by_id) for c in changes] == [
        (None, "2025-09-03", rworld.users["alice"].pk)
    ]
    # Read again, the second client's save goes through.
    # Reading the project shows the milestone's new version as well.
    parts = second.get(f"/api/projects/{project.pk}").json()["milestones"]
    assert {m["id"]: m["version"] for m in parts}[milestone.pk] == 2
    again = send(second, "patch", url, {"actual_date": "2025-09-20", "version": 2})
    assert again.status_code == 200, again.content
    assert AuditEntry.objects.filter(object_id=milestone.pk, field="actual_date").count() == 2


def test_a_stale_version_changes_neither_fields_nor_dependencies(rworld):
    project = rworld.records["alice"]["project"]
    first, second = milestones_of(project)["立项"], milestones_of(project)["验收"]
    client = signed_in(rworld, "alice")
    response = send(
        client,
        "patch",
        f"/api/milestones/{second.pk}",
        {"name": "改名", "depends_on": [], "version": second.version + 5},
    )
    assert response.status_code == 409
    second.refresh_from_db()
    assert second.name == "验收"
    assert list(second.depends_on.all()) == [first]


# Stakeholders, resources, reviews --------------------------------------------------------


def test_stakeholders_are_added_and_marked_handled(rworld):
    project = rworld.records["alice"]["project"]
    second = milestones_of(project)["验收"]
    client = signed_in(rworld, "pam")
    created = send(
        client,
        "post",
        f"/api/projects/{project.pk}/stakeholders",
        {"name": "李处", "title": "处长", "influence": 4, "attitude": "supporter",
         "milestone": second.pk, "planned_actions": "汇报方案"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["influence"], body["milestone_id"]) == ("李处", 4, second.pk)
    handled = send(client, "patch", f"/api/stakeholders/{body['id']}", {"handled_on": "2025-08-01"})
    assert handled.status_code == 200, handled.content
    assert handled.json()["handled_on"] == "2025-08-01"
    assert handled.json()["planned_actions"] == "汇报方案"
    too_much = send(client, "patch", f"/api/stakeholders/{body['id']}", {"influence": 9})
    assert fields_of(too_much) == {"influence"}
    detached = send(client, "patch", f"/api/stakeholders/{body['id']}", {"milestone": None})
    assert detached.json()["milestone_id"] is None


def test_resources_stay_with_the_project_s_milestones(rworld):
    project = rworld.records["alice"]["project"]
    first, second = milestones_of(project)["立项"], milestones_of(project)["验收"]
    client = signed_in(rworld, "boss")
    created = send(
        client,
        "post",
        f"/api/projects/{project.pk}/resources",
        {"milestone": second.pk, "kind": "product", "lead_time_days": 30},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["milestone_id"], body["kind"], body["lead_time_days"]) == (
        second.pk,
        "product",
        30,
    )
    moved = send(client, "patch", f"/api/resources/{body['id']}", {"milestone": first.pk})
    assert moved.json()["milestone_id"] == first.pk
    elsewhere = milestone_create(
        project=rworld.records["bob"]["project"],
        name="别处",
        planned_date=date(2025, 3, 1),
        owning_role="pmo",
    )
    foreign = send(client, "patch", f"/api/resources/{body['id']}", {"milestone": elsewhere.pk})
    assert fields_of(foreign) == {"milestone"}
    added_elsewhere = send(
        client,
        "post",
        f"/api/projects/{project.pk}/resources",
        {"milestone": elsewhere.pk, "kind": "product"},
    )
    assert fields_of(added_elsewhere) == {"milestone"}
    assert Resource.objects.get(pk=body["id"]).milestone_id == first.pk


def test_stage_reviews_are_recorded_and_edited(rworld):
    project = rworld.records["alice"]["project"]
    client = signed_in(rworld, "alice")
    created = send(
        client,
        "post",
        f"/api/projects/{project.pk}/reviews",
        {"held_on": "2025-06-30", "what_happened": "方案评审", "gaps": "预算未定"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["held_on"], body["gaps"], body["actions"]) == ("2025-06-30", "预算未定", "")
    changed = send(client, "patch", f"/api/reviews/{body['id']}", {"actions": "约见财务"})
    assert changed.json()["actions"] == "约见财务"
    assert changed.json()["what_happened"] == "方案评审"
    blank = send(client, "patch", f"/api/reviews/{body['id']}", {"what_happened": ""})
    assert fields_of(blank) == {"what_happened"}
    today = send(client, "post", f"/api/projects/{project.pk}/reviews", {"what_happened": "周会"})
    assert today.status_code == 201
    assert today.json()["held_on"]
    ids = [r["id"] for r in client.get(f"/api/projects/{project.pk}").json()["reviews"]]
    assert {body["id"], today.json()["id"]} <= set(ids)


# Members ---------------------------------------------------------------------------------


def _grant(user: User, *codenames: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


def test_only_staff_with_the_admin_s_permissions_assign_members(rworld):
    project = rworld.records["alice"]["project"]
    admin, bob = rworld.users["admin"], rworld.users["bob"]
    url = f"/api/projects/{project.pk}/members/{bob.pk}"
    # Bob (a rep of another account) cannot see the project yet.
    assert signed_in(rworld, "bob").get(f"/api/projects/{project.pk}").status_code == 404
    # An admin who is not staff, a manager, the owner: the admin's page is not theirs.
    for who in ("admin", "boss", "alice"):
        refused = send(signed_in(rworld, who), "put", url, {"role": "business"})
        assert refused.status_code == 404, who
    assert not ProjectMember.objects.filter(project=project, user=bob).exists()
    # The permissions without staff status do not open the admin, nor this.
    _grant(admin, "change_project", "add_projectmember", "change_projectmember")
    client = signed_in(rworld, "admin")
    assert send(client, "put", url, {"role": "business"}).status_code == 404
    assert not ProjectMember.objects.filter(project=project, user=bob).exists()

    admin.is_staff = True
    admin.save()
    joined = send(client, "put", url, {"role": "business", "assigned_on": "2025-02-01"})
    assert joined.status_code == 201, joined.content
    assert joined.json() == {"user_id": bob.pk, "role": "business", "assigned_on": "2025-02-01"}
    assert signed_in(rworld, "bob").get(f"/api/projects/{project.pk}").status_code == 200
    promoted = send(client, "put", url, {"role": "solution"})
    assert promoted.status_code == 200
    assert promoted.json()["assigned_on"] == "2025-02-01"  # kept
    members = client.get(f"/api/projects/{project.pk}").json()["members"]
    assert {m["user_id"]: m["role"] for m in members}[bob.pk] == "solution"

    # Taking someone off needs the delete permission as well.
    assert client.delete(url).status_code == 404
    _grant(admin, "delete_projectmember")
    assert client.delete(url).status_code == 204
    assert not ProjectMember.objects.filter(project=project, user=bob).exists()
    assert signed_in(rworld, "bob").get(f"/api/projects/{project.pk}").status_code == 404
    assert client.delete(url).status_code == 404  # no longer on it
    # Joined, promoted, taken off: each in the project's history, by the admin, via the API.
    changes = [
        e
        for e in entries_for(project).filter(field="member").order_by("at", "pk")
        if bob.pk in ((e.old or {}).get("user"), (e.new or {}).get("user"))
    ]
    assert [
        (
            e.old and e.old["role"],
            e.new and e.new["role"],
            e.by.username if e.by else None,
            e.source,
        )
        for e in changes
    ] == [
        (None, "business", "admin", "api"),
        ("business", "solution", "admin", "api"),
        ("solution", None, "admin", "api"),
    ]


def test_member_assignment_refusals(rworld):
    project = rworld.records["alice"]["project"]
    staff = User.objects.create(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    history = AuditEntry.objects.count()
    gone = make_user("gone", unit=rworld.line)
    gone.is_active = False
    gone.save()
    inactive = send(
        client, "put", f"/api/projects/{project.pk}/members/{gone.pk}", {"role": "pmo"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert fields_of(inactive) == {"user"}
    assert "no longer active" in inactive.json()["errors"][0]["message"]
    nobody = send(client, "put", f"/api/projects/{project.pk}/members/999999", {"role": "pmo"})
    assert nobody.status_code == 404
    bad_role = send(
        client, "put", f"/api/projects/{project.pk}/members/{gone.pk}", {"role": "king"}
    )
    assert bad_role.status_code == 422
    assert AuditEntry.objects.count() == history  # a refused assignment leaves no history


# Sessions and tokens ---------------------------------------------------------------------


def test_a_session_needs_the_csrf_token(rworld):
    project = rworld.records["alice"]["project"]
    milestone = milestones_of(project)["立项"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(rworld.users["alice"])
    url = f"/api/milestones/{milestone.pk}"
    for method, address, body in (
        ("patch", url, {"actual_date": "2025-03-02"}),
        ("post", f"/api/projects/{project.pk}/stakeholders", {"name": "无令牌"}),
        ("patch", f"/api/projects/{project.pk}", {"name": "无令牌"}),
    ):
        refused = send(browser, method, address, body)
        assert refused.status_code in (401, 403), (method, address)
    milestone.refresh_from_db()
    assert milestone.actual_date is None
    assert not Stakeholder.objects.filter(name="无令牌").exists()
    token = browser.get(reverse("records:project_new")).context["csrf_token"]
    allowed = send(
        browser, "patch", url, {"actual_date": "2025-03-02"}, HTTP_X_CSRFTOKEN=str(token)
    )
    assert allowed.status_code == 200, allowed.content
    milestone.refresh_from_db()
    assert milestone.actual_date == date(2025, 3, 2)
    assert send(Client(), "patch", url, {"name": "x"}).status_code == 401
