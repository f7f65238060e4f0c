"""Property: a dashboard's rows are the people the viewer may see, and its totals add up.

For random small orgs — a line with nested teams and managers (a person may hold two
memberships, a unit may have a manager of record), a second line beside it — random
records around the day looked at, and a random viewer (one of the people, an admin, the
head of sales, someone of the other line):

- probability line: the behaviour board lists exactly the line's reps the viewer may see
  (every rep for an admin or the head, a manager's subtree, a rep their own row); each
  row's calls and visits today and this week and calls reached this week are what the
  viewer's ``activities_visible_to`` holds for that person; the total row is the sum of
  the rows. The overview's actual (and attainment) for the line, and the mesh API's
  revenue, customers and leads, are what ``opportunities_visible_to`` / ``leads_visible_to``
  give the viewer of the line's records of the reps their node covers, over the plan period
  to the day; the API's people are those reps, and their revenue adds up to the node's.
- behaviour line: the SDR, BD and presales scorecards list exactly the line's people of
  that role the viewer may see; each row's touches, visits, named accounts and solution
  requests are what the viewer's selectors give for that person over the window; the
  line's BD visits and named accounts (shown only to whoever sees the whole line) are the
  BD rows' sum and the named accounts the viewer may see.

Expected figures are worked out here from the generated org and the selectors' rows, never
from the dashboards' own code; pages are read as a browser gets them (English). Each
example runs in a transaction rolled back. Two known mismatches are left out of the
generated orgs (see the test below) until the dashboards are fixed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any, NamedTuple

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, event, example, given, note, settings
from hypothesis import strategies as st

from salesmesh.accounts.selectors import accounts_visible_to
from salesmesh.activities.models import ActivityType
from salesmesh.activities.selectors import activities_visible_to, solution_requests_visible_to
from salesmesh.activities.services import activity_create, solution_request_create
from salesmesh.org.models import OrgUnit, Paradigm, Role, User
from salesmesh.pipeline.models import LeadSource, Stage
from salesmesh.pipeline.selectors import leads_visible_to, opportunities_visible_to
from salesmesh.pipeline.services import lead_create, opportunity_create, opportunity_stage_change
from salesmesh.planfile.report import report_to_dict
from salesmesh.planning.documents import run_document, starting_assumptions
from salesmesh.planning.services import plan_version_approve, plan_version_save
from tests.accounts.factories import (
    SHANGHAI,
    make_account,
    make_company,
    make_line,
    make_team,
    make_user,
    shanghai,
)

pytestmark = pytest.mark.django_db

# The day looked at: a Wednesday inside the worked example's plan period (FY2026-Q2,
# 1 April … 30 June 2026); its ISO week runs from Monday 11 May.
DAY = date(2026, 5, 13)
MONDAY = date(2026, 5, 11)
PERIOD_START = date(2026, 4, 1)
# Days activities fall on: the week before, this week up to the day, the day after.
ACTIVITY_DAYS = (date(2026, 5, 8), MONDAY, date(2026, 5, 12), DAY, date(2026, 5, 14))
# Days deals are won and leads created: before the period, its first day, in it, the day,
# after the day.
RECORD_DAYS = (date(2026, 3, 20), PERIOD_START, date(2026, 4, 28), DAY, date(2026, 5, 14))
# Local hours, the first and last of a day among them (the dashboards count local days).
HOURS = (0, 10, 23)

# The main line's units: the line, two teams under it and a team inside the first.
LINE, T1, T2, T1A = range(4)
PARENT = {T1: LINE, T2: LINE, T1A: T1}
UNITS = (LINE, T1, T2, T1A)
CODES = {LINE: "tot", T1: "tot-t1", T2: "tot-t2", T1A: "tot-t1a"}
# The units in tree order (by path): the first team, the team inside it, the second team.
TREE_ORDER = {LINE: 0, T1: 1, T1A: 2, T2: 3}

MAX_PEOPLE = 6
# Viewers beyond the generated people: an admin, the head of sales (manager of the
# company) and a rep of the other line.
ADMIN, HEAD, OUTSIDER = MAX_PEOPLE, MAX_PEOPLE + 1, MAX_PEOPLE + 2

memberships = st.lists(
    st.tuples(st.sampled_from(UNITS), st.sampled_from([Role.REP, Role.MANAGER])),
    min_size=1,
    max_size=2,
    unique_by=lambda m: m[0],
)
people_st = st.lists(memberships, min_size=1, max_size=MAX_PEOPLE)
unit_managers_st = st.dictionaries(
    st.sampled_from([T1, T2, T1A]), st.integers(0, MAX_PEOPLE - 1), max_size=2
)
# (person, type, day, hour, reached); person OUTSIDER is the other line's rep.
activities_st = st.lists(
    st.tuples(
        st.integers(0, OUTSIDER),
        st.sampled_from([ActivityType.CALL, ActivityType.VISIT, ActivityType.EMAIL]),
        st.sampled_from(ACTIVITY_DAYS),
        st.sampled_from(HOURS),
        st.booleans(),
    ),
    max_size=10,
)
# (owner, in the other line?, amount, won on — None: still open)
deals_st = st.lists(
    st.tuples(
        st.integers(0, OUTSIDER),
        st.booleans(),
        st.integers(1, 9_000),
        st.none() | st.tuples(st.sampled_from(RECORD_DAYS), st.sampled_from(HOURS)),
    ),
    max_size=6,
)
# (owner, in the other line?, created on)
leads_st = st.lists(
    st.tuples(st.integers(0, OUTSIDER), st.booleans(), st.sampled_from(RECORD_DAYS)),
    max_size=5,
)


# -- the org as generated, and who may see whom worked out from it by hand -----------------


@dataclass
class Org:
    """The generated memberships, by person index, and the units' managers of record."""

    people: list[list[tuple[int, str]]]
    unit_managers: dict[int, int]
    users: dict[int, User] = field(default_factory=dict)

    def subtree(self, unit: int) -> set[int]:
        units = {unit}
        for child, parent in PARENT.items():
            if parent == unit or PARENT.get(parent) == unit:
                units.add(child)
        return units

    def reps(self) -> set[int]:
        return self.with_role(Role.REP)

    def managed_tops(self, viewer: int) -> set[int]:
        """The highest units the viewer manages (as a manager there, or the unit's manager
        of record); the line for an admin and the head."""
        if viewer in (ADMIN, HEAD):
            return {LINE}
        if viewer == OUTSIDER:
            return set()
        tops = {u for u, r in self.people[viewer] if r == Role.MANAGER}
        tops |= {u for u, who in self.unit_managers.items() if who == viewer}
        return {u for u in tops if not any(u != t and u in self.subtree(t) for t in tops)}

    def managed_units(self, viewer: int) -> set[int]:
        """The main line's units the viewer manages, subtrees included."""
        return {u for top in self.managed_tops(viewer) for u in self.subtree(top)}

    def unit_choices(self, viewer: int) -> list[int]:
        """The units a manager of several (not of the line) picks between, in tree order."""
        tops = self.managed_tops(viewer)
        return sorted(tops, key=TREE_ORDER.__getitem__) if len(tops) > 1 else []

    def mesh_reps(self, viewer: int, top: int | None = None) -> set[int]:
        """The reps the viewer's overview and mesh add up: those placed as reps in the units
        they manage (every rep of the line for an admin or a line manager; with ``top``,
        one of several units they manage), else their own share. (The board also lists
        someone placed in those units in another role who is a rep elsewhere in the line:
        the viewer may see them, but the team's mesh is of its reps.)"""
        managed = self.managed_units(viewer) if top is None else self.subtree(top)
        if not managed:
            return {viewer} & self.reps()
        return {
            i
            for i, ms in enumerate(self.people)
            if any(r == Role.REP and u in managed for u, r in ms)
        }

    def sees_the_line(self, viewer: int) -> bool:
        if viewer in (ADMIN, HEAD):
            return True
        if viewer == OUTSIDER:
            return False
        return bool(self.people[viewer]) or bool(self.managed_units(viewer))

    def own_board_only(self, viewer: int) -> bool:
        return not self.managed_units(viewer)

    def whole_line(self, viewer: int) -> bool:
        return LINE in self.managed_tops(viewer)

    def visible_people(self, viewer: int) -> set[int]:
        """The line's people the viewer may see: everyone with a place in a subtree they
        manage (docs/security.md), and themselves."""
        if viewer == OUTSIDER:
            return set()
        managed = self.managed_units(viewer)
        return {
            i
            for i, ms in enumerate(self.people)
            if i == viewer or any(u in managed for u, _r in ms)
        }

    def with_role(self, role: str) -> set[int]:
        """Everyone with ``role`` somewhere in the line."""
        return {i for i, ms in enumerate(self.people) if any(r == role for _u, r in ms)}

    def visible_reps(self, viewer: int, top: int | None = None) -> set[int]:
        """The line's reps the viewer may see; with ``top``, those placed in that unit."""
        if top is None:
            return self.visible_people(viewer) & self.reps()
        units = self.subtree(top)
        placed = {i for i, ms in enumerate(self.people) if any(u in units for u, _r in ms)}
        return placed & self.reps()


