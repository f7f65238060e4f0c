"""The forecast operation on the crafted July line: closed revenue, quantiles, the fan, scope."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.mesh.conftest import World

pytestmark = pytest.mark.django_db


def test_the_manager_gets_the_line_forecast(client, world: World):
    client.force_login(world.manager)
    response = client.get("/api/forecast/pl?as_of=2025-07-14")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == "2025-07"
    assert Decimal(body["target"]) == Decimal("46000")
    # The line's revenue: the reps' 7,000 and the manager's own 9,999 deal (the mesh's
    # funnel counts reps only; the forecast counts everything the line closes).
    assert Decimal(body["closed"]) == Decimal("16999")
    p10, p50, p90 = (Decimal(body[k]) for k in ("p10", "p50", "p90"))
    assert Decimal("16999") <= p10 <= p50 <= p90
    assert 0 <= body["probability_of_target"] <= 1
    assert body["fan"]
    assert body["fan"][-1]["end"] == "2025-07-31"


def test_a_rep_gets_their_own_share_and_no_backtest(client, world: World):
    client.force_login(world.bo)
    body = client.get("/api/forecast/pl?as_of=2025-07-14").json()
    assert Decimal(body["closed"]) == Decimal("1000")
    assert client.get("/api/forecast/pl/backtest").status_code == 404


def test_out_of_scope_is_404(client, world: World):
    client.force_login(world.ann)
    response = client.get("/api/forecast/somewhere-else")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
