"""The mesh (DESIGN.md §2): plan against actual at every node, and the catch-up plan.

A probability-paradigm node's tree follows the planner's formulas::

    revenue (target)      = customers × deal value
    ├─ customers          = leads × conversion
    │  ├─ leads           = Σ leads by source = calls × reach rate ÷ calls per reached lead
    │  │  ├─ leads from each source
    │  │  ├─ calls per rep per working day     (behaviour)
    │  │  └─ reach rate                        (behaviour)
    │  └─ conversion      = product of the stage conversions
    │     ├─ each stage's conversion
    │     └─ visits per rep per working day    (behaviour)
    └─ deal value         = revenue ÷ customers

**Pacing.** A *cumulative* indicator (revenue, customers, leads) builds up over the period,
so by ``as_of`` the plan expects ``expected_to_date = plan × working days elapsed ÷ working
days in the period`` (``WorkCalendar.elapsed_share``, ``as_of`` included). A *level*
indicator (a rate, an average, behaviours per working day) should hold at its plan value
all along: ``expected_to_date = plan``. ``gap = actual − expected_to_date`` and ``pacing =
actual ÷ expected_to_date`` (to 4 decimals; None while nothing is expected yet). A level
indicator with nothing to measure yet (no leads to convert, no working day elapsed) is
``measured=False``: actual, expected and gap 0, pacing None.

**Health** compares a score with ``HealthThresholds``: the pacing for a higher-is-better
indicator, its inverse (expected ÷ actual) for a lower-is-better one. Red below
``red_below``, amber below ``amber_below``, green otherwise; green while nothing is
expected, and for a lower-is-better indicator also at an actual of 0.

**Catch-up.** ``catch_up`` re-plans the remaining target with ``plan_probability`` over the
working days after ``as_of``, so feasibility and the minimal fixes are the planner's own.
The stage lags are set to zero in the re-plan: the pipeline already in flight at ``as_of``
carries the first closes, while the last ``lag`` days' behaviours feed the next period — at
a steady run-rate the two balance, so the remaining behaviours must fit in the remaining
working days. (The original plan's lead window, shifted back by the lag, has exactly as many
working days as the period, so its daily targets are comparable.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from fractions import Fraction

from salesmesh.core.attribution import (
    Attribution,
    FactorComparison,
    attribute_gap,
    diagnose,
)
from salesmesh.core.calendar import Period, WorkCalendar
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.money import to_money
from salesmesh.core.probability import (
    Fix,
    ProbabilityInputs,
    ProbabilityPlan,
    plan_probability,
)

__all__ = [
    "COUNT_PLACES",
    "DEFAULT_AMBER_BELOW",
    "DEFAULT_RED_BELOW",
    "PACING_PLACES",
    "RATE_PLACES",
    "Accrual",
    "ActualIndicators",
    "ActualSource",
    "ActualStage",
    "CatchUpPlan",
    "DailyTargets",
    "Direction",
    "Health",
    "HealthThresholds",
    "MeshError",
    "MeshNode",
    "PlanIndicators",
    "PlanSource",
    "PlanStage",
    "RepDailyTarget",
    "Unit",
    "catch_up",
    "daily_targets",
    "diagnose_funnel",
    "exact_decimal",
    "funnel_attribution",
    "funnel_factors",
    "funnel_gap",
    "health_of",
    "mesh_node",
    "plan_indicators",
    "probability_mesh",
    "quantize_fraction",
    "rep_plan_indicators",
    "scheduled_node",
    "unmeasured_node",
]

# Defaults of the health thresholds (configuration: every caller may pass its own). 90 % of
# the expected pace is the usual "watch it" line of a sales review; below three quarters a
# period cannot usually be saved without a catch-up plan.
DEFAULT_AMBER_BELOW = Decimal("0.9")
DEFAULT_RED_BELOW = Decimal("0.75")

# Pacing to 0.01 %: finer than any threshold anyone configures.
PACING_PLACES = Decimal("0.0001")
# Expected counts and per-day behaviours to hundredths: what a dashboard shows.
COUNT_PLACES = Decimal("0.01")
# Rates (conversions, reach) and intermediate money to a millionth (0.0001 %).
RATE_PLACES = Decimal("0.000001")
_PACING_PLACES = PACING_PLACES
_PLACES = COUNT_PLACES
_RATE_PLACES = RATE_PLACES
_ONE_DAY = timedelta(days=1)


class MeshError(ValueError):
    """Plan and actual indicators that do not describe the same funnel."""


class Health(StrEnum):
    """Traffic-light health of a node."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class Direction(StrEnum):
    """Whether more of an indicator is better (leads) or worse (slippage days)."""

    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class Accrual(StrEnum):
    """How the plan value is expected over the period."""

    # Builds up over the period: expected to date = plan × elapsed share of working days.
    CUMULATIVE = "cumulative"
    # A rate or an average that should hold all along: expected to date = plan.
    LEVEL = "level"


