"""Alert operations: the caller's alerts, filtered and paginated, and acknowledging one."""

# No `from __future__ import annotations`: ninja reads Query[...] at runtime.

from datetime import datetime
from typing import Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from salesmesh.alerts.models import Alert, AlertKind, Severity
from salesmesh.alerts.selectors import alerts_filtered, alerts_visible_to
from salesmesh.alerts.services import alert_acknowledge
from salesmesh.api.common import Id, Paging
from salesmesh.org.models import User

router = Router()


class AlertOut(Schema):
    id: int
    kind: str
    severity: str
    text: str
    unit: str | None
    person_id: int | None
    account_id: int | None
    milestone_id: int | None
    solution_request_id: int | None
    fired_at: datetime
    last_seen_at: datetime
    cleared_at: datetime | None
    acknowledged_by_id: int | None
    acknowledged_at: datetime | None

    @staticmethod
    def resolve_unit(alert: Alert) -> str | None:
        return alert.unit.code if alert.unit_id else None


class AlertFilters(Schema):
    kind: AlertKind | None = None
    severity: Severity | None = None
    state: Literal["open", "cleared", "all"] = "open"
    acknowledged: bool | None = None


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # pragma: no cover - auth= refuses anyone else
        raise Http404
    return request.user


@router.get("", response=list[AlertOut], summary="The caller's alerts")
@paginate(Paging, page_size=50)
def list_alerts(request: HttpRequest, filters: Query[AlertFilters]):  # type: ignore[no-untyped-def]
    """Open alerts by default, critical first then newest; only those the caller may see."""
    return alerts_filtered(
        alerts_visible_to(user=_user(request)),
        kind=filters.kind or "",
        severity=filters.severity or "",
        acknowledged=filters.acknowledged,
        state=filters.state,
    )


@router.post("/{alert_id}/acknowledge", response=AlertOut, summary="Acknowledge an alert")
def acknowledge(request: HttpRequest, alert_id: Id) -> Alert:
    """Mark the alert as seen by the caller (it stays open until its condition clears)."""
    user = _user(request)
    alert = get_object_or_404(alerts_visible_to(user=user), pk=alert_id)
    return alert_acknowledge(alert=alert, user=user)
