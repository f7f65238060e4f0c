"""The behaviour dashboard's figures (DESIGN.md §1.2), each part in a fixed number of queries.

Fetch, then compute (DESIGN.md §3): every part loads what it needs in a constant number of
queries, whatever the number of accounts, people, weeks or activities, and computes the
rest in Python. The line's own indicators come from ``activities.behaviour_indicators``
(per named account and per person, under the same definitions as the line's totals), so a
scorecard column summed over the line is the line's figure. Touches come from
``AccountWeeklyTouch`` and ``ActivityDailyRollup``, never from raw activities (DESIGN.md §4).

Definitions (the window is ``start`` … ``as_of`` in local days):

- **An account's SDR** is the one the approved plan has touching it; an account the plan
  does not name is its owner's if the owner is an SDR. A person's **accounts** are the ones
  they own or are the SDR of.
- **An account's stage** at a moment follows core.behaviour's funnel (untouched, touched,
  engaged, VQL, signed): *signed* once a deal of it was won, *VQL* once a deal of it
  reached the qualified stage or beyond (``VQL_STAGES``), *engaged* once a BD of the line
  owned it, *touched* once an activity with it was logged, else *untouched* — and never
  below the stage the approved plan gave it (the plan knows what happened before the
  records start).
- **Coverage heatmap**: for each week (Monday to Sunday) of the window and each stage, the
  named accounts at that stage when the week began, and how many of them were touched in
  the week. An account moves down the rows as it advances, so the row of untouched
  accounts reads "first touches this week", and the signed row "are we still looking after
  the customers we won". The week holding ``as_of`` counts a touch later that week (the
  weekly rollup cannot tell the days apart).
- **SDR scorecard**: touches (activities that reached the customer: a planned touch is a
  substantive contact) against the planned touches to date; the SDR's named accounts, and
  those touched and reached in the window's weeks (touch rate, coverage rate = reached ÷
  accounts); VQLs: their named accounts that became value-qualified in the window.
- **BD scorecard**: visits (visit attempts, as the line's BD-visit indicator counts them)
  against the planned visits to date; named accounts owned; accounts advanced (named
  accounts they own whose deal moved forward in the window — created, or on to a later
  stage, won included, lost not); accounts signed in the window among those they own.
- **Presales scorecard**: the window's solution requests on the line's accounts by their
  presales owner, with the line's response, first-pass and completion rates (a request's
  later outcome counts) and the average response time (responded − requested, over the
  requests responded to).
- Plan figures to date count every plan week that has started by ``as_of`` in full.

Every rate is a Decimal with six places, or ``None`` when its denominator is zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum

from salesmesh.accounts.models import Account
from salesmesh.activities.behaviour_indicators import VQL_STAGES, behaviour_people_facts
from salesmesh.activities.indicators import local_bounds
from salesmesh.activities.models import (
    AccountWeeklyTouch,
    ActivityDailyRollup,
    ActivityType,
    SolutionRequest,
)
from salesmesh.dashboards.behaviour_accounts import (
    CoverageHeatmap,
    ReferralGraph,
    coverage_heatmap,
    funnel_accounts,
    referral_graph,
    scoped_accounts,
)
from salesmesh.dashboards.behaviour_plan import BehaviourPlanFacts, plan_facts
from salesmesh.dashboards.behaviour_team import (
    TeamMember,
    line_team,
    monday,
    ratio,
    sdr_of,
    team_members,
)
from salesmesh.mesh.choice import approved_plan_for
from salesmesh.org.models import OrgUnit, Role
from salesmesh.pipeline.models import OpportunityStageChange, Stage

__all__ = [
    "BdScore",
    "BehaviourDashboard",
    "PresalesScore",
    "Scorecards",
    "SdrScore",
    "VisitCalendar",
    "VisitRow",
    "behaviour_dashboard",
    "behaviour_scorecards",
    "visit_calendar",
]

_HOURS_PLACES = Decimal("0.1")
# Deal stages in the order a deal moves forward; lost is not a step forward.
_DEAL_ORDER = (Stage.LEAD, Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION, Stage.WON)
# Without an approved plan covering the day, the window is this many weeks up to it.
FALLBACK_WEEKS = 13
DEFAULT_CALENDAR_WEEKS = 8


def _qualifying() -> Q:
    """Stage changes that make a deal value-qualified, as the line's VQL output counts them:
    from no stage (a deal created) or from ``lead`` into ``VQL_STAGES``."""
    return Q(from_stage__in=("", Stage.LEAD), to_stage__in=VQL_STAGES)


def _forward_moves() -> Q:
    """Stage changes that move a deal forward: its creation, or to a later stage (won too)."""
    forward = Q(from_stage="") & ~Q(to_stage=Stage.LOST)
    for index, earlier in enumerate(_DEAL_ORDER):
        forward |= Q(from_stage=earlier, to_stage__in=_DEAL_ORDER[index + 1 :])
    return forward


# -- scorecards -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Account:
    """One named account's part of the scorecards over the window."""

    touched: bool
    reached: bool
    vql: bool
    signed: bool
    advanced: bool


