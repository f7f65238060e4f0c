"""Who sees which business line, and how much of it, on the dashboards."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404

from salesmesh.dashboards.scope import line_scope_or_404, line_scopes
from salesmesh.mesh.choice import approved_plan_for, plan_period
from salesmesh.org.models import Membership, OrgUnit, User
from salesmesh.planning.models import PlanStatus, PlanVersion

pytestmark = pytest.mark.django_db


def scopes_of(username: str, paradigm: str | None = None) -> dict[str, object]:
    user = User.objects.get(username=username)
    return {s.line.code: s for s in line_scopes(user=user, paradigm=paradigm)}


def test_the_head_sees_every_line_whole(demo_company):
    scopes = scopes_of("head")
    assert list(scopes) == ["gov", "ka", "smb"]
    assert all(s.whole_line for s in scopes.values())
    smb_people = set(
        Membership.objects.filter(
            unit__path__startswith=OrgUnit.objects.get(code="smb").path
        ).values_list("user_id", flat=True)
    )
    assert scopes["smb"].person_ids == smb_people


def test_a_line_manager_sees_their_line_only(demo_company):
    scopes = scopes_of("manager")
    assert list(scopes) == ["smb"]
    assert scopes["smb"].whole_line
    assert scopes["smb"].top_unit.code == "smb"


def test_a_team_manager_sees_their_team_inside_the_line(demo_company):
    scope = scopes_of("cao.zihan")["smb"]
    assert not scope.whole_line
    assert not scope.own_board_only
    assert scope.top_unit.code == "smb-east"
    east = set(Membership.objects.filter(unit__code="smb-east").values_list("user_id", flat=True))
    assert scope.person_ids == east


def test_a_rep_sees_only_their_own_board(demo_company):
    rep = User.objects.get(username="rep")
    scopes = scopes_of("rep")
    assert list(scopes) == ["smb"]
    assert scopes["smb"].own_board_only
    assert scopes["smb"].top_unit is None
    assert scopes["smb"].person_ids == {rep.pk}


@pytest.mark.parametrize(("username", "line"), [("sdr", "ka"), ("pmo", "gov")])
def test_members_of_other_lines_see_their_own_line(demo_company, username, line):
    scopes = scopes_of(username)
    assert list(scopes) == [line]
    assert scopes[line].own_board_only


def test_paradigm_filter_and_out_of_scope_is_404(demo_company):
    assert list(scopes_of("head", paradigm="behaviour")) == ["ka"]
    rep = User.objects.get(username="rep")
    assert line_scope_or_404(user=rep, code="smb").line.code == "smb"
    with pytest.raises(Http404):
        line_scope_or_404(user=rep, code="ka")
    with pytest.raises(Http404):
        line_scope_or_404(user=rep, code="no-such-line")


def test_an_inactive_user_sees_nothing(demo_company):
    User.objects.filter(username="head").update(is_active=False)
    assert scopes_of("head") == {}


def test_the_plan_covering_the_day_wins_and_the_shortest_among_several(demo_company):
    smb = OrgUnit.objects.get(code="smb")
    approved = PlanVersion.objects.get(unit=smb, status=PlanStatus.APPROVED)
    period = plan_period(approved)
    inside = approved_plan_for(line=smb, as_of=period.start)
    assert inside.version == approved
    assert inside.current
    after = approved_plan_for(line=smb, as_of=date(period.end.year + 1, 1, 15))
    assert after.version == approved
    assert not after.current
    before = approved_plan_for(line=smb, as_of=date(period.start.year - 1, 1, 15))
    assert before.version == approved
    assert not before.current

    year = PlanVersion.objects.create(
        unit=smb,
        period_label=f"FY{period.start.year}",
        number=1,
        paradigm=approved.paradigm,
        assumptions=approved.assumptions,
        result=approved.result,
        status=PlanStatus.APPROVED,
    )
    assert approved_plan_for(line=smb, as_of=period.start).version == approved
    outside_quarter = (
        date(period.start.year, 12, 31) if period.end.month != 12 else date(period.start.year, 1, 2)
    )
    assert approved_plan_for(line=smb, as_of=outside_quarter).version == year


def test_no_approved_plan_is_none(demo_company):
    ka = OrgUnit.objects.get(code="ka")
    PlanVersion.objects.filter(unit=ka).update(status=PlanStatus.DRAFT)
    assert approved_plan_for(line=ka, as_of=date(2026, 6, 1)) is None
