"""Which approved plan a dashboard, an alert or the API looks at for a line on a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from salesmesh.core.calendar import CalendarError, FiscalCalendar, Period
from salesmesh.org.models import OrgUnit
from salesmesh.planning.models import PlanStatus, PlanVersion


@dataclass(frozen=True)
class PlanChoice:
    """An approved plan version and its period; ``current`` when the period holds the day."""

    version: PlanVersion
    period: Period
    current: bool


def plan_period(version: PlanVersion) -> Period | None:
    """The period a version's label names under its line's fiscal calendar (None if unreadable)."""
    calendar = FiscalCalendar(version.unit.fiscal_year_start_month or 1)
    try:
        return calendar.parse(version.period_label)
    except CalendarError:
        return None


def approved_plan_for(*, line: OrgUnit, as_of: date) -> PlanChoice | None:
    """The approved plan whose period holds ``as_of``; else the latest one that ended before.

    Among several covering the day (a year plan and a quarter plan), the shortest period wins:
    it is the one people work to this week. Without any approved plan: None.
    """
    versions = list(
        PlanVersion.objects.filter(unit=line, status=PlanStatus.APPROVED).select_related("unit")
    )
    dated = [(v, p) for v in versions if (p := plan_period(v)) is not None]
    covering = [(v, p) for v, p in dated if p.start <= as_of <= p.end]
    if covering:
        version, period = min(covering, key=lambda vp: (vp[1].days, -vp[0].pk))
        return PlanChoice(version=version, period=period, current=True)
    past = [(v, p) for v, p in dated if p.end < as_of]
    if past:
        version, period = max(past, key=lambda vp: (vp[1].end, vp[0].pk))
        return PlanChoice(version=version, period=period, current=False)
    future = [(v, p) for v, p in dated if p.start > as_of]
    if future:
        version, period = min(future, key=lambda vp: (vp[1].start, -vp[0].pk))
        return PlanChoice(version=version, period=period, current=False)
    return None
