"""Per-rep probability actuals and the record-based stage codes, against conftest's hand count."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesmesh.activities.indicators import (
    DEALS_OPENED,
    LEADS_CREATED,
    LEADS_QUALIFIED,
    probability_actuals,
    probability_actuals_by_rep,
    sum_actuals,
)
from salesmesh.core.mesh import ActualIndicators, ActualSource, ActualStage
from salesmesh.org.models import Paradigm
from salesmesh.pipeline.models import Stage
from tests.accounts.factories import make_line
from tests.mesh.conftest import AS_OF, JULY_START, World, deal, leads

pytestmark = pytest.mark.django_db

CODES = (LEADS_CREATED, LEADS_QUALIFIED, DEALS_OPENED, Stage.WON)
NAMES = ("leads", "qualified", "opened", "won")


def stages(*counts: int) -> tuple[ActualStage, ...]:
    return tuple(ActualStage(name=n, entered=c) for n, c in zip(NAMES, counts, strict=True))


ANN = ActualIndicators(
    revenue=Decimal("6000.00"),
    customers=5,
    # 32 created; 15 of them and one of June qualified; 12 opened; 5 won.
    stages=stages(32, 16, 12, 5),
    sources=(
        ActualSource(name="market_coverage", leads=20),
        ActualSource(name="brand", leads=10),
        ActualSource(name="referral", leads=2),
    ),
    calls=150,
    reached_calls=60,
    visits=6,
    reps=1,
)
BO = ActualIndicators(
    revenue=Decimal("1000.00"),
    customers=1,
    # The deal won was opened in June: 4 opened in the window, 1 won.
    stages=stages(10, 4, 4, 1),
    sources=(ActualSource(name="market_coverage", leads=10),),
    calls=50,
    reached_calls=10,
    visits=2,
    reps=1,
)


def by_rep(world: World, **kwargs: object) -> dict[int, ActualIndicators]:
    return probability_actuals_by_rep(
        unit=world.line,
        start=JULY_START,
        end=AS_OF,
        stages=CODES,
        stage_names=NAMES,
        **kwargs,  # type: ignore[arg-type]
    )


def test_each_rep_is_counted_on_their_own(world: World) -> None:
    assert by_rep(world) == {world.ann.pk: ANN, world.bo.pk: BO}


def test_the_unit_is_the_sum_of_its_reps(world: World) -> None:
    total = probability_actuals(
        unit=world.line, start=JULY_START, end=AS_OF, stages=CODES, stage_names=NAMES
    )

    assert total == sum_actuals([ANN, BO], stage_names=NAMES)
    assert total == ActualIndicators(
        revenue=Decimal("7000.00"),
        customers=6,
        stages=stages(42, 20, 16, 6),
        sources=(
            ActualSource(name="market_coverage", leads=30),
            ActualSource(name="brand", leads=10),
            ActualSource(name="referral", leads=2),
        ),
        calls=200,
        reached_calls=70,
        visits=8,
        reps=2,
    )


def test_a_rep_who_did_nothing_has_zeros(world: World) -> None:
    august = probability_actuals_by_rep(
        unit=world.line,
        start=date(2025, 8, 1),
        end=date(2025, 8, 31),
        stages=CODES,
        stage_names=NAMES,
    )

    nothing = ActualIndicators(
        revenue=Decimal("0.00"),
        customers=0,
        stages=stages(0, 0, 0, 0),
        sources=(),
        calls=0,
        reached_calls=0,
        visits=0,
        reps=1,
    )
    assert august == {world.ann.pk: nothing, world.bo.pk: nothing}
    assert sum_actuals([], stage_names=NAMES).reps == 0


def test_sums_refuse_different_funnels() -> None:
    with pytest.raises(ValueError, match="same stages"):
        sum_actuals([ANN], stage_names=("a", "b", "c", "d"))


def test_queries_are_fixed_and_ids_save_one(world: World) -> None:
    with CaptureQueriesContext(connection) as default:
        by_rep(world)
    with CaptureQueriesContext(connection) as given:
        by_rep(world, reps=[world.ann.pk, world.bo.pk])

    # The reps, then won deals, stage entries, leads, behaviours.
    assert (len(default.captured_queries), len(given.captured_queries)) == (5, 4)


def _statements(world: World, reps: list[int]) -> tuple[list[tuple[str, int]], dict[int, object]]:
    """Each statement's text and number of parameters, and the result."""
    captured: list[tuple[str, int]] = []

    def capture(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        captured.append((sql, len(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        result = by_rep(world, reps=reps)
    return captured, dict(result)


def test_the_reps_are_one_array_on_postgresql_and_literals_on_sqlite(world: World) -> None:
    two = [world.ann.pk, world.bo.pk]
    many = [*two, *range(10_000, 10_040)]  # forty ids of nobody
    small, few = _statements(world, two)
    large, more = _statements(world, many)
    assert {pk: more[pk] for pk in two} == few == {world.ann.pk: ANN, world.bo.pk: BO}
    assert len(small) == len(large) == 4
    if connection.vendor == "postgresql":
        # The same four statements whatever the number of reps: psycopg parses each once.
        assert large == small
    else:
        # SQLite's planner reads the list: each list of reps grows by the forty ids (the
        # leads' statement has two, one per half of its OR).
        assert [n - m for (_, n), (_, m) in zip(large, small, strict=True)] == [40, 40, 80, 40]


def test_a_rep_s_deals_and_leads_in_another_line_count_in_that_line_only(world: World) -> None:
    """Someone who also sells in another line brings its records to its figures, not here."""
    other = make_line("other-line", Paradigm.PROBABILITY)
    # The org tree keeps lines in order of their codes: the world's units moved.
    world.line.refresh_from_db()
    world.team_a.refresh_from_db()
    deal(other, world.ann, "900", opened=date(2025, 7, 2), won=date(2025, 7, 9))
    leads(other, world.ann, "brand", 4, qualified=2)
    assert by_rep(world) == {world.ann.pk: ANN, world.bo.pk: BO}
    # In the other line the same rep's figures are exactly those records.
    there = probability_actuals_by_rep(
        unit=other, start=JULY_START, end=AS_OF, stages=CODES, stage_names=NAMES,
        reps=[world.ann.pk],
    )[world.ann.pk]  # fmt: skip
    assert (there.revenue, there.customers) == (Decimal("900.00"), 1)
    assert [s.entered for s in there.stages] == [4, 2, 1, 1]
    # A team's figures keep to the team's line as well.
    team = probability_actuals_by_rep(
        unit=world.team_a, start=JULY_START, end=AS_OF, stages=CODES, stage_names=NAMES
    )
    assert team[world.ann.pk] == ANN