@dataclass(frozen=True)
class SdrScore:
    person_id: int
    name: str
    touches: int
    planned_touches: int | None
    accounts: int
    accounts_touched: int
    accounts_reached: int
    vqls: int

    @property
    def touch_rate(self) -> Decimal | None:
        return ratio(self.accounts_touched, self.accounts)

    @property
    def coverage_rate(self) -> Decimal | None:
        return ratio(self.accounts_reached, self.accounts)

    @property
    def pacing(self) -> Decimal | None:
        """Touches ÷ planned touches to date."""
        return None if self.planned_touches is None else ratio(self.touches, self.planned_touches)


@dataclass(frozen=True)
class BdScore:
    person_id: int
    name: str
    visits: int
    planned_visits: int | None
    accounts: int
    advanced: int
    signed: int

    @property
    def pacing(self) -> Decimal | None:
        """Visits ÷ planned visits to date."""
        return None if self.planned_visits is None else ratio(self.visits, self.planned_visits)


@dataclass(frozen=True)
class PresalesScore:
    person_id: int
    name: str
    requests: int
    responded: int
    reviewed: int
    first_pass: int
    completed: int
    # Mean of (responded − requested) over the responded requests, in hours to one place.
    response_hours: Decimal | None

    @property
    def response_rate(self) -> Decimal | None:
        return ratio(self.responded, self.requests)

    @property
    def first_pass_rate(self) -> Decimal | None:
        return ratio(self.first_pass, self.reviewed)

    @property
    def completion_rate(self) -> Decimal | None:
        return ratio(self.completed, self.requests)


@dataclass(frozen=True)
class Scorecards:
    """One table per team, a row per person in scope, over ``start`` … ``as_of``."""

    start: date
    as_of: date
    sdr: tuple[SdrScore, ...]
    bd: tuple[BdScore, ...]
    presales: tuple[PresalesScore, ...]
    # The presales team's planned solutions to date (the plan has no per-person split).
    planned_solutions: int | None


def behaviour_scorecards(
    *, line: OrgUnit, people_ids: Collection[int], start: date, as_of: date
) -> Scorecards:
    """The SDR, BD and presales scorecards of the people in ``people_ids`` (eight queries).

    The plan is the approved one the dashboards choose for ``as_of``; without one the plan
    columns are empty. People without an SDR, BD or presales role in the line are left out.
    """
    choice = approved_plan_for(line=line, as_of=as_of)
    return _scorecards(
        line=line,
        people_ids=people_ids,
        start=start,
        as_of=as_of,
        team=line_team(line=line),
        facts=plan_facts(choice.version if choice else None),
    )


def _response_hours(
    *, line: OrgUnit, presales_ids: list[int], since: datetime, until: datetime
) -> dict[int, Decimal]:
    """Each presales owner's mean response time over the window's responded requests."""
    wait = ExpressionWrapper(F("responded_at") - F("requested_at"), output_field=DurationField())
    rows = (
        SolutionRequest.objects.filter(
            account__line=line,
            presales_owner_id__in=presales_ids,
            requested_at__gte=since,
            requested_at__lt=until,
            responded_at__isnull=False,
        )
        .order_by()
        .values("presales_owner_id")
        .annotate(wait=Avg(wait))
        .values_list("presales_owner_id", "wait")
    )
    return {
        person: (Decimal(waited.total_seconds()) / 3600).quantize(_HOURS_PLACES, ROUND_HALF_UP)
        for person, waited in rows
        if waited is not None
    }


