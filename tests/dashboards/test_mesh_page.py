"""The mesh tree page, the person partial and the overview on the crafted July line.

The world (tests/mesh/conftest.py): target 46,000 over July 2025's 23 working days; by 14
July (10 working days) Ann won 6,000 and Bo 1,000, so the line expects 20,000 and has 7,000.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.mesh.conftest import World, deal

pytestmark = pytest.mark.django_db

MESH = "/dashboards/mesh/?line=pl&as_of=2025-07-14"


def test_the_manager_sees_the_line_tree_catch_up_and_people(client, world: World):
    client.force_login(world.manager)
    with translation.override("en"):
        response = client.get(MESH, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="mesh-tree"' in html
    assert 'data-key="revenue"' in html
    # Root: plan 46,000, expected 20,000 (10 of 23 working days), actual 7,000.
    assert "plan 46,000.00" in html
    assert "expected 20,000.00" in html
    assert "actual 7,000.00" in html
    assert 'id="catch-up"' in html
    assert "39,000.00 to close in 13 working days." in html
    people = response.context["page"].people
    assert {p.name for p in people} == {world.ann.display_name, world.bo.display_name}


def test_the_person_partial_shows_one_tree_in_scope_only(client, world: World):
    client.force_login(world.manager)
    response = client.get(
        f"/dashboards/mesh/person/?line=pl&as_of=2025-07-14&person={world.ann.pk}"
    )
    assert response.status_code == 200
    assert response.context["person"].person_id == world.ann.pk
    assert client.get("/dashboards/mesh/person/?line=pl&person=abc").status_code == 404


def test_a_rep_sees_only_their_own_tree(client, world: World):
    client.force_login(world.ann)
    response = client.get(MESH)
    assert response.status_code == 200
    page = response.context["page"]
    assert page.report is None
    assert page.people == ()
    assert page.own.person_id == world.ann.pk
    html = response.content.decode()
    assert f"person={world.bo.pk}" not in html
    assert 'id="mesh-people"' not in html
    # Bo's tree is not Ann's to open, and another line is not hers to see.
    bo_tree = f"/dashboards/mesh/person/?line=pl&as_of=2025-07-14&person={world.bo.pk}"
    assert client.get(bo_tree).status_code == 404
    assert client.get("/dashboards/mesh/?line=elsewhere").status_code == 404


def test_the_page_speaks_chinese_by_default(client, world: World):
    client.force_login(world.manager)
    html = client.get(MESH).content.decode()
    assert "追赶计划" in html  # the catch-up plan's heading


def test_a_bad_day_falls_back_to_today_with_a_message(client, world: World):
    client.force_login(world.manager)
    with translation.override("en"):
        response = client.get(
            "/dashboards/mesh/?line=pl&as_of=14-07-2025", HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200
    assert "is not a date" in response.content.decode()


def test_query_count_does_not_grow_with_the_data(client, world: World):
    from datetime import date

    client.force_login(world.manager)
    client.get(MESH)  # warm the plan cache
    with CaptureQueriesContext(connection) as small:
        client.get(MESH)
    for _ in range(20):
        deal(world.line, world.ann, "700", date(2025, 7, 4), won=date(2025, 7, 10))
    with CaptureQueriesContext(connection) as large:
        response = client.get(MESH)
    assert response.context["page"].report.root.actual == 7000 + 20 * 700
    assert len(large) == len(small)


def test_the_overview_lists_the_line_with_its_attainment(client, world: World):
    client.force_login(world.manager)
    with translation.override("en"):
        response = client.get("/dashboards/?as_of=2025-07-14", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    (summary,) = response.context["summaries"]
    assert summary.root.plan == 46000
    assert summary.root.actual == 7000
    html = response.content.decode()
    assert 'id="attainment-chart"' in html
    assert "15.2%" in html  # 7,000 of 46,000
    # The forecast: at least what has closed, and a fan chart for the line.
    assert summary.forecast.attainment.p10 >= 7000
    assert 'id="fan-pl-chart"' in html
    assert 'id="top-alerts"' in html


def test_the_overview_shows_a_rep_their_own_share(client, world: World):
    client.force_login(world.bo)
    response = client.get("/dashboards/?as_of=2025-07-14")
    (summary,) = response.context["summaries"]
    assert summary.own
    assert summary.root.actual == 1000


def test_overview_query_count_does_not_grow_with_the_data(client, world: World):
    from datetime import date

    from django.core.cache import cache

    client.force_login(world.manager)
    url = "/dashboards/?as_of=2025-07-14"
    client.get(url)  # warm the plan cache
    cache.clear()  # forecast and the alerts' evaluation recompute, as after any change
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(20):
        deal(world.line, world.bo, "650", date(2025, 7, 7), won=date(2025, 7, 9))
        deal(world.line, world.bo, "650", date(2025, 7, 8))
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    (summary,) = response.context["summaries"]
    assert summary.root.actual == 7000 + 20 * 650
    assert len(large) == len(small)


def test_a_team_the_plan_does_not_cover_is_told_so_not_a_server_error(client, world: World):
    """A new team under the line, hired after the plan: its manager gets a page, not a 500."""
    from salesmesh.org.models import Role
    from tests.accounts.factories import make_team, make_user

    team = make_team(world.line, "tc")
    lead = make_user("carol", unit=team, role=Role.MANAGER)
    make_user("dan", unit=team)
    client.force_login(lead)
    with translation.override("en"):
        page = client.get(MESH, HTTP_ACCEPT_LANGUAGE="en")
        overview = client.get("/dashboards/?as_of=2025-07-14", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.context["page"].report is None
    assert "has no part for you" in page.content.decode()
    assert overview.status_code == 200
    assert overview.context["summaries"][0].root is None
    api = client.get("/api/mesh/pl?as_of=2025-07-14")
    assert api.status_code == 404
    assert api.json()["code"] == "not_found"
