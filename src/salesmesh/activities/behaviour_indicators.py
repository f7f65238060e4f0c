"""Actual indicators of one behaviour-paradigm business line (DESIGN.md §1.2), in fixed queries.

Fetch, then compute (DESIGN.md §3): :func:`behaviour_actuals` loads what the SDR, BD and
presales scorecards need in six queries whatever the number of accounts, activities, deals
or solution requests. Touches come from the maintained ``AccountWeeklyTouch`` rollup and BD
visits and SDR touches from ``ActivityDailyRollup``, never from raw activities (DESIGN.md
§4). The mesh's per-person trees need the same figures account by account and person by
person: :func:`behaviour_account_facts` (one query, one row per named account) and
:func:`behaviour_people_facts` (two queries) give them under the same definitions, so
summed over the line they are the line's actuals.

Definitions, over the window ``start`` … ``end`` (local days of ``TIME_ZONE``):

- **named accounts**: the line's accounts on its named-account list (``is_named``);
- **touch**: any activity with the account, reached or not; **touched** counts the named
  accounts with at least one touch, **touch rate** = touched ÷ named accounts (触达率);
- **coverage**: a touch that reached the customer; **reached** counts the named accounts
  with at least one reached touch, **coverage rate** = reached ÷ named accounts (覆盖率);
- touches are counted per local week (Monday to Sunday), so the window is *rounded out to
  whole weeks*: every week that overlaps ``start`` … ``end`` counts in full;
- **untouched accounts**: named accounts with no touch in the ``untouched_days`` days up
  to ``as_of`` (``as_of − untouched_days + 1`` … ``as_of``), at week precision: the last
  touch is taken as the Monday of the last week with a touch starting on or before
  ``as_of``, so "days since the last touch" is ``as_of`` minus that Monday — it can
  overstate the true figure by up to six days, which flags an account early rather than
  late — and ``None`` for an account never touched (a touch later in ``as_of``'s own week
  counts as one in that week, the rollup cannot tell the days apart);
- **signed**: named accounts with a deal moved to won in the window; **signing rate** =
  signed ÷ named accounts; **signed revenue**: the amounts of the named accounts' deals
  moved to won in the window (each deal once, however often it was won);
- **VQL output** (value-qualified leads, the SDRs' output): named accounts with a deal that
  became value-qualified in the window — a stage change from no stage (a deal created) or
  from ``lead`` into ``qualified`` or beyond (proposal, negotiation, won). Each account
  counts once; a deal re-opened from lost does not count again, a signed account's new
  deal (an expansion: another team or site buying) does;
- **penetration rate** (渗透率): signed revenue ÷ the named accounts' wallet potential (the
  yearly spend ceiling recorded on each account; none recorded counts 0) — the share of
  the list's wallet the line has won in the window, as the planner's penetration is the
  share its plan would win;
- **referrals**: accounts whose referrer is an account of the line (all time: accounts
  carry no creation date to window them by);
- **BD visits**: visit attempts in the window by the people with the BD role anywhere in
  the line's subtree; **SDR touches**: activities of the people with the SDR role there
  that reached the customer (a planned touch is a substantive one: a reached conversation
  or a real WeCom exchange, as ``planning.documents`` sizes SDR capacity);
- **presales**: solution requests on the line's accounts requested in the window;
  response rate = responded ÷ requests, first-pass rate = passed the first review ÷
  reviewed with a verdict, completion rate = completed ÷ requests. A request responded to,
  reviewed or completed after the window still counts: each rate follows the window's
  requests to their outcome so far.

Every rate is a Decimal with six places, or ``None`` when its denominator is zero.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from salesmesh.accounts.models import Account
from salesmesh.activities.indicators import local_bounds
from salesmesh.activities.models import (
    AccountWeeklyTouch,
    ActivityDailyRollup,
    ActivityType,
    SolutionRequest,
)
from salesmesh.core.money import to_money
from salesmesh.org.models import Membership, OrgUnit, Role
from salesmesh.pipeline.models import Opportunity, OpportunityStageChange, Stage

__all__ = [
    "VQL_STAGES",
    "AccountFacts",
    "BehaviourActuals",
    "PersonFacts",
    "UntouchedAccount",
    "behaviour_account_facts",
    "behaviour_actuals",
    "behaviour_people_facts",
]

# Six places, as the mesh keeps its rates (core.mesh): enough for a rate over a million
# accounts to keep its last account.
_RATE_PLACES = Decimal("0.000001")

DEFAULT_UNTOUCHED_DAYS = 30

# A deal is value-qualified from the qualified stage on; entering one of these from no stage
# or from ``lead`` makes its account a VQL.
VQL_STAGES = (Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION, Stage.WON)
_BEFORE_QUALIFIED = ("", Stage.LEAD)


class UntouchedAccount(NamedTuple):
    """A named account with no touch in the last N days; ``days_since_touch`` None if never."""

    account_id: int
    name: str
    days_since_touch: int | None


@dataclass(frozen=True, slots=True)
class BehaviourActuals:
    """A behaviour line's actual SDR, BD and presales indicators over a window."""

    named_accounts: int
    touched: int
    reached: int
    touch_rate: Decimal | None
    coverage_rate: Decimal | None
    untouched_accounts: tuple[UntouchedAccount, ...]
    signed: int
    signing_rate: Decimal | None
    signed_revenue: Decimal
    vql: int
    wallet_potential: Decimal
    penetration_rate: Decimal | None
    referrals: int
    bd_visits: int
    sdr_touches: int
    requests: int
    responded: int
    reviewed: int
    first_pass: int
    completed: int
    response_rate: Decimal | None
    first_pass_rate: Decimal | None
    completion_rate: Decimal | None