def _scorecards(
    *,
    line: OrgUnit,
    people_ids: Collection[int],
    start: date,
    as_of: date,
    team: dict[int, TeamMember],
    facts: BehaviourPlanFacts,
) -> Scorecards:
    if as_of < start:
        raise ValueError("the window must not end before it starts")
    sdr_ids = team_members(team, people_ids, Role.SDR)
    bd_ids = team_members(team, people_ids, Role.BD)
    presales_ids = team_members(team, people_ids, Role.PRESALES)
    since, until = local_bounds(start, as_of)

    # 1. The line's named accounts.
    named = list(
        Account.objects.filter(line=line, is_named=True)
        .order_by("pk")
        .values_list("pk", "external_id", "owner_id")
    )
    # 2. Touched and reached in the window's whole weeks, per account.
    touched = dict(
        AccountWeeklyTouch.objects.filter(
            account__line=line,
            account__is_named=True,
            week_start__range=(monday(start), monday(as_of)),
            touches__gt=0,
        )
        .order_by()
        .values("account_id")
        .annotate(n_reached=Sum("reached"))
        .values_list("account_id", "n_reached")
    )
    # 3. Per account, whether a deal of it became value-qualified, was won or moved forward
    #    in the window (one grouped query; as correlated subqueries per account SQLite
    #    walks the stage index once per account).
    won, qualifying, forward = Q(to_stage=Stage.WON), _qualifying(), _forward_moves()
    moved = {
        account_id: (vql > 0, signed > 0, advanced > 0)
        for account_id, vql, signed, advanced in OpportunityStageChange.objects.filter(
            won | qualifying | forward,
            changed_at__gte=since,
            changed_at__lt=until,
            opportunity__account__line=line,
            opportunity__account__is_named=True,
        )
        .order_by()
        .values("opportunity__account_id")
        .annotate(
            n_vql=Count("pk", filter=qualifying),
            n_signed=Count("pk", filter=won),
            n_advanced=Count("pk", filter=forward),
        )
        .values_list("opportunity__account_id", "n_vql", "n_signed", "n_advanced")
    }
    # 4-5. Each person's touches, visits and presales requests, as the line counts them.
    people = behaviour_people_facts(
        line=line, people=[*sdr_ids, *bd_ids, *presales_ids], start=start, end=as_of
    )
    # 6. Presales response times.
    hours = _response_hours(line=line, presales_ids=presales_ids, since=since, until=until)

    by_username = {m.username: m.pk for m in team.values()}
    mine: dict[int, list[_Account]] = defaultdict(list)
    owned: dict[int, list[_Account]] = defaultdict(list)
    for pk, external_id, owner_id in named:
        vql, signed, advanced = moved.get(pk, (False, False, False))
        account = _Account(
            touched=pk in touched,
            reached=(touched.get(pk) or 0) > 0,
            vql=vql,
            signed=signed,
            advanced=advanced,
        )
        owned[owner_id].append(account)
        sdr = sdr_of(external_id, owner_id, facts=facts, by_username=by_username, team=team)
        if sdr is not None:
            mine[sdr].append(account)

    def planned(load: Mapping[tuple[str, int], int], pk: int) -> int | None:
        return facts.planned(load, member=team[pk].username, start=start, as_of=as_of)

    sdr_rows = tuple(
        SdrScore(
            person_id=pk,
            name=team[pk].name,
            touches=people[pk].touches,
            planned_touches=planned(facts.sdr_load, pk),
            accounts=len(mine[pk]),
            accounts_touched=sum(a.touched for a in mine[pk]),
            accounts_reached=sum(a.reached for a in mine[pk]),
            vqls=sum(a.vql for a in mine[pk]),
        )
        for pk in sdr_ids
    )
    bd_rows = tuple(
        BdScore(
            person_id=pk,
            name=team[pk].name,
            visits=people[pk].visits,
            planned_visits=planned(facts.bd_load, pk),
            accounts=len(owned[pk]),
            advanced=sum(a.advanced for a in owned[pk]),
            signed=sum(a.signed for a in owned[pk]),
        )
        for pk in bd_ids
    )
    presales_rows = tuple(
        PresalesScore(
            person_id=pk,
            name=team[pk].name,
            requests=people[pk].requests,
            responded=people[pk].responded,
            reviewed=people[pk].reviewed,
            first_pass=people[pk].first_pass,
            completed=people[pk].completed,
            response_hours=hours.get(pk),
        )
        for pk in presales_ids
    )
    return Scorecards(
        start=start,
        as_of=as_of,
        sdr=sdr_rows,
        bd=bd_rows,
        presales=presales_rows,
        planned_solutions=facts.planned_solutions(start=start, as_of=as_of),
    )


