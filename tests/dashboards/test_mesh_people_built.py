"""Pages that show one person's tree build that tree only, not every person's of the line.

A person's tree costs milliseconds (its attribution and diagnosis most of them), so a
line of a thousand reps took seconds to show one. The crafted July line
(tests/mesh/conftest.py) has two reps, Ann and Bo; every page below must build Ann's tree
alone, and show the same tree the full build gives.
"""

from __future__ import annotations

from typing import Any

import pytest

import salesmesh.mesh.probability as builder
from salesmesh.mesh.services import mesh_report
from tests.mesh.conftest import AS_OF, World

pytestmark = pytest.mark.django_db

Q = "line=pl&as_of=2025-07-14"


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The user ids of every per-person tree the probability builder makes."""
    made: list[int] = []
    real = builder.PersonMesh

    def recording(**fields: Any) -> Any:
        made.append(fields["person_id"])
        return real(**fields)

    monkeypatch.setattr(builder, "PersonMesh", recording)
    return made


def _full_tree_of(world: World, person_id: int) -> Any:
    return next(
        p
        for p in mesh_report(version=world.version, as_of=AS_OF).people
        if p.person_id == person_id
    )


def test_the_person_partial_builds_that_person_alone(client, world: World, built: list[int]):
    client.force_login(world.manager)
    response = client.get(f"/dashboards/mesh/person/?{Q}&person={world.ann.pk}")
    assert response.status_code == 200
    assert built == [world.ann.pk]
    assert response.context["person"] == _full_tree_of(world, world.ann.pk)


def test_the_managers_page_builds_everyone_it_lists(client, world: World, built: list[int]):
    client.force_login(world.manager)
    response = client.get(f"/dashboards/mesh/?{Q}")
    assert response.status_code == 200
    assert sorted(built) == sorted([world.ann.pk, world.bo.pk])
    assert len(response.context["page"].people) == 2


def test_a_reps_mesh_page_builds_their_own_tree_alone(client, world: World, built: list[int]):
    client.force_login(world.ann)
    response = client.get(f"/dashboards/mesh/?{Q}")
    assert response.status_code == 200
    assert built == [world.ann.pk]
    assert response.context["page"].own == _full_tree_of(world, world.ann.pk)
    built.clear()
    own = client.get(f"/dashboards/mesh/person/?{Q}&person={world.ann.pk}")
    assert own.status_code == 200
    assert built == [world.ann.pk]


def test_a_reps_overview_row_builds_their_own_tree_alone(client, world: World, built: list[int]):
    client.force_login(world.ann)
    response = client.get("/dashboards/?as_of=2025-07-14")
    assert response.status_code == 200
    assert built == [world.ann.pk]
    (summary,) = response.context["summaries"]
    assert summary.own
    assert summary.root == _full_tree_of(world, world.ann.pk).root


@pytest.mark.parametrize("card", ["funnel", "bottlenecks"])
def test_a_reps_probability_cards_build_their_own_tree_alone(
    client, world: World, built: list[int], card: str
):
    client.force_login(world.ann)
    response = client.get(f"/dashboards/probability/{card}/?{Q}")
    assert response.status_code == 200
    assert built == [world.ann.pk]
    assert response.context["mesh"].own == _full_tree_of(world, world.ann.pk)


def test_the_managers_funnel_builds_nobodys_tree(client, world: World, built: list[int]):
    client.force_login(world.manager)
    response = client.get(f"/dashboards/probability/funnel/?{Q}")
    assert response.status_code == 200
    assert response.context["mesh"].report is not None
    assert built == []


def test_the_api_builds_a_reps_own_tree_alone_and_no_tree_for_the_catch_up(
    client, world: World, built: list[int]
):
    client.force_login(world.ann)
    body = client.get("/api/mesh/pl?as_of=2025-07-14").json()
    assert [p["person_id"] for p in body["people"]] == [world.ann.pk]
    assert built == [world.ann.pk]
    built.clear()
    client.force_login(world.manager)
    response = client.get("/api/mesh/pl/catch-up?as_of=2025-07-14")
    assert response.status_code == 200
    assert built == []
