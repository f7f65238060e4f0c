"""Actual indicators of one behaviour-paradigm business line (DESIGN.md §1.2), in fixed queries.

Fetch, then compute (DESIGN.md §3): :func:`behaviour_actuals` loads what the SDR, BD and
presales scorecards need in six queries whatever the number of accounts, activities, deals
or solution requests. Touches come from the maintained ``AccountWeeklyTouch`` rollup and BD
visits from ``ActivityDailyRollup``, never from raw activities (DESIGN.md §4).

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
  signed ÷ named accounts;
- **referrals**: accounts whose referrer is an account of the line (all time: accounts
  carry no creation date to window them by);
- **BD visits**: visit attempts in the window by the people with the BD role anywhere in
  the line's subtree;
- **presales**: solution requests on the line's accounts requested in the window;
  response rate = responded ÷ requests, first-pass rate = passed the first review ÷
  reviewed with a verdict, completion rate = completed ÷ requests. A request responded to,
  reviewed or completed after the window still counts: each rate follows the window's
  requests to their outcome so far.

Every rate is a Decimal with six places, or ``None`` when its denominator is zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.db.models import Count, OuterRef, Q, Subquery, Sum

from salesmesh.accounts.models import Account
from salesmesh.activities.indicators import local_bounds
from salesmesh.activities.models import (
    AccountWeeklyTouch,
    ActivityDailyRollup,
    ActivityType,
    SolutionRequest,
)
from salesmesh.org.models import Membership, OrgUnit, Role
from salesmesh.pipeline.models import OpportunityStageChange, Stage

__all__ = ["BehaviourActuals", "UntouchedAccount", "behaviour_actuals"]

# Six places, as the mesh keeps its rates (core.mesh): enough for a rate over a million
# accounts to keep its last account.
_RATE_PLACES = Decimal("0.000001")

DEFAULT_UNTOUCHED_DAYS = 30


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
    referrals: int
    bd_visits: int
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

    # 1. The named list itself, each with the Monday of its last touched week up to as_of.
    last_week = (
        AccountWeeklyTouch.objects.filter(
            account_id=OuterRef("pk"), week_start__lte=as_of, touches__gt=0
        )
        .order_by("-week_start")
        .values("week_start")[:1]
    )
    accounts = list(
        named.order_by()
        .annotate(last_week=Subquery(last_week))
        .values_list("pk", "name", "last_week")
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

    # 3. Signed: each named account once, however many of its deals were won in the window.
    since, until = local_bounds(start, end)
    signed = OpportunityStageChange.objects.filter(
        to_stage=Stage.WON,
        changed_at__gte=since,
        changed_at__lt=until,
        opportunity__account__line=line,
        opportunity__account__is_named=True,
    ).aggregate(accounts=Count("opportunity__account_id", distinct=True))["accounts"]

    # 4. Referrals won by the line's accounts.
    referrals = Account.objects.filter(referred_by__line=line).count()

    # 5. BD visits; the BD people are a subquery, so this stays one query.
    bd_people = Membership.objects.filter(unit__path__startswith=line.path, role=Role.BD).values(
        "user_id"
    )
    bd_visits = ActivityDailyRollup.objects.filter(
        person_id__in=bd_people, day__range=(start, end), type=ActivityType.VISIT
    ).aggregate(visits=Sum("attempts"))["visits"]

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
            for pk, name, week in accounts
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
    return BehaviourActuals(
        named_accounts=named_count,
        touched=touches["touched"],
        reached=touches["reached"],
        touch_rate=_rate(touches["touched"], named_count),
        coverage_rate=_rate(touches["reached"], named_count),
        untouched_accounts=tuple(untouched),
        signed=signed,
        signing_rate=_rate(signed, named_count),
        referrals=referrals,
        bd_visits=bd_visits or 0,
        requests=presales["requests"],
        responded=presales["responded"],
        reviewed=presales["reviewed"],
        first_pass=presales["first_pass"],
        completed=presales["completed"],
        response_rate=_rate(presales["responded"], presales["requests"]),
        first_pass_rate=_rate(presales["first_pass"], presales["reviewed"]),
        completion_rate=_rate(presales["completed"], presales["requests"]),
    )