def _normalise(people: list[list[tuple[int, str]]]) -> list[list[tuple[int, str]]]:
    """At least one rep, so the line can have a plan: the first person's first role."""
    if not any(r == Role.REP for ms in people for _u, r in ms):
        unit, _role = people[0][0]
        people = [[(unit, Role.REP), *people[0][1:]], *people[1:]]
    return people


def build(
    org: Org,
    activities: list[tuple[int, str, date, int, bool]],
    deals: list[tuple[int, bool, int, tuple[date, int] | None]],
    leads: list[tuple[int, bool, date]],
) -> OrgUnit:
    """The org, its records and an approved plan of the main line; returns the line."""
    company = make_company()
    line = make_line("tot", Paradigm.PROBABILITY)
    other = make_line("tot2", Paradigm.PROBABILITY)
    t1 = make_team(line, "tot-t1")
    units = {LINE: line, T1: t1, T2: make_team(line, "tot-t2"), T1A: make_team(t1, "tot-t1a")}
    users = org.users
    for i, ms in enumerate(org.people):
        user = make_user(f"tot{i}")
        for unit, role in ms:
            user.memberships.create(unit=units[unit], role=role)
        users[i] = user
    for unit, who in org.unit_managers.items():
        units[unit].manager = users[who]
        units[unit].save()
    users[ADMIN] = make_user("tot-admin", unit=company, role=Role.ADMIN)
    users[HEAD] = make_user("tot-head", unit=company, role=Role.MANAGER)
    users[OUTSIDER] = make_user("tot-outsider", unit=make_team(other, "tot2-t"))

    for who, kind, day, hour, reached in activities:
        activity_create(
            person=users[who],
            type=kind,
            occurred_at=shanghai(day.year, day.month, day.day, hour, 30),
            reached=reached,
        )
    for n, (who, elsewhere, amount, won) in enumerate(deals):
        deal_line = other if elsewhere else line
        deal = opportunity_create(
            line=deal_line,
            account=make_account(deal_line, users[who], name=f"商机客户{n}"),
            name=f"商机{n}",
            owner=users[who],
            amount=Decimal(amount),
            at=shanghai(2026, 3, 2, 9),
        )
        if won is not None:
            day, hour = won
            opportunity_stage_change(
                opportunity=deal,
                stage=Stage.WON,
                at=shanghai(day.year, day.month, day.day, hour, 30),
            )
    for n, (who, elsewhere, created_on) in enumerate(leads):
        lead_create(
            line=other if elsewhere else line,
            source=LeadSource.BRAND,
            created_on=created_on,
            name=f"线索{n}",
            owner=users[who],
        )

    document = starting_assumptions(line=line)
    document["target"] = 30000 * len(org.reps())
    # The example's split of the target over the teams by capacity fails for a team
    # without reps; the planner spreads the customers over the reps without it.
    document.pop("allocation", None)
    report = run_document(document)
    version = plan_version_save(
        line=line,
        period_label=report.period_label,
        paradigm=report.paradigm,
        assumptions=document,
        result=report_to_dict(report),
        by=users[HEAD],
    )
    plan_version_approve(version=version, by=users[ADMIN])
    return line


