"""Probability actuals of an org unit, from the rollups and the stage history, in fixed queries.

The fixture is built by hand through the services so every expected figure can be counted
on the page: window 1 … 31 March 2026 (Shanghai days), team A with reps Ann and Bo and a
manager, team B with rep Cy, all in one probability line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesmesh.activities.indicators import probability_actuals, unit_rep_ids
from salesmesh.activities.models import Activity, ActivityType
from salesmesh.activities.services import activities_bulk_create, activity_create
from salesmesh.core.calendar import FiscalCalendar, WorkCalendar
from salesmesh.core.mesh import (
    ActualIndicators,
    ActualSource,
    ActualStage,
    PlanIndicators,
    PlanSource,
    PlanStage,
    probability_mesh,
)
from salesmesh.org.models import OrgUnit, Paradigm, Role, User
from salesmesh.pipeline.models import LeadSource, Stage
from salesmesh.pipeline.services import lead_create, opportunity_create, opportunity_stage_change
from tests.accounts.factories import make_account, make_line, make_team, make_user, shanghai

pytestmark = pytest.mark.django_db

START = date(2026, 3, 1)
END = date(2026, 3, 31)
FUNNEL = (Stage.LEAD, Stage.QUALIFIED, Stage.PROPOSAL)


@dataclass
class World:
    line: OrgUnit
    team_a: OrgUnit
    team_b: OrgUnit
    ann: User
    bo: User
    cy: User
    manager: User


def _deal(world: World, owner: User, amount: str, *moves: tuple[str, tuple[int, ...]]) -> None:
    """A deal created at the first move's stage and moved through the rest, at Shanghai times."""
    account = make_account(world.line, owner)
    (first, at), *rest = moves
    deal = opportunity_create(
        line=world.line,
        account=account,
        name=f"deal {account.pk}",
        owner=owner,
        stage=first,
        amount=Decimal(amount),
        at=shanghai(*at),
    )
    for stage, when in rest:
        deal = opportunity_stage_change(opportunity=deal, stage=stage, at=shanghai(*when))


def _lead(world: World, owner: User | None, source: str, created_on: date) -> None:
    lead_create(line=world.line, source=source, created_on=created_on, owner=owner)


def _activity(person: User, kind: str, at: tuple[int, ...], *, reached: bool = False) -> None:
    activity_create(person=person, type=kind, occurred_at=shanghai(*at), reached=reached)


@pytest.fixture
def world() -> World:
    line = make_line("prob", Paradigm.PROBABILITY)
    team_a = make_team(line, "ta")
    team_b = make_team(line, "tb")
    world = World(
        line=line,
        team_a=team_a,
        team_b=team_b,
        ann=make_user("ann", unit=team_a),
        bo=make_user("bo", unit=team_a),
        cy=make_user("cy", unit=team_b),
        manager=make_user("boss", unit=team_a, role=Role.MANAGER),
    )
    ann, bo, cy = world.ann, world.bo, world.cy
    L, Q, P, W, X, N = (
        Stage.LEAD,
        Stage.QUALIFIED,
        Stage.PROPOSAL,
        Stage.WON,
        Stage.LOST,
        Stage.NEGOTIATION,
    )
    # Ann: opened in February, qualified, proposal and won in March.
    _deal(world, ann, "1000", (L, (2026, 2, 20, 9)), (Q, (2026, 3, 3, 9)), (P, (2026, 3, 10, 9)),
          (W, (2026, 3, 20, 9)))  # fmt: skip
    # Ann: won at 23:30 on the window's last Shanghai day (15:30 UTC): inside.
    _deal(world, ann, "2500.50", (L, (2026, 3, 2, 9)), (Q, (2026, 3, 5, 9)),
          (W, (2026, 3, 31, 23, 30)))  # fmt: skip
    # Ann: won, reopened, won again, all in March: one customer, counted once.
    _deal(world, ann, "300", (L, (2026, 3, 5, 9)), (W, (2026, 3, 8, 9)), (N, (2026, 3, 9, 9)),
          (W, (2026, 3, 12, 9)))  # fmt: skip
    # Bo: opened and qualified in March, lost.
    _deal(world, bo, "700", (L, (2026, 3, 4, 9)), (Q, (2026, 3, 6, 9)), (X, (2026, 3, 15, 9)))
    # Bo: everything in February, the win one minute before the window.
    _deal(world, bo, "900", (L, (2026, 2, 1, 9)), (Q, (2026, 2, 5, 9)),
          (W, (2026, 2, 28, 23, 59)))  # fmt: skip
    # Bo: opened in March, won at 00:00 on 1 April in Shanghai (still 31 March in UTC).
    _deal(world, bo, "400", (L, (2026, 3, 28, 9)), (W, (2026, 4, 1, 0, 0)))
    # Cy, of the other team: opened and won in March.
    _deal(world, cy, "5000", (L, (2026, 3, 2, 9)), (W, (2026, 3, 3, 9)))

    market, brand = LeadSource.MARKET_COVERAGE, LeadSource.BRAND
    _lead(world, ann, market, date(2026, 3, 1))
    _lead(world, ann, market, date(2026, 3, 31))
    _lead(world, ann, brand, date(2026, 3, 15))
    _lead(world, ann, market, date(2026, 2, 28))  # before the window
    _lead(world, bo, market, date(2026, 3, 10))
    _lead(world, bo, brand, date(2026, 4, 1))  # after the window
    _lead(world, cy, brand, date(2026, 3, 10))  # other team
    _lead(world, None, market, date(2026, 3, 10))  # nobody's

    call, visit = ActivityType.CALL, ActivityType.VISIT
    _activity(ann, call, (2026, 3, 2, 10), reached=True)
    _activity(ann, call, (2026, 3, 2, 11))
    _activity(ann, call, (2026, 3, 31, 23, 30), reached=True)  # last local day
    _activity(ann, visit, (2026, 3, 3, 14), reached=True)
    _activity(ann, call, (2026, 4, 1, 0, 30), reached=True)  # 1 April in Shanghai: outside
    _activity(bo, call, (2026, 3, 10, 10))
    _activity(bo, visit, (2026, 3, 11, 10))
    _activity(bo, visit, (2026, 3, 12, 10))
    _activity(bo, ActivityType.EMAIL, (2026, 3, 12, 11), reached=True)  # neither call nor visit
    _activity(bo, call, (2026, 2, 28, 10), reached=True)  # before the window
    _activity(cy, call, (2026, 3, 10, 10), reached=True)  # other team
    _activity(cy, visit, (2026, 3, 10, 11))  # other team
    _activity(world.manager, call, (2026, 3, 10, 12), reached=True)  # not a rep
    return world