def _rate(numerator: int, denominator: int) -> Decimal | None:
    """``numerator ÷ denominator`` to six places, half up; None over zero."""
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(_RATE_PLACES, ROUND_HALF_UP)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _qualifying(changes: QuerySet[OpportunityStageChange]) -> QuerySet[OpportunityStageChange]:
    """The changes that made a deal value-qualified (see VQL output in the module doc)."""
    return changes.filter(from_stage__in=_BEFORE_QUALIFIED, to_stage__in=VQL_STAGES)


def _won_amount(since: datetime, until: datetime) -> Subquery:
    """Per account (``OuterRef("pk")``): the amount of its deals won in ``[since, until)``."""
    won = OpportunityStageChange.objects.filter(
        to_stage=Stage.WON, changed_at__gte=since, changed_at__lt=until
    ).values("opportunity_id")
    return Subquery(
        Opportunity.objects.filter(account_id=OuterRef("pk"), pk__in=won)
        .order_by()
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )


def _money_rate(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """``numerator ÷ denominator`` to six places, half up; None over zero."""
    if not denominator:
        return None
    return (numerator / denominator).quantize(_RATE_PLACES, ROUND_HALF_UP)


def behaviour_actuals(
    *,
    line: OrgUnit,
    start: date,
    end: date,
    as_of: date,
    untouched_days: int = DEFAULT_UNTOUCHED_DAYS,
) -> BehaviourActuals:
    """A behaviour line's actuals over ``start`` … ``end`` (six queries, see the module doc).

    ``untouched_accounts`` is ordered never-touched first, then longest untouched, then by
    name: the order an SDR should work through them.
    """
    if end < start:
        raise ValueError("the window must not end before it starts")
    if untouched_days < 1:
        raise ValueError("untouched_days must be at least 1")

    named = Account.objects.filter(line=line, is_named=True)
    since, until = local_bounds(start, end)

    # 1. The named list itself, each with the Monday of its last touched week up to as_of,
    #    its wallet potential and what its deals won in the window brought.
    last_week = (
        AccountWeeklyTouch.objects.filter(
            account_id=OuterRef("pk"), week_start__lte=as_of, touches__gt=0
        )
        .order_by("-week_start")
        .values("week_start")[:1]
    )
    accounts = list(
        named.order_by()
        .annotate(last_week=Subquery(last_week), won_amount=_won_amount(since, until))
        .values_list("pk", "name", "last_week", "wallet_potential", "won_amount")
    )

    # 2. Touched and reached, over the whole weeks the window overlaps.
    touches = AccountWeeklyTouch.objects.filter(
        account__line=line,
        account__is_named=True,
        week_start__range=(_monday(start), _monday(end)),
        touches__gt=0,
    ).aggregate(
        touched=Count("account_id", distinct=True),
        reached=Count("account_id", distinct=True, filter=Q(reached__gt=0)),
    )

    # 3. Signed and VQLs: each named account once, however many of its deals moved.
    changes = OpportunityStageChange.objects.filter(
        changed_at__gte=since,
        changed_at__lt=until,
        opportunity__account__line=line,
        opportunity__account__is_named=True,
    )
    won = Q(to_stage=Stage.WON)
    qualified = Q(from_stage__in=_BEFORE_QUALIFIED, to_stage__in=VQL_STAGES)
    moved = changes.filter(won | qualified).aggregate(
        signed=Count("opportunity__account_id", distinct=True, filter=won),
        vql=Count("opportunity__account_id", distinct=True, filter=qualified),
    )

    # 4. Referrals won by the line's accounts.
    referrals = Account.objects.filter(referred_by__line=line).count()

    # 5. BD visits and SDR touches; the people are subqueries, so this stays one query.
    members = Membership.objects.filter(unit__path__startswith=line.path)
    bd_visit = Q(person_id__in=members.filter(role=Role.BD).values("user_id")) & Q(
        type=ActivityType.VISIT
    )
    sdr_touch = Q(person_id__in=members.filter(role=Role.SDR).values("user_id"))
    behaviours = (
        ActivityDailyRollup.objects.filter(day__range=(start, end))
        .filter(bd_visit | sdr_touch)
        .aggregate(
            visits=Sum("attempts", filter=bd_visit),
            touches=Sum("reached", filter=sdr_touch),
        )
    )

    # 6. Presales: the window's requests and how far each has got.
    presales = SolutionRequest.objects.filter(
        account__line=line, requested_at__gte=since, requested_at__lt=until
    ).aggregate(
        requests=Count("pk"),
        responded=Count("pk", filter=Q(responded_at__isnull=False)),
        reviewed=Count("pk", filter=Q(passed_first_review__isnull=False)),
        first_pass=Count("pk", filter=Q(passed_first_review=True)),
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
    )

    horizon = untouched_days
    untouched = sorted(
        (
            UntouchedAccount(
                account_id=pk,
                name=name,
                days_since_touch=None if week is None else (as_of - week).days,
            )
            for pk, name, week, _wallet, _won in accounts
            if week is None or (as_of - week).days >= horizon
        ),
        key=lambda row: (
            row.days_since_touch is not None,
            -(row.days_since_touch or 0),
            row.name,
            row.account_id,
        ),
    )
    named_count = len(accounts)
    wallet = sum((row[3] or Decimal(0) for row in accounts), Decimal(0))
    signed_revenue = sum((row[4] or Decimal(0) for row in accounts), Decimal(0))
    return BehaviourActuals(
        named_accounts=named_count,
        touched=touches["touched"],
        reached=touches["reached"],
        touch_rate=_rate(touches["touched"], named_count),
        coverage_rate=_rate(touches["reached"], named_count),
        untouched_accounts=tuple(untouched),
        signed=moved["signed"],
        signing_rate=_rate(moved["signed"], named_count),
        signed_revenue=to_money(signed_revenue),
        vql=moved["vql"],
        wallet_potential=to_money(wallet),
        penetration_rate=_money_rate(signed_revenue, wallet),
        referrals=referrals,
        bd_visits=behaviours["visits"] or 0,
        sdr_touches=behaviours["touches"] or 0,
        requests=presales["requests"],
        responded=presales["responded"],
        reviewed=presales["reviewed"],
        first_pass=presales["first_pass"],
        completed=presales["completed"],
        response_rate=_rate(presales["responded"], presales["requests"]),
        first_pass_rate=_rate(presales["first_pass"], presales["reviewed"]),
        completion_rate=_rate(presales["completed"], presales["requests"]),
    )


class AccountFacts(NamedTuple):
    """One named account's part of the line's actuals, and where it stands on ``as_of``."""

    account_id: int
    external_id: str | None
    owner_id: int
    wallet_potential: Decimal
    # In the window (touches rounded out to whole weeks), as in ``behaviour_actuals``.
    touched: bool
    reached: bool
    vql: bool
    signed: bool
    signed_revenue: Decimal
    # All time up to ``as_of``: the account's stage in the funnel.
    ever_touched: bool
    qualified: bool
    won: bool
    # Accounts it referred (all time, as ``behaviour_actuals`` counts them).
    referrals: int


def behaviour_account_facts(
    *, line: OrgUnit, start: date, end: date, as_of: date
) -> tuple[AccountFacts, ...]:
    """Every named account of the line with its own figures, in five grouped queries (by id).

    ``touched``, ``reached``, ``vql``, ``signed`` and ``signed_revenue`` follow the module
    doc's definitions over ``start`` … ``end``, so their sums are ``behaviour_actuals``'s
    touched, reached, VQL output, signed and signed revenue. ``ever_touched``, ``qualified``
    (a deal value-qualified or beyond by ``as_of``) and ``won`` (a deal won by ``as_of``)
    tell the account's stage; ``referrals`` count the accounts it referred.

    Grouped queries rather than one row of correlated subqueries per account: SQLite
    answered those through the stage-time index, scanning every line's stage changes for
    each account (seconds for the demo's 72 accounts).
    """
    if end < start:
        raise ValueError("the window must not end before it starts")
    since, until = local_bounds(start, end)
    _, as_of_end = local_bounds(as_of, as_of)
    named = Q(account__line=line, account__is_named=True)
    accounts = list(
        Account.objects.filter(line=line, is_named=True)
        .order_by("pk")
        .values_list("pk", "external_id", "owner_id", "wallet_potential")
    )
    window_weeks = Q(week_start__range=(_monday(start), _monday(end)))
    weeks = {
        row["account_id"]: row
        for row in AccountWeeklyTouch.objects.filter(named, touches__gt=0)
        .values("account_id")
        .annotate(
            touched=Count("pk", filter=window_weeks),
            reached=Count("pk", filter=window_weeks & Q(reached__gt=0)),
            ever=Count("pk", filter=Q(week_start__lte=as_of)),
        )
        .order_by()
    }
    in_window = Q(changed_at__gte=since, changed_at__lt=until)
    moves = {
        row["opportunity__account_id"]: row
        for row in OpportunityStageChange.objects.filter(
            opportunity__line=line, opportunity__account__is_named=True
        )
        .values("opportunity__account_id")
        .annotate(
            vql=Count(
                "pk",
                filter=in_window & Q(from_stage__in=_BEFORE_QUALIFIED, to_stage__in=VQL_STAGES),
            ),
            signed=Count("pk", filter=in_window & Q(to_stage=Stage.WON)),
            qualified=Count("pk", filter=Q(to_stage__in=VQL_STAGES, changed_at__lt=as_of_end)),
            won=Count("pk", filter=Q(to_stage=Stage.WON, changed_at__lt=as_of_end)),
        )
        .order_by()
    }
    won_in_window = OpportunityStageChange.objects.filter(
        in_window, opportunity__line=line, to_stage=Stage.WON
    ).values("opportunity_id")
    won_amounts = dict(
        Opportunity.objects.filter(named, pk__in=won_in_window)
        .values("account_id")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("account_id", "total")
    )
    referred = dict(
        Account.objects.filter(referred_by__line=line, referred_by__is_named=True)
        .values("referred_by_id")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("referred_by_id", "count")
    )
    no_weeks = {"touched": 0, "reached": 0, "ever": 0}
    no_moves = {"vql": 0, "signed": 0, "qualified": 0, "won": 0}
    rows = [
        (
            pk,
            external_id,
            owner_id,
            wallet,
            weeks.get(pk, no_weeks)["touched"] > 0,
            weeks.get(pk, no_weeks)["reached"] > 0,
            moves.get(pk, no_moves)["vql"] > 0,
            moves.get(pk, no_moves)["signed"] > 0,
            won_amounts.get(pk),
            weeks.get(pk, no_weeks)["ever"] > 0,
            moves.get(pk, no_moves)["qualified"] > 0,
            moves.get(pk, no_moves)["won"] > 0,
            referred.get(pk),
        )
        for pk, external_id, owner_id, wallet in accounts
    ]
    return tuple(
        AccountFacts(
            account_id=pk,
            external_id=external_id,
            owner_id=owner_id,
            wallet_potential=to_money(wallet or Decimal(0)),
            touched=touched,
            reached=reached,
            vql=vql,
            signed=signed,
            signed_revenue=to_money(won_amount or Decimal(0)),
            ever_touched=ever_touched,
            qualified=qualified,
            won=won,
            referrals=referred or 0,
        )
        for (
            pk,
            external_id,
            owner_id,
            wallet,
            touched,
            reached,
            vql,
            signed,
            won_amount,
            ever_touched,
            qualified,
            won,
            referred,
        ) in rows
    )


class PersonFacts(NamedTuple):
    """One person's behaviours over the window: SDR touches, BD visits, presales requests."""

    person_id: int
    # Activities that reached the customer (an SDR's touches) and visit attempts (a BD's).
    touches: int
    visits: int
    # Solution requests on the line's accounts the person owns, as ``behaviour_actuals``.
    requests: int
    responded: int
    reviewed: int
    first_pass: int
    completed: int


def behaviour_people_facts(
    *, line: OrgUnit, people: Collection[int], start: date, end: date
) -> dict[int, PersonFacts]:
    """Each person's behaviours over ``start`` … ``end``, in two queries (all people listed).

    Summed over the line's SDRs, ``touches`` is ``behaviour_actuals``'s SDR touches; over
    its BDs, ``visits`` its BD visits; over its presales engineers, the requests and their
    outcomes are its presales figures when they own every request on the line's accounts.
    """
    if end < start:
        raise ValueError("the window must not end before it starts")
    ids = sorted(set(people))
    since, until = local_bounds(start, end)
    activity = {
        person: (touches or 0, visits or 0)
        for person, touches, visits in ActivityDailyRollup.objects.filter(
            person_id__in=ids, day__range=(start, end)
        )
        .order_by()
        .values("person_id")
        .annotate(
            touches=Sum("reached"),
            visits=Sum("attempts", filter=Q(type=ActivityType.VISIT)),
        )
        .values_list("person_id", "touches", "visits")
    }
    presales = {
        row[0]: row[1:]
        for row in SolutionRequest.objects.filter(
            presales_owner_id__in=ids,
            account__line=line,
            requested_at__gte=since,
            requested_at__lt=until,
        )
        .order_by()
        .values("presales_owner_id")
        .annotate(
            requests=Count("pk"),
            responded=Count("pk", filter=Q(responded_at__isnull=False)),
            reviewed=Count("pk", filter=Q(passed_first_review__isnull=False)),
            first_pass=Count("pk", filter=Q(passed_first_review=True)),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
        )
        .values_list(
            "presales_owner_id", "requests", "responded", "reviewed", "first_pass", "completed"
        )
    }
    return {
        person: PersonFacts(person, *activity.get(person, (0, 0)), *presales.get(person, (0,) * 5))
        for person in ids
    }