class Unit(StrEnum):
    """What a node's numbers are, so the web layer can format them."""

    MONEY = "money"
    COUNT = "count"
    # A fraction in [0, 1] (or above, for ratios of period counts), shown as a percentage.
    RATE = "rate"
    # Behaviours per rep per working day.
    PER_DAY = "per_day"


@dataclass(frozen=True)
class HealthThresholds:
    """Pacing below ``amber_below`` is amber, below ``red_below`` red (configuration)."""

    amber_below: Decimal = DEFAULT_AMBER_BELOW
    red_below: Decimal = DEFAULT_RED_BELOW

    def __post_init__(self) -> None:
        """Refuse floats and thresholds out of order."""
        for name in ("amber_below", "red_below"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Decimal | int):
                raise MeshError(f"{name} must be a Decimal, not {type(value).__name__}")
            if not Decimal(value).is_finite() or value < 0:
                raise MeshError(f"{name} must be a finite, non-negative number")
        if self.red_below > self.amber_below:
            raise MeshError("red_below must not exceed amber_below")


@dataclass(frozen=True)
class MeshNode:
    """One node of the mesh: plan, actual, expected to date, gap, pacing, health, formula."""

    key: str
    label: Message
    # How the node follows from its children (or what it measures, for a leaf).
    formula: Message
    plan: Decimal
    actual: Decimal
    expected_to_date: Decimal
    # actual − expected_to_date: negative is behind a higher-is-better plan.
    gap: Decimal
    # actual ÷ expected_to_date to 4 decimals; None while nothing is expected.
    pacing: Decimal | None
    health: Health
    children: tuple[MeshNode, ...] = ()
    unit: Unit = Unit.COUNT
    accrual: Accrual = Accrual.CUMULATIVE
    direction: Direction = Direction.HIGHER_IS_BETTER
    # False for a level indicator with nothing to measure yet (shown as "—").
    measured: bool = True

    def walk(self) -> tuple[MeshNode, ...]:
        """This node and all its descendants, depth first."""
        nodes: list[MeshNode] = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return tuple(nodes)

    def find(self, key: str) -> MeshNode:
        """The descendant (or self) with ``key``."""
        for node in self.walk():
            if node.key == key:
                return node
        raise KeyError(key)


def quantize_fraction(value: Fraction, places: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """A Fraction as a Decimal quantised to ``places`` (60 digits of working precision)."""
    with localcontext() as context:
        context.prec = 60
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
            places, rounding=rounding
        )


def exact_decimal(value: Fraction) -> Decimal:
    """A Fraction as a Decimal with 50 significant digits (attribution factors, not money)."""
    with localcontext() as context:
        context.prec = 50
        return Decimal(value.numerator) / Decimal(value.denominator)


def _ratio_below(
    numerator: Decimal | Fraction, denominator: Decimal | Fraction, threshold: Decimal | int
) -> bool:
    """numerator ÷ denominator < threshold, exactly, for a positive denominator.

    Cross-multiplied integer ratios rather than Fractions: the same exact answer without
    normalising three fractions per call (a 1,000-person board asks 4,000 times).
    """
    nn, nd = numerator.as_integer_ratio()
    dn, dd = denominator.as_integer_ratio()
    tn, td = threshold.as_integer_ratio()
    # (nn/nd) / (dn/dd) < tn/td with nd, dn, dd, td > 0  ⇔  nn·dd·td < tn·nd·dn
    return nn * dd * td < tn * nd * dn


