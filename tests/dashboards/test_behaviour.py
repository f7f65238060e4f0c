"""The behaviour dashboard: coverage heatmap, scorecards, visit calendar, referrals, scope.

Crafted data on a behaviour line "beh", as of Wednesday 18 March 2026 (Shanghai). The
approved plan covers March 2026, so the window is Sunday 1 … Wednesday 18 March and the
heatmap's weeks are those of Mondays 23 Feb, 2, 9 and 16 March (the first one overlaps the
window). Plan weeks: 0 = 1 … 8 March, 1 = 9 … 15, 2 = 16 … 22, 3 = 23 … 31 — three have started.

People: the line's manager ``boss``; SDRs ``sdr1`` and ``sdr2``; BDs ``bd1`` and ``bd2``;
presales ``ps1``. The plan has sdr1 touching Alpha and Bravo, sdr2 touching Charlie and
Delta; it plans sdr1 4 touches a week, sdr2 2, bd1 1, 2, 1, 2 visits and the presales team
1, 0, 1, 1 solutions (bd2 has no plan).

Named accounts (the plan's stage; what happens):

- Alpha (sdr1's; plan: touched): a reached call Tue 24 Feb, an unreached one Wed 4 Mar, a
  reached one Mon 16 Mar;
- Bravo (sdr1's; plan: untouched): first touched Tue 10 Mar (unreached);
- Charlie (bd1's, sdr2 touches it; plan: signed): a deal won in January (8,000.00); bd1
  visits it Thu 12 Mar (reached);
- Delta (sdr2's, plan: touched): a reached call Mon 2 Mar; handed to bd1 Wed 4 Mar
  (engaged from the week of 9 Mar); a deal created qualified Wed 11 Mar (a VQL from the
  week of 16 Mar) and won Tue 17 Mar (5,000.00); an unreached WeCom message Tue 17 Mar;
- Echo (sdr2's as its owner: not on the plan): never touched.

Not named: Foxtrot (sdr1's, referred by Alpha; a reached call Tue 10 Mar) and Golf (bd2's,
referred by Charlie). Another behaviour line "oth" has a named account, its own people and
a solution request, none of which may show.

The heatmap's cells (touched / accounts at the stage when the week began):

    week of       23 Feb        2 Mar         9 Mar          16 Mar
    untouched     0/2 B,E       0/2 B,E       1/2 B,E        0/1 E
    touched       1/2 A,D       2/2 A,D       0/1 A          1/2 A,B
    engaged       0/0           0/0           0/1 D          0/0
    VQL           0/0           0/0           0/0            1/1 D
    signed        0/1 C         0/1 C         1/1 C          0/1 C
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from salesmesh.accounts.models import Account
from salesmesh.accounts.services import account_owner_change
from salesmesh.activities.behaviour_indicators import behaviour_actuals
from salesmesh.activities.models import ActivityType
from salesmesh.activities.services import (
    activity_create,
    solution_request_create,
    solution_request_update,
)
from salesmesh.core.behaviour import Stage as FunnelStage
from salesmesh.dashboards.behaviour_accounts import (
    FunnelAccount,
    coverage_heatmap,
    funnel_accounts,
    referral_graph,
    scoped_accounts,
)
from salesmesh.dashboards.behaviour_data import behaviour_dashboard, behaviour_scorecards
from salesmesh.dashboards.behaviour_plan import plan_facts
from salesmesh.dashboards.behaviour_team import line_team
from salesmesh.dashboards.charts_behaviour import referral_positions
from salesmesh.org.models import OrgUnit, Paradigm, Role, User
from salesmesh.pipeline.models import Stage
from salesmesh.pipeline.services import opportunity_create, opportunity_update
from salesmesh.planning.models import PlanStatus, PlanVersion
from tests.accounts.factories import make_account, make_line, make_team, make_user, shanghai

URL = "/dashboards/behaviour/"
START = date(2026, 3, 1)
AS_OF = date(2026, 3, 18)
WEEKS = (date(2026, 2, 23), date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16))
CREATED = shanghai(2026, 1, 2, 9)
NAMES = {
    "boss": ("老板", "Bo Boss"),
    "sdr1": ("石一", "Sandy One"),
    "sdr2": ("石二", "Sandy Two"),
    "bd1": ("白一", "Bede One"),
    "bd2": ("白二", "Bede Two"),
    "ps1": ("蒲一", "Percy One"),
    "osdr": ("欧一", "Otto Other"),
}


# -- the crafted line --------------------------------------------------------------------------


def _plan_week(index: int, first: date, last: date) -> dict[str, Any]:
    return {
        "index": index,
        "periods": [{"label": "", "grain": "week", "start": str(first), "end": str(last)}],
        "working_days": 5,
    }


def _plan(line: OrgUnit, accounts: dict[str, Account]) -> PlanVersion:
    """An approved plan of March 2026 with the figures the module doc lists."""
    loads = {"sdr1": [4, 4, 4, 4], "sdr2": [2, 2, 2, 2]}
    return PlanVersion.objects.create(
        unit=line,
        period_label="2026-03",
        number=1,
        paradigm=Paradigm.BEHAVIOUR,
        status=PlanStatus.APPROVED,
        assumptions={
            "behaviour": {
                "accounts": [
                    {"id": "A", "stage": "touched"},
                    {"id": "B", "stage": "untouched"},
                    {"id": "C", "stage": "signed"},
                    {"id": "D", "stage": "touched"},
                ]
            }
        },
        result={
            "data": {
                "plan": {
                    "weeks": [
                        _plan_week(0, date(2026, 3, 1), date(2026, 3, 8)),
                        _plan_week(1, date(2026, 3, 9), date(2026, 3, 15)),
                        _plan_week(2, date(2026, 3, 16), date(2026, 3, 22)),
                        _plan_week(3, date(2026, 3, 23), date(2026, 3, 31)),
                    ],
                    "touches": [
                        {"account_id": "A", "member_id": "sdr1"},
                        {"account_id": "B", "member_id": "sdr1"},
                        {"account_id": "C", "member_id": "sdr2"},
                        {"account_id": "D", "member_id": "sdr2"},
                    ],
                    "sdr_weeks": [
                        {"member_id": member, "week": week, "load": load}
                        for member, weekly in loads.items()
                        for week, load in enumerate(weekly)
                    ],
                    "bd_weeks": [
                        {"member_id": "bd1", "week": week, "load": load}
                        for week, load in enumerate([1, 2, 1, 2])
                    ],
                    "presales": {"by_week": [1, 0, 1, 1]},
                }
            }
        },
    )


@dataclass
class World:
    line: OrgUnit
    other: OrgUnit
    people: dict[str, User]
    accounts: dict[str, Account]


def _person(username: str, unit: OrgUnit, role: str) -> User:
    user = make_user(username, unit=unit, role=role)
    user.name_zh, user.name_en = NAMES[username]
    user.save()
    return user


def _touch(
    person: User,
    account: Account,
    at: tuple[int, ...],
    *,
    reached: bool,
    kind: str = ActivityType.CALL,
) -> None:
    activity_create(
        person=person, type=kind, occurred_at=shanghai(*at), reached=reached, account=account
    )


def _deal(
    account: Account, owner: User, opened: datetime, won: datetime | None, amount: str
) -> None:
    deal = opportunity_create(
        line=account.line,
        account=account,
        name=f"{account.name} deal",
        owner=owner,
        stage=Stage.QUALIFIED,
        amount=Decimal(amount),
        at=opened,
    )
    if won is not None:
        opportunity_update(opportunity=deal, stage=Stage.WON, at=won)


def build_world() -> World:
    line = make_line("beh")
    other = make_line("oth")
    sdr_team, bd_team, ps_team = (make_team(line, code) for code in ("beh-sdr", "beh-bd", "beh-ps"))
    people = {
        "boss": _person("boss", line, Role.MANAGER),
        "sdr1": _person("sdr1", sdr_team, Role.SDR),
        "sdr2": _person("sdr2", sdr_team, Role.SDR),
        "bd1": _person("bd1", bd_team, Role.BD),
        "bd2": _person("bd2", bd_team, Role.BD),
        "ps1": _person("ps1", ps_team, Role.PRESALES),
        "osdr": _person("osdr", other, Role.SDR),
    }
    p = people

    def named(key: str, name: str, owner: str) -> Account:
        return make_account(
            line, p[owner], name, is_named=True, external_id=key, tier="A", at=CREATED
        )

    accounts = {
        "Alpha": named("A", "Alpha", "sdr1"),
        "Bravo": named("B", "Bravo", "sdr1"),
        "Charlie": named("C", "Charlie", "bd1"),
        "Delta": named("D", "Delta", "sdr2"),
        "Echo": named("E", "Echo", "sdr2"),
    }
    a = accounts
    a["Foxtrot"] = make_account(line, p["sdr1"], "Foxtrot", referred_by=a["Alpha"], at=CREATED)
    a["Golf"] = make_account(line, p["bd2"], "Golf", referred_by=a["Charlie"], at=CREATED)
    outsider = make_account(other, p["osdr"], "Outsider", is_named=True, at=CREATED)
    _plan(line, accounts)

    _touch(p["sdr1"], a["Alpha"], (2026, 2, 24, 10), reached=True)
    _touch(p["sdr1"], a["Alpha"], (2026, 3, 4, 10), reached=False)
    _touch(p["sdr1"], a["Alpha"], (2026, 3, 16, 10), reached=True)
    _touch(p["sdr1"], a["Bravo"], (2026, 3, 10, 10), reached=False)
    _touch(p["sdr1"], a["Foxtrot"], (2026, 3, 10, 11), reached=True)
    _touch(p["bd1"], a["Charlie"], (2026, 3, 12, 14), reached=True, kind=ActivityType.VISIT)
    _touch(p["sdr2"], a["Delta"], (2026, 3, 2, 10), reached=True)
    _touch(p["sdr2"], a["Delta"], (2026, 3, 17, 10), reached=False, kind=ActivityType.WECOM)
    _touch(p["osdr"], outsider, (2026, 3, 10, 10), reached=True)
    # bd1: a visit without an account (counts as a visit), a meeting (does not); bd2's visit
    # is before the window.
    activity_create(
        person=p["bd1"], type=ActivityType.VISIT, occurred_at=shanghai(2026, 3, 5, 15), reached=True
    )
    activity_create(
        person=p["bd1"], type=ActivityType.MEETING, occurred_at=shanghai(2026, 3, 6, 15)
    )
    activity_create(person=p["bd2"], type=ActivityType.VISIT, occurred_at=shanghai(2026, 2, 27, 15))

    account_owner_change(account=a["Delta"], owner=p["bd1"], at=shanghai(2026, 3, 4, 10))
    _deal(a["Charlie"], p["bd1"], shanghai(2026, 1, 5, 10), shanghai(2026, 1, 20, 10), "8000.00")
    _deal(a["Delta"], p["bd1"], shanghai(2026, 3, 11, 10), shanghai(2026, 3, 17, 15), "5000.00")

    def request(account: str, at: tuple[int, ...], **steps: object) -> None:
        created = solution_request_create(
            account=a[account], presales_owner=p["ps1"], requested_at=shanghai(*at)
        )
        if steps:
            solution_request_update(solution_request=created, **steps)

    # Three requests in the window: 36 h and 12 h to respond, one not yet; one before it.
    request(
        "Charlie",
        (2026, 3, 2, 9),
        responded_at=shanghai(2026, 3, 3, 21),
        reviewed_at=shanghai(2026, 3, 5, 9),
        passed_first_review=True,
        completed_at=shanghai(2026, 3, 6, 9),
    )
    request(
        "Delta",
        (2026, 3, 10, 10),
        responded_at=shanghai(2026, 3, 10, 22),
        reviewed_at=shanghai(2026, 3, 13, 9),
        passed_first_review=False,
    )
    request("Delta", (2026, 3, 16, 10))
    request("Charlie", (2026, 2, 20, 10), responded_at=shanghai(2026, 2, 20, 12))
    solution_request_create(
        account=outsider, presales_owner=p["osdr"], requested_at=shanghai(2026, 3, 3, 9)
    )
    return World(line=line, other=other, people=people, accounts=accounts)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def _ids(world: World, *usernames: str) -> set[int]:
    return {world.people[name].pk for name in usernames}


def _funnel(world: World) -> list[FunnelAccount]:
    version = PlanVersion.objects.get(unit=world.line)
    return funnel_accounts(line=world.line, as_of=AS_OF, facts=plan_facts(version))


# -- the rules, without a database ----------------------------------------------------------


def _account(**milestones: Any) -> FunnelAccount:
    base: dict[str, Any] = {
        "pk": 1,
        "external_id": "X",
        "name": "X",
        "tier": "",
        "is_named": True,
        "owner_id": 1,
        "referred_by_id": None,
        "first_touch_week": None,
        "vql_at": None,
        "won_at": None,
        "bd_since": None,
        "signed_amount": Decimal(0),
        "planned_stage": None,
    }
    return FunnelAccount(**{**base, **milestones})


def test_an_accounts_stage_follows_its_first_milestones_and_never_falls_below_the_plan():
    account = _account(
        first_touch_week=date(2026, 3, 2),
        bd_since=shanghai(2026, 3, 4, 10),
        vql_at=shanghai(2026, 3, 11, 10),
        won_at=shanghai(2026, 3, 17, 15),
    )

    def at(day: date) -> FunnelStage:
        return account.stage_before(moment=shanghai(day.year, day.month, day.day), week=day)

    assert at(date(2026, 3, 2)) == FunnelStage.UNTOUCHED  # touched that week, not before it
    assert at(date(2026, 3, 4)) == FunnelStage.TOUCHED  # the hand-over is at 10:00
    assert at(date(2026, 3, 9)) == FunnelStage.ENGAGED
    assert at(date(2026, 3, 16)) == FunnelStage.VQL
    assert at(date(2026, 3, 18)) == FunnelStage.SIGNED
    planned = _account(first_touch_week=date(2026, 3, 2), planned_stage=FunnelStage.VQL)
    assert planned.stage_before(moment=shanghai(2026, 3, 9), week=date(2026, 3, 9)) == (
        FunnelStage.VQL
    )


_moments = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=60).map(lambda n: shanghai(2026, 1, 5) + timedelta(days=n)),
)


@given(
    touched=st.one_of(st.none(), st.integers(min_value=0, max_value=8)),
    bd=_moments,
    vql=_moments,
    won=_moments,
    planned=st.one_of(st.none(), st.sampled_from(list(FunnelStage))),
)
def test_an_account_never_moves_back_up_the_funnel(touched, bd, vql, won, planned):
    account = _account(
        first_touch_week=None if touched is None else date(2026, 1, 5) + timedelta(weeks=touched),
        bd_since=bd,
        vql_at=vql,
        won_at=won,
        planned_stage=planned,
    )
    ranks = []
    for week in range(12):
        monday = date(2026, 1, 5) + timedelta(weeks=week)
        stage = account.stage_before(
            moment=shanghai(monday.year, monday.month, monday.day), week=monday
        )
        ranks.append(stage.rank)
        assert planned is None or stage.rank >= planned.rank
    assert ranks == sorted(ranks)


def test_a_referral_forest_is_laid_out_referrers_above_their_referrals():
    from salesmesh.dashboards.behaviour_accounts import ReferralGraph, ReferralNode

    def node(pk: int, name: str, parent: int | None) -> ReferralNode:
        return ReferralNode(pk, name, parent, True, FunnelStage.SIGNED, Decimal(0))

    graph = ReferralGraph(
        nodes=(
            node(1, "a", None),
            node(2, "b", 1),
            node(3, "c", 1),
            node(4, "d", 2),
            node(5, "e", None),
            node(6, "f", 5),
        ),
        edges=((1, 2), (1, 3), (2, 4), (5, 6)),
    )
    positions = referral_positions(graph)
    # Leaves d, c, f take columns 0, 1, 2; b sits over d, a over b…c, e over f.
    assert positions == {
        4: (0.0, -2.0),
        2: (0.0, -1.0),
        3: (1.0, -1.0),
        1: (0.5, 0.0),
        6: (2.0, -1.0),
        5: (2.0, 0.0),
    }


def test_a_malformed_plan_gives_no_plan_figures():
    version = PlanVersion(
        assumptions={"behaviour": {"accounts": [{"id": "A", "stage": "nonsense"}, "x"]}},
        result={
            "data": {
                "plan": {
                    "weeks": [{"index": "0"}],
                    "sdr_weeks": [{"load": 3}],
                    "presales": {"by_week": [1, "x", 2]},
                }
            }
        },
    )
    facts = plan_facts(version)
    assert facts.stages == {}
    assert facts.weeks == ()
    assert facts.sdr_load == {}
    assert facts.solutions_by_week == (1, 0, 2)  # a bad week counts none, the others stay put
    assert facts.planned(facts.sdr_load, member="sdr1", start=START, as_of=AS_OF) is None
    assert plan_facts(None).planned_solutions(start=START, as_of=AS_OF) is None


# -- the figures -----------------------------------------------------------------------------


def test_heatmap_cells_count_each_stage_s_accounts_touched_week_by_week(world):
    heatmap = coverage_heatmap(accounts=_funnel(world), start=START, as_of=AS_OF, line=world.line)
    assert heatmap.weeks == WEEKS
    assert heatmap.stages == tuple(FunnelStage)
    cells = {
        stage: [(cell.touched, cell.accounts) for cell in row]
        for stage, row in zip(heatmap.stages, heatmap.cells, strict=True)
    }
    assert cells == {
        FunnelStage.UNTOUCHED: [(0, 2), (0, 2), (1, 2), (0, 1)],
        FunnelStage.TOUCHED: [(1, 2), (2, 2), (0, 1), (1, 2)],
        FunnelStage.ENGAGED: [(0, 0), (0, 0), (0, 1), (0, 0)],
        FunnelStage.VQL: [(0, 0), (0, 0), (0, 0), (1, 1)],
        FunnelStage.SIGNED: [(0, 1), (0, 1), (1, 1), (0, 1)],
    }
    assert heatmap.accounts == 5
    assert heatmap.cells[1][0].share == Decimal("0.5")
    assert heatmap.cells[2][0].share is None  # no engaged account: a blank cell, not 0%


def test_a_scoped_heatmap_holds_only_the_persons_accounts(world):
    accounts = _funnel(world)
    team = line_team(line=world.line)
    facts = plan_facts(PlanVersion.objects.get(unit=world.line))
    mine = scoped_accounts(
        accounts, whole_line=False, people_ids=_ids(world, "sdr2"), team=team, facts=facts
    )
    by_name = {a.name: a.pk for a in accounts}
    # The plan's Charlie and Delta (owned by bd1 now), and Echo as its owner.
    assert mine == {by_name["Charlie"], by_name["Delta"], by_name["Echo"]}
    heatmap = coverage_heatmap(
        accounts=[a for a in accounts if a.pk in mine], start=START, as_of=AS_OF
    )
    assert [(c.touched, c.accounts) for c in heatmap.cells[0]] == [(0, 1)] * 4  # Echo
    assert [(c.touched, c.accounts) for c in heatmap.cells[4]] == [(0, 1), (0, 1), (1, 1), (0, 1)]


def test_scorecards_figures(world):
    cards = behaviour_scorecards(
        line=world.line,
        people_ids=_ids(world, "sdr1", "sdr2", "bd1", "bd2", "ps1", "boss", "osdr"),
        start=START,
        as_of=AS_OF,
    )
    sdr = {row.name: row for row in cards.sdr}
    one, two = sdr["石一"], sdr["石二"]
    # sdr1: reached touches in 1 … 18 Mar are Alpha on 16 Mar and Foxtrot on 10 Mar.
    assert (one.touches, one.planned_touches, one.pacing) == (2, 12, Decimal("0.166667"))
    assert (one.accounts, one.accounts_touched, one.accounts_reached) == (2, 2, 1)
    assert (one.touch_rate, one.coverage_rate, one.vqls) == (Decimal(1), Decimal("0.5"), 0)
    # sdr2: Delta on 2 Mar; Charlie (bd1's visit) and Delta reached, Echo untouched.
    assert (two.touches, two.planned_touches) == (1, 6)
    assert (two.accounts, two.accounts_touched, two.accounts_reached, two.vqls) == (3, 2, 2, 1)
    assert two.coverage_rate == Decimal("0.666667")

    bd = {row.name: row for row in cards.bd}
    assert bd["白一"].visits == 2  # Charlie's and the one without an account; not the meeting
    assert (bd["白一"].planned_visits, bd["白一"].pacing) == (4, Decimal("0.5"))
    assert (bd["白一"].accounts, bd["白一"].advanced, bd["白一"].signed) == (2, 1, 1)
    assert (bd["白二"].visits, bd["白二"].planned_visits, bd["白二"].pacing) == (0, None, None)

    (ps,) = cards.presales
    assert (ps.requests, ps.responded, ps.reviewed, ps.first_pass, ps.completed) == (3, 2, 2, 1, 1)
    assert ps.response_hours == Decimal("24.0")  # (36 h + 12 h) / 2
    assert (ps.response_rate, ps.first_pass_rate, ps.completion_rate) == (
        Decimal("0.666667"),
        Decimal("0.5"),
        Decimal("0.333333"),
    )
    assert cards.planned_solutions == 2
    # People without a team role (the manager, another line's SDR) have no row.
    assert len(cards.sdr) + len(cards.bd) + len(cards.presales) == 5


def test_scorecards_add_up_to_the_line_s_indicators(world):
    team = _ids(world, "sdr1", "sdr2", "bd1", "bd2", "ps1")
    cards = behaviour_scorecards(line=world.line, people_ids=team, start=START, as_of=AS_OF)
    line = behaviour_actuals(line=world.line, start=START, end=AS_OF, as_of=AS_OF)
    assert sum(r.touches for r in cards.sdr) == line.sdr_touches
    assert sum(r.accounts_touched for r in cards.sdr) == line.touched
    assert sum(r.accounts_reached for r in cards.sdr) == line.reached
    assert sum(r.vqls for r in cards.sdr) == line.vql
    assert sum(r.visits for r in cards.bd) == line.bd_visits
    assert sum(r.signed for r in cards.bd) == line.signed
    assert sum(r.requests for r in cards.presales) == line.requests


def test_visit_calendar_and_referral_graph(world):
    dash = behaviour_dashboard(
        line=world.line,
        people_ids=_ids(world, "boss", "sdr1", "sdr2", "bd1", "bd2", "ps1"),
        whole_line=True,
        as_of=AS_OF,
        calendar_weeks=2,
    )
    calendar = dash.calendar
    assert calendar.days[0] == date(2026, 3, 9)
    assert calendar.days[-1] == date(2026, 3, 22)
    rows = {row.name: row.visits for row in calendar.rows}
    assert list(rows) == ["白一", "白二"]
    assert rows["白一"][3] == 1  # Thursday 12 March
    assert rows["白一"][:10].count(0) == 9
    assert rows["白一"][10:] == (None,) * 4
    assert sum(v or 0 for v in rows["白二"]) == 0

    pk = {name: account.pk for name, account in world.accounts.items()}
    pk.update({a.name: a.pk for a in Account.objects.filter(name__in=["Foxtrot", "Golf"])})
    graph = dash.referrals
    assert set(graph.edges) == {(pk["Alpha"], pk["Foxtrot"]), (pk["Charlie"], pk["Golf"])}
    nodes = {node.name: node for node in graph.nodes}
    assert nodes["Charlie"].signed_amount == Decimal("8000.00")
    assert nodes["Charlie"].stage == FunnelStage.SIGNED
    assert nodes["Foxtrot"].stage == FunnelStage.TOUCHED
    assert all(node.in_scope for node in graph.nodes)
    assert dash.start == START
    assert dash.plan_label == "2026-03 v1"
    assert dash.plan_current


def test_a_referral_outside_the_scope_shows_the_far_account_by_name_only(world):
    accounts = _funnel(world)
    by_name = {a.name: a.pk for a in accounts}
    graph = referral_graph(accounts=accounts, scoped={by_name["Charlie"]}, as_of=AS_OF)
    nodes = {node.name: node for node in graph.nodes}
    assert set(nodes) == {"Charlie", "Golf"}
    assert (nodes["Golf"].in_scope, nodes["Golf"].stage, nodes["Golf"].signed_amount) == (
        False,
        None,
        None,
    )
    assert referral_graph(accounts=accounts, scoped=set(), as_of=AS_OF).edges == ()


def test_without_a_covering_plan_the_window_is_thirteen_weeks_and_plan_columns_empty(world):
    PlanVersion.objects.filter(unit=world.line).update(status=PlanStatus.DRAFT)
    dash = behaviour_dashboard(
        line=world.line, people_ids=_ids(world, "sdr1"), whole_line=False, as_of=AS_OF
    )
    assert dash.start == date(2025, 12, 22)
    assert dash.plan_label is None
    assert not dash.plan_current
    assert dash.scorecards.sdr[0].planned_touches is None
    # Without the plan, sdr1's accounts are the ones they own: Alpha, Bravo and Foxtrot.
    assert len(dash.scoped_account_ids) == 3


# -- the page ---------------------------------------------------------------------------------


def _get(client, user: User, url: str = URL, *, language: str = "", **params: str):  # type: ignore[no-untyped-def]
    """``url`` as ``user`` on ``AS_OF``; ``language`` as the browser's Accept-Language."""
    client.force_login(user)
    headers = {"accept-language": language} if language else {}
    return client.get(url, {"as_of": str(AS_OF), **params}, headers=headers)


