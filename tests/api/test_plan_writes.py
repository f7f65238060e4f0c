"""Plan versions through the API: drafts from a plan document, approval above the line,
locked by the version's ``version``, every status and target move audited."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from salesmesh.api.tokens import token_issue
from salesmesh.audit.models import AuditEntry
from salesmesh.org.models import Membership, OrgUnit, Paradigm, Role, User
from salesmesh.planning.documents import assumptions_for_editing
from salesmesh.planning.models import PlanStatus, PlanVersion
from tests.accounts.factories import make_company, make_line, make_team, make_user
from tests.api.calls import fields_of, send, signed_in
from tests.mesh.conftest import plan_document

pytestmark = pytest.mark.django_db


@dataclass
class PlanWorld:
    line: OrgUnit
    users: dict[str, User]


@pytest.fixture
def pworld() -> PlanWorld:
    """A probability line with its manager and a rep, the company's head, an admin, and
    the manager of another line."""
    company = make_company()
    line = make_line("pl", Paradigm.PROBABILITY)
    team = make_team(line, "pt")
    other_line = make_line("ol", Paradigm.PROBABILITY)
    users = {
        "head": make_user("head", unit=company, role=Role.MANAGER),
        "admin": make_user("admin", unit=company, role=Role.ADMIN),
        "line_mgr": make_user("line_mgr", unit=line, role=Role.MANAGER),
        "rep": make_user("ann", unit=team),
        "outsider": make_user("outsider", unit=other_line, role=Role.MANAGER),
    }
    make_user("bo", unit=team)
    assert Membership.objects.filter(unit=team).count() == 2
    return PlanWorld(line=line, users=users)


def document_text(target: int = 46_000) -> str:
    """The editor's text of the July 2025 test plan (the people come from the org)."""
    return assumptions_for_editing(plan_document(["ann", "bo"], target=target))


def draft(client: Client, target: int = 46_000, note: str = "") -> Any:
    return send(
        client,
        "post",
        "/api/plans",
        {"line": "pl", "assumptions": document_text(target), "note": note},
    )


def history(version_id: int) -> list[tuple[str, Any, Any, int | None, str]]:
    entries = AuditEntry.objects.filter(
        object_id=version_id, object_type__model="planversion"
    ).order_by("pk")
    return [(e.field, e.old, e.new, e.by_id, e.source) for e in entries]


# Drafts ----------------------------------------------------------------------------------


def test_a_line_manager_saves_a_draft_and_its_target_is_audited(pworld):
    manager = pworld.users["line_mgr"]
    client = signed_in(pworld, "line_mgr")
    response = draft(client, note="first cut")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["line"], body["period"], body["number"], body["status"]) == (
        "pl",
        "2025-07",
        1,
        "draft",
    )
    assert (body["note"], body["created_by_id"], body["version"]) == ("first cut", manager.pk, 1)
    assert body["target"] == "46000"
    stored = PlanVersion.objects.get(pk=body["id"])
    assert stored.result["tree"]["children"], "the computed decomposition is stored"
    # The people come from the org, not from the text.
    reps = {rep["rep_id"] for rep in stored.assumptions["probability"]["reps"]}
    assert reps == {"ann", "bo"}
    assert history(body["id"]) == [
        ("status", None, "draft", manager.pk, "api"),
        ("target", None, "46000", manager.pk, "api"),
    ]
    # The read answers the same version (without the lock counter it does not carry).
    read = client.get(f"/api/plans/{body['id']}").json()
    assert read == {k: v for k, v in body.items() if k in read}

    second = draft(client, target=50_000)
    assert second.status_code == 201, second.content
    assert second.json()["number"] == 2
    assert history(second.json()["id"]) == [
        ("status", None, "draft", manager.pk, "api"),
        ("target", "46000", "50000", manager.pk, "api"),
    ]


@pytest.mark.parametrize("who", ["rep", "outsider"])
def test_only_those_who_plan_for_the_line_may_draft(pworld, who):
    response = draft(signed_in(pworld, who))
    assert fields_of(response) == {"line"}
    assert PlanVersion.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_the_head_above_the_line_may_draft_too(pworld):
    response = draft(signed_in(pworld, "head"))
    assert response.status_code == 201, response.content