def health_of(
    *,
    actual: Decimal,
    expected: Decimal | Fraction,
    direction: Direction,
    thresholds: HealthThresholds,
) -> Health:
    """Green, amber or red for an actual against what was expected by now."""
    numerator: Decimal | Fraction
    denominator: Decimal | Fraction
    if direction is Direction.HIGHER_IS_BETTER:
        if expected <= 0:
            return Health.GREEN
        numerator, denominator = actual, expected
    else:
        if actual <= 0:
            return Health.GREEN
        numerator, denominator = expected, actual
    if _ratio_below(numerator, denominator, thresholds.red_below):
        return Health.RED
    if _ratio_below(numerator, denominator, thresholds.amber_below):
        return Health.AMBER
    return Health.GREEN


def unmeasured_node(
    *,
    key: str,
    label: Message,
    formula: Message,
    plan: Decimal,
    unit: Unit,
    accrual: Accrual,
    direction: Direction = Direction.HIGHER_IS_BETTER,
    children: Sequence[MeshNode] = (),
) -> MeshNode:
    """A level indicator with nothing to measure yet: shown as "—", never behind."""
    return MeshNode(
        key=key,
        label=label,
        formula=formula,
        plan=plan,
        actual=Decimal(0),
        expected_to_date=Decimal(0),
        gap=Decimal(0),
        pacing=None,
        health=Health.GREEN,
        children=tuple(children),
        unit=unit,
        accrual=accrual,
        direction=direction,
        measured=False,
    )


def scheduled_node(
    *,
    key: str,
    label: Message,
    formula: Message,
    plan: Decimal,
    actual: Decimal,
    expected: Fraction | Decimal,
    shown_expected: Decimal,
    thresholds: HealthThresholds,
    unit: Unit,
    accrual: Accrual,
    direction: Direction = Direction.HIGHER_IS_BETTER,
    health_reference: Fraction | Decimal | None = None,
    children: Sequence[MeshNode] = (),
) -> MeshNode:
    """A node whose expectation to date the caller worked out (pro rata, or a schedule's).

    ``expected`` is exact, for the pacing and the health; ``shown_expected`` is it rounded
    for display and the gap. ``health_reference`` replaces ``expected`` in the health score
    only (a tolerance, say).
    """
    exact = Fraction(expected)
    pacing = (
        quantize_fraction(Fraction(actual) / exact, PACING_PLACES, ROUND_HALF_EVEN)
        if exact
        else None
    )
    reference = exact if health_reference is None else Fraction(health_reference)
    return MeshNode(
        key=key,
        label=label,
        formula=formula,
        plan=plan,
        actual=actual,
        expected_to_date=shown_expected,
        # Quantised so a rate on plan shows 0.000000 rather than 0E-12.
        gap=(actual - shown_expected).quantize(RATE_PLACES if unit is Unit.RATE else COUNT_PLACES),
        pacing=pacing,
        health=health_of(
            actual=actual, expected=reference, direction=direction, thresholds=thresholds
        ),
        children=tuple(children),
        unit=unit,
        accrual=accrual,
        direction=direction,
    )


def mesh_node(
    *,
    key: str,
    label: Message,
    formula: Message,
    plan: Decimal,
    actual: Decimal,
    elapsed: Fraction,
    thresholds: HealthThresholds,
    accrual: Accrual = Accrual.CUMULATIVE,
    unit: Unit = Unit.COUNT,
    direction: Direction = Direction.HIGHER_IS_BETTER,
    children: Sequence[MeshNode] = (),
    measured: bool = True,
) -> MeshNode:
    """A node with its expected-to-date value (pro rata by ``elapsed``), gap, pacing, health."""
    if not measured:
        return unmeasured_node(
            key=key,
            label=label,
            formula=formula,
            plan=plan,
            unit=unit,
            accrual=accrual,
            direction=direction,
            children=children,
        )
    exact = Fraction(plan) * elapsed if accrual is Accrual.CUMULATIVE else Fraction(plan)
    if accrual is Accrual.LEVEL:
        shown = plan
    elif unit is Unit.MONEY:
        shown = to_money(quantize_fraction(exact, RATE_PLACES))
    else:
        shown = quantize_fraction(exact, COUNT_PLACES)
    return scheduled_node(
        key=key,
        label=label,
        formula=formula,
        plan=plan,
        actual=actual,
        expected=exact,
        shown_expected=shown,
        thresholds=thresholds,
        unit=unit,
        accrual=accrual,
        direction=direction,
        children=children,
    )


