"""The behaviour paradigm's mesh (DESIGN.md §1.2, §2): named accounts, plan against actual.

A behaviour-paradigm node (a business line, a team inside it, or one person) has the tree::

    signed revenue (target)        = signed accounts × revenue per signed account
    ├─ signed accounts             = named accounts × signing rate            (BD)
    │  ├─ named accounts           the list (level)
    │  └─ signing rate             = accounts signed ÷ named accounts
    │     ├─ VQL output            = new value-qualified accounts              (SDR)
    │     │  ├─ touch rate         = accounts touched ÷ named accounts
    │     │  ├─ coverage rate      = accounts reached ÷ named accounts
    │     │  └─ SDR touches per SDR per working day                (behaviour)
    │     ├─ BD visits per BD per working day                      (behaviour)
    │     └─ solutions per presales per working day                (behaviour)
    │        ├─ response rate     = responded ÷ requests                      (presales)
    │        ├─ first-pass rate   = passed the first review ÷ reviewed
    │        └─ completion rate   = completed ÷ requests
    ├─ revenue per signed account  = signed revenue ÷ signed accounts
    ├─ penetration                 = signed revenue ÷ wallet potential          (BD)
    └─ referrals                   accounts referred by the node's accounts    (BD)

A person's tree is their team's part of it (each team answers only for its own
indicators): an SDR's root is the VQL output of the accounts on their touch list, a BD's
the signed revenue of their book (with its signed accounts, revenue per signed account,
penetration, referrals and visits), a presales engineer's their solutions per working day
with the three rates.

**Plan side.** ``behaviour_plan_indicators`` reads the planner's result. Signings and new
VQLs are tier totals; an account's expected share is 1 signing if it is already signed and
``signed_needed ÷ open accounts`` of its tier otherwise, ``new_vql_needed ÷ accounts below
VQL`` of a new VQL if it is below VQL. Summed over a tier these give back the tier's totals
exactly (Fractions), so a team's or a person's plan is the sum over their accounts and the
line's is the planner's own. A part's target is the line's target in proportion to the
revenue its planned signings bring. Behaviours are the planner's schedule: a member's
touches and visits, presales solutions shared by capacity.

**Pacing.** Three kinds (``core.mesh`` for the first two):

- *cumulative* — signed revenue, signed accounts, signing rate, VQL output, penetration:
  they build up over the period, ``expected = plan × working days elapsed ÷ working days``;
- *scheduled* — touch rate and coverage rate: an account can only be expected touched once
  its first planned touch week has come, so ``expected = accounts whose first planned week
  ended by as_of (the week in progress pro rata by its working days elapsed) ÷ named
  accounts``. Shown with ``Accrual.CUMULATIVE`` (they build up), with that expectation;
- *level* — named accounts, behaviours per person per working day, revenue per signed
  account and the presales rates hold at their plan all along: ``expected = plan``.

A planned touch is a substantive one (a reached conversation or a real WeCom exchange, as
the planning module sizes SDR capacity), so the plan expects every account it touches to
be reached: touch rate and coverage rate share one plan. The presales rates are not
derived from the target; their plan values are norms (``PresalesNorms``, configuration).
Referrals are tracked but not planned (plan 0: never behind).

**Gap attribution.** Revenue telescopes over the funnel of named accounts::

    revenue = N × (reached ÷ N) × (VQL ÷ reached) × (signed ÷ VQL) × (revenue ÷ signed)

exactly, for the plan to date (N, N × scheduled coverage, VQL and signings pro rata, the
target pro rata) and for the actual. The plan's revenue per signed account is the target ÷
the planned signings (not the planned signings' revenue, which the planner's rounding up
to whole signings puts above the target): so the factors multiply out to the revenue node's
own expectation, and the tree and its attribution agree on whether the node is behind.
``core.attribution.attribute_gap`` splits the money gap over these factors by their
log-ratios, to the cent. A stage that is zero while a later one is not (signings with no
VQL in the window: an account signed from an earlier VQL) cannot be a factor, as its ratio
would be infinite: it is merged into the next one ("signings per reached account"). A zero
followed by zeros stays: its factor is 0 and takes the gap. A ratio of 0 ÷ 0 is taken at
the other side's value (no evidence it deviates).
An SDR's chain stops at VQL (N × coverage × VQL per reached account: amounts are VQLs), a
BD's is N × signing rate × revenue per signed account.

**Catch-up.** ``behaviour_catch_up`` leaves a node on plan (signed revenue at or above
``target × elapsed share``) with its original plan. A node behind is planned again with
``plan_behaviour`` over the working days after ``as_of``: the same named list (none may be
dropped, so cadences and touch loads carry on) with each account at the stage and owner it
has reached, and the remaining target. The planner counts every signed account as already
bringing its tier's revenue per signed account, so the accounts already won in the period
(whose real revenue is in the remaining target's subtraction) have theirs added back;
accounts signed before the plan and not won yet still count as bringing theirs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from itertools import pairwise

from salesmesh.core.attribution import (
    Attribution,
    FactorComparison,
    attribute_gap,
    diagnose,
)
from salesmesh.core.behaviour import (
    FULL_WEEK_WORKING_DAYS,
    BehaviourPlan,
    BehaviourPlanError,
    BehaviourPlanInput,
    Role,
    Stage,
    TierFunnel,
    plan_behaviour,
)
from salesmesh.core.calendar import Period, WorkCalendar
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.mesh import (
    COUNT_PLACES,
    PACING_PLACES,
    RATE_PLACES,
    Accrual,
    HealthThresholds,
    MeshError,
    MeshNode,
    Unit,
    exact_decimal,
    mesh_node,
    quantize_fraction,
    scheduled_node,
)
from salesmesh.core.money import to_money

__all__ = [
    "DEFAULT_PRESALES_NORMS",
    "AccountNow",
    "BehaviourActualIndicators",
    "BehaviourCatchUp",
    "BehaviourPlanIndicators",
    "MemberWeeklyTarget",
    "PresalesNorms",
    "ScheduleWeek",
    "WeeklyTargets",
    "behaviour_attribution",
    "behaviour_catch_up",
    "behaviour_factors",
    "behaviour_mesh",
    "behaviour_plan_indicators",
    "diagnose_behaviour",
    "expected_coverage",
    "plan_feasible",
    "role_mesh",
    "weekly_targets",
]

_PACING_PLACES = PACING_PLACES
_PLACES = COUNT_PLACES
_RATE_PLACES = RATE_PLACES
_ONE_DAY = timedelta(days=1)


# -- inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PresalesNorms:
    """The presales team's standards: not derived from the target, so configuration.

    Defaults: nearly every request answered (a request left unanswered is a lost VQL), seven
    solutions in ten accepted at the first review and four in five of the window's requests
    completed (the newest are still being written).
    """

    response_rate: Decimal = Decimal("0.95")
    first_pass_rate: Decimal = Decimal("0.7")
    completion_rate: Decimal = Decimal("0.8")


DEFAULT_PRESALES_NORMS = PresalesNorms()


@dataclass(frozen=True)
class ScheduleWeek:
    """A plan week and how many of the node's accounts have their first planned touch in it."""

    start: date
    end: date
    working_days: int
    first_touches: int


