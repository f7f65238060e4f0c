"""The role × object × action matrix: through the web pages, the exports and the API.

Each role of the crafted company (tests/access/world.py) against a record of every kind
in and out of its scope. In scope: the page answers (200, or 302 after a write). Out of
scope: 404 — never 403, which would confirm the record exists — and nothing changes.
Lists and exports hold exactly the ids in scope.

The world is built once for the module and each test rolls back what it writes
(tests/access/conftest.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Model
from django.forms import BaseForm
from django.test import Client
from django.urls import reverse
from django.utils import translation

from salesmesh.accounts.models import Account
from salesmesh.activities.models import Activity
from salesmesh.exchange.exports import KINDS, iter_csv
from tests.access.world import LINES, ROLES, VISIBLE, World

pytestmark = pytest.mark.django_db

# kind → (its page for one record, its edit page)
PAGES = {
    "accounts": ("records:account", "records:account_edit"),
    "contacts": ("records:contact_edit", "records:contact_edit"),
    "leads": ("records:lead_edit", "records:lead_edit"),
    "opportunities": ("records:opportunity", "records:opportunity_edit"),
    "activities": ("records:activity_edit", "records:activity_edit"),
    "solution_requests": ("records:solution_request", "records:solution_request_edit"),
    "projects": ("records:project", "records:project_edit"),
}
API_KINDS = {
    "accounts": "accounts",
    "contacts": "contacts",
    "leads": "leads",
    "opportunities": "opportunities",
    "activities": "activities",
    "solution_requests": "solution-requests",
    "projects": "projects",
}
CASES = [(role, kind) for role in ROLES for kind in PAGES]


def signed_in(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def fingerprint(obj: Model) -> dict[str, Any]:
    """Every column of the record as stored now."""
    fresh = type(obj)._default_manager.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


def resubmit(form: BaseForm) -> dict[str, Any]:
    """The form's current values as a browser would post them back unchanged."""
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = str(bound.field.prepare_value(value))
    return data


@pytest.mark.parametrize(("role", "kind"), CASES)
def test_list_detail_update_per_role(world: World, role: str, kind: str) -> None:
    client = signed_in(world, role)
    visible = VISIBLE[role]
    detail, edit = PAGES[kind]
    html = client.get(reverse("records:list", args=[kind])).content.decode()
    for group, obj in world.records[kind].items():
        in_scope = group in visible
        link = reverse(detail if kind != "contacts" else edit, args=[obj.pk])
        assert (f'href="{link}"' in html) is in_scope, (role, kind, group, "list")
        assert client.get(reverse(detail, args=[obj.pk])).status_code == (
            200 if in_scope else 404
        ), (role, kind, group, "detail")
        before = fingerprint(obj)
        if in_scope:
            page = client.get(reverse(edit, args=[obj.pk]))
            assert page.status_code == 200
            response = client.post(reverse(edit, args=[obj.pk]), resubmit(page.context["form"]))
            assert response.status_code == 302, (role, kind, group, page.context["form"].errors)
        else:
            response = client.post(reverse(edit, args=[obj.pk]), {"name": "pwned"})
            assert response.status_code == 404, (role, kind, group, "update")
            assert fingerprint(obj) == before


@pytest.mark.parametrize(("role", "kind"), CASES)
def test_exports_hold_exactly_the_visible_ids(world: World, role: str, kind: str) -> None:
    client = signed_in(world, role)
    url = reverse("exchange:export", args=[kind, "csv"])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    got = sorted(b"".join(response.streaming_content).decode("utf-8").splitlines())
    # The same export of exactly the records in scope, written by the exporter itself.
    spec = KINDS[kind]
    in_scope = spec.model._default_manager.filter(pk__in=world.ids(kind, VISIBLE[role]))
    with translation.override("en"):
        expected = sorted("".join(iter_csv(kind, in_scope)).splitlines())
    assert got == expected
    assert len(got) == 1 + len(world.ids(kind, VISIBLE[role]))  # the header and the rows