# -- probability-paradigm indicators ---------------------------------------------------------


@dataclass(frozen=True)
class PlanStage:
    """A planned funnel stage: entrants over the period and conversion to the next stage."""

    name: str
    entered: int
    # Conversion to the next stage (the last: to won); for the first stage the source blend
    # is folded in, so leads × all conversions = customers before rounding up.
    conversion: Decimal


@dataclass(frozen=True)
class PlanSource:
    """Leads planned from one source over the period."""

    name: str
    leads: int


@dataclass(frozen=True)
class PlanIndicators:
    """The plan of one node (org unit × period or one rep): totals over the whole period."""

    target: Decimal
    customers: int
    deal_value: Decimal
    # In funnel order; stages[0].entered is the leads needed.
    stages: tuple[PlanStage, ...]
    sources: tuple[PlanSource, ...]
    calls: int
    visits: int
    reach_rate: Decimal
    reps: int


@dataclass(frozen=True)
class ActualStage:
    """How many entered a funnel stage in the period so far."""

    name: str
    entered: int


@dataclass(frozen=True)
class ActualSource:
    """Leads from one source in the period so far."""

    name: str
    leads: int


@dataclass(frozen=True)
class ActualIndicators:
    """What happened in the period up to ``as_of`` (from rollups), for the same node.

    Conversions are period ratios: stage k converts ``entered[k+1] / entered[k]``, the last
    stage ``customers / entered[-1]``; deal value is ``revenue / customers``, reach rate
    ``reached_calls / calls``. So leads × conversions × deal value = revenue exactly.
    """

    revenue: Decimal
    customers: int
    # Same names in the same order as the plan's stages.
    stages: tuple[ActualStage, ...]
    sources: tuple[ActualSource, ...]
    calls: int
    reached_calls: int
    visits: int
    # Reps active in the node (the per-rep-per-working-day denominators).
    reps: int


def plan_indicators(*, inputs: ProbabilityInputs, plan: ProbabilityPlan) -> PlanIndicators:
    """The team's plan indicators from the planner's inputs and result."""
    return PlanIndicators(
        target=to_money(inputs.target),
        customers=plan.customers,
        deal_value=plan.deal_value,
        stages=tuple(
            PlanStage(name=stage.name, entered=stage.count, conversion=stage.effective_conversion)
            for stage in plan.stages
        ),
        sources=tuple(PlanSource(name=source.name, leads=source.leads) for source in plan.sources),
        calls=plan.calls,
        visits=plan.visits,
        reach_rate=Decimal(inputs.yields.reach_rate),
        reps=len(inputs.reps),
    )


def rep_plan_indicators(
    *, inputs: ProbabilityInputs, plan: ProbabilityPlan, rep_id: str
) -> PlanIndicators:
    """One rep's plan indicators: their customers, stage counts and behaviours.

    A rep's target is their customers × the deal value; their stage conversions are the
    ratios of their own stage counts (the team's where a count is zero); sources are
    team-level and left out.
    """
    rep = next((r for r in plan.reps if r.rep_id == rep_id), None)
    if rep is None:
        raise MeshError(f"no rep {rep_id!r} in the plan")
    counts = (*rep.stage_counts, rep.customers)
    stages = tuple(
        PlanStage(
            name=stage.name,
            entered=counts[k],
            conversion=(
                quantize_fraction(Fraction(counts[k + 1], counts[k]), Decimal("1e-12"))
                if counts[k]
                else stage.effective_conversion
            ),
        )
        for k, stage in enumerate(plan.stages)
    )
    return PlanIndicators(
        target=to_money(rep.customers * plan.deal_value),
        customers=rep.customers,
        deal_value=plan.deal_value,
        stages=stages,
        sources=(),
        calls=rep.calls,
        visits=rep.visits,
        reach_rate=Decimal(inputs.yields.reach_rate),
        reps=1,
    )


