"""Writes through the record forms and services: created, changed, stage history, 422 bodies."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.utils import translation

from salesmesh.accounts.models import Account, AccountOwnership
from salesmesh.activities.models import ActivityDailyRollup
from salesmesh.api.field_errors import MESSAGES, field_message
from salesmesh.pipeline.models import Opportunity, OpportunityStageChange
from tests.api.records_world import RecordsWorld, build_records_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def rworld() -> RecordsWorld:
    return build_records_world()


def send(client, method: str, url: str, body: dict[str, Any], **headers: str):  # type: ignore[no-untyped-def]
    call = getattr(client, method)
    return call(url, json.dumps(body), content_type="application/json", **headers)


def fields_of(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert all(error["message"] for error in body["errors"])
    return {error["field"] for error in body["errors"]}


def test_a_rep_creates_an_opportunity_owned_by_themselves(client, rworld):
    alice = rworld.users["alice"]
    client.force_login(alice)
    account = rworld.records["alice"]["account"]
    response = send(
        client,
        "post",
        "/api/opportunities",
        {"line": rworld.line.pk, "account": account.pk, "name": "新商机", "amount": "1200.50"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner_id"] == alice.pk
    assert body["amount"] == "1200.50"
    assert body["forecast_category"] == "pipeline"
    assert [(c["from_stage"], c["to_stage"]) for c in body["stage_history"]] == [("", "lead")]
    assert body["stage_history"][0]["changed_by_id"] == alice.pk


def test_a_stage_change_is_recorded_in_the_history(client, rworld):
    alice = rworld.users["alice"]
    client.force_login(alice)
    deal = rworld.records["alice"]["opportunity"]
    response = send(client, "patch", f"/api/opportunities/{deal.pk}", {"stage": "won"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["stage"] == "won"
    assert body["forecast_category"] == "closed"  # the service's rule on closing
    assert body["name"] == "甲商机"  # untouched
    moves = OpportunityStageChange.objects.filter(opportunity=deal).order_by("changed_at", "pk")
    assert [(m.from_stage, m.to_stage, m.changed_by_id) for m in moves] == [
        ("", "lead", None),
        ("lead", "won", alice.pk),
    ]


def test_a_rep_cannot_change_the_owner_and_is_told_which_field(client, rworld):
    alice, bob = rworld.users["alice"], rworld.users["bob"]
    client.force_login(alice)
    deal = rworld.records["alice"]["opportunity"]
    response = send(
        client,
        "patch",
        f"/api/opportunities/{deal.pk}",
        {"owner": bob.pk, "name": "x"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert fields_of(response) == {"owner"}
    assert "manager" in response.json()["errors"][0]["message"]
    deal.refresh_from_db()
    assert (deal.owner_id, deal.name) == (alice.pk, "甲商机")
    # Naming oneself is no change, so it is fine.
    same = send(client, "patch", f"/api/opportunities/{deal.pk}", {"owner": alice.pk})
    assert same.status_code == 200
    created = send(
        client,
        "post",
        "/api/accounts",
        {"line": rworld.line.pk, "name": "别人的", "owner": bob.pk},
    )
    assert fields_of(created) == {"owner"}
    assert not Account.objects.filter(name="别人的").exists()


def test_a_manager_hands_an_account_over_and_the_history_keeps_it(client, rworld):
    boss, alice, bob = rworld.users["boss"], rworld.users["alice"], rworld.users["bob"]
    client.force_login(boss)
    account = rworld.records["alice"]["account"]
    response = send(client, "patch", f"/api/accounts/{account.pk}", {"owner": bob.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["owner_id"] == bob.pk
    assert [o["owner_id"] for o in body["ownerships"]] == [bob.pk, alice.pk]
    assert AccountOwnership.objects.filter(account=account, ended_at__isnull=True).count() == 1


def test_out_of_scope_choices_and_records_are_refused(client, rworld):
    alice = rworld.users["alice"]
    client.force_login(alice)
    theirs = rworld.records["bob"]["account"]
    response = send(
        client,
        "post",
        "/api/opportunities",
        {"line": rworld.line.pk, "account": theirs.pk, "name": "偷来的"},
    )
    assert fields_of(response) == {"account"}
    other_line = send(
        client, "post", "/api/accounts", {"line": rworld.other_line.pk, "name": "越界"}
    )
    assert fields_of(other_line) == {"line"}
    hidden = rworld.records["bob"]["opportunity"]
    assert (
        send(client, "patch", f"/api/opportunities/{hidden.pk}", {"name": "x"}).status_code == 404
    )
    hidden.refresh_from_db()
    assert hidden.name == "乙商机"


def test_validation_messages_are_translated_and_name_the_field(client, rworld):
    client.force_login(rworld.users["alice"])
    deal = rworld.records["alice"]["opportunity"]
    english = send(
        client, "patch", f"/api/opportunities/{deal.pk}", {"currency": "yuan"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert fields_of(english) == {"currency"}
    assert "3 characters" in english.json()["errors"][0]["message"]
    chinese = send(
        client, "patch", f"/api/opportunities/{deal.pk}", {"currency": "yuan"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )  # fmt: skip
    assert chinese.json()["errors"][0]["message"] != english.json()["errors"][0]["message"]


def test_a_service_rule_is_a_422_too(client, rworld):
    """An admin sees every account, so the form accepts one of another line; the service not."""
    client.force_login(rworld.users["admin"])
    elsewhere = rworld.records["other"]["account"]
    with translation.override("en"):
        response = send(
            client,
            "post",
            "/api/opportunities",
            {"line": rworld.line.pk, "account": elsewhere.pk, "name": "跨线"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert fields_of(response) == {"account"}
    assert "another business line" in response.json()["errors"][0]["message"]
    assert not Opportunity.objects.filter(name="跨线").exists()
    lead = rworld.records["alice"]["lead"]
    early = send(client, "patch", f"/api/leads/{lead.pk}", {"qualified_on": "2024-01-01"})
    assert early.status_code == 422


def test_fields_that_cannot_change_are_named(client, rworld):
    client.force_login(rworld.users["boss"])
    deal = rworld.records["alice"]["opportunity"]
    response = send(client, "patch", f"/api/opportunities/{deal.pk}", {"line": 1, "bogus": 2})
    assert response.status_code == 422
    named = {e["field"] for e in response.json()["errors"]}
    assert any("line" in f for f in named)
    assert any("bogus" in f for f in named)
    assert Opportunity.objects.get(pk=deal.pk).line_id == rworld.line.pk


def test_activities_written_through_the_service_move_the_rollups(client, rworld):
    alice = rworld.users["alice"]
    client.force_login(alice)
    response = send(
        client,
        "post",
        "/api/activities",
        {"type": "visit", "occurred_at": "2025-02-03T10:00:00+08:00", "reached": True},
    )
    assert response.status_code == 201, response.content
    activity = response.json()
    assert activity["person_id"] == alice.pk
    rollup = ActivityDailyRollup.objects.get(person=alice, type="visit")
    assert (str(rollup.day), rollup.attempts, rollup.reached) == ("2025-02-03", 1, 1)
    changed = send(client, "patch", f"/api/activities/{activity['id']}", {"type": "call"})
    assert changed.status_code == 200
    assert not ActivityDailyRollup.objects.filter(person=alice, type="visit", attempts__gt=0)
    assert (
        ActivityDailyRollup.objects.get(person=alice, type="call", day="2025-02-03").attempts == 1
    )


def test_contacts_and_leads_create_and_update(client, rworld):
    client.force_login(rworld.users["alice"])
    account = rworld.records["alice"]["account"]
    contact = send(
        client, "post", "/api/contacts", {"account": account.pk, "name": "张总", "influence": 5}
    )
    assert contact.status_code == 201, contact.content
    contact_id = contact.json()["id"]
    assert send(client, "patch", f"/api/contacts/{contact_id}", {"influence": 9}).status_code == 422
    updated = send(client, "patch", f"/api/contacts/{contact_id}", {"attitude": "supporter"})
    assert updated.json()["attitude"] == "supporter"
    lead = send(
        client,
        "post",
        "/api/leads",
        {"line": rworld.line.pk, "source": "brand", "created_on": "2025-03-01", "name": "新线索"},
    )
    assert lead.status_code == 201, lead.content
    assert lead.json()["owner_id"] == rworld.users["alice"].pk
    qualified = send(
        client,
        "patch",
        f"/api/leads/{lead.json()['id']}",
        {"status": "qualified", "qualified_on": "2025-03-05"},
    )
    assert qualified.json()["status"] == "qualified"


def test_a_stale_version_from_the_service_is_a_409_conflict(client, rworld, monkeypatch):
    """Optimistic locking (audit.locking): the service's StaleObject becomes 409 "conflict"."""
    from salesmesh.api import pipeline
    from salesmesh.audit.locking import StaleObject

    def stale(**kwargs: Any) -> None:
        raise StaleObject()

    monkeypatch.setattr(pipeline, "opportunity_update", stale)
    client.force_login(rworld.users["alice"])
    deal = rworld.records["alice"]["opportunity"]
    response = send(client, "patch", f"/api/opportunities/{deal.pk}", {"name": "新名字"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["message"]


def test_two_clients_edit_the_same_deal_the_second_gets_409_and_history_one_change(rworld):
    """Both read version 1; the first save wins, the second is refused, nothing is lost."""
    from django.test import Client

    from salesmesh.audit.models import AuditEntry

    deal = rworld.records["alice"]["opportunity"]
    first, second = Client(), Client()
    for browser in (first, second):
        browser.force_login(rworld.users["alice"])
    read = [c.get(f"/api/opportunities/{deal.pk}").json()["version"] for c in (first, second)]
    assert read == [deal.version, deal.version]

    ok = send(
        first, "patch", f"/api/opportunities/{deal.pk}", {"amount": "150", "version": read[0]}
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["version"] == read[0] + 1
    late = send(
        second, "patch", f"/api/opportunities/{deal.pk}", {"amount": "175", "version": read[1]}
    )
    assert late.status_code == 409
    assert late.json()["code"] == "conflict"

    deal.refresh_from_db()
    assert str(deal.amount) == "150.00"
    changes = AuditEntry.objects.filter(object_id=deal.pk, field="amount")
    assert [(c.old, c.new, c.source) for c in changes] == [("99.90", "150.00", "api")]


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_pydantic_s_own_field_messages_are_translated_too(client, rworld):
    """Missing fields, a number that is not one, a page that is not a whole number, a day
    that is not a date: said in the caller's language (pydantic's text is English only)."""
    client.force_login(rworld.users["alice"])
    body = {"amount": "lots"}
    english = send(client, "post", "/api/opportunities", body, HTTP_ACCEPT_LANGUAGE="en")
    assert {e["field"]: e["message"] for e in english.json()["errors"]} == {
        "body.body.line": "This field is required.",
        "body.body.account": "This field is required.",
        "body.body.name": "This field is required.",
        "body.body.amount": "Enter a number.",
    }
    chinese = send(client, "post", "/api/opportunities", body, HTTP_ACCEPT_LANGUAGE="zh-hans")
    for response in (
        chinese,
        client.get("/api/opportunities?page=x", HTTP_ACCEPT_LANGUAGE="zh-hans"),
        client.get("/api/mesh/any?as_of=13/05/2026", HTTP_ACCEPT_LANGUAGE="zh-hans"),
    ):
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert errors
        assert all(CJK.search(e["message"]) for e in errors), errors


def test_each_known_pydantic_error_type_gets_its_own_message():
    """Every listed type renders from a context like pydantic's; an unknown type keeps the
    English text, and so does a known one whose context lacks the numbers."""
    contexts = {
        "string_too_short": {"min_length": 3},
        "string_too_long": {"max_length": 9},
        "decimal_max_digits": {"max_digits": 14},
        "decimal_max_places": {"decimal_places": 2},
        "decimal_whole_digits": {"whole_digits": 12},
        "greater_than": {"gt": 0},
        "greater_than_equal": {"ge": 1},
        "less_than": {"lt": 5},
        "less_than_equal": {"le": 7},
        "enum": {"expected": "'a' or 'b'"},
        "literal_error": {"expected": "'a' or 'b'"},
        "too_short": {"min_length": 1},
        "too_long": {"max_length": 2},
        "value_error": {"error": ValueError("Mine.")},
    }
    with translation.override("en"):
        for kind in MESSAGES:
            message = field_message({"type": kind, "msg": "ENGLISH", "ctx": contexts.get(kind)})
            assert message, kind
            assert message != "ENGLISH", kind
        assert field_message({"type": "less_than_equal", "ctx": {"le": 7}}) == (
            "Enter a value of at most 7."
        )
        assert field_message({"type": "value_error", "ctx": {"error": ValueError("Mine.")}}) == (
            "Mine."
        )
        assert field_message({"type": "something_new", "msg": "As pydantic says"}) == (
            "As pydantic says"
        )
        assert field_message({"type": "too_long", "msg": "As pydantic says"}) == (
            "As pydantic says"
        )