@dataclass(frozen=True)
class BehaviourPlanIndicators:
    """The plan of one node over the whole period (see the module docstring)."""

    # The revenue the node must sign (the line's target, or a part's share of it).
    target: Decimal
    # What the planned signings bring: Σ expected signings × revenue per signed account
    # (above the target by the planner's rounding up to whole signings).
    planned_revenue: Decimal
    named_accounts: int
    # Expected signings in the period (accounts already signed included) and new VQLs.
    signed: Fraction
    vql: Fraction
    wallet_potential: Decimal
    # Accounts with at least one planned touch in the period.
    touched: int
    weeks: tuple[ScheduleWeek, ...]
    # The node's people's behaviours over the period.
    sdr_touches: int
    bd_visits: int
    solutions: Fraction
    sdrs: int
    bds: int
    presales: int
    working_days: int
    referrals: int = 0


@dataclass(frozen=True)
class BehaviourActualIndicators:
    """What happened from the period's start to ``as_of``, for the same node."""

    signed_revenue: Decimal
    named_accounts: int
    touched: int
    reached: int
    vql: int
    signed: int
    wallet_potential: Decimal
    referrals: int
    # Reached activities of the node's SDRs, visits of its BDs.
    sdr_touches: int
    bd_visits: int
    # Solution requests of the window and how far they got.
    requests: int
    responded: int
    reviewed: int
    first_pass: int
    completed: int
    # People doing the work (the per-person-per-working-day denominators).
    sdrs: int
    bds: int
    presales: int


# -- plan indicators ---------------------------------------------------------------------------


def _tier_shares(
    inputs: BehaviourPlanInput, plan: BehaviourPlan
) -> dict[str, tuple[Fraction, Fraction]]:
    """Each account's expected (signings, new VQLs) in the period."""
    funnels: dict[str, TierFunnel] = {tier.tier: tier for tier in plan.tiers}
    shares: dict[str, tuple[Fraction, Fraction]] = {}
    for account in inputs.accounts:
        tier = funnels[account.tier]
        stage = Stage(account.stage)
        if stage is Stage.SIGNED:
            sign = Fraction(1)
        else:
            sign = (
                Fraction(tier.signed_needed, tier.open_accounts)
                if tier.open_accounts
                else Fraction(0)
            )
        below = tier.at_untouched + tier.at_touched + tier.at_engaged
        new_vql = (
            Fraction(tier.new_vql_needed, below)
            if below and stage in (Stage.UNTOUCHED, Stage.TOUCHED, Stage.ENGAGED)
            else Fraction(0)
        )
        shares[account.id] = (sign, new_vql)
    return shares


def _revenue_per_signed(plan: BehaviourPlan) -> dict[str, Decimal]:
    return {tier.tier: tier.revenue_per_signed for tier in plan.tiers}


