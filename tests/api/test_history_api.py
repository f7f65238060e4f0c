"""GET /api/history/{kind}/{id}: a record's changes as its page shows them, scoped alike."""

from __future__ import annotations

import json
from datetime import date

import pytest

from salesmesh.projects.models import Milestone
from salesmesh.projects.services import milestone_update
from tests.api.records_world import RecordsWorld, build_records_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def rworld() -> RecordsWorld:
    return build_records_world()


def test_a_stage_and_amount_change_made_through_the_api_is_in_its_history(client, rworld):
    alice = rworld.users["alice"]
    client.force_login(alice)
    deal = rworld.records["alice"]["opportunity"]
    changed = client.patch(
        f"/api/opportunities/{deal.pk}",
        json.dumps({"stage": "won", "amount": "777.00"}),
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content

    response = client.get(f"/api/history/opportunities/{deal.pk}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200, response.content
    body = response.json()
    rows = {row["field"]: row for row in body["items"]}
    assert rows["stage"]["new"] == "won"
    assert rows["stage"]["new_label"] == "Won"
    assert rows["stage"]["old"] == "lead"
    assert rows["amount"]["new"] == "777.00"
    for row in rows.values():
        assert (row["by_id"], row["source"]) == (alice.pk, "api")
        assert (row["record_kind"], row["record_id"]) == ("opportunities", deal.pk)
        assert row["at"].endswith("Z") or row["at"].endswith("+00:00")
    assert body["count"] == len(body["items"])


def test_someone_else_s_record_and_a_missing_one_are_the_same_404(client, rworld):
    client.force_login(rworld.users["alice"])
    bob_deal = rworld.records["bob"]["opportunity"]
    assert client.get(f"/api/history/opportunities/{bob_deal.pk}").status_code == 404
    assert client.get("/api/history/opportunities/999999").status_code == 404
    assert client.get(f"/api/history/nonsense/{bob_deal.pk}").status_code == 422
    # Their manager sees it.
    client.force_login(rworld.users["boss"])
    assert client.get(f"/api/history/opportunities/{bob_deal.pk}").status_code == 200


def test_a_project_s_history_holds_its_milestones_newest_first(client, rworld):
    project = rworld.records["alice"]["project"]
    first, second = Milestone.objects.filter(project=project).order_by("planned_date")
    milestone_update(milestone=first, by=rworld.users["boss"], planned_date=date(2025, 3, 8))
    milestone_update(milestone=second, by=rworld.users["boss"], actual_date=date(2025, 9, 3))
    client.force_login(rworld.users["boss"])

    body = client.get(f"/api/history/projects/{project.pk}").json()

    assert [(row["record_id"], row["field"]) for row in body["items"]] == [
        (second.pk, "actual_date"),
        (first.pk, "planned_date"),
    ]
    assert {row["record_kind"] for row in body["items"]} == {"milestones"}
    assert body["items"][1]["old"] == "2025-03-01"
    assert body["items"][1]["new"] == "2025-03-08"
    # The milestone's own history has just its change; the other rep cannot see either.
    own = client.get(f"/api/history/milestones/{first.pk}").json()
    assert [row["field"] for row in own["items"]] == ["planned_date"]
    client.force_login(rworld.users["bob"])
    assert client.get(f"/api/history/projects/{project.pk}").status_code == 404
    assert client.get(f"/api/history/milestones/{first.pk}").status_code == 404


def test_the_history_is_read_only(client, rworld):
    client.force_login(rworld.users["admin"])
    deal = rworld.records["alice"]["opportunity"]
    url = f"/api/history/opportunities/{deal.pk}"
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(url).status_code == 405, method