TEAM_A = ActualIndicators(
    revenue=Decimal("3800.50"),  # 1000 + 2500.50 + 300
    customers=3,
    stages=(
        ActualStage(name="lead", entered=4),  # 2500.50, 300, 700, 400 deals
        ActualStage(name="qualified", entered=3),  # 1000, 2500.50, 700 deals
        ActualStage(name="proposal", entered=1),  # 1000 deal
    ),
    sources=(
        ActualSource(name="market_coverage", leads=3),
        ActualSource(name="brand", leads=1),
    ),
    calls=4,
    reached_calls=2,
    visits=3,
    reps=2,
)


def test_team_actuals_equal_the_hand_count(world: World) -> None:
    actual = probability_actuals(unit=world.team_a, start=START, end=END, stages=FUNNEL)

    assert actual == TEAM_A
    assert actual.revenue.as_tuple().exponent == -2


def test_line_actuals_take_in_every_team(world: World) -> None:
    actual = probability_actuals(unit=world.line, start=START, end=END, stages=FUNNEL)

    assert actual == ActualIndicators(
        revenue=Decimal("8800.50"),
        customers=4,
        stages=(
            ActualStage(name="lead", entered=5),
            ActualStage(name="qualified", entered=3),
            ActualStage(name="proposal", entered=1),
        ),
        sources=(
            ActualSource(name="market_coverage", leads=3),
            ActualSource(name="brand", leads=2),
        ),
        calls=5,
        reached_calls=3,
        visits=4,
        reps=3,
    )


def test_reps_given_as_ids_or_queryset_give_the_same_result(world: World) -> None:
    ids = [world.ann.pk, world.bo.pk, world.ann.pk]  # a repeat is still one rep
    by_ids = probability_actuals(unit=world.team_a, start=START, end=END, stages=FUNNEL, reps=ids)
    by_queryset = probability_actuals(
        unit=world.team_a,
        start=START,
        end=END,
        stages=FUNNEL,
        reps=User.objects.filter(username__in=["ann", "bo"]),
    )

    assert by_ids == TEAM_A
    assert by_queryset == TEAM_A
    assert sorted(unit_rep_ids(unit=world.team_a)) == sorted([world.ann.pk, world.bo.pk])


def test_a_one_day_window_and_named_stages(world: World) -> None:
    actual = probability_actuals(
        unit=world.team_a,
        start=END,
        end=END,
        stages=(Stage.QUALIFIED, Stage.WON),
        stage_names=("Qualified", "Won"),
    )

    assert actual == ActualIndicators(
        revenue=Decimal("2500.50"),
        customers=1,
        stages=(ActualStage(name="Qualified", entered=0), ActualStage(name="Won", entered=1)),
        sources=(ActualSource(name="market_coverage", leads=1),),
        calls=1,
        reached_calls=1,
        visits=0,
        reps=2,
    )