def behaviour_plan_indicators(
    *,
    inputs: BehaviourPlanInput,
    plan: BehaviourPlan,
    accounts: Collection[str] | None = None,
    members: Collection[str] | None = None,
) -> BehaviourPlanIndicators:
    """The plan of the line (both None), or of a part: some accounts and some team members.

    ``accounts`` are the plan's account ids the part answers for (signings, VQLs, coverage,
    revenue); ``members`` the team members whose behaviours it counts (touches, visits,
    solutions). Unknown ids are ignored.
    """
    chosen = (
        list(inputs.accounts)
        if accounts is None
        else [account for account in inputs.accounts if account.id in set(accounts)]
    )
    team = (
        list(inputs.team) if members is None else [m for m in inputs.team if m.id in set(members)]
    )
    member_ids = {m.id for m in team}
    shares = _tier_shares(inputs, plan)
    rps = _revenue_per_signed(plan)

    signed = sum((shares[a.id][0] for a in chosen), Fraction(0))
    vql = sum((shares[a.id][1] for a in chosen), Fraction(0))
    revenue = sum((shares[a.id][0] * Fraction(rps[a.tier]) for a in chosen), Fraction(0))
    all_revenue = sum(
        (shares[a.id][0] * Fraction(rps[a.tier]) for a in inputs.accounts), Fraction(0)
    )
    if accounts is None:
        target = to_money(plan.target)
    elif all_revenue:
        target = to_money(
            quantize_fraction(Fraction(plan.target) * revenue / all_revenue, _RATE_PLACES)
        )
    else:
        target = Decimal("0.00")

    chosen_ids = {a.id for a in chosen}
    first_week: dict[str, int] = {
        entry.account_id: entry.weeks[0]
        for entry in plan.touches
        if entry.account_id in chosen_ids and entry.weeks
    }
    firsts = [0] * len(plan.weeks)
    for week in first_week.values():
        firsts[week] += 1
    weeks = tuple(
        ScheduleWeek(week.start, week.end, week.working_days, firsts[week.index])
        for week in plan.weeks
    )

    presales_team = [m for m in inputs.team if m.role == Role.PRESALES]
    capacity = sum(m.weekly_capacity for m in presales_team)
    chosen_capacity = sum(m.weekly_capacity for m in presales_team if m.id in member_ids)
    solutions = (
        Fraction(plan.presales.solutions_needed * chosen_capacity, capacity)
        if capacity
        else Fraction(plan.presales.solutions_needed if members is None else 0)
    )
    return BehaviourPlanIndicators(
        target=target,
        planned_revenue=to_money(quantize_fraction(revenue, _RATE_PLACES)),
        named_accounts=len(chosen),
        signed=signed,
        vql=vql,
        wallet_potential=to_money(sum((a.wallet_potential for a in chosen), Decimal(0))),
        touched=len(first_week),
        weeks=weeks,
        sdr_touches=sum(e.contacts for e in plan.touches if e.member_id in member_ids),
        bd_visits=sum(e.contacts for e in plan.visits if e.member_id in member_ids),
        solutions=solutions,
        sdrs=sum(1 for m in team if m.role == Role.SDR),
        bds=sum(1 for m in team if m.role == Role.BD),
        presales=sum(1 for m in team if m.role == Role.PRESALES),
        working_days=sum(week.working_days for week in plan.weeks),
    )


def expected_coverage(
    *, plan: BehaviourPlanIndicators, as_of: date, calendar: WorkCalendar
) -> Fraction:
    """Share of the node's named accounts the schedule expects touched by ``as_of``.

    An account counts from its first planned week: in full once the week has ended, pro
    rata by the week's working days elapsed while it is in progress.
    """
    if not plan.named_accounts:
        return Fraction(0)
    expected = Fraction(0)
    for week in plan.weeks:
        if week.start > as_of or not week.first_touches:
            continue
        if week.end <= as_of or not week.working_days:
            expected += week.first_touches
        else:
            done = calendar.working_days(week.start, as_of)
            expected += Fraction(week.first_touches * done, week.working_days)
    return expected / plan.named_accounts


# -- nodes -------------------------------------------------------------------------------------


def _ratio(
    numerator: int | Decimal | Fraction, denominator: int | Decimal | Fraction
) -> Fraction | None:
    """numerator ÷ denominator, or None over zero."""
    return Fraction(numerator) / Fraction(denominator) if denominator else None


@dataclass(frozen=True)
class _Context:
    """What every node of one tree shares."""

    elapsed: Fraction
    elapsed_days: int
    coverage: Fraction
    thresholds: HealthThresholds
    norms: PresalesNorms


def _context(
    plan: BehaviourPlanIndicators,
    period: Period,
    as_of: date,
    calendar: WorkCalendar,
    thresholds: HealthThresholds | None,
    norms: PresalesNorms | None,
) -> _Context:
    return _Context(
        elapsed=calendar.elapsed_share(period, as_of),
        elapsed_days=calendar.working_days(period.start, min(as_of, period.end))
        if as_of >= period.start
        else 0,
        coverage=expected_coverage(plan=plan, as_of=as_of, calendar=calendar),
        thresholds=thresholds or HealthThresholds(),
        norms=norms or DEFAULT_PRESALES_NORMS,
    )


def _shown(value: Fraction | Decimal | int, unit: Unit) -> Decimal:
    """A plan or actual value as the node shows it."""
    if isinstance(value, Decimal):
        return to_money(value) if unit is Unit.MONEY else value
    exact = Fraction(value)
    if unit is Unit.MONEY:
        return to_money(quantize_fraction(exact, _RATE_PLACES))
    if unit is Unit.RATE:
        return quantize_fraction(exact, _RATE_PLACES)
    if exact.denominator == 1:
        return Decimal(exact.numerator)
    return quantize_fraction(exact, _PLACES)


