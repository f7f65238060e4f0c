"""Behaviour paradigm planner (DESIGN.md §1.2): a finite named account list, none dropped.

The planner works backwards from a revenue target over a known list of named accounts:

1. **Revenue.** Accounts already signed are worth their tier's revenue per signed account;
   the rest of the target (``remaining_target``) is split over the tiers with
   ``split_money`` in proportion to each tier's ``target_weight`` or, by default, to the
   wallet potential of its open (not yet signed) accounts. A tier's new signings are
   ``ceil(tier target / revenue per signed account)``.
2. **Funnel.** Upstream = ceil(downstream / conversion), netting the accounts already
   standing at each stage: ``vql_needed = ceil(signed / vql→signed)``; the VQLs the list
   does not hold yet need ``engaged_needed = ceil(new VQLs / engaged→VQL)`` engaged
   accounts, and so on down to the untouched accounts that must be touched for the first
   time. A tier is infeasible when it would need more untouched accounts than it has;
   ``max_signings`` is what the tier's list can yield at these conversions.
3. **Behaviours.** Every named account (signed ones included: the list is covered in
   full) is touched by one SDR at its cadence, ``times`` touches in every
   ``every_weeks``-th plan week, first in one of the first ``every_weeks`` weeks (a
   cadence longer than the period touches once). An account owned by an SDR is touched
   by that SDR; the others are dealt greedily, heaviest cadence first, each to the SDR
   whose utilisation stays lowest. Each SDR's accounts of one cadence are spread over
   its possible first weeks as evenly as possible. BDs visit the engaged and VQL accounts
   they own at the tier's visit cadence, spread the same way; presales must produce
   ``solutions_per_vql`` solutions per VQL worked in the period.

   Balance guarantee, for accounts of one cadence dealt over SDRs of equal capacity: in
   every week the SDRs' loads differ by at most one account's touches and are equal
   whenever the week's accounts divide evenly among them; the team's weekly totals
   differ by at most one account's touches; an SDR's heaviest week is
   ``times x ceil(accounts / every_weeks)``, so adding SDRs never raises the heaviest
   week (also with owner-SDRs). With several cadences each cadence keeps these bounds on
   its own and the placement avoids stacking them, but the sum is a greedy heuristic,
   not an optimum.
4. **Capacity.** Weekly capacities are quoted for a five-day week and prorated by the
   working days of each week. When a team cannot cover the list at the cadence the plan
   says so with numbers and the fixes (more people, or a slower cadence for the least
   valuable tier), and lists every member overloaded in some week.

Plan weeks are the ISO weeks of the period (clipped at its edges); a week with fewer
than ``MIN_PLAN_WEEK_WORKING_DAYS`` working days is folded into the next one, so a
holiday week never carries a round of touches on its own. Cadences count plan weeks.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Final

from salesmesh.core.calendar import CalendarError, Grain, Period, WorkCalendar
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.money import largest_remainder, split_money, to_money

__all__ = [
    "DEFAULT_SOLUTIONS_PER_VQL",
    "DEFAULT_TOUCH_CADENCES",
    "DEFAULT_VISIT_CADENCES",
    "FALLBACK_TOUCH_CADENCE",
    "FALLBACK_VISIT_CADENCE",
    "FULL_WEEK_WORKING_DAYS",
    "MIN_PLAN_WEEK_WORKING_DAYS",
    "AccountCadence",
    "BehaviourPlan",
    "BehaviourPlanError",
    "BehaviourPlanInput",
    "Cadence",
    "CapacityCheck",
    "Conversions",
    "MemberOverload",
    "MemberWeek",
    "NamedAccount",
    "PlanWeek",
    "PresalesPlan",
    "Role",
    "Stage",
    "TeamMember",
    "TierFunnel",
    "TierPlan",
    "plan_behaviour",
]


# --- vocabulary ----------------------------------------------------------------------


class Stage(StrEnum):
    """Where a named account stands in the funnel, earliest first."""

    UNTOUCHED = "untouched"
    TOUCHED = "touched"
    ENGAGED = "engaged"
    VQL = "vql"
    SIGNED = "signed"

    @property
    def rank(self) -> int:
        """Position in the funnel, 0 (untouched) to 4 (signed)."""
        return _STAGE_ORDER.index(self)


# Declared after the enum because members cannot be referenced inside its body.
_STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)


class Role(StrEnum):
    """The three teams of the behaviour paradigm; each answers only for its indicators."""

    SDR = "sdr"
    BD = "bd"
    PRESALES = "presales"


@dataclass(frozen=True)
class Cadence:
    """``times`` contacts with an account in every ``every_weeks``-th plan week."""

    every_weeks: int = 1
    times: int = 1

    @property
    def per_week(self) -> Fraction:
        """Average contacts per plan week."""
        return Fraction(self.times, self.every_weeks)


# Weekly capacities (touches, visits, solutions) are quoted for a standard Monday-Friday
# week; a week with fewer (holidays, period edges) or more (China's make-up Saturdays)
# working days gets a proportional share.
FULL_WEEK_WORKING_DAYS: Final = 5

# A week needs most of a standard week's working days to carry its own round of touches
# and visits; a shorter one (a holiday week, a clipped edge of the period) is folded into
# the next week, so a one-day Spring Festival week does not demand a full week's cadence.
MIN_PLAN_WEEK_WORKING_DAYS: Final = 3

# Key accounts weekly, the middle tier fortnightly, the long tail monthly: the usual SDR
# rhythm of named-account programmes; each step halves the load of the tier above.
DEFAULT_TOUCH_CADENCES: Final[Mapping[str, Cadence]] = MappingProxyType(
    {"A": Cadence(every_weeks=1), "B": Cadence(every_weeks=2), "C": Cadence(every_weeks=4)}
)
# A tier the defaults do not name still gets touched (none may be dropped) but at the
# slowest default rhythm, so an unknown tier never claims key-account effort.
FALLBACK_TOUCH_CADENCE: Final = Cadence(every_weeks=4)

# A visit costs a BD about half a day, so BDs visit at half the SDR touch frequency, but
# at least monthly: an account in an open opportunity should not go a month unmet.
DEFAULT_VISIT_CADENCES: Final[Mapping[str, Cadence]] = MappingProxyType(
    {"A": Cadence(every_weeks=2), "B": Cadence(every_weeks=4), "C": Cadence(every_weeks=4)}
)
FALLBACK_VISIT_CADENCE: Final = Cadence(every_weeks=4)

# Presales intake starts at VQL (DESIGN.md §1.2): by default each VQL worked in the
# period needs one solution.
DEFAULT_SOLUTIONS_PER_VQL: Final = Decimal(1)


class BehaviourPlanError(ValueError):
    """Invalid behaviour-plan input; ``problems`` lists every (field path, message)."""

    def __init__(self, problems: list[tuple[str, Message]]) -> None:
        """Keep all problems and name each offending field in the text."""
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))


# --- inputs --------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversions:
    """Stage-to-stage conversion rates of named accounts, each in (0, 1]."""

    touched_to_engaged: Decimal
    engaged_to_vql: Decimal
    vql_to_signed: Decimal


@dataclass(frozen=True)
class TierPlan:
    """Assumptions for one account tier (tiers are data: any label, any number of them)."""

    tier: str
    # Revenue one newly signed account of this tier brings in the period. A flat value per
    # tier, not a share of each account's wallet potential: wallet potential is a ceiling,
    # not a forecast, and which accounts sign is not known when planning.
    revenue_per_signed: Decimal
    # None: DEFAULT_TOUCH_CADENCES / DEFAULT_VISIT_CADENCES, else the fallbacks.
    touch_cadence: Cadence | None = None
    visit_cadence: Cadence | None = None
    # None: the plan-wide conversions.
    conversions: Conversions | None = None
    # Share of the remaining target this tier carries. Give it for every tier or none;
    # none splits the remaining target by the tiers' open wallet potential.
    target_weight: Decimal | None = None


@dataclass(frozen=True)
class NamedAccount:
    """One account of the named list, with exactly one owner (an SDR or a BD)."""

    id: str
    name: str
    tier: str
    wallet_potential: Decimal
    stage: Stage
    owner: str
    team: str | None = None
    region: str | None = None
    # Overrides the tier's touch cadence for this account (e.g. after a capacity fix).
    touch_cadence: Cadence | None = None


@dataclass(frozen=True)
class TeamMember:
    """A person who works the list; capacity is per five-day week in the role's unit."""

    id: str
    role: Role
    # SDR: touches per week; BD: visits per week; presales: solutions per week.
    weekly_capacity: int
    name: str = ""


