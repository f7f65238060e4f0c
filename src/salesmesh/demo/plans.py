"""An approved plan for each demo business line, drafted by its manager, approved by the head.

The SMB line's plan is for the fiscal quarter that contains the seeding day, so the
demo's dashboards show a live period — part elapsed, pacing, a catch-up plan — whenever it
is seeded. Its seasonality keeps the worked example's idea on that quarter's months: a slow
first month, the last month pushing hardest (quarter-end, 618, year-end budgets). The
other lines keep their worked example's period.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from salesmesh.core.calendar import FiscalCalendar, Grain, Period
from salesmesh.org.models import OrgUnit, UnitKind, User
from salesmesh.planfile.report import report_to_dict
from salesmesh.planning.documents import plan_document_for, run_document, starting_assumptions
from salesmesh.planning.models import PlanVersion
from salesmesh.planning.services import plan_version_approve, plan_version_save

# The worked SMB example aims at 650万 with its own 20 reps and is infeasible on
# purpose (to show the fixes); the demo's reps carry less capacity, so the demo's
# approved plan aims at what they can deliver.
DEMO_TARGETS = {"smb": "450万"}
DEMO_NOTE = "演示公司的已批准计划 / approved demo plan"
# Lines whose demo plan covers the quarter of the seeding day.
LIVE_QUARTER_LINES = frozenset({"smb"})
# The weights of a quarter's first, second and third month (the example's April, May, June).
QUARTER_SEASONALITY = (Decimal("0.9"), Decimal("1.0"), Decimal("1.3"))


def live_quarter(*, today: date, fiscal_year_start_month: int = 1) -> Period:
    """The fiscal quarter that contains ``today``."""
    return FiscalCalendar(fiscal_year_start_month).period_containing(today, Grain.QUARTER)


def quarter_seasonality(quarter: Period) -> dict[int, Decimal]:
    """``QUARTER_SEASONALITY`` keyed by the calendar months of ``quarter``, in order."""
    months: list[int] = []
    year, month = quarter.start.year, quarter.start.month
    while (year, month) <= (quarter.end.year, quarter.end.month):
        months.append(month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dict(zip(months, QUARTER_SEASONALITY, strict=True))


def _live(document: dict[str, Any], *, today: date) -> dict[str, Any]:
    """The document moved to the quarter of ``today``, its seasonality with it."""
    quarter = live_quarter(
        today=today, fiscal_year_start_month=int(document.get("fiscal_year_start_month", 1))
    )
    document["period"] = quarter.label
    document["seasonality"] = quarter_seasonality(quarter)
    return document


def seed_demo_plans(*, approver: User, today: date | None = None) -> int:
    """Create and approve one plan per business line that has none; return how many.

    ``today`` (default: the local date) picks the SMB plan's quarter.
    """
    day = today or timezone.localdate()
    created = 0
    lines = OrgUnit.objects.filter(kind=UnitKind.BUSINESS_LINE).select_related("manager")
    for line in lines.order_by("path"):
        if PlanVersion.objects.filter(unit=line).exists():
            continue
        document = starting_assumptions(line=line)
        if line.code in DEMO_TARGETS:
            document["target"] = DEMO_TARGETS[line.code]
        if line.code in LIVE_QUARTER_LINES:
            # Again from the org: the reps' tenure and exam results are as of the period's
            # start, which has just moved.
            document = plan_document_for(line=line, assumptions=_live(document, today=day))
        report = run_document(document)
        # Nobody approves their own draft: without a line manager, an admin drafts.
        drafter = (
            line.manager or User.objects.filter(is_superuser=True).exclude(pk=approver.pk).first()
        )
        version = plan_version_save(
            line=line,
            period_label=report.period_label,
            paradigm=report.paradigm,
            assumptions=document,
            result=report_to_dict(report),
            by=drafter,
            note=DEMO_NOTE,
        )
        plan_version_approve(version=version, by=approver)
        created += 1
    return created