def _node(
    ctx: _Context,
    key: str,
    label: Message,
    formula: Message,
    plan: Fraction | Decimal | int,
    actual: Fraction | Decimal | int | None,
    *,
    unit: Unit = Unit.COUNT,
    accrual: Accrual = Accrual.CUMULATIVE,
    scheduled: Fraction | None = None,
    children: Sequence[MeshNode] = (),
) -> MeshNode:
    """A node; ``scheduled`` replaces the pro-rata expectation by the schedule's.

    A cumulative rate (signing rate, penetration) is expected pro rata as any cumulative
    indicator, but kept to a rate's six places rather than a count's two.
    """
    plan_value = _shown(plan, unit)
    if scheduled is None and unit is Unit.RATE and accrual is Accrual.CUMULATIVE:
        scheduled = Fraction(plan_value) * ctx.elapsed
    if scheduled is None or actual is None:
        return mesh_node(
            key=key,
            label=label,
            formula=formula,
            plan=plan_value,
            actual=_shown(actual, unit) if actual is not None else Decimal(0),
            elapsed=ctx.elapsed,
            thresholds=ctx.thresholds,
            accrual=accrual,
            unit=unit,
            children=children,
            measured=actual is not None,
        )
    places = _RATE_PLACES if unit is Unit.RATE else _PLACES
    return scheduled_node(
        key=key,
        label=label,
        formula=formula,
        plan=plan_value,
        actual=_shown(actual, unit),
        expected=scheduled,
        shown_expected=quantize_fraction(scheduled, places),
        thresholds=ctx.thresholds,
        unit=unit,
        accrual=Accrual.CUMULATIVE,
        children=children,
    )


def _per_person_day(count: int | Fraction, people: int, days: int) -> Fraction | None:
    return Fraction(count) / (people * days) if people > 0 and days > 0 else None


def _touch_nodes(
    plan: BehaviourPlanIndicators, actual: BehaviourActualIndicators, ctx: _Context
) -> list[MeshNode]:
    """Touch rate, coverage rate and SDR touches per SDR per working day."""
    plan_rate = _ratio(plan.touched, plan.named_accounts) or Fraction(0)
    return [
        _node(
            ctx,
            "touch_rate",
            Message(gettext_noop("Touch rate")),
            Message(gettext_noop("named accounts touched ÷ named accounts")),
            plan_rate,
            _ratio(actual.touched, actual.named_accounts),
            unit=Unit.RATE,
            scheduled=ctx.coverage,
        ),
        _node(
            ctx,
            "coverage_rate",
            Message(gettext_noop("Coverage rate")),
            Message(gettext_noop("named accounts reached ÷ named accounts")),
            plan_rate,
            _ratio(actual.reached, actual.named_accounts),
            unit=Unit.RATE,
            scheduled=ctx.coverage,
        ),
        _node(
            ctx,
            "sdr_touches_per_day",
            Message(gettext_noop("SDR touches per SDR per working day")),
            Message(gettext_noop("touches that reached the customer ÷ (SDRs × working days)")),
            _per_person_day(plan.sdr_touches, plan.sdrs, plan.working_days) or Fraction(0),
            _per_person_day(actual.sdr_touches, actual.sdrs, ctx.elapsed_days),
            unit=Unit.PER_DAY,
            accrual=Accrual.LEVEL,
        ),
    ]


def _vql_node(
    plan: BehaviourPlanIndicators, actual: BehaviourActualIndicators, ctx: _Context
) -> MeshNode:
    return _node(
        ctx,
        "vql",
        Message(gettext_noop("VQL output")),
        Message(
            gettext_noop(
                "named accounts with a deal qualified in the period = accounts reached × "
                "VQLs per reached account"
            )
        ),
        plan.vql,
        actual.vql,
        children=_touch_nodes(plan, actual, ctx),
    )


def _bd_visits_node(
    plan: BehaviourPlanIndicators, actual: BehaviourActualIndicators, ctx: _Context
) -> MeshNode:
    return _node(
        ctx,
        "bd_visits_per_day",
        Message(gettext_noop("BD visits per BD per working day")),
        Message(gettext_noop("visits ÷ (BDs × working days)")),
        _per_person_day(plan.bd_visits, plan.bds, plan.working_days) or Fraction(0),
        _per_person_day(actual.bd_visits, actual.bds, ctx.elapsed_days),
        unit=Unit.PER_DAY,
        accrual=Accrual.LEVEL,
    )


