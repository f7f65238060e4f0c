"""The demo company's SMB line: a live plan for the quarter of the seeding day, and its mesh."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from salesmesh.core.calendar import FiscalCalendar, Grain, WorkCalendar
from salesmesh.demo.plans import live_quarter, quarter_seasonality
from salesmesh.demo.process import seed_demo_process_data
from salesmesh.mesh.services import mesh_report
from salesmesh.org.models import Membership, OrgUnit, Role
from salesmesh.planning.models import PlanStatus, PlanVersion

pytestmark = pytest.mark.django_db


def smb_plan() -> PlanVersion:
    return PlanVersion.objects.select_related("unit").get(
        unit__code="smb", status=PlanStatus.APPROVED
    )


def test_the_smb_plan_is_for_the_quarter_of_the_seeding_day(demo_company: None) -> None:
    today = timezone.localdate()
    quarter = FiscalCalendar(1).period_containing(today, Grain.QUARTER)
    version = smb_plan()

    assert version.period_label == quarter.label
    assert version.result["feasible"] is True
    # The last month of the quarter pushes hardest, as in the worked example's June.
    weights = {
        int(month): Decimal(str(w)) for month, w in version.assumptions["seasonality"].items()
    }
    months = sorted(weights, key=lambda m: (m - quarter.start.month) % 12)
    assert [weights[m] for m in months] == [Decimal("0.9"), Decimal("1.0"), Decimal("1.3")]
    assert months[0] == quarter.start.month


def test_live_quarters_and_their_seasonality() -> None:
    q4 = live_quarter(today=date(2026, 11, 29))
    assert q4.label == "FY2026-Q4"
    assert quarter_seasonality(q4) == {10: Decimal("0.9"), 11: Decimal("1.0"), 12: Decimal("1.3")}
    # A fiscal year from April: its third quarter is October to December.
    april = live_quarter(today=date(2027, 1, 5), fiscal_year_start_month=4)
    assert (april.label, april.start, april.end) == (
        "FY2026-Q4",
        date(2027, 1, 1),
        date(2027, 3, 31),
    )
    assert list(quarter_seasonality(april)) == [1, 2, 3]


def test_the_smb_mesh_builds_on_the_demo_data(demo_company: None) -> None:
    today = timezone.localdate()
    seed_demo_process_data(until=today)
    version = smb_plan()

    mesh = mesh_report(version=version, as_of=today)

    reps = Membership.objects.filter(unit__code__startswith="smb", role=Role.REP)
    assert mesh.as_of == today
    assert mesh.root.plan == Decimal("4500000.00")
    assert mesh.root.actual > 0
    assert mesh.root.pacing is not None
    assert len(mesh.people) == reps.values("user").distinct().count()
    assert mesh.attribution is not None
    assert sum(s.share for s in mesh.attribution.shares) == mesh.attribution.gap
    assert mesh.catch_up is not None
    calendar = WorkCalendar(version.assumptions["country"])
    assert mesh.catch_up.remaining_working_days == calendar.remaining_working_days(
        mesh.period, today
    )
    north = mesh_report(version=version, as_of=today, unit=OrgUnit.objects.get(code="smb-north"))
    assert north.root.plan < mesh.root.plan
    # The generator makes the north team reach far fewer people than planned.
    assert (
        north.root.find("reach_rate").actual < Decimal("0.8") * north.root.find("reach_rate").plan
    )
    assert mesh_report(version=version, as_of=today + timedelta(days=400)).as_of == mesh.period.end