@dataclass(frozen=True)
class BehaviourPlanInput:
    """Everything the behaviour planner needs for one target over one period."""

    target: Decimal
    period: Period
    accounts: tuple[NamedAccount, ...]
    tiers: tuple[TierPlan, ...]
    conversions: Conversions
    team: tuple[TeamMember, ...]
    solutions_per_vql: Decimal = DEFAULT_SOLUTIONS_PER_VQL


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class TierFunnel:
    """Revenue and funnel decomposition of one tier; each ``*_needed`` is in accounts."""

    tier: str
    accounts: int
    open_accounts: int
    at_untouched: int
    at_touched: int
    at_engaged: int
    at_vql: int
    already_signed: int
    wallet_potential: Decimal
    open_wallet_potential: Decimal
    revenue_per_signed: Decimal
    conversions: Conversions
    touch_cadence: Cadence
    visit_cadence: Cadence
    already_signed_revenue: Decimal
    # This tier's cent-exact share of the plan's remaining target.
    target_revenue: Decimal
    signed_needed: int
    # Accounts that must be worked at VQL (those already at VQL count) ...
    vql_needed: int
    new_vql_needed: int
    # ... at engaged to produce the new VQLs (those already engaged count) ...
    engaged_needed: int
    new_engaged_needed: int
    # ... and at touched to produce the new engaged; the new ones come from untouched.
    touched_needed: int
    new_touched_needed: int
    max_signings: int
    planned_revenue: Decimal
    # (already signed + planned revenue) / wallet potential; None without wallet potential.
    penetration: Fraction | None

    @property
    def feasible(self) -> bool:
        """True when the tier's own list can yield its signings at these conversions."""
        return self.signed_needed <= self.max_signings


@dataclass(frozen=True)
class PlanWeek:
    """One schedulable week: an ISO week of the period, plus any short weeks folded in."""

    index: int
    # Usually one ISO week; a short week (see MIN_PLAN_WEEK_WORKING_DAYS) joins the next.
    periods: tuple[Period, ...]
    working_days: int

    @property
    def start(self) -> date:
        """First day."""
        return self.periods[0].start

    @property
    def end(self) -> date:
        """Last day."""
        return self.periods[-1].end

    @property
    def label(self) -> str:
        """The ISO week label, or ``first..last`` when short weeks were folded in."""
        first, last = self.periods[0].label, self.periods[-1].label
        return first if first == last else f"{first}..{last}"


@dataclass(frozen=True)
class AccountCadence:
    """When one account is contacted and by whom; week numbers index ``weeks``."""

    account_id: str
    member_id: str
    tier: str
    cadence: Cadence
    first_week: int
    weeks: tuple[int, ...]

    @property
    def contacts(self) -> int:
        """Touches (or visits) planned for the account in the period."""
        return self.cadence.times * len(self.weeks)


@dataclass(frozen=True)
class MemberWeek:
    """One member's list for one week: accounts, contacts and prorated capacity."""

    member_id: str
    week: int
    account_ids: tuple[str, ...]
    load: int
    capacity: Fraction

    @property
    def overloaded(self) -> bool:
        """True when the week's contacts exceed the week's capacity."""
        return self.load > self.capacity


@dataclass(frozen=True)
class MemberOverload:
    """A member whose load exceeds capacity in at least one week, with the worst week."""

    member_id: str
    role: Role
    weeks_over: int
    peak_week: int
    peak_load: int
    peak_capacity: Fraction