def _presales_node(
    plan: BehaviourPlanIndicators, actual: BehaviourActualIndicators, ctx: _Context
) -> MeshNode:
    norms = ctx.norms
    rates = [
        _node(
            ctx,
            "response_rate",
            Message(gettext_noop("Solution response rate")),
            Message(gettext_noop("requests responded to ÷ requests")),
            norms.response_rate,
            _ratio(actual.responded, actual.requests),
            unit=Unit.RATE,
            accrual=Accrual.LEVEL,
        ),
        _node(
            ctx,
            "first_pass_rate",
            Message(gettext_noop("First-pass rate")),
            Message(gettext_noop("solutions passed at the first review ÷ solutions reviewed")),
            norms.first_pass_rate,
            _ratio(actual.first_pass, actual.reviewed),
            unit=Unit.RATE,
            accrual=Accrual.LEVEL,
        ),
        _node(
            ctx,
            "completion_rate",
            Message(gettext_noop("Solution completion rate")),
            Message(gettext_noop("requests completed ÷ requests")),
            norms.completion_rate,
            _ratio(actual.completed, actual.requests),
            unit=Unit.RATE,
            accrual=Accrual.LEVEL,
        ),
    ]
    return _node(
        ctx,
        "solutions_per_day",
        Message(gettext_noop("Solutions per presales engineer per working day")),
        Message(gettext_noop("solution requests ÷ (presales engineers × working days)")),
        _per_person_day(plan.solutions, plan.presales, plan.working_days) or Fraction(0),
        _per_person_day(actual.requests, actual.presales, ctx.elapsed_days),
        unit=Unit.PER_DAY,
        accrual=Accrual.LEVEL,
        children=rates,
    )


def _signed_node(
    plan: BehaviourPlanIndicators,
    actual: BehaviourActualIndicators,
    ctx: _Context,
    rate_children: Sequence[MeshNode],
) -> MeshNode:
    named = _node(
        ctx,
        "named_accounts",
        Message(gettext_noop("Named accounts")),
        Message(gettext_noop("accounts on the named list; none may be dropped")),
        plan.named_accounts,
        actual.named_accounts,
        accrual=Accrual.LEVEL,
    )
    signing = _node(
        ctx,
        "signing_rate",
        Message(gettext_noop("Signing rate")),
        Message(gettext_noop("named accounts signed ÷ named accounts")),
        _ratio(plan.signed, plan.named_accounts) or Fraction(0),
        _ratio(actual.signed, actual.named_accounts),
        unit=Unit.RATE,
        children=rate_children,
    )
    return _node(
        ctx,
        "signed",
        Message(gettext_noop("Signed accounts")),
        Message(gettext_noop("signed accounts = named accounts × signing rate")),
        plan.signed,
        actual.signed,
        children=(named, signing),
    )


def _revenue_node(
    plan: BehaviourPlanIndicators,
    actual: BehaviourActualIndicators,
    ctx: _Context,
    signed: MeshNode,
    extra: Sequence[MeshNode] = (),
) -> MeshNode:
    revenue_per_signed = _node(
        ctx,
        "revenue_per_signed",
        Message(gettext_noop("Revenue per signed account")),
        Message(gettext_noop("revenue per signed account = signed revenue ÷ signed accounts")),
        _ratio(plan.target, plan.signed) or Fraction(0),
        _ratio(actual.signed_revenue, actual.signed),
        unit=Unit.MONEY,
        accrual=Accrual.LEVEL,
    )
    penetration = _node(
        ctx,
        "penetration",
        Message(gettext_noop("Penetration")),
        Message(gettext_noop("signed revenue ÷ wallet potential of the named accounts")),
        _ratio(plan.target, plan.wallet_potential) or Fraction(0),
        _ratio(actual.signed_revenue, actual.wallet_potential),
        unit=Unit.RATE,
    )
    referrals = _node(
        ctx,
        "referrals",
        Message(gettext_noop("Referrals")),
        Message(
            gettext_noop("accounts referred by these accounts (all time; the plan sets no target)")
        ),
        plan.referrals,
        actual.referrals,
        accrual=Accrual.LEVEL,
    )
    return _node(
        ctx,
        "revenue",
        Message(gettext_noop("Signed revenue")),
        Message(gettext_noop("signed revenue = signed accounts × revenue per signed account")),
        plan.target,
        actual.signed_revenue,
        unit=Unit.MONEY,
        children=(signed, revenue_per_signed, penetration, referrals, *extra),
    )


def _check(plan: BehaviourPlanIndicators, actual: BehaviourActualIndicators) -> None:
    for name in ("named_accounts", "sdr_touches", "bd_visits", "sdrs", "bds", "presales"):
        if getattr(plan, name) < 0 or getattr(actual, name) < 0:
            raise MeshError(f"{name} must not be negative")
    if actual.signed_revenue < 0:
        raise MeshError("signed revenue must not be negative")


def behaviour_mesh(
    *,
    plan: BehaviourPlanIndicators,
    actual: BehaviourActualIndicators,
    period: Period,
    as_of: date,
    calendar: WorkCalendar,
    thresholds: HealthThresholds | None = None,
    norms: PresalesNorms | None = None,
) -> MeshNode:
    """The whole tree of a line or a team, plan against actual as of ``as_of``."""
    _check(plan, actual)
    ctx = _context(plan, period, as_of, calendar, thresholds, norms)
    rate_children = (
        _vql_node(plan, actual, ctx),
        _bd_visits_node(plan, actual, ctx),
        _presales_node(plan, actual, ctx),
    )
    return _revenue_node(plan, actual, ctx, _signed_node(plan, actual, ctx, rate_children))