def _check_shapes(plan: PlanIndicators, actual: ActualIndicators) -> None:
    """Plan and actual must describe the same funnel."""
    if not plan.stages:
        raise MeshError("the plan needs at least one funnel stage")
    plan_names = [stage.name for stage in plan.stages]
    actual_names = [stage.name for stage in actual.stages]
    if plan_names != actual_names:
        raise MeshError(f"actual stages {actual_names} do not match the plan's {plan_names}")
    unknown = {s.name for s in actual.sources} - {s.name for s in plan.sources}
    if unknown:
        raise MeshError(f"actual lead sources not in the plan: {sorted(unknown)}")
    if plan.reps < 1:
        raise MeshError("the plan needs at least one rep")


def _ratio(numerator: int | Decimal, denominator: int | Decimal) -> Fraction | None:
    """numerator ÷ denominator, or None when the denominator is zero."""
    return Fraction(numerator) / Fraction(denominator) if denominator else None


def _actual_conversions(actual: ActualIndicators) -> list[Fraction | None]:
    """Period conversion of each stage (None where nobody entered it)."""
    counts = [stage.entered for stage in actual.stages] + [actual.customers]
    return [_ratio(counts[k + 1], counts[k]) for k in range(len(actual.stages))]


def probability_mesh(
    *,
    plan: PlanIndicators,
    actual: ActualIndicators,
    period: Period,
    as_of: date,
    calendar: WorkCalendar,
    thresholds: HealthThresholds | None = None,
) -> MeshNode:
    """The mesh tree of one probability-paradigm node, plan against actual as of ``as_of``."""
    _check_shapes(plan, actual)
    limits = thresholds or HealthThresholds()
    elapsed = calendar.elapsed_share(period, as_of)
    period_days = calendar.working_days_in(period)
    elapsed_days = calendar.working_days(period.start, min(as_of, period.end))

    def node(
        key: str,
        label: Message,
        formula: Message,
        plan_value: Decimal,
        actual_value: Decimal | Fraction | None,
        *,
        accrual: Accrual = Accrual.CUMULATIVE,
        unit: Unit = Unit.COUNT,
        children: Sequence[MeshNode] = (),
    ) -> MeshNode:
        if isinstance(actual_value, Fraction):
            places = _RATE_PLACES if unit is Unit.RATE else _PLACES
            actual_value = quantize_fraction(actual_value, places)
        return mesh_node(
            key=key,
            label=label,
            formula=formula,
            plan=plan_value,
            actual=actual_value if actual_value is not None else Decimal(0),
            elapsed=elapsed,
            thresholds=limits,
            accrual=accrual,
            unit=unit,
            children=children,
            measured=actual_value is not None,
        )

    def per_rep_day(count: int, reps: int, days: int) -> Fraction | None:
        return Fraction(count, reps * days) if reps > 0 and days > 0 else None

    plan_calls_rate = per_rep_day(plan.calls, plan.reps, period_days) or Fraction(0)
    plan_visits_rate = per_rep_day(plan.visits, plan.reps, period_days) or Fraction(0)
    calls_node = node(
        "calls_per_rep_day",
        Message(gettext_noop("Calls per rep per working day")),
        Message(gettext_noop("calls ÷ (reps × working days)")),
        quantize_fraction(plan_calls_rate, _PLACES),
        per_rep_day(actual.calls, actual.reps, elapsed_days),
        accrual=Accrual.LEVEL,
        unit=Unit.PER_DAY,
    )
    reach_node = node(
        "reach_rate",
        Message(gettext_noop("Reach rate")),
        Message(gettext_noop("calls reached ÷ call attempts")),
        plan.reach_rate,
        _ratio(actual.reached_calls, actual.calls),
        accrual=Accrual.LEVEL,
        unit=Unit.RATE,
    )
    actual_sources = {source.name: source.leads for source in actual.sources}
    source_nodes = [
        node(
            f"leads/{source.name}",
            Message(gettext_noop("Leads from %(source)s"), {"source": source.name}),
            Message(gettext_noop("leads counted from this source")),
            Decimal(source.leads),
            Decimal(actual_sources.get(source.name, 0)),
        )
        for source in plan.sources
    ]
    leads_node = node(
        "leads",
        Message(gettext_noop("Leads")),
        Message(
            gettext_noop("leads = Σ leads by source = calls × reach rate ÷ calls reached per lead")
        ),
        Decimal(plan.stages[0].entered),
        Decimal(actual.stages[0].entered),
        children=(*source_nodes, calls_node, reach_node),
    )

    conversions = _actual_conversions(actual)
    stage_nodes = [
        node(
            f"conversion/{stage.name}",
            Message(gettext_noop("Conversion from %(stage)s"), {"stage": stage.name}),
            Message(
                gettext_noop("entered the next stage (or won) ÷ entered %(stage)s"),
                {"stage": stage.name},
            ),
            stage.conversion,
            conversions[k],
            accrual=Accrual.LEVEL,
            unit=Unit.RATE,
        )
        for k, stage in enumerate(plan.stages)
    ]
    visits_node = node(
        "visits_per_rep_day",
        Message(gettext_noop("Visits per rep per working day")),
        Message(gettext_noop("visits ÷ (reps × working days)")),
        quantize_fraction(plan_visits_rate, _PLACES),
        per_rep_day(actual.visits, actual.reps, elapsed_days),
        accrual=Accrual.LEVEL,
        unit=Unit.PER_DAY,
    )
    plan_overall = Fraction(1)
    for stage in plan.stages:
        plan_overall *= Fraction(stage.conversion)
    conversion_node = node(
        "conversion",
        Message(gettext_noop("Conversion, lead to won")),
        Message(gettext_noop("conversion = product of the stage conversions")),
        quantize_fraction(plan_overall, _RATE_PLACES),
        _ratio(actual.customers, actual.stages[0].entered),
        accrual=Accrual.LEVEL,
        unit=Unit.RATE,
        children=(*stage_nodes, visits_node),
    )
    customers_node = node(
        "customers",
        Message(gettext_noop("Customers won")),
        Message(gettext_noop("customers = leads × conversion")),
        Decimal(plan.customers),
        Decimal(actual.customers),
        children=(leads_node, conversion_node),
    )
    deal_value = _ratio(actual.revenue, actual.customers)
    deal_node = node(
        "deal_value",
        Message(gettext_noop("Deal value")),
        Message(gettext_noop("deal value = revenue ÷ customers")),
        plan.deal_value,
        to_money(quantize_fraction(deal_value, _RATE_PLACES)) if deal_value is not None else None,
        accrual=Accrual.LEVEL,
        unit=Unit.MONEY,
    )
    return node(
        "revenue",
        Message(gettext_noop("Revenue")),
        Message(gettext_noop("revenue = customers × deal value")),
        plan.target,
        actual.revenue,
        unit=Unit.MONEY,
        children=(customers_node, deal_node),
    )


