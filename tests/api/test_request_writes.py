"""Solution requests through the API: created and changed as the record pages do, in scope."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from salesmesh.activities.models import SolutionRequest
from salesmesh.api.tokens import token_issue
from salesmesh.audit.models import AuditEntry
from tests.api.calls import fields_of, send, signed_in
from tests.api.records_world import RecordsWorld, build_records_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def rworld() -> RecordsWorld:
    return build_records_world()


def test_a_rep_opens_a_request_owned_by_themselves(rworld):
    alice = rworld.users["alice"]
    client = signed_in(rworld, "alice")
    account = rworld.records["alice"]["account"]
    deal = rworld.records["alice"]["opportunity"]
    response = send(
        client,
        "post",
        "/api/solution-requests",
        {
            "account": account.pk,
            "opportunity": deal.pk,
            "requested_at": "2025-02-03T09:00:00+08:00",
            "responded_at": "2025-02-03T15:30:00+08:00",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["presales_owner_id"] == alice.pk
    assert (body["account_id"], body["opportunity_id"]) == (account.pk, deal.pk)
    stored = SolutionRequest.objects.get(pk=body["id"])
    assert stored.requested_at == datetime.fromisoformat("2025-02-03T01:00:00+00:00")
    assert stored.responded_at == datetime.fromisoformat("2025-02-03T07:30:00+00:00")
    assert stored.submitted_at is None
    # The detail answers the same body as the create.
    assert client.get(f"/api/solution-requests/{body['id']}").json() == body


def test_without_a_time_the_request_is_opened_now(rworld):
    client = signed_in(rworld, "alice")
    before = SolutionRequest.objects.count()
    response = send(
        client, "post", "/api/solution-requests", {"account": rworld.records["alice"]["account"].pk}
    )
    assert response.status_code == 201, response.content
    assert SolutionRequest.objects.count() == before + 1
    assert response.json()["requested_at"] is not None


def test_a_rep_cannot_name_another_presales_owner_and_is_told_which_field(rworld):
    bob = rworld.users["bob"]
    client = signed_in(rworld, "alice")
    account = rworld.records["alice"]["account"]
    before = SolutionRequest.objects.count()
    created = send(
        client,
        "post",
        "/api/solution-requests",
        {"account": account.pk, "presales_owner": bob.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert fields_of(created) == {"presales_owner"}
    assert "manager" in created.json()["errors"][0]["message"]
    assert SolutionRequest.objects.count() == before
    mine = rworld.records["alice"]["solution_request"]
    changed = send(client, "patch", f"/api/solution-requests/{mine.pk}", {"presales_owner": bob.pk})
    assert fields_of(changed) == {"presales_owner"}
    mine.refresh_from_db()
    assert mine.presales_owner_id == rworld.users["alice"].pk


def test_a_manager_hands_a_request_over_and_opens_one_for_their_person(rworld):
    alice, bob = rworld.users["alice"], rworld.users["bob"]
    client = signed_in(rworld, "boss")
    request = rworld.records["alice"]["solution_request"]
    moved = send(
        client, "patch", f"/api/solution-requests/{request.pk}", {"presales_owner": bob.pk}
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["presales_owner_id"] == bob.pk
    request.refresh_from_db()
    assert request.presales_owner_id == bob.pk
    created = send(
        client,
        "post",
        "/api/solution-requests",
        {"account": rworld.records["alice"]["account"].pk, "presales_owner": alice.pk},
    )
    assert created.status_code == 201, created.content
    assert created.json()["presales_owner_id"] == alice.pk


def test_the_next_steps_are_recorded_in_order(rworld):
    client = signed_in(rworld, "alice")
    request = rworld.records["alice"]["solution_request"]  # requested 2025-01-06 09:00
    url = f"/api/solution-requests/{request.pk}"
    responded = send(client, "patch", url, {"responded_at": "2025-01-06T14:00:00+08:00"})
    assert responded.status_code == 200, responded.content
    reviewed = send(
        client,
        "patch",
        url,
        {
            "submitted_at": "2025-01-08T10:00:00+08:00",
            "reviewed_at": "2025-01-10T10:00:00+08:00",
            "passed_first_review": True,
        },
    )
    assert reviewed.status_code == 200, reviewed.content
    body = reviewed.json()
    assert body["passed_first_review"] is True
    assert body["responded_at"] is not None  # kept: only the fields sent change
    request.refresh_from_db()
    assert request.submitted_at == datetime.fromisoformat("2025-01-08T02:00:00+00:00")
    # Completed before it was reviewed: the steps must stay in order.
    early = send(client, "patch", url, {"completed_at": "2025-01-09T10:00:00+08:00"})
    assert early.status_code == 422
    request.refresh_from_db()
    assert request.completed_at is None


def test_out_of_scope_requests_and_choices(rworld):
    client = signed_in(rworld, "alice")
    theirs = rworld.records["bob"]["solution_request"]
    hidden = send(client, "patch", f"/api/solution-requests/{theirs.pk}", {"responded_at": None})
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"
    other_manager = signed_in(rworld, "other")
    mine = rworld.records["alice"]["solution_request"]
    assert (
        send(
            other_manager,
            "patch",
            f"/api/solution-requests/{mine.pk}",
            {"responded_at": "2025-01-07T09:00:00+08:00"},
        ).status_code
        == 404
    )
    mine.refresh_from_db()
    assert mine.responded_at is None
    # Bob's account and deal are not choices of Alice's.
    stolen = send(
        client,
        "post",
        "/api/solution-requests",
        {"account": rworld.records["bob"]["account"].pk},
    )
    assert fields_of(stolen) == {"account"}
    foreign_deal = send(
        client,
        "patch",
        f"/api/solution-requests/{mine.pk}",
        {"opportunity": rworld.records["bob"]["opportunity"].pk},
    )
    assert fields_of(foreign_deal) == {"opportunity"}


def test_a_deal_of_another_account_is_refused_by_the_service(rworld):
    """The admin sees every deal, so the form accepts it; the service does not."""
    client = signed_in(rworld, "admin")
    response = send(
        client,
        "post",
        "/api/solution-requests",
        {
            "account": rworld.records["alice"]["account"].pk,
            "opportunity": rworld.records["bob"]["opportunity"].pk,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert fields_of(response) == {"opportunity"}
    assert "another account" in response.json()["errors"][0]["message"]


def test_unknown_fields_and_times_past_the_calendar_are_named(rworld):
    client = signed_in(rworld, "alice")
    mine = rworld.records["alice"]["solution_request"]
    response = send(client, "patch", f"/api/solution-requests/{mine.pk}", {"bogus": 1})
    assert response.status_code == 422
    assert any("bogus" in e["field"] for e in response.json()["errors"])
    # In UTC this is year 10000: no database holds it.
    too_late = send(
        client,
        "post",
        "/api/solution-requests",
        {
            "account": rworld.records["alice"]["account"].pk,
            "requested_at": "9999-12-31T23:00-12:00",
        },
    )
    assert too_late.status_code == 422
    assert [e["field"].rsplit(".", 1)[-1] for e in too_late.json()["errors"]] == ["requested_at"]
    too_early = send(client, "patch", f"/api/solution-requests/{mine.pk}",
                     {"completed_at": "0001-01-01T00:00:00"})  # fmt: skip
    assert too_early.status_code == 422  # the company's wall clock is ahead of UTC
    mine.refresh_from_db()
    assert mine.completed_at is None


def test_requests_leave_no_audit_entries_as_on_the_web(rworld):
    """The web audits no solution request; neither does the API."""
    client = signed_in(rworld, "boss")
    before = AuditEntry.objects.count()
    request = rworld.records["alice"]["solution_request"]
    url = f"/api/solution-requests/{request.pk}"
    assert send(client, "patch", url, {"presales_owner": rworld.users["bob"].pk}).status_code == 200
    assert AuditEntry.objects.count() == before


def test_a_session_needs_the_csrf_token_and_a_bearer_token_does_not(rworld):
    alice = rworld.users["alice"]
    request = rworld.records["alice"]["solution_request"]
    url = f"/api/solution-requests/{request.pk}"
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    refused = send(browser, "patch", url, {"responded_at": "2025-01-06T10:00:00+08:00"})
    assert refused.status_code in (401, 403)
    created = send(
        browser,
        "post",
        "/api/solution-requests",
        {"account": rworld.records["alice"]["account"].pk},
    )
    assert created.status_code in (401, 403)
    request.refresh_from_db()
    assert request.responded_at is None
    token = browser.get(reverse("records:solution_request_new")).context["csrf_token"]
    allowed = send(
        browser,
        "patch",
        url,
        {"responded_at": "2025-01-06T10:00:00+08:00"},
        HTTP_X_CSRFTOKEN=str(token),
    )
    assert allowed.status_code == 200, allowed.content
    secret = token_issue(owner=alice, name="t", expires_at=None).secret
    bearer = send(
        Client(enforce_csrf_checks=True),
        "patch",
        url,
        {"responded_at": "2025-01-06T11:00:00+08:00"},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert bearer.status_code == 200, bearer.content
    request.refresh_from_db()
    assert request.responded_at == datetime.fromisoformat("2025-01-06T03:00:00+00:00")
    anonymous = send(Client(), "post", "/api/solution-requests", {"account": 1})
    assert anonymous.status_code == 401