# -- reading the pages ----------------------------------------------------------------------


class _Rows(HTMLParser):
    """Every table row of a page: its attributes, its cells' text, the links in it and the
    id of its table."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self._cell: list[str] | None = None
        self._table = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
        elif tag == "tr":
            self.rows.append({"attrs": dict(attrs), "cells": [], "links": [], "table": self._table})
        elif tag in ("td", "th") and self.rows:
            self._cell = []
        elif tag == "a" and self.rows:
            self.rows[-1]["links"].append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1]["cells"].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> list[dict[str, Any]]:
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def cell_counts(row: dict[str, Any]) -> tuple[int, ...]:
    """What a board row has done today and this week: its cells "done / planned to date"
    after the name, calls and visits today, calls and visits this week."""
    return tuple(int(cell.split("/")[0].strip().replace(",", "")) for cell in row["cells"][1:5])


def money(cell: str) -> Decimal:
    return Decimal(cell.replace(",", ""))


def find(node: dict[str, Any], key: str) -> dict[str, Any]:
    """A node of a mesh tree from the API, by key."""
    if node["key"] == key:
        return node
    for child in node["children"]:
        try:
            return find(child, key)
        except KeyError:
            continue
    raise KeyError(key)


# -- what the viewer may see adds up to -------------------------------------------------------


def local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


class Counts(NamedTuple):
    """A board row's figures: done today and this week, and the calls reached this week."""

    calls_today: int
    visits_today: int
    calls_week: int
    visits_week: int
    reached_week: int


