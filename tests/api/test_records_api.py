"""Record reads: each kind lists exactly what its selector gives, per role; details 404 alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesmesh.accounts.selectors import accounts_visible_to
from salesmesh.accounts.services import contact_create
from salesmesh.activities.selectors import activities_visible_to, solution_requests_visible_to
from salesmesh.exchange.models import ImportRun
from salesmesh.exchange.selectors import import_runs_visible_to
from salesmesh.org.selectors import memberships_visible_to, units_visible_to
from salesmesh.pipeline.selectors import leads_visible_to, opportunities_visible_to
from salesmesh.projects.selectors import projects_visible_to
from salesmesh.records.selectors import contacts_visible_to
from tests.accounts.factories import make_account
from tests.api.records_world import RecordsWorld, build_records_world, make_records

pytestmark = pytest.mark.django_db

SELECTORS: dict[str, Callable[..., Any]] = {
    "units": units_visible_to,
    "people": memberships_visible_to,
    "accounts": accounts_visible_to,
    "contacts": contacts_visible_to,
    "leads": leads_visible_to,
    "opportunities": opportunities_visible_to,
    "activities": activities_visible_to,
    "solution-requests": solution_requests_visible_to,
    "projects": projects_visible_to,
    "imports": import_runs_visible_to,
}
ROLES = ["boss", "alice", "other", "admin"]


@pytest.fixture
def rworld() -> RecordsWorld:
    world = build_records_world()
    for who in ("alice", "bob", "other"):
        contact_create(account=world.records[who]["account"], name=f"{who} contact")
    for user in world.users.values():
        ImportRun.objects.create(kind="accounts", filename=f"{user}.csv", created_by=user)
    return world


def all_ids(client, kind: str, **params: Any) -> list[Any]:
    """Every id of a list, page by page."""
    ids: list[Any] = []
    page = 1
    while True:
        response = client.get(f"/api/{kind}", {**params, "page": page})
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [item["id"] for item in body["items"]]
        if len(ids) >= body["count"]:
            return ids
        page += 1


@pytest.mark.parametrize("kind", sorted(SELECTORS))
@pytest.mark.parametrize("who", ROLES)
def test_lists_give_exactly_what_the_selector_gives(client, rworld, kind, who):
    user = rworld.users[who]
    client.force_login(user)
    ids = all_ids(client, kind)
    expected = {
        str(pk) if kind == "imports" else pk
        for pk in SELECTORS[kind](user=user).values_list("pk", flat=True)
    }
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    assert ids  # everyone sees something of every kind in this world


def test_a_rep_sees_their_own_records_only_and_the_manager_the_whole_line(client, rworld):
    client.force_login(rworld.users["alice"])
    names = {item["name"] for item in client.get("/api/accounts").json()["items"]}
    assert names == {"甲客户"}
    client.force_login(rworld.users["boss"])
    names = {item["name"] for item in client.get("/api/accounts").json()["items"]}
    assert names == {"甲客户", "乙客户"}


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("accounts", "account"),
        ("leads", "lead"),
        ("opportunities", "opportunity"),
        ("activities", "activity"),
        ("solution-requests", "solution_request"),
        ("projects", "project"),
    ],
)
def test_out_of_scope_detail_is_the_same_404_as_a_missing_id(client, rworld, kind, key):
    client.force_login(rworld.users["alice"])
    mine = rworld.records["alice"][key]
    theirs = rworld.records["bob"][key]
    assert client.get(f"/api/{kind}/{mine.pk}").status_code == 200
    hidden = client.get(f"/api/{kind}/{theirs.pk}")
    missing = client.get(f"/api/{kind}/987654321")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert hidden.json()["code"] == "not_found"


def test_opportunity_detail_has_its_stage_history(client, rworld):
    client.force_login(rworld.users["boss"])
    deal = rworld.records["alice"]["opportunity"]
    body = client.get(f"/api/opportunities/{deal.pk}").json()
    assert body["line"] == "rec"
    assert body["amount"] == "99.90"
    assert [(c["from_stage"], c["to_stage"]) for c in body["stage_history"]] == [("", "lead")]
    assert body["stage_history"][0]["changed_at"].startswith("2025-01-02T01:30:00")


def test_project_detail_has_its_parts(client, rworld):
    client.force_login(rworld.users["alice"])
    project = rworld.records["alice"]["project"]
    body = client.get(f"/api/projects/{project.pk}").json()
    milestones = body["milestones"]
    assert [m["name"] for m in milestones] == ["立项", "验收"]
    assert milestones[1]["depends_on"] == [milestones[0]["id"]]
    assert [s["name"] for s in body["stakeholders"]] == ["王局"]
    assert body["stakeholders"][0]["milestone_id"] == milestones[1]["id"]
    assert [(r["kind"], r["lead_time_days"]) for r in body["resources"]] == [("integration", 5)]
    assert [r["what_happened"] for r in body["reviews"]] == ["启动会"]


def test_account_detail_has_its_ownership_history(client, rworld):
    client.force_login(rworld.users["alice"])
    account = rworld.records["alice"]["account"]
    body = client.get(f"/api/accounts/{account.pk}").json()
    assert [o["owner_id"] for o in body["ownerships"]] == [rworld.users["alice"].pk]
    assert body["ownerships"][0]["ended_at"] is None


def test_filters(client, rworld):
    client.force_login(rworld.users["boss"])
    alice, bob = rworld.users["alice"], rworld.users["bob"]
    deals = client.get("/api/opportunities", {"owner": alice.pk}).json()["items"]
    assert [d["name"] for d in deals] == ["甲商机"]
    assert client.get("/api/opportunities", {"stage": "won"}).json()["count"] == 0
    assert client.get("/api/opportunities", {"stage": "lead", "line": "rec"}).json()["count"] == 2
    assert client.get("/api/opportunities", {"close_from": "2025-07-01"}).json()["count"] == 0
    assert client.get("/api/opportunities", {"close_to": "2025-06-30"}).json()["count"] == 2
    assert (
        client.get("/api/opportunities", {"updated_since": "2025-01-02T02:00:00Z"}).json()["count"]
        == 0
    )
    assert (
        client.get("/api/opportunities", {"updated_since": "2025-01-02T01:00:00Z"}).json()["count"]
        == 2
    )
    activities = client.get("/api/activities", {"person": bob.pk}).json()["items"]
    assert {a["person_id"] for a in activities} == {bob.pk}
    # 2025-01-05 10:00 in Shanghai: the day is the company's, both ends included.
    assert (
        client.get("/api/activities", {"date_from": "2025-01-05", "date_to": "2025-01-05"}).json()[
            "count"
        ]
        == 2
    )
    assert client.get("/api/activities", {"date_from": "2025-01-06"}).json()["count"] == 0
    assert client.get("/api/activities", {"type": "visit"}).json()["count"] == 0
    assert client.get("/api/leads", {"created_from": "2025-01-04"}).json()["count"] == 0
    assert client.get("/api/people", {"role": "manager"}).json()["count"] == 1
    assert client.get("/api/opportunities", {"stage": "nonsense"}).status_code == 422


def test_pagination_50_by_default_at_most_500(client, rworld):
    line, alice = rworld.line, rworld.users["alice"]
    for i in range(60):
        make_account(line, alice, name=f"acc{i:03d}")
    client.force_login(alice)
    first = client.get("/api/accounts").json()
    assert first["count"] == 61
    assert len(first["items"]) == 50
    second = client.get("/api/accounts", {"page": 2}).json()
    assert len(second["items"]) == 11
    assert not {a["id"] for a in first["items"]} & {a["id"] for a in second["items"]}
    # Stable order: by name, then id.
    assert [a["name"] for a in first["items"]][:2] == ["acc000", "acc001"]
    big = client.get("/api/accounts", {"page_size": 10_000}).json()
    assert len(big["items"]) == 61


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


LIST_URLS = [
    "/api/accounts",
    "/api/contacts",
    "/api/leads",
    "/api/opportunities",
    "/api/activities",
    "/api/solution-requests",
    "/api/projects",
    "/api/people",
    "/api/units",
    "/api/imports",
]


def test_list_pages_cost_the_same_queries_for_5_or_50_rows(client, rworld):
    boss = rworld.users["boss"]
    client.force_login(boss)
    for i in range(4):
        make_records(rworld.line, rworld.users["bob"], f"小{i}")
    small = {url: _count_queries(client, url) for url in LIST_URLS}
    for i in range(45):
        make_records(rworld.line, rworld.users["bob"], f"大{i}")
    large = {url: _count_queries(client, url) for url in LIST_URLS}
    assert small == large
    assert client.get("/api/opportunities").json()["count"] >= 50