def _chart(response, name: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    match = re.search(
        rf'<script id="{name}" type="application/json">(.*?)</script>', response.content.decode()
    )
    assert match, name
    return json.loads(match.group(1))


def test_the_manager_sees_the_line_everyone_and_every_part(client, world):
    with translation.override("en"):
        response = _get(client, world.people["boss"], language="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Behaviour dashboard" in html
    for name in ("Sandy One", "Sandy Two", "Bede One", "Bede Two", "Percy One"):
        assert name in html
    assert "Otto Other" not in html
    assert "Outsider" not in html
    assert 'id="behaviour-kpis"' in html
    heatmap = _chart(response, "behaviour-heatmap-data")["data"][0]
    assert heatmap["y"] == ["Untouched", "Touched", "Engaged", "VQL", "Signed"]
    assert heatmap["x"] == ["2026-W09", "2026-W10", "2026-W11", "2026-W12"]
    assert heatmap["z"][0] == [0.0, 0.0, 50.0, 0.0]
    assert _chart(response, "behaviour-calendar-data")["data"][0]["y"] == ["Bede One", "Bede Two"]
    referrals = _chart(response, "behaviour-referrals-data")
    assert {"Alpha", "Foxtrot", "Charlie", "Golf"} <= {
        name for trace in referrals["data"] for name in trace.get("text") or []
    }
    assert "The plan asks the presales team for 2 solutions to date." in html


def test_an_sdr_sees_only_their_own_row_accounts_and_links(client, world):
    with translation.override("en"):
        response = _get(client, world.people["sdr1"], language="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sandy One" in html
    for other in ("Sandy Two", "Bede One", "Bede Two", "Percy One", "Bo Boss"):
        assert other not in html
    for account in ("Charlie", "Delta", "Echo", "Golf"):
        assert account not in html
    assert 'id="behaviour-kpis"' not in html  # the line's totals are the managers'
    assert 'id="scorecard-bd"' not in html
    assert 'id="scorecard-presales"' not in html
    assert 'id="behaviour-calendar"' not in html
    assert "presales team" not in html
    rows = re.findall(r"<tr>\s*<td>", html.split('id="scorecard-sdr"')[1].split("</table>")[0])
    assert len(rows) == 1
    heatmap = _chart(response, "behaviour-heatmap-data")["data"][0]
    assert heatmap["customdata"][1][0] == [1, 1]  # Alpha, touched in the week of 23 Feb


@override_settings(SALESMESH_UNTOUCHED_DAYS=7)
def test_untouched_accounts_are_listed_within_the_scope(client, world):
    with translation.override("en"):
        mine = _get(client, world.people["sdr2"], language="en").content.decode()
        line = _get(client, world.people["boss"], language="en").content.decode()
    table = mine.split('id="behaviour-untouched"')[1].split("</table>")[0]
    # Echo never touched; Charlie's last touch in the week of 9 Mar: 9 days; not Bravo.
    assert re.findall(r"<td>([^<]+)</td>", table) == ["Echo", "never touched", "Charlie", "9"]
    whole = line.split('id="behaviour-untouched"')[1].split("</table>")[0]
    assert re.findall(r"<tr><td>([^<]+)</td>", whole) == ["Echo", "Bravo", "Charlie"]


def test_a_bd_sees_their_own_calendar_and_the_partial_too(client, world):
    bd1 = world.people["bd1"]
    response = _get(client, bd1)
    assert _chart(response, "behaviour-calendar-data")["data"][0]["y"] == ["白一"]
    partial = _get(client, bd1, reverse("dashboards:behaviour_calendar"), weeks="4")
    assert partial.status_code == 200
    calendar = _chart(partial, "behaviour-calendar-data")["data"][0]
    assert calendar["y"] == ["白一"]
    assert len(calendar["x"]) == 28
    assert "白二" not in partial.content.decode()
    fallback = _get(client, bd1, reverse("dashboards:behaviour_calendar"), weeks="5")
    assert len(_chart(fallback, "behaviour-calendar-data")["data"][0]["x"]) == 56  # 8 weeks


def test_default_language_is_chinese(client, world):
    response = _get(client, world.people["boss"])
    assert '<html lang="zh-hans">' in response.content.decode()
    heatmap = _chart(response, "behaviour-heatmap-data")["data"][0]
    assert heatmap["y"][:3] == ["未触达", "已触达", "已互动"]


def test_a_line_out_of_scope_is_a_404(client, world):
    sdr1 = world.people["sdr1"]
    assert _get(client, sdr1, line="oth").status_code == 404
    assert (
        _get(client, sdr1, reverse("dashboards:behaviour_calendar"), line="oth").status_code == 404
    )
    smb = make_line("smb-x", paradigm=Paradigm.PROBABILITY)
    assert _get(client, world.people["boss"], line=smb.code).status_code == 404
    client.logout()
    assert client.get(URL).status_code == 302  # sign in first


def test_someone_without_a_behaviour_line_gets_an_empty_page(client, world):
    stranger = make_user("stranger")
    response = _get(client, stranger)
    assert response.status_code == 200
    assert 'id="behaviour-coverage"' not in response.content.decode()


# -- query counts -----------------------------------------------------------------------------


def _grow(world: World, *, accounts: int, people: int) -> None:
    """More named accounts (touched, with deals and requests) and more people of each role."""
    line = world.line
    sdr_team, bd_team, ps_team = (
        OrgUnit.objects.get(code=code) for code in ("beh-sdr", "beh-bd", "beh-ps")
    )
    extra = []
    for n in range(people):
        for unit, role in ((sdr_team, Role.SDR), (bd_team, Role.BD), (ps_team, Role.PRESALES)):
            extra.append(make_user(f"{role}-x{n}", unit=unit, role=role))
    for n in range(accounts):
        owner = extra[n % len(extra)] if extra else world.people["sdr1"]
        account = make_account(
            line,
            owner,
            f"Extra {n}",
            is_named=True,
            referred_by=world.accounts["Alpha"],
            at=CREATED,
        )
        _touch(owner, account, (2026, 3, 3 + n % 10, 10), reached=n % 2 == 0)
        _deal(account, owner, shanghai(2026, 3, 2, 9), shanghai(2026, 3, 9, 9), "100.00")
        solution_request_create(
            account=account, presales_owner=world.people["ps1"], requested_at=shanghai(2026, 3, 4)
        )


def _queries(client, user: User) -> int:  # type: ignore[no-untyped-def]
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"as_of": str(AS_OF)}).status_code == 200
    return len(queries)


def test_the_page_s_query_count_does_not_grow_with_the_data(client, world):
    small = {name: _queries(client, world.people[name]) for name in ("boss", "sdr1", "bd1")}
    # 5 named accounts and 2 SDRs → 50 named accounts and 8 SDRs (2 + 3 × 2 of each role).
    _grow(world, accounts=45, people=6)
    large = {name: _queries(client, world.people[name]) for name in ("boss", "sdr1", "bd1")}
    assert large == small


def test_the_scorecards_query_count_does_not_grow_with_the_data(world):
    def count() -> int:
        people = set(line_team(line=world.line))
        with CaptureQueriesContext(connection) as queries:
            behaviour_scorecards(line=world.line, people_ids=people, start=START, as_of=AS_OF)
        return len(queries)

    small = count()
    _grow(world, accounts=45, people=6)
    assert count() == small == 8
