"""The mesh and catch-up operations: the same numbers and scope as the page, in JSON."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from tests.mesh.conftest import World

pytestmark = pytest.mark.django_db


def test_the_manager_gets_the_tree_and_everyone_in_it(client, world: World):
    client.force_login(world.manager)
    response = client.get("/api/mesh/pl?as_of=2025-07-14", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == "2025-07"
    assert body["root"]["key"] == "revenue"
    assert Decimal(body["root"]["plan"]) == Decimal("46000")
    assert Decimal(body["root"]["actual"]) == Decimal("7000")
    assert Decimal(body["root"]["expected_to_date"]) == Decimal("20000")
    assert body["root"]["children"]
    assert {p["person_id"] for p in body["people"]} == {world.ann.pk, world.bo.pk}
    shares = sum(Decimal(f["share"]) for f in body["attribution"]["factors"])
    assert shares == Decimal(body["attribution"]["gap"])
    assert Decimal(body["catch_up"]["remaining_target"]) == Decimal("39000")


def test_a_rep_gets_only_their_own_tree(client, world: World):
    client.force_login(world.ann)
    body = client.get("/api/mesh/pl?as_of=2025-07-14").json()
    assert body["root"] is None
    assert body["attribution"] is None
    assert [p["person_id"] for p in body["people"]] == [world.ann.pk]
    response = client.get("/api/mesh/pl/catch-up?as_of=2025-07-14")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_catch_up_alone(client, world: World):
    client.force_login(world.manager)
    body = client.get("/api/mesh/pl/catch-up?as_of=2025-07-14").json()
    assert body["remaining_working_days"] == 13
    assert {row["key"] for row in body["rows"]} >= {"calls", "visits"}


def test_out_of_scope_and_unknown_lines_are_the_same_404(client, world: World):
    client.force_login(world.ann)
    other = client.get("/api/mesh/nope")
    assert other.status_code == 404
    body = other.json()
    assert body["code"] == "not_found"
    assert body["message"]
    assert set(body) == {"code", "message"}


def test_signed_out_calls_get_401_in_json_not_a_login_page(world: World):
    response = Client().get("/api/mesh/pl")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_bad_day_is_a_422_naming_the_field(client, world: World):
    client.force_login(world.manager)
    response = client.get("/api/mesh/pl?as_of=yesterday", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert any("as_of" in error["field"] for error in body["errors"])


def test_the_schema_lists_the_operations_and_needs_a_login(client, world: World):
    assert Client().get("/api/openapi.json").status_code == 302
    client.force_login(world.manager)
    schema = client.get("/api/openapi.json").json()
    assert "/api/mesh/{line}" in schema["paths"]
    assert "/api/mesh/{line}/catch-up" in schema["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