@dataclass(frozen=True)
class CapacityCheck:
    """A team's need against its capacity, both per five-day week, and the fixes."""

    role: Role
    members: int
    capacity_per_week: int
    needed_per_week: Fraction
    total_needed: int
    # More people of average capacity to close the gap; None when there is nobody to
    # take an average from.
    add_members: int | None
    # SDR only: moving this many accounts of ``slow_tier`` to ``slow_to`` also closes it.
    slow_tier: str | None = None
    slow_accounts: int = 0
    slow_to: Cadence | None = None

    @property
    def covered(self) -> bool:
        """True when capacity covers the need."""
        return self.needed_per_week <= self.capacity_per_week


@dataclass(frozen=True)
class PresalesPlan:
    """Solutions presales must produce, week by week, and whether capacity covers them."""

    solutions_needed: int
    by_week: tuple[int, ...]
    capacity: CapacityCheck


@dataclass(frozen=True)
class BehaviourPlan:
    """The decomposition target → signed → VQL → engaged → touched → weekly behaviours."""

    target: Decimal
    already_signed_revenue: Decimal
    remaining_target: Decimal
    # Part of the remaining target no tier can carry (no open account anywhere).
    uncovered_revenue: Decimal
    tiers: tuple[TierFunnel, ...]
    signed_needed: int
    vql_needed: int
    engaged_needed: int
    touched_needed: int
    weeks: tuple[PlanWeek, ...]
    # One entry per named account, in input order.
    touches: tuple[AccountCadence, ...]
    # SDR-major (team order), then week order.
    sdr_weeks: tuple[MemberWeek, ...]
    visits: tuple[AccountCadence, ...]
    bd_weeks: tuple[MemberWeek, ...]
    sdr_capacity: CapacityCheck
    bd_capacity: CapacityCheck
    presales: PresalesPlan
    overloads: tuple[MemberOverload, ...]
    # Share of named accounts touched at least once in the period.
    coverage_rate: Fraction
    warnings: tuple[Message, ...]

    def touch_list(self, sdr_id: str, week: int) -> tuple[str, ...]:
        """Accounts ``sdr_id`` touches in week ``week``."""
        return _member_week(self.sdr_weeks, len(self.weeks), sdr_id, week).account_ids

    def visit_list(self, bd_id: str, week: int) -> tuple[str, ...]:
        """Accounts ``bd_id`` visits in week ``week``."""
        return _member_week(self.bd_weeks, len(self.weeks), bd_id, week).account_ids


def _member_week(rows: tuple[MemberWeek, ...], n_weeks: int, member: str, week: int) -> MemberWeek:
    """The row of ``member`` for ``week`` in a member-major table."""
    if not 0 <= week < n_weeks:
        raise KeyError(week)
    for start in range(0, len(rows), n_weeks):
        if rows[start].member_id == member:
            return rows[start + week]
    raise KeyError(member)


# --- validation ----------------------------------------------------------------------


def _is_int(value: object) -> bool:
    """An int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _exact(value: object) -> Fraction | None:
    """A finite Decimal / int / Fraction as an exact Fraction; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | Fraction):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    return Fraction(value)


def _check_rate(value: object, path: str, problems: list[tuple[str, Message]]) -> Fraction:
    """A conversion rate in (0, 1]; records a problem (and returns 1) otherwise."""
    rate = _exact(value)
    if rate is None or not 0 < rate <= 1:
        problems.append((path, Message(gettext_noop("must be in (0, 1]"))))
        return Fraction(1)
    return rate


def _check_conversions(
    conversions: Conversions, path: str, problems: list[tuple[str, Message]]
) -> tuple[Fraction, Fraction, Fraction]:
    """The three rates as Fractions (touched→engaged, engaged→VQL, VQL→signed)."""
    return (
        _check_rate(conversions.touched_to_engaged, f"{path}.touched_to_engaged", problems),
        _check_rate(conversions.engaged_to_vql, f"{path}.engaged_to_vql", problems),
        _check_rate(conversions.vql_to_signed, f"{path}.vql_to_signed", problems),
    )


def _check_cadence(cadence: Cadence, path: str, problems: list[tuple[str, Message]]) -> None:
    """Both cadence numbers must be positive whole numbers."""
    for name in ("every_weeks", "times"):
        value = getattr(cadence, name)
        if not _is_int(value) or value < 1:
            problems.append(
                (f"{path}.{name}", Message(gettext_noop("must be a positive whole number")))
            )


def _check_amount(
    value: object, path: str, problems: list[tuple[str, Message]], *, positive: bool = False
) -> Decimal:
    """A non-negative (or positive) money amount, quantised to the cent."""
    # Money arrives as Decimal (or a whole int); Fractions and floats are not amounts.
    if (
        isinstance(value, Decimal | int)
        and not isinstance(value, bool)
        and (not isinstance(value, Decimal) or value.is_finite())
        and (value > 0 or (value == 0 and not positive))
    ):
        return to_money(value)
    template = (
        gettext_noop("must be a positive amount")
        if positive
        else gettext_noop("must be a non-negative amount")
    )
    problems.append((path, Message(template)))
    return Decimal(0)


def _check_id(value: object, path: str, problems: list[tuple[str, Message]]) -> bool:
    """A non-blank string identifier."""
    if not isinstance(value, str) or not value.strip():
        problems.append((path, Message(gettext_noop("must not be empty"))))
        return False
    return True


@dataclass(frozen=True)
class _Tier:
    """A validated tier: its plan with every default resolved."""

    plan: TierPlan
    rates: tuple[Fraction, Fraction, Fraction]
    conversions: Conversions
    touch: Cadence
    visit: Cadence