def board_counts(viewer: User, person: User) -> Counts:
    """One person's calls and visits today and this week, from the activities the viewer
    may see."""
    rows = activities_visible_to(user=viewer).filter(person=person)
    mine = [(a.type, local_day(a.occurred_at), a.reached) for a in rows]
    week = [(t, d, r) for t, d, r in mine if MONDAY <= d <= DAY]
    return Counts(
        calls_today=sum(1 for t, d, _r in week if t == ActivityType.CALL and d == DAY),
        visits_today=sum(1 for t, d, _r in week if t == ActivityType.VISIT and d == DAY),
        calls_week=sum(1 for t, _d, _r in week if t == ActivityType.CALL),
        visits_week=sum(1 for t, _d, _r in week if t == ActivityType.VISIT),
        reached_week=sum(1 for t, _d, r in week if t == ActivityType.CALL and r),
    )


def won_in_period(viewer: User, line: OrgUnit, owners: Iterable[int]) -> tuple[Decimal, int]:
    """Amount and number of the line's deals the viewer may see, owned by ``owners`` and
    won from the period's first day to the day looked at."""
    amount, count = Decimal(0), 0
    deals = opportunities_visible_to(user=viewer).filter(line=line, owner_id__in=list(owners))
    for deal in deals.prefetch_related("stage_changes"):
        if any(
            change.to_stage == Stage.WON and PERIOD_START <= local_day(change.changed_at) <= DAY
            for change in deal.stage_changes.all()
        ):
            amount += deal.amount
            count += 1
    return amount, count


def leads_in_period(viewer: User, line: OrgUnit, owners: Iterable[int]) -> int:
    return (
        leads_visible_to(user=viewer)
        .filter(line=line, owner_id__in=list(owners), created_on__range=(PERIOD_START, DAY))
        .count()
    )


# -- the property -----------------------------------------------------------------------------


