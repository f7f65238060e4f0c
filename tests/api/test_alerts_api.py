"""Alert operations: the same scope as the alert list, filters, paging, acknowledge, CSRF."""

from __future__ import annotations

import pytest
from django.test import Client

from salesmesh.alerts.models import Alert, Severity
from salesmesh.alerts.selectors import alerts_visible_to
from salesmesh.alerts.services import evaluate_alerts
from tests.alerts.world import AS_OF, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert_world() -> World:
    world = build_world()
    evaluate_alerts(as_of=AS_OF)
    return world


def listed(client: Client, **params: object) -> list[dict]:
    response = client.get("/api/alerts", params)
    assert response.status_code == 200, response.content
    return response.json()["items"]


@pytest.mark.parametrize("who", ["boss", "lead", "rep", "other", "presales", "pm"])
def test_each_user_lists_exactly_the_alerts_they_may_see(client, alert_world, who):
    user = alert_world.users[who]
    client.force_login(user)
    ids = {item["id"] for item in listed(client)}
    visible = set(
        alerts_visible_to(user=user).filter(cleared_at__isnull=True).values_list("pk", flat=True)
    )
    assert ids == visible
    assert ids  # every one of them has something in this world


def test_filters_and_text_in_the_callers_language(client, alert_world):
    client.force_login(alert_world.users["boss"])
    critical = listed(client, severity=Severity.CRITICAL)
    assert critical
    assert {item["severity"] for item in critical} == {"critical"}
    english = client.get("/api/alerts", HTTP_ACCEPT_LANGUAGE="en").json()["items"]
    assert all(item["text"] for item in english)
    assert client.get("/api/alerts", {"state": "nonsense"}).status_code == 422


def test_acknowledge_in_scope_and_404_out_of_scope(client, alert_world):
    rep = alert_world.users["rep"]
    client.force_login(rep)
    mine = Alert.objects.get(subject_key=f"account:{alert_world.accounts['Bravo'].pk}")
    response = client.post(f"/api/alerts/{mine.pk}/acknowledge")
    assert response.status_code == 200
    assert response.json()["acknowledged_by_id"] == rep.pk
    theirs = Alert.objects.get(subject_key=f"account:{alert_world.accounts['Charlie'].pk}")
    assert client.post(f"/api/alerts/{theirs.pk}/acknowledge").status_code == 404
    theirs.refresh_from_db()
    assert theirs.acknowledged_at is None


def test_unsafe_calls_need_the_csrf_token(alert_world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alert_world.users["rep"])
    mine = Alert.objects.get(subject_key=f"account:{alert_world.accounts['Bravo'].pk}")
    refused = browser.post(f"/api/alerts/{mine.pk}/acknowledge")
    assert refused.status_code == 403
    mine.refresh_from_db()
    assert mine.acknowledged_at is None
    browser.get("/alerts/")  # any page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(f"/api/alerts/{mine.pk}/acknowledge", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200