# -- gap attribution and diagnosis over the funnel -------------------------------------------


def funnel_factors(
    *, plan: PlanIndicators, actual: ActualIndicators, elapsed: Fraction
) -> tuple[FactorComparison, ...]:
    """The revenue product's factors, plan to date against actual.

    ``calls × reach rate × leads per reached call × stage conversions × deal value``: the
    plan side multiplies out to leads to date × conversions × deal value, the actual side to
    the revenue so far. A factor whose actual cannot be measured (0 ÷ 0: no calls reached,
    nobody entered a stage, no customer yet) is taken at plan — there is no evidence it
    deviates, and the factor upstream of it is then at zero and explains the gap.
    """
    _check_shapes(plan, actual)
    plan_calls = Fraction(plan.calls) * elapsed
    plan_reached = Fraction(plan.calls) * Fraction(plan.reach_rate)
    plan_leads_per_reached = (
        Fraction(plan.stages[0].entered) / plan_reached if plan_reached else Fraction(0)
    )
    comparisons: list[tuple[str, Message, Fraction, Fraction | None]] = [
        ("calls", Message(gettext_noop("Calls")), plan_calls, Fraction(actual.calls)),
        (
            "reach_rate",
            Message(gettext_noop("Reach rate")),
            Fraction(plan.reach_rate),
            _ratio(actual.reached_calls, actual.calls),
        ),
        (
            "leads_per_reached_call",
            Message(gettext_noop("Leads per reached call")),
            plan_leads_per_reached,
            _ratio(actual.stages[0].entered, actual.reached_calls),
        ),
    ]
    conversions = _actual_conversions(actual)
    for k, stage in enumerate(plan.stages):
        comparisons.append(
            (
                f"conversion/{stage.name}",
                Message(gettext_noop("Conversion from %(stage)s"), {"stage": stage.name}),
                Fraction(stage.conversion),
                conversions[k],
            )
        )
    comparisons.append(
        (
            "deal_value",
            Message(gettext_noop("Deal value")),
            Fraction(plan.deal_value),
            _ratio(actual.revenue, actual.customers),
        )
    )
    return tuple(
        FactorComparison(
            key=key,
            label=label,
            plan=exact_decimal(planned),
            actual=exact_decimal(planned if observed is None else observed),
        )
        for key, label, planned, observed in comparisons
    )


