"""Plan versions with their targets (read), for the lines the caller plans for.

Scoped exactly like the plan pages: a version is visible when its business line is
one of ``lines_managed_by`` the caller (the line's managers, the managers above, admins).
"""

# No `from __future__ import annotations`: ninja reads Query[...] at runtime.

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from salesmesh.api.common import PAGING, READ_ERRORS, Id, Paging, Text, caller, visible_or_404
from salesmesh.org.models import Paradigm
from salesmesh.planning.models import PlanStatus, PlanVersion
from salesmesh.planning.selectors import lines_managed_by

router = Router()


class PlanVersionOut(Schema):
    id: int
    line: str
    period: str
    number: int
    paradigm: Paradigm
    status: PlanStatus
    note: str
    # The period's revenue target as the planner read it (None for a version saved without it).
    target: Decimal | None
    created_by_id: int | None
    created_at: datetime
    approved_by_id: int | None
    approved_at: datetime | None
    # Send it back to approve: a change made meanwhile (another approval) answers 409.
    version: int

    @staticmethod
    def resolve_line(version: PlanVersion) -> str:
        return version.unit.code

    @staticmethod
    def resolve_period(version: PlanVersion) -> str:
        return version.period_label

    @staticmethod
    def resolve_target(version: PlanVersion) -> Decimal | None:
        text = getattr(version, "target_text", None)
        return Decimal(str(text)) if text not in (None, "") else None


class TargetOut(Schema):
    """One unit's or person's share of the target (the plan's ``allocation``)."""

    id: str
    name: str
    level: int | None
    parent: str | None
    amount: Decimal


class PlanVersionDetailOut(PlanVersionOut):
    targets: list[TargetOut]

    @staticmethod
    def resolve_targets(version: PlanVersion) -> list[TargetOut]:
        return _targets(version.result)


class PlanFilters(Schema):
    line: Text | None = None
    status: PlanStatus | None = None
    period: Text | None = None


def _versions(request: HttpRequest) -> QuerySet[PlanVersion]:
    lines = lines_managed_by(user=caller(request)).values("pk")
    # The documents (hundreds of KB each) stay in the database; the target is read by key.
    return (
        PlanVersion.objects.filter(unit__in=lines)
        .select_related("unit")
        .defer("assumptions", "result")
        .annotate(target_text=KT("result__data__document__target"))
    )


@router.get("/plans", response=list[PlanVersionOut], summary="Plan versions", tags=["plans"])
@paginate(Paging, **PAGING)
def list_plans(request: HttpRequest, filters: Query[PlanFilters]):  # type: ignore[no-untyped-def]
    """Every version of the lines the caller plans for, newest period and version first."""
    versions = _versions(request)
    if filters.line:
        versions = versions.filter(unit__code=filters.line)
    if filters.status is not None:
        versions = versions.filter(status=filters.status)
    if filters.period:
        versions = versions.filter(period_label=filters.period)
    return versions.order_by("unit__path", "-period_label", "-number", "pk")


def _targets(result: dict[str, Any]) -> list[TargetOut]:
    allocation = ((result or {}).get("data") or {}).get("allocation") or {}
    nodes = {str(node.get("id")): node for node in allocation.get("nodes") or []}
    return [
        TargetOut(
            id=str(key),
            name=str(nodes.get(str(key), {}).get("name") or ""),
            level=nodes.get(str(key), {}).get("level"),
            parent=nodes.get(str(key), {}).get("parent"),
            amount=Decimal(str(amount)),
        )
        for key, amount in (allocation.get("amounts") or {}).items()
    ]


@router.get(
    "/plans/{plan_id}",
    response={200: PlanVersionDetailOut, **READ_ERRORS},
    summary="A plan version with its targets by unit and person",
    tags=["plans"],
)
def get_plan(request: HttpRequest, plan_id: Id) -> PlanVersion:
    return visible_or_404(_versions(request).defer(None).defer("assumptions"), plan_id)