def test_bad_assumptions_are_422_naming_each_path(pworld):
    client = signed_in(pworld, "line_mgr")
    document = yaml.safe_load(document_text())
    document["probability"]["funnel"]["stages"][1]["conversion"] = 1.7
    document["probability"]["yields"]["reach_rate"] = -1
    response = send(
        client,
        "post",
        "/api/plans",
        {"line": "pl", "assumptions": yaml.safe_dump(document, allow_unicode=True)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert fields_of(response) >= {
        "assumptions.probability.funnel.stages[1].conversion",
        "assumptions.probability.yields.reach_rate",
    }
    unreadable = send(
        client,
        "post",
        "/api/plans",
        {"line": "pl", "assumptions": "target: 1\nfunnel: [unclosed\n"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert fields_of(unreadable) == {"assumptions"}
    assert "line 2, column" in unreadable.json()["errors"][0]["message"]
    long_note = send(
        client, "post", "/api/plans",
        {"line": "pl", "assumptions": document_text(), "note": "x" * 501},
    )  # fmt: skip
    assert fields_of(long_note) == {"note"}
    infinite = send(
        client, "post", "/api/plans",
        {"line": "pl", "assumptions": "period: 2025-07\nfiscal_year_start_month: .inf\n"},
    )  # fmt: skip
    # Read as far as the plan-file check, which names the month among what is missing.
    assert "assumptions.fiscal_year_start_month" in fields_of(infinite)
    assert PlanVersion.objects.count() == 0


def test_json_text_is_read_exactly_too(pworld):
    client = signed_in(pworld, "line_mgr")
    document = yaml.safe_load(document_text())
    document["target"] = "46000.10"
    response = send(
        client, "post", "/api/plans", {"line": "pl", "assumptions": json.dumps(document)}
    )
    assert response.status_code == 201, response.content
    assert response.json()["target"] == "46000.10"


def test_a_version_s_assumptions_are_revised_as_a_new_draft(pworld):
    client = signed_in(pworld, "line_mgr")
    first = draft(client).json()
    read = client.get(f"/api/plans/{first['id']}/assumptions")
    assert read.status_code == 200, read.content
    body = read.json()
    assert (body["id"], body["line"], body["version"]) == (first["id"], "pl", 1)
    document = yaml.safe_load(body["assumptions"])
    assert "reps" not in document["probability"]  # the org provides them
    document["target"] = 60_000
    revised = send(
        client,
        "post",
        "/api/plans",
        {"line": "pl", "assumptions": yaml.safe_dump(document, allow_unicode=True)},
    )
    assert revised.status_code == 201, revised.content
    assert (revised.json()["number"], revised.json()["target"]) == (2, "60000")


# Approval --------------------------------------------------------------------------------


def test_the_head_approves_the_line_manager_s_draft(pworld):
    head = pworld.users["head"]
    version = draft(signed_in(pworld, "line_mgr")).json()
    url = f"/api/plans/{version['id']}/approve"
    # The line's own manager drafts; they may not sign off their own line's target.
    assert send(signed_in(pworld, "line_mgr"), "post", url, {}).status_code == 404
    response = send(signed_in(pworld, "head"), "post", url, {"version": version["version"]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["approved_by_id"], body["version"]) == (
        "approved",
        head.pk,
        2,
    )
    assert body["approved_at"]
    assert history(version["id"])[-1] == ("status", "draft", "approved", head.pk, "api")
    # The reads carry the version too, so a client that listed plans can approve with it.
    listed = signed_in(pworld, "head").get("/api/plans").json()["items"]
    assert {(v["id"], v["version"]) for v in listed} == {(version["id"], 2)}
    assert signed_in(pworld, "head").get(url.removesuffix("/approve")).json()["version"] == 2


def test_approving_supersedes_the_approved_version_and_both_moves_are_audited(pworld):
    admin = pworld.users["admin"]
    manager = signed_in(pworld, "line_mgr")
    first, second = draft(manager).json(), draft(manager, target=50_000).json()
    approver = signed_in(pworld, "admin")
    assert send(approver, "post", f"/api/plans/{first['id']}/approve", {}).status_code == 200
    response = send(approver, "post", f"/api/plans/{second['id']}/approve", {"version": 1})
    assert response.status_code == 200, response.content
    assert PlanVersion.objects.get(pk=first["id"]).status == PlanStatus.SUPERSEDED
    assert history(first["id"])[-2:] == [
        ("status", "draft", "approved", admin.pk, "api"),
        ("status", "approved", "superseded", admin.pk, "api"),
    ]
    again = send(approver, "post", f"/api/plans/{first['id']}/approve", {})
    assert fields_of(again) == {""}  # only a draft can be approved


def test_nobody_approves_their_own_draft(pworld):
    client = signed_in(pworld, "head")
    version = draft(client).json()
    response = send(
        client, "post", f"/api/plans/{version['id']}/approve", {}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert fields_of(response) == {""}
    assert "someone else must approve" in response.json()["errors"][0]["message"]
    assert PlanVersion.objects.get(pk=version["id"]).status == PlanStatus.DRAFT


def test_two_approvers_the_second_gets_409_and_history_one_change(pworld):
    """Both read version 1 of the draft; the first approval wins, the second is refused."""
    version = draft(signed_in(pworld, "line_mgr")).json()
    head, admin = signed_in(pworld, "head"), signed_in(pworld, "admin")
    read = [
        c.get(f"/api/plans/{version['id']}/assumptions").json()["version"] for c in (head, admin)
    ]
    assert read == [1, 1]
    url = f"/api/plans/{version['id']}/approve"
    assert send(head, "post", url, {"version": read[0]}).status_code == 200
    late = send(admin, "post", url, {"version": read[1]})
    assert late.status_code == 409
    assert late.json()["code"] == "conflict"
    stored = PlanVersion.objects.get(pk=version["id"])
    assert (stored.approved_by_id, stored.version) == (pworld.users["head"].pk, 2)
    moves = [h for h in history(version["id"]) if h[0] == "status" and h[1] == "draft"]
    assert moves == [("status", "draft", "approved", pworld.users["head"].pk, "api")]


@pytest.mark.parametrize("who", ["rep", "outsider"])
def test_a_plan_out_of_scope_is_404_and_unchanged(pworld, who):
    version = draft(signed_in(pworld, "line_mgr")).json()
    client = signed_in(pworld, who)
    assert send(client, "post", f"/api/plans/{version['id']}/approve", {}).status_code == 404
    assert client.get(f"/api/plans/{version['id']}/assumptions").status_code == 404
    stored = PlanVersion.objects.get(pk=version["id"])
    assert (stored.status, stored.version) == (PlanStatus.DRAFT, 1)


def test_a_session_needs_the_csrf_token_and_a_bearer_token_does_not(pworld):
    version = draft(signed_in(pworld, "line_mgr")).json()
    url = f"/api/plans/{version['id']}/approve"
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(pworld.users["head"])
    assert send(browser, "post", url, {}).status_code in (401, 403)
    created = send(browser, "post", "/api/plans", {"line": "pl", "assumptions": document_text()})
    assert created.status_code in (401, 403)
    assert PlanVersion.objects.get(pk=version["id"]).status == PlanStatus.DRAFT
    assert PlanVersion.objects.count() == 1
    token = browser.get(reverse("records:index")).context["csrf_token"]
    assert send(browser, "post", url, {}, HTTP_X_CSRFTOKEN=str(token)).status_code == 200
    secret = token_issue(owner=pworld.users["line_mgr"], name="t", expires_at=None).secret
    bearer = send(
        Client(enforce_csrf_checks=True),
        "post",
        "/api/plans",
        {"line": "pl", "assumptions": document_text()},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert bearer.status_code == 201, bearer.content
    assert send(Client(), "post", url, {}).status_code == 401


def test_a_draft_based_on_a_version_someone_has_since_followed_is_409(pworld):
    """``based_on``: the newest version the caller saw; a later one of the same period
    refuses the draft (nothing added, nothing audited); omitted, no check."""
    client = signed_in(pworld, "line_mgr")
    body = {"line": "pl", "assumptions": document_text(), "based_on": 0}
    first = send(client, "post", "/api/plans", body)
    assert first.status_code == 201, first.content
    entries = AuditEntry.objects.count()

    stale = send(client, "post", "/api/plans", body, HTTP_ACCEPT_LANGUAGE="en")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert "Version 1 of the 2025-07 plan was saved" in stale.json()["message"]
    assert PlanVersion.objects.filter(unit=pworld.line).count() == 1
    assert AuditEntry.objects.count() == entries

    seen = send(client, "post", "/api/plans", {**body, "based_on": first.json()["id"]})
    assert seen.status_code == 201
    assert seen.json()["number"] == 2
    blind = draft(client)  # no based_on: appended
    assert blind.status_code == 201
    assert blind.json()["number"] == 3

    # A version of another period saved since is no conflict for this one.
    august = plan_document(["ann", "bo"], target=46_000)
    august["period"] = "2025-08"
    other_period = send(
        client,
        "post",
        "/api/plans",
        {"line": "pl", "assumptions": assumptions_for_editing(august), "based_on": 0},
    )
    assert other_period.status_code == 201, other_period.content
    assert other_period.json()["period"] == "2025-08"
    assert (
        send(client, "post", "/api/plans", {**body, "based_on": blind.json()["id"]}).json()[
            "number"
        ]
        == 4
    )