def funnel_attribution(
    *, plan: PlanIndicators, actual: ActualIndicators, elapsed: Fraction
) -> Attribution:
    """The revenue gap to date split exactly over behaviours, conversions and deal value.

    The plan side is the funnel's own expectation (leads to date × conversions × deal
    value), which exceeds target × elapsed share by the planner's rounding up to whole
    customers and leads.
    """
    factors = funnel_factors(plan=plan, actual=actual, elapsed=elapsed)
    return attribute_gap(
        plan_factors={factor.key: factor.plan for factor in factors},
        actual_factors={factor.key: factor.actual for factor in factors},
    )


def diagnose_funnel(
    *, plan: PlanIndicators, actual: ActualIndicators, elapsed: Fraction
) -> tuple[Message, ...]:
    """A person's (or node's) bottleneck in words, from their plan and actual indicators."""
    return diagnose(factors=funnel_factors(plan=plan, actual=actual, elapsed=elapsed))


def funnel_gap(
    *, plan: PlanIndicators, actual: ActualIndicators, elapsed: Fraction
) -> tuple[Attribution, tuple[Message, ...]]:
    """``funnel_attribution`` and ``diagnose_funnel`` together, splitting the gap once.

    The mesh gives every person both; the split (exact logarithms, the cents shared out) is
    most of a person's cost, and this does it once instead of twice.
    """
    factors = funnel_factors(plan=plan, actual=actual, elapsed=elapsed)
    attribution = attribute_gap(
        plan_factors={factor.key: factor.plan for factor in factors},
        actual_factors={factor.key: factor.actual for factor in factors},
    )
    return attribution, diagnose(factors=factors, attribution=attribution)


# -- catch-up plan ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RepDailyTarget:
    """One rep's behaviours per working day."""

    rep_id: str
    calls_per_day: Decimal
    visits_per_day: Decimal


@dataclass(frozen=True)
class DailyTargets:
    """Behaviour targets over a number of working days: totals and per working day.

    Per-day figures are rounded up to the hundredth, so doing the shown number is enough.
    """

    working_days: int
    customers: int
    leads: int
    calls: int
    visits: int
    leads_per_day: Decimal
    calls_per_day: Decimal
    visits_per_day: Decimal
    reps: tuple[RepDailyTarget, ...] = field(default=())


def _per_day(count: int, days: int) -> Decimal:
    """count ÷ days rounded up to the hundredth (0 without days)."""
    return quantize_fraction(Fraction(count, days), _PLACES, ROUND_CEILING) if days else Decimal(0)


def daily_targets(*, plan: ProbabilityPlan, working_days: int) -> DailyTargets:
    """A plan's behaviours spread over ``working_days``.

    For an original plan pass the period's working days: its lead window, shifted back by
    the sales-cycle lag, has exactly as many.
    """
    return DailyTargets(
        working_days=working_days,
        customers=plan.customers,
        leads=plan.leads,
        calls=plan.calls,
        visits=plan.visits,
        leads_per_day=_per_day(plan.leads, working_days),
        calls_per_day=_per_day(plan.calls, working_days),
        visits_per_day=_per_day(plan.visits, working_days),
        reps=tuple(
            RepDailyTarget(
                rep_id=rep.rep_id,
                calls_per_day=_per_day(rep.calls, working_days),
                visits_per_day=_per_day(rep.visits, working_days),
            )
            for rep in plan.reps
        ),
    )


