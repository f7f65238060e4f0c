"""The people of a plan document come from the org: once each, active only, as of the period."""

from __future__ import annotations

from datetime import date

import pytest

from salesmesh.org.models import ExamResult, Membership, OrgUnit, Role, User
from salesmesh.planning.documents import (
    NEUTRAL_PASS_RATE,
    NEUTRAL_TENURE_MONTHS,
    plan_document_for,
    starting_assumptions,
)

pytestmark = pytest.mark.django_db


def reps_of(document: dict) -> dict[str, dict]:
    return {rep["rep_id"]: rep for rep in document["probability"]["reps"]}


@pytest.fixture
def smb(demo_company) -> OrgUnit:
    return OrgUnit.objects.get(code="smb")


def test_a_rep_in_two_teams_is_planned_once(smb):
    Membership.objects.create(
        user=User.objects.get(username="rep"),
        unit=OrgUnit.objects.get(code="smb-south"),
        role=Role.REP,
    )
    document = starting_assumptions(line=smb)
    ids = [rep["rep_id"] for rep in document["probability"]["reps"]]
    assert ids.count("rep") == 1


def test_an_sdr_who_is_also_bd_is_one_team_member(demo_company):
    ka = OrgUnit.objects.get(code="ka")
    Membership.objects.create(
        user=User.objects.get(username="sdr"), unit=OrgUnit.objects.get(code="ka-bd"), role=Role.BD
    )
    team = starting_assumptions(line=ka)["behaviour"]["team"]
    assert [m["role"] for m in team if m["id"] == "sdr"] == ["sdr"]


def test_people_who_left_are_not_planned(smb):
    User.objects.filter(username="rep").update(is_active=False)
    assert "rep" not in reps_of(starting_assumptions(line=smb))


def test_pass_rates_count_sittings_up_to_the_period_start_only(smb):
    rep = User.objects.get(username="rep")
    rep.exam_results.all().delete()
    ExamResult.objects.create(
        user=rep, kind="product", taken_on=date(2026, 1, 5), score=90, passed=True
    )
    ExamResult.objects.create(
        user=rep, kind="product", taken_on=date(2026, 2, 5), score=50, passed=False
    )
    ExamResult.objects.create(
        user=rep, kind="product", taken_on=date(2026, 9, 1), score=95, passed=True
    )

    document = plan_document_for(line=smb, assumptions={"period": 2026, "probability": {}})

    # FY2026 starts 2026-01-01: no sitting counts yet.
    assert reps_of(document)["rep"]["product_pass_rate"] == float(NEUTRAL_PASS_RATE)
    document = plan_document_for(line=smb, assumptions={"period": "fy2026-q2", "probability": {}})
    # From 2026-04-01: one pass in two sittings; September's is in the future.
    assert reps_of(document)["rep"]["product_pass_rate"] == 0.5
    assert reps_of(document)["rep"]["scenario_pass_rate"] == float(NEUTRAL_PASS_RATE)


def test_tenure_is_measured_at_the_period_start_and_neutral_when_unknown(smb):
    User.objects.filter(username="rep").update(hire_date=date(2025, 4, 1))
    User.objects.filter(username="manager").update(hire_date=None)
    Membership.objects.create(
        user=User.objects.get(username="manager"),
        unit=OrgUnit.objects.get(code="smb-east"),
        role=Role.REP,
    )
    document = plan_document_for(line=smb, assumptions={"period": "FY2026-Q2", "probability": {}})
    assert reps_of(document)["rep"]["tenure_months"] == 12
    assert reps_of(document)["manager"]["tenure_months"] == NEUTRAL_TENURE_MONTHS


@pytest.mark.parametrize(
    "allocation",
    [{"org": [1]}, {"locked": [1, 2]}, {"org": {"children": [{"locked": 5}]}}],
)
def test_malformed_allocation_is_left_for_the_loader_to_report(smb, allocation):
    document = plan_document_for(
        line=smb, assumptions={"period": "FY2026", "probability": {}, "allocation": allocation}
    )
    assert document["allocation"]["org"]["id"] == "smb"


@pytest.mark.parametrize("month", [float("inf"), float("nan"), "x", None, 10**30])
def test_a_fiscal_month_no_calendar_has_leaves_the_error_to_the_plan_file_check(smb, month):
    # The people are looked up as of today; the plan-file check then names the bad field.
    assumptions = starting_assumptions(line=smb)
    assumptions["fiscal_year_start_month"] = month
    document = plan_document_for(line=smb, assumptions=assumptions)
    assert document["fiscal_year_start_month"] == month or month != month  # nan is not nan
    assert "rep" in reps_of(document)
