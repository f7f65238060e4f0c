"""A tiny probability line with a crafted plan and crafted records, every figure countable.

Line ``pl`` has two teams, ``ta`` with rep Ann and ``tb`` with rep Bo (the plan names Bo by
his employee number, E002), and a manager who is no rep. The approved plan is for July
2025 (23 working days in China; 1 to 14 July holds 10 of them):

    target 46,000 at one product of 1,000 → 46 customers, 23 each (identical reps)
    funnel 线索 0.5 → 有效线索 0.5 → 商机 0.5 → won, no lags
    leads 368 (市场覆盖 184, 品牌 184), qualified 184, opportunities 92
    calls 368 × 2 ÷ 0.5 = 1,472 (32 per rep per working day), visits 92 × 0.5 = 46

What happened by 14 July (``AS_OF``), in Shanghai days:

    Ann: 32 leads created (20 market coverage, 10 brand, 2 referral), 16 qualified (15 of
         them and one created in June); 12 deals opened, 5 won (4 × 1,000 + 2,000);
         150 calls, 60 reached; 6 visits
    Bo:  10 leads (market coverage), 4 qualified; 4 deals opened; 1 won (1,000) that was
         opened in June; 50 calls, 10 reached; 2 visits

plus records outside the window or of nobody, which must not count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from salesmesh.activities.models import Activity, ActivityType
from salesmesh.activities.services import activities_bulk_create
from salesmesh.mesh.plans import clear_cache
from salesmesh.org.models import OrgUnit, Paradigm, Role, User
from salesmesh.pipeline.models import LeadSource, Stage
from salesmesh.pipeline.services import lead_create, opportunity_create, opportunity_stage_change
from salesmesh.planning.models import PlanStatus, PlanVersion
from tests.accounts.factories import make_account, make_line, make_team, make_user, shanghai

AS_OF = date(2025, 7, 14)
JULY_START = date(2025, 7, 1)
JULY_END = date(2025, 7, 31)
# Working days of 1 to 14 July 2025 (China): the calls and visits are spread over them.
WORKING_DAYS = [d for d in (date(2025, 7, n) for n in range(1, 15)) if d.weekday() < 5]


def rep_spec(rep_id: str) -> dict[str, Any]:
    """A reference rep (capability multiplier exactly 1) able to do the plan's work."""
    return {
        "rep_id": rep_id,
        "name": rep_id,
        "max_calls_per_day": 60,
        "max_visits_per_day": 4,
        "product_pass_rate": 0.5,
        "scenario_pass_rate": 0.5,
        "tenure_months": 18,
    }


def plan_document(rep_ids: list[str], target: int = 46_000) -> dict[str, Any]:
    """The July 2025 plan of the test line, naming ``rep_ids``."""
    return {
        "version": 1,
        "paradigm": "probability",
        "name": "测试事业部",
        "period": "2025-07",
        "country": "CN",
        "target": target,
        "probability": {
            "products": [{"name": "标准版", "price": 1000, "probability": 1}],
            "funnel": {
                "stages": [
                    {"name": "线索", "conversion": 0.5, "lag_days": 0},
                    {"name": "有效线索", "conversion": 0.5, "lag_days": 0},
                    {"name": "商机", "conversion": 0.5, "lag_days": 0},
                ],
                "sources": [
                    {"name": "市场覆盖", "share": 0.5},
                    {"name": "品牌", "share": 0.5},
                ],
            },
            "yields": {
                "attempts_per_reached_lead": 2,
                "reach_rate": 0.5,
                "visits_per_opportunity": 0.5,
            },
            "reps": [rep_spec(rep_id) for rep_id in rep_ids],
        },
    }


def approve(line: OrgUnit, document: dict[str, Any]) -> PlanVersion:
    """An approved version of ``document`` for ``line``."""
    return PlanVersion.objects.create(
        unit=line,
        period_label=document["period"],
        number=1,
        paradigm=Paradigm.PROBABILITY,
        assumptions=document,
        status=PlanStatus.APPROVED,
    )


def deal(line: OrgUnit, owner: User, amount: str, opened: date, won: date | None = None) -> None:
    """A deal opened (at the qualified stage) on ``opened`` and won on ``won``."""
    opportunity = opportunity_create(
        line=line,
        account=make_account(line, owner),
        name=f"deal of {owner.username}",
        owner=owner,
        stage=Stage.QUALIFIED,
        amount=Decimal(amount),
        at=shanghai(opened.year, opened.month, opened.day, 10),
    )
    if won is not None:
        opportunity_stage_change(
            opportunity=opportunity,
            stage=Stage.WON,
            at=shanghai(won.year, won.month, won.day, 16),
        )