def _validate(plan: BehaviourPlanInput) -> tuple[Decimal, dict[str, _Tier], list[Stage], Fraction]:
    """Check every input, collect all problems and raise them at once."""
    problems: list[tuple[str, Message]] = []
    target = _check_amount(plan.target, "target", problems)
    default_rates = _check_conversions(plan.conversions, "conversions", problems)
    solutions = _exact(plan.solutions_per_vql)
    if solutions is None or solutions < 0:
        problems.append(
            ("solutions_per_vql", Message(gettext_noop("must be a non-negative number")))
        )
        solutions = Fraction(0)

    tiers: dict[str, _Tier] = {}
    tier_paths: dict[str, str] = {}
    weights_given: list[bool] = []
    for i, tier_plan in enumerate(plan.tiers):
        path = f"tiers[{i}]"
        if not _check_id(tier_plan.tier, f"{path}.tier", problems):
            continue
        if tier_plan.tier in tier_paths:
            problems.append(
                (
                    f"{path}.tier",
                    Message(
                        gettext_noop("duplicate of %(other)s"),
                        {"other": tier_paths[tier_plan.tier]},
                    ),
                )
            )
            continue
        tier_paths[tier_plan.tier] = path
        _check_amount(
            tier_plan.revenue_per_signed, f"{path}.revenue_per_signed", problems, positive=True
        )
        if tier_plan.conversions is None:
            rates, conversions = default_rates, plan.conversions
        else:
            rates = _check_conversions(tier_plan.conversions, f"{path}.conversions", problems)
            conversions = tier_plan.conversions
        touch = tier_plan.touch_cadence or DEFAULT_TOUCH_CADENCES.get(
            tier_plan.tier, FALLBACK_TOUCH_CADENCE
        )
        visit = tier_plan.visit_cadence or DEFAULT_VISIT_CADENCES.get(
            tier_plan.tier, FALLBACK_VISIT_CADENCE
        )
        _check_cadence(touch, f"{path}.touch_cadence", problems)
        _check_cadence(visit, f"{path}.visit_cadence", problems)
        weights_given.append(tier_plan.target_weight is not None)
        if tier_plan.target_weight is not None:
            weight = _exact(tier_plan.target_weight)
            if weight is None or weight < 0:
                problems.append(
                    (f"{path}.target_weight", Message(gettext_noop("must not be negative")))
                )
        tiers[tier_plan.tier] = _Tier(tier_plan, rates, conversions, touch, visit)
    if any(weights_given) and not all(weights_given):
        problems.append(
            ("tiers", Message(gettext_noop("give target_weight for every tier or for none")))
        )
    elif weights_given and all(weights_given):
        total_weight = sum(
            (_exact(t.plan.target_weight) or Fraction(0) for t in tiers.values()), Fraction(0)
        )
        if total_weight <= 0:
            problems.append(("tiers", Message(gettext_noop("target weights sum to zero"))))

    roles: dict[str, Role] = {}
    member_paths: dict[str, str] = {}
    for i, member in enumerate(plan.team):
        path = f"team[{i}]"
        if _check_id(member.id, f"{path}.id", problems):
            if member.id in member_paths:
                problems.append(
                    (
                        f"{path}.id",
                        Message(
                            gettext_noop("duplicate of %(other)s"),
                            {"other": member_paths[member.id]},
                        ),
                    )
                )
            else:
                member_paths[member.id] = path
        try:
            role = Role(member.role)
        except ValueError:
            problems.append(
                (
                    f"{path}.role",
                    Message(
                        gettext_noop("must be one of %(choices)s"),
                        {"choices": ", ".join(Role)},
                    ),
                )
            )
        else:
            roles.setdefault(member.id, role)
        if not _is_int(member.weekly_capacity) or member.weekly_capacity < 1:
            problems.append(
                (
                    f"{path}.weekly_capacity",
                    Message(gettext_noop("must be a positive whole number")),
                )
            )
    if plan.accounts and Role.SDR not in roles.values():
        problems.append(
            (
                "team",
                Message(
                    gettext_noop("at least one SDR is needed to touch %(count)d named accounts"),
                    {"count": len(plan.accounts)},
                ),
            )
        )

    stages: list[Stage] = []
    account_paths: dict[str, str] = {}
    for i, account in enumerate(plan.accounts):
        path = f"accounts[{i}]"
        if _check_id(account.id, f"{path}.id", problems):
            if account.id in account_paths:
                # The same account listed twice would have two owners (or the same one
                # twice) and would be scheduled twice.
                problems.append(
                    (
                        f"{path}.id",
                        Message(
                            gettext_noop(
                                "duplicate of %(other)s: each account is listed once, "
                                "with exactly one owner"
                            ),
                            {"other": account_paths[account.id]},
                        ),
                    )
                )
            else:
                account_paths[account.id] = path
        if account.tier not in tier_paths:
            problems.append(
                (
                    f"{path}.tier",
                    Message(
                        gettext_noop("unknown tier %(tier)s; add it to tiers"),
                        {"tier": account.tier},
                    ),
                )
            )
        _check_amount(account.wallet_potential, f"{path}.wallet_potential", problems)
        try:
            stages.append(Stage(account.stage))
        except ValueError:
            stages.append(Stage.UNTOUCHED)
            problems.append(
                (
                    f"{path}.stage",
                    Message(
                        gettext_noop("must be one of %(choices)s"),
                        {"choices": ", ".join(Stage)},
                    ),
                )
            )
        if _check_id(account.owner, f"{path}.owner", problems):
            owner_role = roles.get(account.owner)
            if owner_role is None and account.owner not in member_paths:
                problems.append(
                    (
                        f"{path}.owner",
                        Message(
                            gettext_noop("unknown team member %(owner)s"),
                            {"owner": account.owner},
                        ),
                    )
                )
            elif owner_role is Role.PRESALES:
                problems.append(
                    (
                        f"{path}.owner",
                        Message(
                            gettext_noop(
                                "a presales engineer cannot own an account: the owner is "
                                "the customer's one commercial contact (an SDR or a BD)"
                            )
                        ),
                    )
                )
        if account.touch_cadence is not None:
            _check_cadence(account.touch_cadence, f"{path}.touch_cadence", problems)

    if problems:
        raise BehaviourPlanError(problems)
    return target, tiers, stages, solutions


# --- arithmetic helpers --------------------------------------------------------------