def role_mesh(
    *,
    role: Role,
    plan: BehaviourPlanIndicators,
    actual: BehaviourActualIndicators,
    period: Period,
    as_of: date,
    calendar: WorkCalendar,
    thresholds: HealthThresholds | None = None,
    norms: PresalesNorms | None = None,
) -> MeshNode:
    """One person's tree: their team's part of the whole (module docstring)."""
    _check(plan, actual)
    ctx = _context(plan, period, as_of, calendar, thresholds, norms)
    match Role(role):
        case Role.SDR:
            return _vql_node(plan, actual, ctx)
        case Role.BD:
            signed = _signed_node(plan, actual, ctx, ())
            return _revenue_node(plan, actual, ctx, signed, (_bd_visits_node(plan, actual, ctx),))
        case Role.PRESALES:
            return _presales_node(plan, actual, ctx)


# -- gap attribution ---------------------------------------------------------------------------

# The funnel of named accounts: stage index → the counts compared, named for the factor keys.
_NAMED, _REACHED, _VQL, _SIGNED, _REVENUE = range(5)
_STAGE_KEYS = ("named_accounts", "reached", "vql", "signed", "revenue")
_FACTOR_LABELS: Mapping[tuple[int, int], str] = {
    (_NAMED, _REACHED): gettext_noop("Coverage rate"),
    (_NAMED, _VQL): gettext_noop("VQLs per named account"),
    (_NAMED, _SIGNED): gettext_noop("Signing rate"),
    (_NAMED, _REVENUE): gettext_noop("Revenue per named account"),
    (_REACHED, _VQL): gettext_noop("VQLs per reached account"),
    (_REACHED, _SIGNED): gettext_noop("Signings per reached account"),
    (_REACHED, _REVENUE): gettext_noop("Revenue per reached account"),
    (_VQL, _SIGNED): gettext_noop("Signings per VQL"),
    (_VQL, _REVENUE): gettext_noop("Revenue per VQL"),
    (_SIGNED, _REVENUE): gettext_noop("Revenue per signed account"),
}
_CHAINS: Mapping[Role | None, tuple[int, ...]] = {
    None: (_NAMED, _REACHED, _VQL, _SIGNED, _REVENUE),
    Role.SDR: (_NAMED, _REACHED, _VQL),
    Role.BD: (_NAMED, _SIGNED, _REVENUE),
}


def _counts(
    plan: BehaviourPlanIndicators,
    actual: BehaviourActualIndicators,
    elapsed: Fraction,
    coverage: Fraction,
) -> tuple[list[Fraction], list[Fraction]]:
    """The funnel's counts to date, plan side and actual side, by stage index."""
    planned = [
        Fraction(plan.named_accounts),
        plan.named_accounts * coverage,
        plan.vql * elapsed,
        plan.signed * elapsed,
        Fraction(plan.target) * elapsed,
    ]
    observed = [
        Fraction(actual.named_accounts),
        Fraction(actual.reached),
        Fraction(actual.vql),
        Fraction(actual.signed),
        Fraction(actual.signed_revenue),
    ]
    return planned, observed


def _chain_factors(
    chain: Sequence[int], planned: Sequence[Fraction], observed: Sequence[Fraction]
) -> tuple[FactorComparison, ...]:
    """Consecutive ratios over the stages of ``chain`` that can carry a factor."""

    def blocked(side: Sequence[Fraction], position: int) -> bool:
        # Zero here but not later: an infinite ratio after it; the stage is merged away.
        stage = chain[position]
        return side[stage] == 0 and any(side[later] != 0 for later in chain[position + 1 :])

    kept = [
        stage
        for position, stage in enumerate(chain)
        if position in (0, len(chain) - 1)
        or not (blocked(planned, position) or blocked(observed, position))
    ]
    first = kept[0]
    factors = [
        FactorComparison(
            key=_STAGE_KEYS[first],
            label=Message(gettext_noop("Named accounts")),
            plan=exact_decimal(planned[first]),
            actual=exact_decimal(observed[first]),
        )
    ]
    for before, after in pairwise(kept):
        plan_ratio = _ratio(planned[after], planned[before])
        actual_ratio = _ratio(observed[after], observed[before])
        # 0 ÷ 0 on one side: taken at the other side's value; on both: on plan at 1.
        if plan_ratio is None:
            plan_ratio = actual_ratio if actual_ratio is not None else Fraction(1)
        if actual_ratio is None:
            actual_ratio = plan_ratio
        factors.append(
            FactorComparison(
                key=f"{_STAGE_KEYS[after]}_per_{_STAGE_KEYS[before]}",
                label=Message(_FACTOR_LABELS[(before, after)]),
                plan=exact_decimal(plan_ratio),
                actual=exact_decimal(actual_ratio),
            )
        )
    return tuple(factors)


def behaviour_factors(
    *,
    plan: BehaviourPlanIndicators,
    actual: BehaviourActualIndicators,
    period: Period,
    as_of: date,
    calendar: WorkCalendar,
    role: Role | None = None,
) -> tuple[FactorComparison, ...]:
    """The factors of the node's product (the line's revenue, an SDR's VQLs, a BD's revenue)."""
    if role is Role.PRESALES:
        raise MeshError("a presales engineer's indicators are rates, not a product of factors")
    elapsed = calendar.elapsed_share(period, as_of)
    coverage = expected_coverage(plan=plan, as_of=as_of, calendar=calendar)
    planned, observed = _counts(plan, actual, elapsed, coverage)
    return _chain_factors(_CHAINS[None if role is None else Role(role)], planned, observed)