# -- BD visit calendar ----------------------------------------------------------------------


@dataclass(frozen=True)
class VisitRow:
    person_id: int
    name: str
    # Visits per day of ``VisitCalendar.days``; None for a day after ``as_of``.
    visits: tuple[int | None, ...]

    @property
    def total(self) -> int:
        return sum(v for v in self.visits if v is not None)


@dataclass(frozen=True)
class VisitCalendar:
    """Visits per BD per day over whole weeks: Monday ``weeks - 1`` weeks back … Sunday."""

    days: tuple[date, ...]
    rows: tuple[VisitRow, ...]


def visit_calendar(
    *,
    people_ids: Collection[int],
    team: dict[int, TeamMember],
    as_of: date,
    weeks: int = DEFAULT_CALENDAR_WEEKS,
) -> VisitCalendar:
    """The BDs' visits per day over the last ``weeks`` weeks up to ``as_of`` (one query)."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    first = monday(as_of) - timedelta(weeks=weeks - 1)
    days = tuple(first + timedelta(days=n) for n in range(7 * weeks))
    bd_ids = team_members(team, people_ids, Role.BD)
    counts: dict[tuple[int, date], int] = {}
    if bd_ids:
        for person_id, day, attempts in ActivityDailyRollup.objects.filter(
            person_id__in=bd_ids, type=ActivityType.VISIT, day__range=(first, as_of)
        ).values_list("person_id", "day", "attempts"):
            counts[(person_id, day)] = attempts
    rows = tuple(
        VisitRow(
            person_id=pk,
            name=team[pk].name,
            visits=tuple(counts.get((pk, day), 0) if day <= as_of else None for day in days),
        )
        for pk in bd_ids
    )
    return VisitCalendar(days=days, rows=rows)


# -- the whole board ------------------------------------------------------------------------


@dataclass(frozen=True)
class BehaviourDashboard:
    """Everything the behaviour dashboard shows for one user's scope on one line."""

    start: date
    as_of: date
    plan_label: str | None
    plan_current: bool
    heatmap: CoverageHeatmap
    scorecards: Scorecards
    calendar: VisitCalendar
    referrals: ReferralGraph
    scoped_account_ids: frozenset[int]


def behaviour_dashboard(
    *,
    line: OrgUnit,
    people_ids: Collection[int],
    whole_line: bool,
    as_of: date,
    calendar_weeks: int = DEFAULT_CALENDAR_WEEKS,
) -> BehaviourDashboard:
    """The heatmap, scorecards, calendar and referral graph of a scope (fixed queries)."""
    choice = approved_plan_for(line=line, as_of=as_of)
    if choice is not None and choice.current:
        start = choice.period.start
    else:
        start = monday(as_of) - timedelta(weeks=FALLBACK_WEEKS - 1)
    facts = plan_facts(choice.version if choice else None)
    team = line_team(line=line)
    accounts = funnel_accounts(line=line, as_of=as_of, facts=facts)
    scoped = scoped_accounts(
        accounts, whole_line=whole_line, people_ids=people_ids, team=team, facts=facts
    )
    return BehaviourDashboard(
        start=start,
        as_of=as_of,
        plan_label=f"{choice.version.period_label} v{choice.version.number}" if choice else None,
        plan_current=bool(choice and choice.current),
        heatmap=coverage_heatmap(
            accounts=[a for a in accounts if a.pk in scoped],
            start=start,
            as_of=as_of,
            line=line if whole_line else None,
        ),
        scorecards=_scorecards(
            line=line, people_ids=people_ids, start=start, as_of=as_of, team=team, facts=facts
        ),
        calendar=visit_calendar(
            people_ids=people_ids, team=team, as_of=as_of, weeks=calendar_weeks
        ),
        referrals=referral_graph(accounts=accounts, scoped=scoped, as_of=as_of),
        scoped_account_ids=frozenset(scoped),
    )
