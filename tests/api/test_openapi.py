"""The schema lists every operation with its responses and the error body; docs use local assets."""

from __future__ import annotations

import re

import pytest

from tests.accounts.factories import make_user

pytestmark = pytest.mark.django_db

OBJECTS = [
    "units", "people", "plans", "accounts", "contacts", "leads", "opportunities",
    "activities", "solution-requests", "projects", "imports",
]  # fmt: skip


def test_every_object_has_list_and_detail_with_their_errors(client):
    client.force_login(make_user("reader"))
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "ErrorOut" in schema["components"]["schemas"]
    for kind in OBJECTS:
        listing = paths[f"/api/{kind}"]["get"]
        assert "200" in listing["responses"]
        detail = next(p for p in paths if re.fullmatch(rf"/api/{kind}/\{{\w+\}}", p))
        responses = paths[detail]["get"]["responses"]
        for status in ("200", "401", "404", "422"):
            assert status in responses, (kind, status)
        error = responses["404"]["content"]["application/json"]["schema"]["$ref"]
        assert error.endswith("/ErrorOut")
    for path in (
        "/api/accounts",
        "/api/contacts",
        "/api/leads",
        "/api/opportunities",
        "/api/activities",
    ):
        create = paths[path]["post"]["responses"]
        assert {"201", "401", "409", "422"} <= set(create)
    for path in ("/api/opportunities/{opportunity_id}", "/api/accounts/{account_id}"):
        assert {"200", "404", "409", "422"} <= set(paths[path]["patch"]["responses"])
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}


def test_the_docs_page_loads_no_cdn_assets(client):
    client.force_login(make_user("reader"))
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    html = docs.content.decode().lower()
    assert "cdn" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(not s.startswith(("http:", "https:", "//")) for s in sources)