def behaviour_attribution(
    *,
    plan: BehaviourPlanIndicators,
    actual: BehaviourActualIndicators,
    period: Period,
    as_of: date,
    calendar: WorkCalendar,
    role: Role | None = None,
) -> Attribution:
    """The gap to date of the node's product split exactly over its factors (to the cent)."""
    factors = behaviour_factors(
        plan=plan, actual=actual, period=period, as_of=as_of, calendar=calendar, role=role
    )
    return attribute_gap(
        plan_factors={factor.key: factor.plan for factor in factors},
        actual_factors={factor.key: factor.actual for factor in factors},
    )


def diagnose_behaviour(
    *,
    plan: BehaviourPlanIndicators,
    actual: BehaviourActualIndicators,
    period: Period,
    as_of: date,
    calendar: WorkCalendar,
    role: Role | None = None,
) -> tuple[Message, ...]:
    """The bottleneck in words ("Coverage rate 30% under plan explains 60% of the gap")."""
    return diagnose(
        factors=behaviour_factors(
            plan=plan, actual=actual, period=period, as_of=as_of, calendar=calendar, role=role
        )
    )


# -- catch-up ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberWeeklyTarget:
    """One member's behaviours per five-day week: touches, visits or solutions by role."""

    member_id: str
    role: Role
    per_week: Decimal


@dataclass(frozen=True)
class WeeklyTargets:
    """A plan's behaviour targets per five-day week (rounded up to the hundredth)."""

    working_days: int
    # New signings and new VQLs the plan needs over its period.
    signings: int
    vqls: int
    sdr_touches: Decimal
    bd_visits: Decimal
    solutions: Decimal
    members: tuple[MemberWeeklyTarget, ...]

    def member(self, member_id: str) -> MemberWeeklyTarget | None:
        """The row of ``member_id`` (None when the plan has no such member)."""
        return next((row for row in self.members if row.member_id == member_id), None)


def _per_week(total: Fraction | int, working_days: int) -> Decimal:
    """total per five-day week, rounded up to the hundredth (0 without working days)."""
    if not working_days:
        return Decimal(0)
    return quantize_fraction(
        Fraction(total) * FULL_WEEK_WORKING_DAYS / working_days, _PLACES, ROUND_CEILING
    )


def weekly_targets(*, inputs: BehaviourPlanInput, plan: BehaviourPlan) -> WeeklyTargets:
    """The plan's SDR touches, BD visits and presales solutions per five-day week."""
    days = sum(week.working_days for week in plan.weeks)
    load: dict[str, int] = {}
    for row in (*plan.sdr_weeks, *plan.bd_weeks):
        load[row.member_id] = load.get(row.member_id, 0) + row.load
    presales_capacity = sum(m.weekly_capacity for m in inputs.team if m.role == Role.PRESALES)
    members: list[MemberWeeklyTarget] = []
    for member in inputs.team:
        role = Role(member.role)
        if role is Role.PRESALES:
            total = (
                Fraction(plan.presales.solutions_needed * member.weekly_capacity, presales_capacity)
                if presales_capacity
                else Fraction(0)
            )
        else:
            total = Fraction(load.get(member.id, 0))
        members.append(MemberWeeklyTarget(member.id, role, _per_week(total, days)))
    return WeeklyTargets(
        working_days=days,
        signings=sum(tier.signed_needed for tier in plan.tiers),
        vqls=sum(tier.new_vql_needed for tier in plan.tiers),
        sdr_touches=_per_week(plan.sdr_capacity.total_needed, days),
        bd_visits=_per_week(plan.bd_capacity.total_needed, days),
        solutions=_per_week(plan.presales.solutions_needed, days),
        members=tuple(members),
    )


def plan_feasible(plan: BehaviourPlan) -> bool:
    """Every tier reachable, the whole target carried, every team within capacity."""
    return (
        all(tier.feasible for tier in plan.tiers)
        and plan.uncovered_revenue == 0
        and plan.sdr_capacity.covered
        and plan.bd_capacity.covered
        and plan.presales.capacity.covered
        and not plan.overloads
    )


@dataclass(frozen=True)
class AccountNow:
    """Where a named account stands on ``as_of``: its stage, owner, and a win in the period."""

    stage: Stage
    # The plan team member who owns it now (None: keep the plan's owner).
    owner: str | None = None
    # A deal of the account was won in the period so far (its revenue is in hand).
    signed_in_period: bool = False


@dataclass(frozen=True)
class BehaviourCatchUp:
    """The remaining target planned again over the remaining working days, or the plan kept."""

    remaining_target: Decimal
    remaining_working_days: int
    # as_of + 1 .. period end (None when no calendar day remains).
    period: Period | None
    on_plan: bool
    targets: WeeklyTargets
    baseline: WeeklyTargets
    # The plan now in force: the original on plan, the re-plan behind (None if impossible).
    inputs: BehaviourPlanInput | None
    plan: BehaviourPlan | None
    feasible: bool
    messages: tuple[Message, ...]
    # The re-plan's warnings: its problems and their fixes, in numbers.
    fixes: tuple[Message, ...] = ()


def _empty_targets() -> WeeklyTargets:
    zero = Decimal(0)
    return WeeklyTargets(0, 0, 0, zero, zero, zero, ())