def check_board(
    client: Client, org: Org, viewer: int, line: OrgUnit, top: int | None = None
) -> None:
    """The board as the viewer sees it; ``top``: one of several units they manage, asked for
    with ``?unit=`` (without it, a manager of several units sees the first)."""
    user = org.users[viewer]
    url = reverse("dashboards:probability")
    params = {"line": line.code, "as_of": DAY.isoformat()}
    if top is not None:
        params["unit"] = CODES[top]
    response = client.get(url, params)
    if not org.sees_the_line(viewer):
        assert response.status_code == 404
        return
    assert response.status_code == 200
    choices = org.unit_choices(viewer)
    if choices and top is None:
        top = choices[0]
    rows = table_rows(response.content.decode())
    shown = {
        int(r["attrs"]["data-person"]): r
        for r in rows
        if "prob-row" in (r["attrs"].get("class") or "").split()
    }
    expected_people = {org.users[i].pk for i in org.visible_reps(viewer, top)}
    # (1) the rows are exactly the line's reps the viewer may see (in the unit shown)
    assert set(shown) == expected_people, (viewer, org)
    # each row's figures are what the viewer's visible activities of that person add up to
    # (2) each row's calls and visits today and this week (the page's cells) and its calls
    #     reached this week (the reach rate's numerator) are what the activities the viewer
    #     may see of that person add up to
    board = response.context["board"]
    reached = {r.person_id: r.reached_week for r in board.rows}
    expected = {pk: board_counts(user, User.objects.get(pk=pk)) for pk in expected_people}
    got = {pk: Counts(*cell_counts(row), reached_week=reached[pk]) for pk, row in shown.items()}
    assert got == expected, (viewer, org)
    totals = [r for r in rows if "prob-total" in (r["attrs"].get("class") or "").split()]
    if org.own_board_only(viewer) or not shown:
        assert totals == []  # a rep sees no total: it would be their own row again
        return
    # (3) the total row is the sum of the rows shown, which is what the viewer may see
    (total,) = totals
    got_total = Counts(*cell_counts(total), reached_week=board.totals.reached_week)
    assert got_total == Counts(*(sum(column) for column in zip(*got.values(), strict=True)))
    assert got_total == Counts(*(sum(column) for column in zip(*expected.values(), strict=True)))
    # and its plan to date is the sum of the planned rows'
    for pace in ("calls_today", "visits_today", "calls_week", "visits_week"):
        planned = [getattr(r, pace).expected for r in board.rows if r.has_plan]
        assert getattr(board.totals, pace).expected == (sum(planned) if planned else None)


