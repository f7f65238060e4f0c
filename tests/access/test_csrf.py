"""CSRF: every unsafe browser route the walker finds refuses a post without the token
(403) and changes nothing; with the token the request reaches the view.

API operations are exempt from Django's middleware by django-ninja; their session auth
checks the token itself (a bearer token needs none: no cookie, nothing to forge).
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from salesmesh.activities.models import Activity
from salesmesh.api.tokens import token_issue
from tests.access.test_deny_by_default import ROUTES
from tests.access.world import World

pytestmark = pytest.mark.django_db

BROWSER = [r for r in ROUTES if not r.is_api_operation]


def snapshot() -> dict[str, int]:
    """Rows per table: a refused request must leave every one as it was."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def csrf_client(world: World) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["admin"])
    token = client.get(reverse("records:account_new")).context["csrf_token"]
    return client, str(token)


def test_no_browser_view_is_csrf_exempt():
    exempt = [r.route for r in BROWSER if getattr(r.callback, "csrf_exempt", False)]
    assert exempt == []


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_every_unsafe_browser_route_without_the_token_is_refused(world: World, method: str):
    client, _token = csrf_client(world)
    before = snapshot()
    for route in BROWSER:
        response = getattr(client, method)(route.url)
        assert response.status_code == 403, (method, route.url, response.status_code)
    assert snapshot() == before


def test_with_the_token_every_browser_post_reaches_the_view(world: World):
    client, token = csrf_client(world)
    for route in BROWSER:
        if route.key.endswith("LogoutView"):
            continue  # it would end the session the loop needs; tested below
        response = client.post(route.url, {"csrfmiddlewaretoken": token})
        # The view answers: a form again, a redirect, 404 for a dummy id, 405 for a GET-only
        # page — anything but the CSRF refusal.
        assert response.status_code != 403, route.url
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_a_delete_needs_the_token(world: World):
    client, token = csrf_client(world)
    activity = world.records["activities"]["rep"]
    url = reverse("records:activity_delete", args=[activity.pk])
    assert client.post(url).status_code == 403
    assert Activity.objects.filter(pk=activity.pk).exists()
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_the_api_with_a_session_needs_the_token_and_a_bearer_token_does_not(world: World):
    client, token = csrf_client(world)
    account = world.records["accounts"]["rep"]
    url = f"/api/accounts/{account.pk}"
    refused = client.patch(url, {"name": "甲客户改"}, "application/json")
    assert refused.status_code in (401, 403)
    account.refresh_from_db()
    assert account.name == "甲客户"
    allowed = client.patch(url, {"name": "甲客户改"}, "application/json", HTTP_X_CSRFTOKEN=token)
    assert allowed.status_code == 200, allowed.content
    account.refresh_from_db()
    assert account.name == "甲客户改"
    secret = token_issue(owner=world.users["admin"], name="t", expires_at=None).secret
    bearer = Client(enforce_csrf_checks=True).patch(
        url, {"name": "甲客户三"}, "application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert bearer.status_code == 200, bearer.content