def leads(
    line: OrgUnit,
    owner: User | None,
    source: str,
    count: int,
    *,
    qualified: int = 0,
    created_on: date | None = None,
) -> None:
    """``count`` leads created over the window (or on ``created_on``), the first
    ``qualified`` of them qualified on 14 July."""
    for index in range(count):
        lead_create(
            line=line,
            source=source,
            created_on=created_on or WORKING_DAYS[index % len(WORKING_DAYS)],
            owner=owner,
            qualified_on=date(2025, 7, 14) if index < qualified else None,
        )


def behaviours(person: User, *, calls: int, reached: int, visits: int) -> None:
    """Calls (the first ``reached`` reached) and visits spread over 1 to 14 July."""
    rows = [
        Activity(
            person=person,
            type=ActivityType.CALL,
            occurred_at=shanghai(2025, 7, WORKING_DAYS[i % len(WORKING_DAYS)].day, 9, i % 60),
            reached=i < reached,
        )
        for i in range(calls)
    ]
    rows += [
        Activity(
            person=person,
            type=ActivityType.VISIT,
            occurred_at=shanghai(2025, 7, WORKING_DAYS[i % len(WORKING_DAYS)].day, 15),
            reached=True,
        )
        for i in range(visits)
    ]
    activities_bulk_create(rows=rows)


@dataclass
class World:
    line: OrgUnit
    team_a: OrgUnit
    team_b: OrgUnit
    ann: User
    bo: User
    manager: User
    version: PlanVersion


@pytest.fixture(autouse=True)
def _fresh_plans() -> Iterator[None]:
    """No plan loaded by an earlier test (a test database reuses ids)."""
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def world(db: None) -> World:
    line = make_line("pl", Paradigm.PROBABILITY)
    team_a = make_team(line, "ta")
    team_b = make_team(line, "tb")
    ann = make_user("ann", unit=team_a)
    bo = make_user("bo", unit=team_b)
    bo.employee_no = "E002"
    bo.save(update_fields=["employee_no"])
    manager = make_user("boss", unit=line, role=Role.MANAGER)
    version = approve(line, plan_document(["ann", "E002"]))

    market, brand = LeadSource.MARKET_COVERAGE, LeadSource.BRAND
    leads(line, ann, market, 20, qualified=15)
    leads(line, ann, brand, 10)
    leads(line, ann, LeadSource.REFERRAL, 2)
    # Created in June, qualified in the window: qualified, not created, in July.
    lead_create(
        line=line,
        source=market,
        created_on=date(2025, 6, 30),
        owner=ann,
        qualified_on=date(2025, 7, 2),
    )
    leads(line, ann, market, 1, created_on=date(2025, 7, 15))  # after as_of
    leads(line, bo, market, 10, qualified=4)
    leads(line, None, market, 3)  # nobody's
    leads(line, manager, market, 2)  # not a rep's

    for amount in ("1000", "1000", "1000", "1000", "2000"):
        deal(line, ann, amount, date(2025, 7, 2), won=date(2025, 7, 11))
    deal(line, ann, "5000", date(2025, 7, 3), won=date(2025, 7, 15))  # won after as_of
    for _ in range(6):
        deal(line, ann, "800", date(2025, 7, 8))
    deal(line, bo, "1000", date(2025, 6, 20), won=date(2025, 7, 3))  # opened in June
    for _ in range(4):
        deal(line, bo, "900", date(2025, 7, 9))
    deal(line, manager, "9999", date(2025, 7, 9), won=date(2025, 7, 10))  # not a rep's

    behaviours(ann, calls=150, reached=60, visits=6)
    behaviours(bo, calls=50, reached=10, visits=2)
    # Outside the window: 15 July.
    activities_bulk_create(
        rows=[
            Activity(
                person=ann,
                type=ActivityType.CALL,
                occurred_at=shanghai(2025, 7, 15, 9),
                reached=True,
            )
        ]
    )
    return World(
        line=line,
        team_a=team_a,
        team_b=team_b,
        ann=ann,
        bo=bo,
        manager=manager,
        version=version,
    )


def days(start: date, end: date) -> list[date]:
    """Every day of start … end."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]