def test_a_unit_without_reps_has_nothing(world: World) -> None:
    empty = make_team(world.line, "tc")

    actual = probability_actuals(unit=empty, start=START, end=END, stages=FUNNEL)

    assert actual == ActualIndicators(
        revenue=Decimal("0.00"),
        customers=0,
        stages=tuple(ActualStage(name=code, entered=0) for code in FUNNEL),
        sources=(),
        calls=0,
        reached_calls=0,
        visits=0,
        reps=0,
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stages": ("lead", "nope")}, "unknown stages"),
        ({"stages": ("lead", "lead")}, "once"),
        ({"stages": FUNNEL, "stage_names": ("Lead",)}, "stage_names"),
        ({"stages": FUNNEL, "start": END, "end": START}, "end before"),
    ],
)
def test_bad_arguments_are_refused(world: World, kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"unit": world.team_a, "start": START, "end": END} | kwargs

    with pytest.raises(ValueError, match=message):
        probability_actuals(**arguments)  # type: ignore[arg-type]


def _grow(world: World, count: int) -> None:
    """``count`` more won deals, leads, calls and visits for Ann and Bo in the window."""
    for index in range(count):
        rep = (world.ann, world.bo)[index % 2]
        _deal(world, rep, "10", (Stage.LEAD, (2026, 3, 2, 9)), (Stage.WON, (2026, 3, 9, 9)))
        _lead(world, rep, LeadSource.REFERRAL, date(2026, 3, 2 + index % 20))
    activities_bulk_create(
        rows=[
            Activity(
                person=(world.ann, world.bo)[index % 2],
                type=(ActivityType.CALL, ActivityType.VISIT)[index % 2],
                occurred_at=shanghai(2026, 3, 1 + index % 28, 10),
                reached=index % 3 == 0,
            )
            for index in range(count)
        ]
    )


def _queries(world: World, **kwargs: object) -> tuple[int, ActualIndicators]:
    with CaptureQueriesContext(connection) as captured:
        actual = probability_actuals(
            unit=world.team_a,
            start=START,
            end=END,
            stages=FUNNEL,
            **kwargs,  # type: ignore[arg-type]
        )
    return len(captured.captured_queries), actual


def test_query_count_is_the_same_for_5_and_50_deals_and_activities(world: World) -> None:
    ids = [world.ann.pk, world.bo.pk]
    _grow(world, 5)
    small, small_actual = _queries(world)
    small_with_ids, _ = _queries(world, reps=ids)

    _grow(world, 45)
    large, large_actual = _queries(world)
    large_with_ids, _ = _queries(world, reps=ids)

    # One for the reps, then won deals, stage entries, leads by source, behaviours.
    assert small == large == 5
    assert small_with_ids == large_with_ids == 4
    # The data did grow, so the guard measures what it claims to.
    assert small_actual.customers == TEAM_A.customers + 5
    assert large_actual.customers == TEAM_A.customers + 50
    assert large_actual.revenue == TEAM_A.revenue + Decimal("500.00")
    assert large_actual.calls + large_actual.visits == TEAM_A.calls + TEAM_A.visits + 50


def test_the_actuals_feed_the_probability_mesh(world: World) -> None:
    actual = probability_actuals(
        unit=world.team_a,
        start=START,
        end=END,
        stages=FUNNEL,
        stage_names=("Lead", "Qualified", "Proposal"),
    )
    plan = PlanIndicators(
        target=Decimal("5000.00"),
        customers=4,
        deal_value=Decimal("1250.00"),
        stages=(
            PlanStage(name="Lead", entered=8, conversion=Decimal("0.75")),
            PlanStage(name="Qualified", entered=6, conversion=Decimal("0.5")),
            PlanStage(name="Proposal", entered=3, conversion=Decimal("1")),
        ),
        sources=(
            PlanSource(name=LeadSource.MARKET_COVERAGE, leads=6),
            PlanSource(name=LeadSource.BRAND, leads=2),
        ),
        calls=40,
        visits=10,
        reach_rate=Decimal("0.5"),
        reps=2,
    )

    # As of the period's last day the plan expects all of it.
    tree = probability_mesh(
        plan=plan,
        actual=actual,
        period=FiscalCalendar().parse("2026-03"),
        as_of=END,
        calendar=WorkCalendar("CN"),
    )

    revenue = tree.find("revenue")
    assert revenue.actual == Decimal("3800.50")
    assert revenue.expected_to_date == Decimal("5000.00")
    assert revenue.gap == Decimal("-1199.50")
    assert tree.find("customers").actual == Decimal(3)
    assert tree.find("leads").actual == Decimal(4)
    assert tree.find("leads/brand").actual == Decimal(1)
    assert tree.find("reach_rate").actual == Decimal("0.500000")