@pytest.mark.parametrize(("role", "kind"), CASES)
def test_api_lists_and_details_per_role(world: World, role: str, kind: str) -> None:
    client = signed_in(world, role)
    base = f"/api/{API_KINDS[kind]}"
    body = client.get(base, {"page_size": 100}).json()
    items = body["items"] if isinstance(body, dict) else body
    assert {item["id"] for item in items} == world.ids(kind, VISIBLE[role])
    for group, obj in world.records[kind].items():
        expected = 200 if group in VISIBLE[role] else 404
        assert client.get(f"{base}/{obj.pk}").status_code == expected, (role, kind, group)


@pytest.mark.parametrize("role", ROLES)
def test_api_update_out_of_scope_is_404_and_changes_nothing(world: World, role: str) -> None:
    client = signed_in(world, role)
    for kind in ("accounts", "contacts", "leads", "opportunities"):
        for group, obj in world.records[kind].items():
            if group in VISIBLE[role]:
                continue
            before = fingerprint(obj)
            response = client.patch(
                f"/api/{API_KINDS[kind]}/{obj.pk}", {"name": "pwned"}, "application/json"
            )
            assert response.status_code == 404, (role, kind, group, response.content)
            assert fingerprint(obj) == before


@pytest.mark.parametrize("role", ROLES)
def test_delete_an_activity_only_in_scope(world: World, role: str) -> None:
    client = signed_in(world, role)
    for group, activity in world.records["activities"].items():
        url = reverse("records:activity_delete", args=[activity.pk])
        response = client.post(url)
        if group in VISIBLE[role]:
            assert response.status_code == 302
            assert not Activity.objects.filter(pk=activity.pk).exists()
        else:
            assert response.status_code == 404
            assert Activity.objects.filter(pk=activity.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_create_an_account_only_in_a_line_one_works_in(world: World, role: str) -> None:
    client = signed_in(world, role)
    line = Account.objects.get(external_id="X-REP").line
    user = world.users[role]
    data = {"line": line.pk, "name": f"{role}新客户", "owner": user.pk, "tier": "B"}
    response = client.post(reverse("records:account_new"), data)
    created = Account.objects.filter(name=f"{role}新客户").exists()
    if "smb" in LINES[role] and role not in ("pmo", "pmo_free"):
        assert response.status_code == 302, response.context["form"].errors
        assert created
    else:
        assert response.status_code == 200  # the form again: that line is not offered
        assert not created


DASHBOARDS = {"smb": "probability", "ka": "behaviour", "gov": "project"}


@pytest.mark.parametrize("role", ROLES)
def test_dashboards_open_only_the_lines_in_scope(world: World, role: str) -> None:
    client = signed_in(world, role)
    for code, board in DASHBOARDS.items():
        expected = 200 if code in LINES[role] else 404
        for name in (f"dashboards:{board}", "dashboards:mesh"):
            response = client.get(reverse(name), {"line": code})
            assert response.status_code == expected, (role, name, code)


@pytest.mark.parametrize("role", ROLES)
def test_an_import_cannot_reach_a_record_out_of_scope(world: World, role: str, settings, tmp_path):
    """A file naming an account out of scope by its external id: the preview never shows
    that account and a commit never changes it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from salesmesh.exchange.models import ImportRun

    settings.SALESMESH_IMPORT_DIR = tmp_path / "imports"
    client = signed_in(world, role)
    others = [a for g, a in world.records["accounts"].items() if g not in VISIBLE[role]]
    before = {a.pk: fingerprint(a) for a in others}
    text = "line,external_id,name,tier\n" + "".join(
        f"{a.line.code},{a.external_id},改名{a.pk},A\n" for a in others
    )
    upload = SimpleUploadedFile("a.csv", text.encode(), content_type="text/csv")
    client.post(reverse("exchange:import_upload"), {"kind": "accounts", "file": upload})
    if not others:
        return  # an administrator sees every account
    run = ImportRun.objects.get(created_by=world.users[role])
    preview = client.get(reverse("exchange:import_run", args=[run.pk])).content.decode()
    for account in others:
        assert account.name not in preview
    client.post(reverse("exchange:import_commit", args=[run.pk]))
    assert {a.pk: fingerprint(a) for a in others} == before