@dataclass(frozen=True)
class CatchUpPlan:
    """The remaining target re-planned over the remaining working days."""

    remaining_target: Decimal
    remaining_working_days: int
    # as_of + 1 .. period end (None when no calendar day remains).
    period: Period | None
    targets: DailyTargets
    # The original plan's daily targets, when it was given.
    baseline: DailyTargets | None
    # The re-plan and its inputs (lags at zero), for apply_fix and the detail view.
    inputs: ProbabilityInputs | None
    plan: ProbabilityPlan | None
    feasible: bool
    fixes: tuple[Fix, ...]
    messages: tuple[Message, ...]


def catch_up(
    *,
    inputs: ProbabilityInputs,
    remaining_target: Decimal,
    as_of: date,
    period_end: date | None = None,
    calendar: WorkCalendar | None = None,
    original: ProbabilityPlan | None = None,
) -> CatchUpPlan:
    """Re-decompose the remaining target over the working days after ``as_of``.

    ``inputs`` are the original plan's (products, funnel, yields, reps, capability);
    ``period_end`` and ``calendar`` default to its period's end and work calendar.
    ``remaining_target`` is the target less the revenue closed so far (below 0 counts as 0).
    Pass the ``original`` plan to get its daily targets as the baseline.
    """
    work_calendar = calendar or inputs.work_calendar
    end = period_end or inputs.period.end
    remaining = max(to_money(remaining_target), Decimal("0.00"))
    baseline = (
        daily_targets(plan=original, working_days=work_calendar.working_days_in(inputs.period))
        if original is not None
        else None
    )
    start = max(inputs.period.start, as_of + _ONE_DAY)
    days = work_calendar.working_days(start, end)
    if days == 0:
        empty = DailyTargets(
            working_days=0,
            customers=0,
            leads=0,
            calls=0,
            visits=0,
            leads_per_day=Decimal(0),
            calls_per_day=Decimal(0),
            visits_per_day=Decimal(0),
        )
        message = (
            Message(gettext_noop("The target is reached."))
            if remaining == 0
            else Message(
                gettext_noop(
                    "No working day is left in the period; %(amount)s of the target cannot be "
                    "closed any more."
                ),
                {"amount": remaining},
            )
        )
        return CatchUpPlan(
            remaining_target=remaining,
            remaining_working_days=0,
            period=(
                Period(inputs.period.grain, start, end, inputs.period.calendar)
                if start <= end
                else None
            ),
            targets=empty,
            baseline=baseline,
            inputs=None,
            plan=None,
            feasible=remaining == 0,
            fixes=(),
            messages=(message,),
        )
    rest = Period(inputs.period.grain, start, end, inputs.period.calendar)
    stages = tuple(replace(stage, lag_days=0) for stage in inputs.funnel.stages)
    replan_inputs = replace(
        inputs,
        target=remaining,
        period=rest,
        work_calendar=work_calendar,
        funnel=replace(inputs.funnel, stages=stages),
    )
    replan = plan_probability(replan_inputs)
    targets = daily_targets(plan=replan, working_days=days)
    messages = [
        Message(
            gettext_noop(
                "To close the remaining %(amount)s in %(days)s working days: %(customers)s "
                "customers from %(leads)s leads, %(calls)s calls and %(visits)s visits a "
                "working day."
            ),
            {
                "amount": remaining,
                "days": days,
                "customers": targets.customers,
                "leads": targets.leads,
                "calls": targets.calls_per_day,
                "visits": targets.visits_per_day,
            },
        )
    ]
    if baseline is not None:
        messages.append(
            Message(
                gettext_noop(
                    "The original plan asked for %(calls)s calls and %(visits)s visits a "
                    "working day."
                ),
                {"calls": baseline.calls_per_day, "visits": baseline.visits_per_day},
            )
        )
    feasibility = replan.feasibility
    messages.extend(feasibility.messages)
    return CatchUpPlan(
        remaining_target=remaining,
        remaining_working_days=days,
        period=rest,
        targets=targets,
        baseline=baseline,
        inputs=replan_inputs,
        plan=replan,
        feasible=feasibility.feasible,
        fixes=feasibility.fixes,
        messages=tuple(messages),
    )
