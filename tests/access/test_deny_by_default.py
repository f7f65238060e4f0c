"""Deny by default: every URL the root URLconf knows is closed to the anonymous, but for
an explicit allow-list, and every signed-in view declares how it scopes its data.

The patterns come from walking the URLconf (tests/access/walker.py), so a page, an admin
model or an API operation added later is covered without editing this file.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client

from tests.access.registry import OPEN, OPEN_BY_NAME, SCOPED, Open
from tests.access.walker import Route, all_routes, reaches
from tests.accounts.factories import make_line, make_user

pytestmark = pytest.mark.django_db

ROUTES = all_routes()


def opened(route: Route) -> Open | None:
    """The allow-list entry of a route, by its code or its URL name."""
    entry = OPEN.get(route.key)
    if entry is None and route.name:
        entry = OPEN_BY_NAME.get(route.name.rsplit(":", 1)[-1])
    return entry


CLOSED_WEB = [r for r in ROUTES if not r.is_api_operation and opened(r) is None]
API_OPERATIONS = [r for r in ROUTES if r.is_api_operation]


def test_the_walk_finds_every_kind_of_route():
    """A sanity floor: pages, admin, API operations and the open pages are all walked."""
    assert any(r.name == "records:account" for r in ROUTES)
    assert any(r.is_admin for r in ROUTES)
    assert any(r.name == "api:list_alerts" for r in API_OPERATIONS)
    assert any(r.route.startswith("admin/(?P<url>") for r in ROUTES)  # the catch-all too
    assert {"django.contrib.auth.views.LoginView"} <= {r.key for r in ROUTES}


def test_the_open_views_are_exactly_the_allow_list():
    """``login_not_required`` only where the allow-list says why (API operations check
    auth themselves and are tested below)."""
    exempt = {r.key for r in ROUTES if r.open and not r.is_api_operation}
    allowed = {r.key for r in ROUTES if opened(r) is not None}
    assert exempt == allowed
    assert set(OPEN) <= {r.key for r in ROUTES}, "a stale allow-list entry"


@pytest.mark.parametrize("route", CLOSED_WEB, ids=lambda r: r.route)
@pytest.mark.parametrize("method", ["get", "post"])
def test_signed_out_every_page_goes_to_the_login(route: Route, method: str):
    response = getattr(Client(), method)(route.url)
    assert response.status_code == 302, (route.url, response.status_code)
    # LoginRequiredMiddleware answers before the admin's own check for model pages (they
    # go to the site's login page); the admin site's own pages send to the admin's login.
    logins = [resolve_url(settings.LOGIN_URL), *(["/admin/login/"] if route.is_admin else [])]
    location = response["Location"]
    assert any(location.startswith(f"{login}?next=") for login in logins), location


@pytest.mark.parametrize("route", API_OPERATIONS, ids=lambda r: r.route)
def test_signed_out_every_api_operation_answers_401(route: Route):
    assert route.api_methods
    for method in sorted(route.api_methods):
        response = Client().generic(method, route.url)
        assert response.status_code == 401, (method, route.url, response.content)
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("route", API_OPERATIONS, ids=lambda r: r.route)
def test_every_api_operation_has_auth(route: Route):
    for operation in route.path_view.operations:
        assert operation.auth_callbacks, f"{route.route} {operation.methods} has no auth"


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if opened(r) is not None], ids=lambda r: r.route
)
def test_the_open_views_answer_signed_out(route: Route):
    entry = opened(route)
    assert entry is not None
    assert Client().get(route.url).status_code in entry.statuses


# Admin pages that hold no data: the admin's translation catalogs, and logging out.
ADMIN_HARMLESS = ("JavaScriptCatalog", "AdminSite.i18n_javascript", "AdminSite.logout")


@pytest.mark.parametrize("route", [r for r in ROUTES if r.is_admin], ids=lambda r: r.route)
def test_a_signed_in_non_staff_person_gets_no_admin_page(route: Route):
    if opened(route) is not None or route.key.endswith(ADMIN_HARMLESS):
        return
    client = Client()
    client.force_login(make_user("plainrep", unit=make_line("adm")))
    response = client.get(route.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


def test_every_view_declares_its_permission():
    """Each signed-in, non-admin, non-API view is in the registry and reaches its rule."""
    problems = []
    for route in CLOSED_WEB:
        if route.is_admin:
            continue
        scoped = SCOPED.get(route.key)
        if scoped is None:
            problems.append(f"{route.route}: {route.key} is not in tests/access/registry.py")
        elif scoped.rule and not reaches(route.callback, set(scoped.rule)):
            problems.append(f"{route.route}: {route.key} never reaches {scoped.rule}")
    assert not problems, "\n".join(problems)
    walked = {r.key for r in ROUTES}
    assert set(SCOPED) <= walked, f"stale registry entries: {set(SCOPED) - walked}"


def test_the_reach_check_is_not_vacuous():
    """It finds the rule a view uses, through helpers and forms, and nothing it does not."""
    from salesmesh.records import edit_views
    from salesmesh.web import views

    assert reaches(views.data_page, {"memberships_visible_to", "accounts_visible_to"}) == {
        "memberships_visible_to"
    }
    assert reaches(edit_views.lead_new, {"lines_to_work_in"}) == {"lines_to_work_in"}  # form
    assert reaches(views.home, {"projects_visible_to"}) == set()
