"""Loading a stored plan version back into the planner's objects, and matching its people."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from salesmesh.core.calendar import FiscalCalendar
from salesmesh.core.probability import plan_probability
from salesmesh.mesh import plans
from salesmesh.mesh.plans import (
    clamp_as_of,
    load_plan,
    match_people,
    unit_people,
    unit_persons,
)
from salesmesh.org.models import Role, User
from salesmesh.planfile.errors import PlanFileError
from salesmesh.planning.documents import run_document
from salesmesh.planning.models import PlanStatus, PlanVersion
from tests.mesh.conftest import World

pytestmark = pytest.mark.django_db


def test_a_probability_version_loads_as_the_planner_made_it(world: World) -> None:
    loaded = load_plan(world.version)
    inputs, result = loaded.probability()

    assert loaded.version_id == world.version.pk
    assert (loaded.period.label, loaded.work_calendar.country) == ("2025-07", "CN")
    assert [rep.rep_id for rep in inputs.reps] == ["ann", "E002"]
    # What `salesmesh plan` computes for the same document.
    stored = run_document(world.version.assumptions).data["plan"]
    assert (result.customers, result.leads, result.calls, result.visits) == (46, 368, 1472, 46)
    assert (stored["customers"], stored["calls"]) == (46, 1472)
    assert plan_probability(inputs).customers == result.customers
    with pytest.raises(TypeError):
        loaded.behaviour()
    with pytest.raises(TypeError):
        loaded.project()


def test_behaviour_and_project_versions_load_too(demo_company: None) -> None:
    ka = PlanVersion.objects.get(unit__code="ka", status=PlanStatus.APPROVED)
    gov = PlanVersion.objects.get(unit__code="gov", status=PlanStatus.APPROVED)

    plan_input, behaviour = load_plan(ka).behaviour()
    assert plan_input.accounts
    assert behaviour.tiers
    projects, portfolio = load_plan(gov).project()
    assert len(projects) == len(portfolio.projects)


def test_loaded_plans_are_cached_by_version_and_content(world: World) -> None:
    first = load_plan(world.version)
    assert load_plan(world.version) is first

    # A different document under the same id (a reused id, an edited draft) is planned anew.
    world.version.assumptions = copy.deepcopy(world.version.assumptions) | {"target": 23_000}
    second = load_plan(world.version)
    assert second is not first
    assert second.probability()[1].customers == 23


def test_an_invalid_stored_document_says_what_is_wrong(world: World) -> None:
    world.version.assumptions = world.version.assumptions | {"target": "lots"}

    with pytest.raises(PlanFileError) as caught:
        load_plan(world.version)
    assert [path for path, _ in caught.value.problems] == ["target"]


def test_the_cache_is_bounded(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plans, "CACHE_SIZE", 2)
    documents = [copy.deepcopy(world.version.assumptions) | {"target": 1000 * n} for n in (1, 2, 3)]
    loaded = []
    for document in documents:
        world.version.assumptions = document
        loaded.append(load_plan(world.version))

    world.version.assumptions = documents[0]
    assert load_plan(world.version) is not loaded[0]  # evicted
    world.version.assumptions = documents[2]
    assert load_plan(world.version) is loaded[2]


def test_people_match_by_username_then_employee_number(world: World) -> None:
    reps = unit_people(unit=world.line, roles=[Role.REP])
    assert [person.username for person in reps] == ["ann", "bo"]

    matched = match_people(["ann", "E002", "bo", "gone"], reps)
    # Bo is matched by his employee number first; "bo" then finds him taken.
    assert matched == {"ann": world.ann, "E002": world.bo}
    someone = User.objects.create(username="E002")
    assert match_people(["E002"], [world.bo, someone]) == {"E002": someone}


def test_as_of_is_clamped_into_the_period() -> None:
    july = FiscalCalendar(1).parse("2025-07")

    assert clamp_as_of(period=july, as_of=date(2025, 7, 14)) == date(2025, 7, 14)
    assert clamp_as_of(period=july, as_of=date(2025, 8, 2)) == date(2025, 7, 31)
    assert clamp_as_of(period=july, as_of=date(2025, 1, 2)) == date(2025, 6, 30)


def test_a_document_json_would_store_differently_is_still_told_apart(world: World) -> None:
    first = load_plan(world.version)
    # A Decimal put in by a caller (marshal cannot write it): the digest goes through JSON.
    world.version.assumptions = copy.deepcopy(world.version.assumptions) | {
        "target": Decimal("23000")
    }
    second = load_plan(world.version)
    assert second is not first
    assert second.probability()[1].customers == 23
    assert load_plan(world.version) is second


def test_the_memo_computes_once_per_key_and_lives_with_the_plan(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_plan(world.version)
    computed: list[str] = []

    def compute(value: str) -> str:
        computed.append(value)
        return value.upper()

    assert loaded.memo(("k", 1), lambda: compute("a")) == "A"
    assert loaded.memo(("k", 1), lambda: compute("b")) == "A"
    assert loaded.memo(("k", 2), lambda: compute("c")) == "C"
    assert computed == ["a", "c"]
    monkeypatch.setattr(plans, "MEMO_SIZE", 2)
    loaded.memo(("k", 3), lambda: compute("d"))  # ("k", 1) is the oldest: forgotten
    assert loaded.memo(("k", 1), lambda: compute("e")) == "E"
    assert computed == ["a", "c", "d", "e"]
    # Another document is another plan, with a memo of its own.
    world.version.assumptions = copy.deepcopy(world.version.assumptions) | {"target": 23_000}
    assert load_plan(world.version).memo(("k", 2), lambda: compute("f")) == "F"


def test_unit_persons_are_unit_people_as_records(
    world: World, django_assert_num_queries: Any
) -> None:
    people = unit_people(unit=world.line, roles=[Role.REP])
    with django_assert_num_queries(1):
        records = unit_persons(unit=world.line, roles=[Role.REP])
    assert [(r.pk, r.username, r.employee_no) for r in records] == [
        (p.pk, p.username, p.employee_no) for p in people
    ]
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert [r.display_name for r in records] == [p.display_name for p in people]
    # Matched as the users are: Bo by his employee number.
    matched = match_people(["ann", "E002"], records)
    assert {plan_id: person.pk for plan_id, person in matched.items()} == {
        "ann": world.ann.pk,
        "E002": world.bo.pk,
    }