def _ceil(value: Fraction) -> int:
    """Smallest integer >= value."""
    return -(-value.numerator // value.denominator)


def _floor(value: Fraction) -> int:
    """Largest integer <= value."""
    return value.numerator // value.denominator


def _show(value: Fraction, *, up: bool = True) -> str:
    """A rate for a message, to one decimal, rounded up (needs) or down (capacities).

    Rounding needs up means a shortfall never reads as "0"; rounding capacities down means
    a capacity is never overstated.
    """
    tenths = _ceil(value * 10) if up else _floor(value * 10)
    whole, tenth = divmod(tenths, 10)
    return str(whole) if tenth == 0 else f"{whole}.{tenth}"


def _spread_offsets(
    cells: Mapping[tuple[int, int], list[int]],
    group_weeks: Sequence[int],
    group_times: Sequence[int],
    n_members: int,
    n_weeks: int,
    offset_of: list[int],
) -> dict[tuple[int, int], list[list[int]]]:
    """Give every account of each (group, member) cell a first week; return the blocks.

    A cell's ``m`` accounts are split over the ``n`` offsets of its cadence as evenly as
    possible: each offset gets ``m // n`` and ``m % n`` distinct offsets get one more. The
    extras go where they hurt least: to the offset whose weeks carry the member's lowest
    peak so far (so cadences of different lengths do not pile up on one week), then the
    team's lowest peak (so the team's weekly totals stay within one per cadence), then in
    turn from a pointer per cadence length (so ties rotate instead of always taking the
    first week). Heavier cadences are placed first.
    """
    member_load = [[0] * n_weeks for _ in range(n_members)]
    team_load = [0] * n_weeks
    pointer: dict[int, int] = {}
    blocks: dict[tuple[int, int], list[list[int]]] = {}
    order = sorted(cells, key=lambda k: (-Fraction(group_times[k[0]], group_weeks[k[0]]), k))
    for key in order:
        group, member = key
        accounts = cells[key]
        n_offsets, times = group_weeks[group], group_times[group]
        base, extra = divmod(len(accounts), n_offsets)
        start = pointer.get(n_offsets, 0)
        loads = member_load[member]
        counts = [base] * n_offsets
        free = set(range(n_offsets))
        for _ in range(extra):
            best = min(
                free,
                key=lambda o: (
                    max(loads[o::n_offsets]),
                    max(team_load[o::n_offsets]),
                    (o - start) % n_offsets,
                ),
            )
            free.discard(best)
            counts[best] += 1
        pointer[n_offsets] = (start + extra) % n_offsets
        per_offset: list[list[int]] = []
        position = 0
        for offset, count in enumerate(counts):
            chunk = accounts[position : position + count]
            for account in chunk:
                offset_of[account] = offset
            per_offset.append(chunk)
            position += count
            for week in range(offset, n_weeks, n_offsets):
                loads[week] += count * times
                team_load[week] += count * times
        blocks[key] = per_offset
    return blocks


@dataclass(frozen=True)
class _Schedule:
    """A team's schedule: per-account cadence, per-member weeks and overloads."""

    entries: tuple[AccountCadence, ...]
    weeks: tuple[MemberWeek, ...]
    total_load: int
    overloads: tuple[MemberOverload, ...]


def _build_schedule(
    role: Role,
    members: Sequence[TeamMember],
    accounts: Sequence[NamedAccount],
    member_of: Sequence[int],
    cadence_of: Sequence[Cadence],
    working_days: Sequence[int],
) -> _Schedule:
    """Offsets, per-account weeks and per-member weekly lists for one team."""
    n_weeks = len(working_days)
    group_key: dict[tuple[int, int], int] = {}
    keys = sorted({(min(c.every_weeks, n_weeks), c.times) for c in cadence_of})
    for index, key in enumerate(keys):
        group_key[key] = index
    group_weeks = [k[0] for k in keys]
    group_times = [k[1] for k in keys]
    group_of = [group_key[(min(c.every_weeks, n_weeks), c.times)] for c in cadence_of]

    cells: dict[tuple[int, int], list[int]] = {}
    for position, cell in enumerate(zip(group_of, member_of, strict=True)):
        cells.setdefault(cell, []).append(position)
    offset_of = [0] * len(accounts)
    blocks = _spread_offsets(cells, group_weeks, group_times, len(members), n_weeks, offset_of)

    entries = tuple(
        AccountCadence(
            account_id=account.id,
            member_id=members[holder].id,
            tier=account.tier,
            cadence=cadence,
            first_week=offset,
            weeks=tuple(range(offset, n_weeks, group_weeks[group])),
        )
        for account, holder, cadence, offset, group in zip(
            accounts, member_of, cadence_of, offset_of, group_of, strict=True
        )
    )

    by_member: dict[int, list[tuple[int, list[tuple[str, ...]]]]] = {}
    for (group, holder), per_offset in sorted(blocks.items(), key=lambda item: item[0][::-1]):
        by_member.setdefault(holder, []).append(
            (group, [tuple(accounts[a].id for a in chunk) for chunk in per_offset])
        )
    rows: list[MemberWeek] = []
    overloads: list[MemberOverload] = []
    total_load = 0
    for index, member in enumerate(members):
        member_blocks = by_member.get(index, [])
        over: list[MemberWeek] = []
        for week in range(n_weeks):
            chunks = [per_offset[week % group_weeks[g]] for g, per_offset in member_blocks]
            load = sum(
                group_times[g] * len(chunk)
                for (g, _), chunk in zip(member_blocks, chunks, strict=True)
            )
            row = MemberWeek(
                member_id=member.id,
                week=week,
                account_ids=tuple(itertools.chain.from_iterable(chunks)),
                load=load,
                capacity=Fraction(member.weekly_capacity * working_days[week])
                / FULL_WEEK_WORKING_DAYS,
            )
            rows.append(row)
            total_load += load
            if row.overloaded:
                over.append(row)
        if over:
            # The worst week is the one furthest over capacity, the earliest on ties.
            peak = max(over, key=lambda r: (r.load - r.capacity, -r.week))
            overloads.append(
                MemberOverload(member.id, role, len(over), peak.week, peak.load, peak.capacity)
            )
    return _Schedule(entries, tuple(rows), total_load, tuple(overloads))


def _plan_weeks(calendar_weeks: Sequence[Period], work_calendar: WorkCalendar) -> list[PlanWeek]:
    """The plan weeks: ISO weeks, each short one folded into the next full one.

    A week with MIN_PLAN_WEEK_WORKING_DAYS or more closes a plan week that also holds the
    short weeks before it; short weeks at the very end join the last plan week. Empty
    when the period has no working day at all.
    """
    groups: list[list[tuple[Period, int]]] = []
    pending: list[tuple[Period, int]] = []
    for week in calendar_weeks:
        days = work_calendar.working_days_in(week)
        pending.append((week, days))
        if days >= MIN_PLAN_WEEK_WORKING_DAYS:
            groups.append(pending)
            pending = []
    if pending:
        if groups:
            groups[-1].extend(pending)
        elif sum(days for _, days in pending):
            # Only short weeks (a period of a few days): they make one plan week.
            groups.append(pending)
    return [
        PlanWeek(index, tuple(week for week, _ in group), sum(days for _, days in group))
        for index, group in enumerate(groups)
    ]


def _capacity_check(
    role: Role, members: Sequence[TeamMember], total_needed: int, total_working_days: int
) -> CapacityCheck:
    """Need per five-day week against the team's nominal weekly capacity."""
    capacity = sum(m.weekly_capacity for m in members)
    needed = Fraction(total_needed * FULL_WEEK_WORKING_DAYS, total_working_days)
    add: int | None = 0
    if needed > capacity:
        add = _ceil((needed - capacity) / Fraction(capacity, len(members))) if members else None
    return CapacityCheck(role, len(members), capacity, needed, total_needed, add)


# --- the planner ---------------------------------------------------------------------


def plan_behaviour(plan: BehaviourPlanInput, work_calendar: WorkCalendar) -> BehaviourPlan:
    """Decompose the target over the named list and schedule every account's behaviours."""
    target, tiers, stages, solutions_per_vql = _validate(plan)

    try:
        calendar_weeks = plan.period.calendar.split(plan.period, Grain.WEEK)
    except CalendarError as exc:
        raise BehaviourPlanError(
            [("period", Message(gettext_noop("must be a week or longer, not a single day")))]
        ) from exc
    weeks = _plan_weeks(calendar_weeks, work_calendar)
    if not weeks:
        raise BehaviourPlanError(
            [("period", Message(gettext_noop("has no working days; nothing can be scheduled")))]
        )
    working_days = [w.working_days for w in weeks]
    total_working_days = sum(working_days)
    warnings: list[Message] = []

    funnels, already, remaining, uncovered = _decompose(target, plan, tiers, stages, warnings)

    # -- SDR touches: every account, owner-SDR or dealt to level utilisation ----------
    sdrs = [m for m in plan.team if m.role == Role.SDR]
    sdr_index = {m.id: i for i, m in enumerate(sdrs)}
    cadence_of = [account.touch_cadence or tiers[account.tier].touch for account in plan.accounts]
    sdr_of = _assign_sdrs(plan.accounts, cadence_of, sdrs, sdr_index, len(weeks))
    touches = _build_schedule(Role.SDR, sdrs, plan.accounts, sdr_of, cadence_of, working_days)
    sdr_check = _capacity_check(Role.SDR, sdrs, touches.total_load, total_working_days)
    if not sdr_check.covered:
        sdr_check = _suggest_slower_cadence(
            sdr_check, tiers, plan.accounts, len(weeks), total_working_days
        )
        warnings.append(_sdr_shortfall_message(sdr_check))

    # -- BD visits: engaged and VQL accounts, by their owning BD ----------------------
    bds = [m for m in plan.team if m.role == Role.BD]
    bd_index = {m.id: i for i, m in enumerate(bds)}
    visited = [
        i
        for i, (account, stage) in enumerate(zip(plan.accounts, stages, strict=True))
        if stage in (Stage.ENGAGED, Stage.VQL) and account.owner in bd_index
    ]
    unvisited = [
        account
        for account, stage in zip(plan.accounts, stages, strict=True)
        if stage in (Stage.ENGAGED, Stage.VQL) and account.owner not in bd_index
    ]
    visits = _build_schedule(
        Role.BD,
        bds,
        [plan.accounts[i] for i in visited],
        [bd_index[plan.accounts[i].owner] for i in visited],
        [tiers[plan.accounts[i].tier].visit for i in visited],
        working_days,
    )
    bd_check = _capacity_check(Role.BD, bds, visits.total_load, total_working_days)
    if not bd_check.covered:
        warnings.append(
            Message(
                gettext_noop(
                    "BD capacity %(capacity)d visits/week < %(needed)s needed: "
                    "add %(add)d BD(s) and hand them accounts"
                ),
                {
                    "capacity": bd_check.capacity_per_week,
                    "needed": _show(bd_check.needed_per_week),
                    "add": bd_check.add_members or 0,
                },
            )
        )
    if unvisited:
        warnings.append(
            Message(
                gettext_noop(
                    "%(count)d engaged or VQL accounts are not owned by a BD, so no visits "
                    "are planned for them (first: %(example)s); hand them to a BD"
                ),
                {"count": len(unvisited), "example": unvisited[0].id},
            )
        )

    # -- presales: solutions for the VQLs worked in the period ------------------------
    presales_team = [m for m in plan.team if m.role == Role.PRESALES]
    solutions = _ceil(sum(f.vql_needed for f in funnels) * solutions_per_vql)
    by_week = tuple(largest_remainder(solutions, working_days))
    presales_check = _capacity_check(Role.PRESALES, presales_team, solutions, total_working_days)
    if not presales_check.covered:
        if presales_check.add_members is None:
            warnings.append(
                Message(
                    gettext_noop(
                        "No presales engineers in the team, but %(needed)s solutions/week "
                        "are needed"
                    ),
                    {"needed": _show(presales_check.needed_per_week)},
                )
            )
        else:
            warnings.append(
                Message(
                    gettext_noop(
                        "Presales capacity %(capacity)d solutions/week < %(needed)s needed: "
                        "add %(add)d presales engineer(s)"
                    ),
                    {
                        "capacity": presales_check.capacity_per_week,
                        "needed": _show(presales_check.needed_per_week),
                        "add": presales_check.add_members,
                    },
                )
            )

    overloads = touches.overloads + visits.overloads
    for overload in overloads:
        warnings.append(_overload_message(overload, len(weeks), weeks))

    covered = sum(1 for entry in touches.entries if entry.weeks)
    coverage = Fraction(covered, len(plan.accounts)) if plan.accounts else Fraction(1)
    return BehaviourPlan(
        target=target,
        already_signed_revenue=already,
        remaining_target=remaining,
        uncovered_revenue=uncovered,
        tiers=tuple(funnels),
        signed_needed=sum(f.signed_needed for f in funnels),
        vql_needed=sum(f.vql_needed for f in funnels),
        engaged_needed=sum(f.engaged_needed for f in funnels),
        touched_needed=sum(f.touched_needed for f in funnels),
        weeks=tuple(weeks),
        touches=touches.entries,
        sdr_weeks=touches.weeks,
        visits=visits.entries,
        bd_weeks=visits.weeks,
        sdr_capacity=sdr_check,
        bd_capacity=bd_check,
        presales=PresalesPlan(solutions, by_week, presales_check),
        overloads=overloads,
        coverage_rate=coverage,
        warnings=tuple(warnings),
    )


def _decompose(
    target: Decimal,
    plan: BehaviourPlanInput,
    tiers: Mapping[str, _Tier],
    stages: Sequence[Stage],
    warnings: list[Message],
) -> tuple[list[TierFunnel], Decimal, Decimal, Decimal]:
    """Revenue → tier targets → signings → VQL → engaged → touched, per tier."""
    counts = {name: dict.fromkeys(Stage, 0) for name in tiers}
    wallet = {name: Decimal(0) for name in tiers}
    open_wallet = {name: Decimal(0) for name in tiers}
    for account, stage in zip(plan.accounts, stages, strict=True):
        counts[account.tier][stage] += 1
        wallet[account.tier] += account.wallet_potential
        if stage is not Stage.SIGNED:
            open_wallet[account.tier] += account.wallet_potential

    names = list(tiers)
    already_by_tier = {
        name: to_money(tiers[name].plan.revenue_per_signed) * counts[name][Stage.SIGNED]
        for name in names
    }
    already = to_money(sum(already_by_tier.values(), Decimal(0)))
    remaining = max(to_money(target - already), Decimal("0.00"))

    # Who carries the remaining target: explicit weights, else open wallet potential,
    # else (no wallet potential recorded) the number of open accounts.
    weights: list[Fraction | Decimal | int]
    if names and tiers[names[0]].plan.target_weight is not None:
        weights = [_exact(tiers[n].plan.target_weight) or Fraction(0) for n in names]
    else:
        weights = [open_wallet[n] for n in names]
        if not any(weights):
            weights = [sum(counts[n].values()) - counts[n][Stage.SIGNED] for n in names]
    uncovered = Decimal("0.00")
    if remaining and any(weights):
        tier_targets = split_money(remaining, weights)
    else:
        tier_targets = [Decimal("0.00")] * len(names)
        uncovered = remaining
        if remaining:
            warnings.append(
                Message(
                    gettext_noop(
                        "The named list has no open account left, yet %(gap)s of the "
                        "target remains uncovered"
                    ),
                    {"gap": str(remaining)},
                )
            )

    funnels: list[TierFunnel] = []
    for name, tier_target in zip(names, tier_targets, strict=True):
        tier = tiers[name]
        stock = counts[name]
        rps = to_money(tier.plan.revenue_per_signed)
        to_engaged, to_vql, to_signed = tier.rates
        signed = _ceil(Fraction(tier_target) / Fraction(rps))
        vql = _ceil(signed / to_signed)
        new_vql = max(0, vql - stock[Stage.VQL])
        engaged = _ceil(new_vql / to_vql)
        new_engaged = max(0, engaged - stock[Stage.ENGAGED])
        touched = _ceil(new_engaged / to_engaged)
        new_touched = max(0, touched - stock[Stage.TOUCHED])
        # What the list yields if every open account is worked: floors at each stage.
        pool = stock[Stage.TOUCHED] + stock[Stage.UNTOUCHED]
        reach_engaged = stock[Stage.ENGAGED] + _floor(pool * to_engaged)
        reach_vql = stock[Stage.VQL] + _floor(reach_engaged * to_vql)
        max_signings = _floor(reach_vql * to_signed)
        planned = to_money(rps * signed)
        funnels.append(
            TierFunnel(
                tier=name,
                accounts=sum(stock.values()),
                open_accounts=sum(stock.values()) - stock[Stage.SIGNED],
                at_untouched=stock[Stage.UNTOUCHED],
                at_touched=stock[Stage.TOUCHED],
                at_engaged=stock[Stage.ENGAGED],
                at_vql=stock[Stage.VQL],
                already_signed=stock[Stage.SIGNED],
                wallet_potential=to_money(wallet[name]),
                open_wallet_potential=to_money(open_wallet[name]),
                revenue_per_signed=rps,
                conversions=tier.conversions,
                touch_cadence=tier.touch,
                visit_cadence=tier.visit,
                already_signed_revenue=already_by_tier[name],
                target_revenue=tier_target,
                signed_needed=signed,
                vql_needed=vql,
                new_vql_needed=new_vql,
                engaged_needed=engaged,
                new_engaged_needed=new_engaged,
                touched_needed=touched,
                new_touched_needed=new_touched,
                max_signings=max_signings,
                planned_revenue=planned,
                penetration=(
                    Fraction(already_by_tier[name] + planned) / Fraction(wallet[name])
                    if wallet[name]
                    else None
                ),
            )
        )
    for funnel in funnels:
        if funnel.feasible:
            continue
        short = funnel.signed_needed - funnel.max_signings
        headroom = sum(
            max(0, other.max_signings - other.signed_needed)
            for other in funnels
            if other.tier != funnel.tier
        )
        warnings.append(
            Message(
                gettext_noop(
                    "Tier %(tier)s needs %(needed)d new signings but its %(open)d open "
                    "accounts yield at most %(max)d at these conversions: move %(short)d "
                    "signings (%(revenue)s) to tiers with headroom (%(headroom)d signings) "
                    "or raise conversion"
                ),
                {
                    "tier": funnel.tier,
                    "needed": funnel.signed_needed,
                    "open": funnel.open_accounts,
                    "max": funnel.max_signings,
                    "short": short,
                    "revenue": str(to_money(funnel.revenue_per_signed * short)),
                    "headroom": headroom,
                },
            )
        )
    return funnels, already, remaining, uncovered


def _assign_sdrs(
    accounts: Sequence[NamedAccount],
    cadence_of: Sequence[Cadence],
    sdrs: Sequence[TeamMember],
    sdr_index: Mapping[str, int],
    n_weeks: int,
) -> list[int]:
    """The SDR of each account: its owner if an SDR owns it, else dealt to level load.

    Greedy, heaviest cadence first (the LPT rule): each pooled account goes to the SDR
    whose utilisation (touches per week / capacity, counting the accounts the SDR owns
    and those dealt so far) would be lowest after taking it; ties go to the earlier SDR
    in team order, so equal SDRs are dealt round-robin. Exact integer arithmetic keeps it
    deterministic: rates are scaled by the lcm of the cadence lengths, utilisations by the
    lcm of the capacities.
    """
    if not sdrs:
        return []
    keys = [(min(c.every_weeks, n_weeks), c.times) for c in cadence_of]
    weeks_lcm = math.lcm(*(every for every, _ in keys)) if keys else 1
    capacity_lcm = math.lcm(*(m.weekly_capacity for m in sdrs))
    scale = [capacity_lcm // m.weekly_capacity for m in sdrs]
    load = [0] * len(sdrs)
    sdr_of = [-1] * len(accounts)
    pooled: dict[tuple[int, int], list[int]] = {}
    for i, (account, key) in enumerate(zip(accounts, keys, strict=True)):
        owner = sdr_index.get(account.owner)
        if owner is None:
            pooled.setdefault(key, []).append(i)
        else:
            sdr_of[i] = owner
            load[owner] += key[1] * weeks_lcm // key[0]
    heaviest_first = sorted(pooled, key=lambda k: (-Fraction(k[1], k[0]), k))
    for key in heaviest_first:
        rate = key[1] * weeks_lcm // key[0]
        heap = [((load[s] + rate) * scale[s], s) for s in range(len(sdrs))]
        heapq.heapify(heap)
        for i in pooled[key]:
            _, sdr = heapq.heappop(heap)
            sdr_of[i] = sdr
            load[sdr] += rate
            heapq.heappush(heap, ((load[sdr] + rate) * scale[sdr], sdr))
    return sdr_of


def _suggest_slower_cadence(
    check: CapacityCheck,
    tiers: Mapping[str, _Tier],
    accounts: Sequence[NamedAccount],
    n_weeks: int,
    total_working_days: int,
) -> CapacityCheck:
    """Add the alternative fix: slow the least valuable tier that can close the gap.

    Moving an account from every N to every N+1 weeks saves about
    times * weeks * (1/N - 1/(N+1)) touches over the period; tiers are tried from the
    lowest revenue per signed account up, and only tiers whose cadence is shorter than
    the period (slowing a once-a-period cadence saves nothing).
    """
    deficit = check.needed_per_week - check.capacity_per_week
    on_tier_cadence: dict[str, int] = {}
    for account in accounts:
        if account.touch_cadence is None:
            on_tier_cadence[account.tier] = on_tier_cadence.get(account.tier, 0) + 1
    by_value = sorted(tiers.values(), key=lambda t: to_money(t.plan.revenue_per_signed))
    for tier in by_value:
        cadence = tier.touch
        if cadence.every_weeks >= n_weeks:
            continue
        saving = (
            Fraction(cadence.times * n_weeks, cadence.every_weeks * (cadence.every_weeks + 1))
            * FULL_WEEK_WORKING_DAYS
            / total_working_days
        )
        needed = _ceil(deficit / saving)
        if needed <= on_tier_cadence.get(tier.plan.tier, 0):
            slower = Cadence(every_weeks=cadence.every_weeks + 1, times=cadence.times)
            return CapacityCheck(
                check.role,
                check.members,
                check.capacity_per_week,
                check.needed_per_week,
                check.total_needed,
                check.add_members,
                tier.plan.tier,
                needed,
                slower,
            )
    return check


def _sdr_shortfall_message(check: CapacityCheck) -> Message:
    """The headline SDR warning, with both fixes when a slower cadence can close the gap."""
    params: dict[str, object] = {
        "capacity": check.capacity_per_week,
        "needed": _show(check.needed_per_week),
        "add": check.add_members or 0,
    }
    if check.slow_tier is None or check.slow_to is None:
        return Message(
            gettext_noop(
                "SDR capacity %(capacity)d touches/week < %(needed)s needed: add %(add)d SDR(s)"
            ),
            params,
        )
    params |= {
        "accounts": check.slow_accounts,
        "tier": check.slow_tier,
        "weeks": check.slow_to.every_weeks,
    }
    return Message(
        gettext_noop(
            "SDR capacity %(capacity)d touches/week < %(needed)s needed: add %(add)d SDR(s) "
            "or move %(accounts)d %(tier)s-tier accounts to a %(weeks)d-week cadence"
        ),
        params,
    )


def _overload_message(overload: MemberOverload, n_weeks: int, weeks: Sequence[PlanWeek]) -> Message:
    """One line of the per-member overload list."""
    params = {
        "member": overload.member_id,
        "weeks": overload.weeks_over,
        "total": n_weeks,
        "load": overload.peak_load,
        "week": weeks[overload.peak_week].label,
        "capacity": _show(overload.peak_capacity, up=False),
    }
    if overload.role is Role.SDR:
        return Message(
            gettext_noop(
                "SDR %(member)s is over capacity in %(weeks)d of %(total)d weeks: "
                "%(load)d touches in %(week)s against a capacity of %(capacity)s"
            ),
            params,
        )
    return Message(
        gettext_noop(
            "BD %(member)s is over capacity in %(weeks)d of %(total)d weeks: "
            "%(load)d visits in %(week)s against a capacity of %(capacity)s"
        ),
        params,
    )