def _accounts_now(
    inputs: BehaviourPlanInput, now: Mapping[str, AccountNow]
) -> tuple[BehaviourPlanInput, Decimal]:
    """The plan's accounts at today's stages and owners; the revenue to add back."""
    team = {m.id: Role(m.role) for m in inputs.team}
    rps = {tier.tier: to_money(tier.revenue_per_signed) for tier in inputs.tiers}
    add_back = Decimal(0)
    accounts = []
    for account in inputs.accounts:
        state = now.get(account.id)
        if state is None:
            accounts.append(account)
            continue
        stage = Stage.SIGNED if state.signed_in_period else Stage(state.stage)
        # Stages only move forward: a lost deal does not undo the plan's own stage.
        if Stage(account.stage).rank > stage.rank:
            stage = Stage(account.stage)
        owner = account.owner
        if state.owner is not None and team.get(state.owner) in (Role.SDR, Role.BD):
            owner = state.owner
        if state.signed_in_period:
            add_back += rps.get(account.tier, Decimal(0))
        accounts.append(replace(account, stage=stage, owner=owner))
    return replace(inputs, accounts=tuple(accounts)), add_back


def behaviour_catch_up(
    *,
    inputs: BehaviourPlanInput,
    original: BehaviourPlan,
    as_of: date,
    calendar: WorkCalendar,
    signed_revenue: Decimal,
    accounts_now: Mapping[str, AccountNow] | None = None,
) -> BehaviourCatchUp:
    """Keep the plan of a node on plan; re-plan a node behind over the working days left.

    ``signed_revenue`` is what the node signed from the period's start to ``as_of``;
    ``accounts_now`` where each named account (by plan id) stands on ``as_of`` (missing
    accounts keep the plan's stage and owner).
    """
    period = inputs.period
    target = to_money(inputs.target)
    signed = to_money(signed_revenue)
    remaining = max(target - signed, Decimal("0.00"))
    expected = to_money(
        quantize_fraction(Fraction(target) * calendar.elapsed_share(period, as_of), _RATE_PLACES)
    )
    baseline = weekly_targets(inputs=inputs, plan=original)
    start = max(period.start, as_of + _ONE_DAY)
    rest = Period(period.grain, start, period.end, period.calendar) if start <= period.end else None
    days = calendar.working_days(start, period.end) if rest is not None else 0

    if signed >= expected:
        return BehaviourCatchUp(
            remaining_target=remaining,
            remaining_working_days=days,
            period=rest,
            on_plan=True,
            targets=baseline,
            baseline=baseline,
            inputs=inputs,
            plan=original,
            feasible=plan_feasible(original),
            messages=(
                Message(
                    gettext_noop(
                        "On plan: %(signed)s signed against %(expected)s expected by now; "
                        "the original weekly targets stand."
                    ),
                    {"signed": signed, "expected": expected},
                ),
            ),
        )
    if rest is None or days == 0:
        return BehaviourCatchUp(
            remaining_target=remaining,
            remaining_working_days=0,
            period=rest,
            on_plan=False,
            targets=_empty_targets(),
            baseline=baseline,
            inputs=None,
            plan=None,
            feasible=False,
            messages=(
                Message(
                    gettext_noop(
                        "No working day is left in the period; %(amount)s of the target cannot "
                        "be signed any more."
                    ),
                    {"amount": remaining},
                ),
            ),
        )
    current, add_back = _accounts_now(inputs, accounts_now or {})
    replan_inputs = replace(current, target=remaining + add_back, period=rest)
    try:
        replan = plan_behaviour(replan_inputs, calendar)
    except BehaviourPlanError as exc:
        return BehaviourCatchUp(
            remaining_target=remaining,
            remaining_working_days=days,
            period=rest,
            on_plan=False,
            targets=_empty_targets(),
            baseline=baseline,
            inputs=replan_inputs,
            plan=None,
            feasible=False,
            messages=tuple(message for _, message in exc.problems),
        )
    targets = weekly_targets(inputs=replan_inputs, plan=replan)
    messages = (
        Message(
            gettext_noop(
                "To sign the remaining %(amount)s in %(days)s working days: %(signings)s new "
                "signings from %(vqls)s new VQLs; %(touches)s SDR touches, %(visits)s BD visits "
                "and %(solutions)s solutions a week."
            ),
            {
                "amount": remaining,
                "days": days,
                "signings": targets.signings,
                "vqls": targets.vqls,
                "touches": targets.sdr_touches,
                "visits": targets.bd_visits,
                "solutions": targets.solutions,
            },
        ),
        Message(
            gettext_noop(
                "The original plan asked for %(touches)s SDR touches, %(visits)s BD visits and "
                "%(solutions)s solutions a week."
            ),
            {
                "touches": baseline.sdr_touches,
                "visits": baseline.bd_visits,
                "solutions": baseline.solutions,
            },
        ),
    )
    return BehaviourCatchUp(
        remaining_target=remaining,
        remaining_working_days=days,
        period=rest,
        on_plan=False,
        targets=targets,
        baseline=baseline,
        inputs=replan_inputs,
        plan=replan,
        feasible=plan_feasible(replan),
        messages=messages,
        fixes=replan.warnings,
    )