def check_overview_and_mesh(
    client: Client, org: Org, viewer: int, line: OrgUnit, top: int | None = None
) -> None:
    """The overview's row and the mesh API as the viewer sees them; ``top``: one of several
    units they manage (its own overview row, ``unit=`` on the API)."""
    user = org.users[viewer]
    owners = [org.users[i].pk for i in org.mesh_reps(viewer, top)]
    revenue, customers = won_in_period(user, line, owners)
    leads = leads_in_period(user, line, owners)

    html = client.get(
        reverse("dashboards:overview"), {"as_of": DAY.isoformat()}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    link = f"{reverse('dashboards:mesh')}?line={line.code}"
    params = {"as_of": DAY.isoformat()}
    if top is not None:
        link += f"&unit={CODES[top]}"
        params["unit"] = CODES[top]
    rows = table_rows(html)
    mine = [r for r in rows if any(href == link for href in r["links"])]
    api = client.get(f"/api/mesh/{line.code}", params)
    if not org.sees_the_line(viewer):
        assert mine == []
        assert api.status_code == 404
        return
    (row,) = mine
    if not owners:
        # A team none of the plan's reps works in: the overview says there is no plan for
        # it and the API has no mesh of it.
        assert row["cells"][1] == "no approved plan"
        assert api.status_code == 404
        return
    assert api.status_code == 200, api.content
    body = api.json()
    people = {p["person_id"]: p for p in body["people"]}
    # (1) the mesh lists exactly the reps the viewer may see
    assert set(people) == set(owners), (viewer, org)
    # (2) the overview's actual and attainment, and the mesh's revenue, customers and leads,
    #     add up what the viewer may see of those reps in the line
    assert money(row["cells"][4]) == revenue, (viewer, org)
    target = money(row["cells"][2])
    assert row["cells"][5] == f"{revenue / target * 100:,.1f}%"
    for person in people.values():
        pk = person["person_id"]
        assert Decimal(person["root"]["actual"]) == won_in_period(user, line, [pk])[0]
        assert (
            Decimal(find(person["root"], "customers")["actual"])
            == (won_in_period(user, line, [pk])[1])
        )
    if org.own_board_only(viewer):
        assert body["root"] is None
        return
    root = body["root"]
    assert Decimal(root["actual"]) == revenue
    assert Decimal(root["actual"]) == sum(
        (Decimal(p["root"]["actual"]) for p in people.values()), Decimal(0)
    )
    assert Decimal(find(root, "customers")["actual"]) == customers
    assert Decimal(find(root, "leads")["actual"]) == leads


def check_default_unit(
    client: Client, org: Org, viewer: int, line: OrgUnit, choices: list[int]
) -> None:
    """Without ``unit``, a manager of several units gets the first; a unit they do not
    manage (the line, a team outside their units) is a 404 on the pages and the API."""
    day = {"as_of": DAY.isoformat()}
    first = client.get(f"/api/mesh/{line.code}", {**day, "unit": CODES[choices[0]]})
    default = client.get(f"/api/mesh/{line.code}", day)
    assert default.status_code == first.status_code
    if first.status_code == 200:
        assert default.json() == first.json()
    for unit in (u for u in UNITS if u not in choices):
        params = {**day, "line": line.code, "unit": CODES[unit]}
        assert client.get(f"/api/mesh/{line.code}", params).status_code == 404
        assert client.get(reverse("dashboards:mesh"), params).status_code == 404
        assert client.get(reverse("dashboards:probability"), params).status_code == 404


def _crafted(viewer: int) -> Any:
    """An org seen by ``viewer`` (0 manages the line, 1 the first team and the team inside
    it — not the second team —, 3 is a rep): reps in every team, calls and visits on the
    day's and the week's edges, deals won before, in and after the window."""
    return example(
        people=[
            [(LINE, Role.MANAGER)],
            [(T1, Role.MANAGER)],
            [(T1, Role.REP)],
            [(T1A, Role.REP)],
            [(T2, Role.REP)],
        ],
        unit_managers={},
        activities=[
            (2, ActivityType.CALL, DAY, 0, True),
            (2, ActivityType.CALL, DAY, 23, False),
            (3, ActivityType.VISIT, MONDAY, 10, True),
            (3, ActivityType.CALL, date(2026, 5, 8), 23, True),
            (4, ActivityType.CALL, date(2026, 5, 14), 0, True),
            (4, ActivityType.VISIT, DAY, 10, False),
        ],
        deals=[
            (2, False, 1200, (PERIOD_START, 0)),
            (3, False, 800, (DAY, 23)),
            (4, False, 500, (date(2026, 5, 14), 0)),
            (4, False, 300, (date(2026, 3, 20), 10)),
            (2, False, 999, None),
        ],
        leads=[(2, False, DAY), (3, False, date(2026, 3, 20)), (4, False, PERIOD_START)],
        viewer=viewer,
    )


# A manager of two separate teams (the team inside the first, as a manager there, and the
# second, as its manager of record), not of the line: a row, a board and a mesh for each.
@example(
    people=[
        [(T1A, Role.MANAGER)],
        [(T1, Role.REP)],
        [(T1A, Role.REP)],
        [(T2, Role.REP), (T1, Role.REP)],
        [(T2, Role.REP)],
    ],
    unit_managers={T2: 0},
    activities=[
        (2, ActivityType.CALL, DAY, 10, True),
        (3, ActivityType.VISIT, DAY, 10, True),
        (4, ActivityType.CALL, MONDAY, 0, False),
        (1, ActivityType.CALL, DAY, 10, True),
    ],
    deals=[
        (2, False, 700, (DAY, 10)),
        (3, False, 400, (date(2026, 4, 28), 10)),
        (4, False, 900, (PERIOD_START, 0)),
        (4, True, 600, (DAY, 10)),
        (1, False, 250, (DAY, 10)),
    ],
    leads=[(2, False, DAY), (4, False, PERIOD_START), (1, False, DAY)],
    viewer=0,
)
@_crafted(0)
@_crafted(1)
@_crafted(3)
# An example costs about a second (an org, its records, a plan, four pages); no shrinking
# phase, which would take minutes: the note gives the whole failing example.
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(
    people=people_st,
    unit_managers=unit_managers_st,
    activities=activities_st,
    deals=deals_st,
    leads=leads_st,
    viewer=st.integers(0, OUTSIDER),
)
def test_dashboard_rows_are_the_visible_people_and_totals_add_up(
    people, unit_managers, activities, deals, leads, viewer
) -> None:
    people = _normalise(people)

    # Generated indices past the people drawn fall on someone who exists.
    def who(i: int) -> int:
        return i if i >= ADMIN or i < len(people) else i % len(people)

    org = Org(people=people, unit_managers={u: who(w) for u, w in unit_managers.items()})
    activities = [(who(p), *rest) for p, *rest in activities]
    deals = [(who(p), *rest) for p, *rest in deals]
    leads = [(who(p), *rest) for p, *rest in leads]
    viewer = who(viewer)
    note(f"{org=} {activities=} {deals=} {leads=} {viewer=}")
    event(
        "viewer: "
        + (
            "outside the line"
            if not org.sees_the_line(viewer)
            else "the whole line"
            if org.whole_line(viewer)
            else "their own board"
            if org.own_board_only(viewer)
            else "several units"
            if org.unit_choices(viewer)
            else "a team"
        )
    )
    with transaction.atomic():
        line = build(org, activities, deals, leads)
        client = Client()
        client.force_login(org.users[viewer])
        check_board(client, org, viewer, line)
        choices = org.unit_choices(viewer)
        if choices:
            # A manager of several units: the overview has a row for each, the board and
            # the mesh one at a time; the default is the first.
            for top in choices:
                check_board(client, org, viewer, line, top)
                check_overview_and_mesh(client, org, viewer, line, top)
            check_default_unit(client, org, viewer, line, choices)
        else:
            check_overview_and_mesh(client, org, viewer, line)
        transaction.set_rollback(True)


# -- the behaviour dashboard's scorecards -----------------------------------------------------

# Without an approved plan the behaviour dashboard looks at the 13 weeks up to the day:
# Monday 16 February … 13 May 2026. Days before, on the edges of and after that window.
WINDOW_START = date(2026, 2, 16)
WINDOW_DAYS = (date(2026, 2, 15), WINDOW_START, date(2026, 4, 28), DAY, date(2026, 5, 14))
TEAM_ROLES = (Role.SDR, Role.BD, Role.PRESALES)

team_memberships = st.lists(
    st.tuples(st.sampled_from(UNITS), st.sampled_from([*TEAM_ROLES, Role.MANAGER])),
    min_size=1,
    max_size=2,
    unique_by=lambda m: m[0],
)
# (person, type, day, reached)
team_activities_st = st.lists(
    st.tuples(
        st.integers(0, OUTSIDER),
        st.sampled_from([ActivityType.CALL, ActivityType.VISIT, ActivityType.EMAIL]),
        st.sampled_from(WINDOW_DAYS),
        st.booleans(),
    ),
    max_size=10,
)
# Named accounts and solution requests on accounts: (owner or presales owner, other line?,
# day requested — unused for accounts)
team_records_st = st.lists(
    st.tuples(st.integers(0, OUTSIDER), st.booleans(), st.sampled_from(WINDOW_DAYS)),
    max_size=5,
)


def build_team(
    org: Org,
    activities: list[tuple[int, str, date, bool]],
    accounts: list[tuple[int, bool, date]],
    requests: list[tuple[int, bool, date]],
) -> OrgUnit:
    """A behaviour line (no plan) with the generated people and records; returns it."""
    company = make_company()
    line = make_line("btot", Paradigm.BEHAVIOUR)
    other = make_line("btot2", Paradigm.BEHAVIOUR)
    t1 = make_team(line, "btot-t1")
    units = {LINE: line, T1: t1, T2: make_team(line, "btot-t2"), T1A: make_team(t1, "btot-t1a")}
    users = org.users
    for i, ms in enumerate(org.people):
        user = make_user(f"btot{i}")
        for unit, role in ms:
            user.memberships.create(unit=units[unit], role=role)
        users[i] = user
    for unit, who in org.unit_managers.items():
        units[unit].manager = users[who]
        units[unit].save()
    users[ADMIN] = make_user("btot-admin", unit=company, role=Role.ADMIN)
    users[HEAD] = make_user("btot-head", unit=company, role=Role.MANAGER)
    users[OUTSIDER] = make_user("btot-outsider", unit=make_team(other, "btot2-t"), role=Role.BD)
    for who, kind, day, reached in activities:
        activity_create(
            person=users[who],
            type=kind,
            occurred_at=shanghai(day.year, day.month, day.day, 23, 30),
            reached=reached,
        )
    for n, (who, elsewhere, _day) in enumerate(accounts):
        make_account(other if elsewhere else line, users[who], name=f"重点客户{n}", is_named=True)
    for n, (who, elsewhere, day) in enumerate(requests):
        account_line = other if elsewhere else line
        solution_request_create(
            account=make_account(account_line, users[who], name=f"方案客户{n}"),
            presales_owner=users[who],
            requested_at=shanghai(day.year, day.month, day.day, 0, 30),
        )
    return line


def in_window(moment: datetime) -> bool:
    return WINDOW_START <= local_day(moment) <= DAY


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(
    people=st.lists(team_memberships, min_size=1, max_size=MAX_PEOPLE),
    unit_managers=unit_managers_st,
    activities=team_activities_st,
    accounts=team_records_st,
    requests=team_records_st,
    viewer=st.integers(0, OUTSIDER),
)
def test_scorecards_list_the_visible_team_and_add_up(
    people, unit_managers, activities, accounts, requests, viewer
) -> None:
    """The SDR, BD and presales scorecards list exactly the line's team members the viewer
    may see; each row's touches, visits, named accounts owned and solution requests are what
    the viewer's ``*_visible_to`` rows of that person add up to over the window; the line's
    BD visits, shown to whoever sees the whole line, are the sum of the BD rows."""

    def who(i: int) -> int:
        return i if i >= ADMIN or i < len(people) else i % len(people)

    org = Org(people=people, unit_managers={u: who(w) for u, w in unit_managers.items()})
    activities = [(who(p), *rest) for p, *rest in activities]
    accounts = [(who(p), *rest) for p, *rest in accounts]
    requests = [(who(p), *rest) for p, *rest in requests]
    viewer = who(viewer)
    note(f"{org=} {activities=} {accounts=} {requests=} {viewer=}")
    with transaction.atomic():
        line = build_team(org, activities, accounts, requests)
        user = org.users[viewer]
        client = Client()
        client.force_login(user)
        response = client.get(
            reverse("dashboards:behaviour"),
            {"line": line.code, "as_of": DAY.isoformat()},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        if not org.sees_the_line(viewer):
            assert response.status_code == 404
            transaction.set_rollback(True)
            return
        assert response.status_code == 200
        html = response.content.decode()
        rows = table_rows(html)
        by_name = {u.display_name: i for i, u in org.users.items()}

        def table(name: str) -> dict[int, list[str]]:
            """The scorecard's rows by person index (a person appears once)."""
            shown = [r["cells"] for r in rows if r["table"] == name and r["cells"][0] != "person"]
            found = {by_name[cells[0]]: cells for cells in shown}
            assert len(found) == len(shown)
            return found

        visible = org.visible_people(viewer)
        sdr, bd = table("scorecard-sdr"), table("scorecard-bd")
        presales = table("scorecard-presales")
        # (1) each scorecard lists exactly the line's people of its role the viewer may see
        for shown, role in ((sdr, Role.SDR), (bd, Role.BD), (presales, Role.PRESALES)):
            assert set(shown) == visible & org.with_role(role), (role, viewer, org)

        # (2) each row adds up the records of that person the viewer may see
        seen = [a for a in activities_visible_to(user=user) if in_window(a.occurred_at)]
        named = accounts_visible_to(user=user).filter(line=line, is_named=True)
        asked = solution_requests_visible_to(user=user).filter(account__line=line)
        for i, cells in sdr.items():
            touches = sum(1 for a in seen if a.person_id == org.users[i].pk and a.reached)
            assert int(cells[1]) == touches, (i, org)
        for i, cells in bd.items():
            visits = [a for a in seen if a.person_id == org.users[i].pk]
            assert int(cells[1]) == sum(1 for a in visits if a.type == ActivityType.VISIT)
            assert int(cells[4]) == named.filter(owner=org.users[i]).count()
        for i, cells in presales.items():
            mine = asked.filter(presales_owner=org.users[i])
            assert int(cells[1]) == sum(1 for r in mine if in_window(r.requested_at))

        # (3) the line's figures are shown to whoever sees the whole line, and its BD visits
        #     are the BD rows' sum
        kpis = dict(
            re.findall(r'<div class="muted">([^<]+)</div><div class="value">([^<]*)</div>', html)
        )
        event(f"scorecard rows: {len(sdr) + len(bd) + len(presales)}")
        event(f"whole line: {org.whole_line(viewer)}")
        if not org.whole_line(viewer):
            assert 'id="behaviour-kpis"' not in html
        else:
            assert int(kpis["BD visits"]) == sum(int(cells[1]) for cells in bd.values())
            assert int(kpis["named accounts"]) == named.count()
        transaction.set_rollback(True)
