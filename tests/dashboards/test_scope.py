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


def _members(code: str) -> set[int]:
    return set(Membership.objects.filter(unit__code=code).values_list("user_id", flat=True))


def test_a_manager_of_two_teams_picks_one_at_a_time(demo_company):
    """The east team's manager made manager of record of the south team too: both are
    choices, in tree order; each narrows the people; other units are not found."""
    manager = User.objects.get(username="cao.zihan")
    OrgUnit.objects.filter(code="smb-south").update(manager=manager)
    scope = scopes_of("cao.zihan")["smb"]
    assert [u.code for u in scope.unit_choices] == ["smb-east", "smb-south"]
    assert scope.person_ids == _members("smb-east") | _members("smb-south")
    assert scope.top_unit.code == "smb-east"  # unfocused: the first, people of both
    south = scope.focused_on("smb-south")
    assert (south.top_unit.code, south.focus.code) == ("smb-south", "smb-south")
    assert south.person_ids == _members("smb-south")
    assert not south.whole_line
    for other in ("smb-north", "smb", "ka", ""):
        with pytest.raises(Http404):
            scope.focused_on(other)
    assert [s.focus.code for s in scope.per_unit()] == ["smb-east", "smb-south"]
    # The API's and the mesh's scope: one unit, the first unless one is named.
    assert line_scope_or_404(user=manager, code="smb").person_ids == _members("smb-east")
    named = line_scope_or_404(user=manager, code="smb", unit="smb-south")
    assert named.person_ids == _members("smb-south")
    with pytest.raises(Http404):
        line_scope_or_404(user=manager, code="smb", unit="smb-north")


def test_one_unit_only_has_nothing_to_pick(demo_company):
    team = scopes_of("cao.zihan")["smb"]
    line = scopes_of("manager")["smb"]
    assert team.unit_choices == ()
    assert team.per_unit() == [team]
    assert team.one_unit() is team
    # Naming the one unit they manage is allowed, and the same view.
    assert team.focused_on("smb-east").person_ids == team.person_ids
    assert line.focused_on("smb").person_ids == line.person_ids
    with pytest.raises(Http404):
        line.focused_on("smb-east")  # a team inside the line is not one of their units
    with pytest.raises(Http404):
        scopes_of("rep")["smb"].focused_on("smb-east")


def test_the_behaviour_dashboard_narrows_to_a_unit_only_when_asked(client, demo_company):
    """A manager of two behaviour teams sees both teams' scorecards, or one with ?unit=;
    the unit picker offers "all" first."""
    manager = User.objects.get(username="feng.zhiqiang")
    # Manager of the SDR and BD teams, no longer of the line.
    OrgUnit.objects.filter(code="ka").update(manager=None)
    Membership.objects.filter(user=manager, unit__code="ka").delete()
    OrgUnit.objects.filter(code__in=["ka-sdr", "ka-bd"]).update(manager=manager)
    client.force_login(manager)
    url = "/dashboards/behaviour/"

    both = client.get(url, {"line": "ka"}, HTTP_ACCEPT_LANGUAGE="en")
    assert both.status_code == 200
    page = both.content.decode()
    assert 'id="unit-picker"' in page
    assert "All my units" in page
    assert both.context["scope"].person_ids == _members("ka-sdr") | _members("ka-bd")

    bd = client.get(url, {"line": "ka", "unit": "ka-bd"})
    assert bd.status_code == 200
    assert bd.context["scope"].person_ids == _members("ka-bd")
    assert "unit=ka-bd" in bd.context["query"]
    assert client.get(url, {"line": "ka", "unit": "ka-presales"}).status_code == 404
