"""Probability-paradigm planner: a revenue target decomposed backwards through a funnel.

DESIGN.md §1.1. The decomposition runs from the number to the behaviours::

    deal value      = Σ p_i * price_i / Σ p_i            (product mix; Σ p_i = 1 ± 1e-6)
    customers       = ceil(target / deal value)
    stage n-1 count = ceil(Σ_r customers_r / (c_{n-1} * m'_r))   (the close stage)
    stage k count   = ceil(stage k+1 count / c_k)                 (k = n-2 … 0)
    c_0             = first-stage conversion * Σ_j share_j * multiplier_j   (lead sources)
    calls           = ceil(leads * attempts per reached lead / reach rate)
    visits          = ceil(count at the visit stage * visits per opportunity)

``m'_r`` is rep r's capability multiplier (``CapabilityModel``), capped so that the rep's
close rate never exceeds 1. The funnel's conversion rates are those of a *reference rep*
(multiplier 1.0: both exams at 50 %, 18 months of tenure); stronger reps need fewer leads
per customer, weaker reps more.

Customers are allocated to reps in proportion to ``m_r * capacity_r`` where capacity_r is
the rep's scarcer resource relative to the team average,
``min(calls/day ÷ team mean, visits/day ÷ team mean)`` (calls only when the plan needs no
visits). A rep's stage counts, calls and visits are then split in proportion to
``customers_r / m'_r``, so every split is an integer split that keeps its total exactly.

Time: closes are spread over the target period's working days (largest remainder per week,
in proportion to working days). Everything a close needs at stage k happens ``lag_k``
calendar days earlier, counted as ``working_day_lag(lag_k)`` = round(lag_k * 5/7) working
days back along the work calendar — so a cycle pauses over holidays instead of piling work
onto the day before them, and leads for early closes are needed in weeks *before* the
period. Needs are split over weeks by cumulative ceiling — by the end of every week at
least the exact share needed so far has been scheduled, never later. Per-rep * per-week
matrices keep both the rep totals and the week totals exactly.

Feasibility: a rep is over capacity in a week when their exact share of the week's calls
(visits) exceeds the whole number they can make, ``floor(capacity per day * working days)``.
Each cell of the integer matrices is the floor or the ceiling of its exact share, so in a
feasible plan no shown number exceeds capacity. When the plan does not fit, three
independent minimal fixes are computed — more reps, a conversion factor, a deal-value
factor — each the smallest that makes the plan feasible when applied alone with
``apply_fix`` and planned again.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from salesmesh.core.calendar import CalendarError, Grain, Period, WorkCalendar
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.money import largest_remainder, to_money

__all__ = [
    "DEFAULT_PRODUCT_WEIGHT",
    "DEFAULT_SCENARIO_WEIGHT",
    "DEFAULT_TENURE_WEIGHT",
    "FIX_FACTOR_STEP",
    "MIN_CALIBRATION_REPS",
    "MULTIPLIER_CEILING",
    "MULTIPLIER_FLOOR",
    "SUM_TOLERANCE",
    "TENURE_SATURATION_MONTHS",
    "AddReps",
    "BehaviourYields",
    "CalibrationResult",
    "CapabilityModel",
    "Feasibility",
    "Fix",
    "Funnel",
    "FunnelStage",
    "LeadSource",
    "ProbabilityInputs",
    "ProbabilityPlan",
    "ProbabilityPlanError",
    "Product",
    "RaiseConversion",
    "RaiseDealValue",
    "Rep",
    "RepHistory",
    "RepPlan",
    "ScheduleWeek",
    "SourcePlan",
    "StagePlan",
    "apply_fix",
    "calibrate_capability",
    "capability_multipliers",
    "expected_deal_value",
    "plan_probability",
    "working_day_lag",
]

Number = Decimal | int
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# -- constants -------------------------------------------------------------------------------

# Probabilities and shares come from plan files written by people: thirds are typed as
# 0.333333. One part in a million accepts that and still catches a forgotten product; the
# planner divides by the actual sum, so the slack never biases the deal value.
SUM_TOLERANCE = Decimal("0.000001")

# Default capability model, used until there is history to calibrate it from. The scenario
# exam weighs most because it tests applying the selling SOP in a live conversation, which is
# what converts; product knowledge is necessary but discriminates less; tenure brings
# returning customers and experience. At the extremes (both exams 100 %, 3 years) a rep is
# 1 + 0.5 * (0.2 + 0.3 + 0.2) = 1.35 * the reference rep, at the other end 0.65 * — a
# deliberately modest prior: without evidence no rep should move by more than about a third.
DEFAULT_PRODUCT_WEIGHT = 0.2
DEFAULT_SCENARIO_WEIGHT = 0.3
DEFAULT_TENURE_WEIGHT = 0.2
# Experience stops adding conversion after about three years in the same sales motion.
TENURE_SATURATION_MONTHS = 36
# Whatever a calibration says, a rep converts between half and one and a half times the
# reference rep: regressions on a small team extrapolate wildly at the edges.
MULTIPLIER_FLOOR = 0.5
MULTIPLIER_CEILING = 1.5
# The calibration fits four parameters (intercept and three slopes); below ten reps fewer
# than six degrees of freedom remain and one outlier decides the coefficients.
MIN_CALIBRATION_REPS = 10

# Fix factors are reported to four decimals (0.01 %), rounded up so that applying exactly
# the reported factor is enough.
FIX_FACTOR_STEP = Decimal("0.0001")
_FIX_STEPS_PER_UNIT = 10_000
# Hiring more than ten times the current team (or 1,000 reps for a tiny team) is a different
# business, not a fix; the search stops there and says so.
_MAX_ADDED_REPS_FACTOR = 10
_MIN_ADDED_REPS_LIMIT = 1_000
# Float sums over thousands of reps carry ~1e-13 relative noise; a ceiling must not turn
# 300.0000000000001 into 301.
_FLOAT_TOLERANCE = 1e-9
# Calendar days fetched before the period beyond twice the longest lag (in working days):
# two weeks absorb a long holiday at the first try; the search widens up to ten years.
_RUN_UP_MARGIN_DAYS = 14
_MAX_RUN_UP_DAYS = 3660
# Stage conversions produced by a conversion fix are kept to 12 decimals, rounded down so a
# capped first stage times a source multiplier never exceeds 1.
_CONVERSION_PLACES = Decimal("1e-12")
_RATE_PLACES = Decimal("0.0001")
_CAPACITY_PLACES = Decimal("0.01")
_ONE_DAY = timedelta(days=1)


# -- errors ----------------------------------------------------------------------------------


class ProbabilityPlanError(ValueError):
    """Invalid planner input; ``problems`` lists every (field path, message) found."""

    def __init__(self, problems: list[tuple[str, Message]]) -> None:
        """Keep all problems and summarise them in English as the exception text."""
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))


# -- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """One product of the mix: its price and the probability a customer picks it."""

    name: str
    price: Number
    probability: Number


@dataclass(frozen=True)
class FunnelStage:
    """A funnel stage: conversion to the next stage (or to won) and its lag to the close."""

    name: str
    conversion: Number
    lag_days: int


@dataclass(frozen=True)
class LeadSource:
    """A lead source: its share of leads and a multiplier on the first-stage conversion."""

    name: str
    share: Number
    conversion_multiplier: Number = 1


@dataclass(frozen=True)
class Funnel:
    """Stages in order (the last converts to won) and the sources that feed the first."""

    stages: tuple[FunnelStage, ...]
    sources: tuple[LeadSource, ...] = ()


@dataclass(frozen=True)
class BehaviourYields:
    """How behaviours turn into funnel progress.

    ``attempts_per_reached_lead`` counts the connected calls a lead needs (first conversation
    and follow-ups); only ``reach_rate`` of all call attempts connect, so each lead costs
    ``attempts_per_reached_lead / reach_rate`` dials. Visits are made per entrant of the
    stage ``visit_stage`` (an index into the funnel's stages; -1, the close stage, is the
    opportunity stage of the usual lead → qualified lead → opportunity funnel).
    """

    attempts_per_reached_lead: Number
    reach_rate: Number
    visits_per_opportunity: Number
    visit_stage: int = -1


@dataclass(frozen=True)
class Rep:
    """A rep: daily capacity and the judgement indicators of the capability model."""

    rep_id: str
    max_calls_per_day: Number
    max_visits_per_day: Number
    product_pass_rate: Number
    scenario_pass_rate: Number
    tenure_months: int


@dataclass(frozen=True)
class CapabilityModel:
    """Maps judgement indicators to a conversion multiplier around 1.0.

    ``m = clamp(1 + a·(product - ½) + b·(scenario - ½) + c·(min(tenure, S)/S - ½),
    lower, upper)`` with S = ``tenure_saturation_months``. The reference rep (both exams at
    50 %, tenure S/2) has m = 1 exactly.
    """

    product_weight: float = DEFAULT_PRODUCT_WEIGHT
    scenario_weight: float = DEFAULT_SCENARIO_WEIGHT
    tenure_weight: float = DEFAULT_TENURE_WEIGHT
    tenure_saturation_months: int = TENURE_SATURATION_MONTHS
    lower: float = MULTIPLIER_FLOOR
    upper: float = MULTIPLIER_CEILING

    def multiplier(
        self, product_pass_rate: Number, scenario_pass_rate: Number, tenure: int
    ) -> float:
        """The multiplier of one rep with these indicators."""
        values = self._vector(
            np.array([float(product_pass_rate)]),
            np.array([float(scenario_pass_rate)]),
            np.array([float(tenure)]),
        )
        return float(values[0])

    def _vector(self, product: FloatArray, scenario: FloatArray, tenure: FloatArray) -> FloatArray:
        """Vectorised multipliers for arrays of indicators."""
        saturation = float(self.tenure_saturation_months)
        raw = (
            1.0
            + self.product_weight * (product - 0.5)
            + self.scenario_weight * (scenario - 0.5)
            + self.tenure_weight * (np.minimum(tenure, saturation) / saturation - 0.5)
        )
        return np.clip(raw, self.lower, self.upper).astype(np.float64)


@dataclass(frozen=True)
class ProbabilityInputs:
    """Everything the probability planner needs for one target node."""

    target: Number
    period: Period
    work_calendar: WorkCalendar
    products: tuple[Product, ...]
    funnel: Funnel
    yields: BehaviourYields
    reps: tuple[Rep, ...]
    capability: CapabilityModel = field(default_factory=CapabilityModel)


@dataclass(frozen=True)
class RepHistory:
    """A rep's historical conversion with their indicators, for calibration.

    ``conversion`` is any consistently measured conversion (typically lead → won);
    ``leads`` is how many leads it was measured on and weights the fit (None: equal weight).
    """

    rep_id: str
    conversion: Number
    product_pass_rate: Number
    scenario_pass_rate: Number
    tenure_months: int
    leads: int | None = None


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalibrationResult:
    """The capability model to use, and whether it came from history or the default."""

    model: CapabilityModel
    calibrated: bool
    reps_used: int
    r_squared: float | None
    messages: tuple[Message, ...]


@dataclass(frozen=True)
class StagePlan:
    """How many must enter a funnel stage in total, and in which weeks."""

    name: str
    conversion: Decimal
    # Stage 0 blends the sources' multipliers; other stages are as entered.
    effective_conversion: Decimal
    lag_days: int
    count: int
    # Aligned with ProbabilityPlan.weeks.
    by_week: tuple[int, ...]


@dataclass(frozen=True)
class SourcePlan:
    """Leads needed from one source."""

    name: str
    share: Decimal
    conversion_multiplier: Decimal
    # First-stage conversion of this source's leads.
    conversion: Decimal
    leads: int


@dataclass(frozen=True)
class ScheduleWeek:
    """One week of the schedule (ISO week, clipped to the target period's edges)."""

    period: Period
    working_days: int
    before_target: bool
    closes: int
    calls: int
    visits: int

    @property
    def label(self) -> str:
        """ISO week label, e.g. 2025-W09."""
        return self.period.label

    @property
    def start(self) -> date:
        """First day of the (possibly clipped) week."""
        return self.period.start


@dataclass(frozen=True)
class RepPlan:
    """One rep's share of the plan and how it compares with their capacity."""

    rep_id: str
    multiplier: float
    customers: int
    # Aligned with ProbabilityPlan.stages.
    stage_counts: tuple[int, ...]
    calls: int
    visits: int
    # Averages over the working days of the weeks with any calls (visits); peaks are the
    # rep's exact share in the busiest week per working day, before rounding to whole calls.
    average_calls_per_working_day: float
    peak_calls_per_working_day: float
    average_visits_per_working_day: float
    peak_visits_per_working_day: float
    feasible: bool


@dataclass(frozen=True)
class AddReps:
    """Fix: add ``count`` reps like ``template`` (team-average capacity and indicators)."""

    count: int
    template: Rep
    message: Message


@dataclass(frozen=True)
class RaiseConversion:
    """Fix: multiply overall (lead → won) conversion by ``factor``; new stage rates given."""

    factor: Decimal
    overall_before: Decimal
    overall_after: Decimal
    conversions: tuple[Decimal, ...]
    message: Message


@dataclass(frozen=True)
class RaiseDealValue:
    """Fix: multiply every price, hence the expected deal value, by ``factor``."""

    factor: Decimal
    deal_value_before: Decimal
    deal_value_after: Decimal
    prices: tuple[Decimal, ...]
    customers: int
    message: Message


Fix = AddReps | RaiseConversion | RaiseDealValue


@dataclass(frozen=True)
class Feasibility:
    """Whether every rep's weekly behaviours fit their capacity, and what would fix it."""

    feasible: bool
    reps_over_call_capacity: int
    reps_over_visit_capacity: int
    # Highest exact weekly share / whole behaviours possible that week, over reps and weeks:
    # at most 1 exactly when the behaviour fits (inf when a rep with none possible needs some).
    peak_call_utilisation: float
    peak_visit_utilisation: float
    messages: tuple[Message, ...]
    fixes: tuple[Fix, ...]


# eq=False: the matrices are numpy arrays, which have no single truth value for ==.
@dataclass(frozen=True, eq=False)
class ProbabilityPlan:
    """The decomposition of one target: funnel counts, weekly schedule and per-rep load."""

    deal_value: Decimal
    customers: int
    stages: tuple[StagePlan, ...]
    sources: tuple[SourcePlan, ...]
    calls: int
    visits: int
    weeks: tuple[ScheduleWeek, ...]
    reps: tuple[RepPlan, ...]
    # reps * weeks, read-only; rows add up to RepPlan.calls, columns to ScheduleWeek.calls.
    calls_by_rep_week: IntArray
    visits_by_rep_week: IntArray
    capability: CapabilityModel
    feasibility: Feasibility
    messages: tuple[Message, ...]

    @property
    def leads(self) -> int:
        """Leads needed in total (the first stage)."""
        return self.stages[0].count

    @property
    def leads_before_target(self) -> int:
        """Leads that must be generated before the target period starts."""
        return sum(
            count
            for count, week in zip(self.stages[0].by_week, self.weeks, strict=True)
            if week.before_target
        )

    def calls_per_working_day(self) -> FloatArray:
        """reps * weeks: each week's calls divided by its working days (0 with none)."""
        return _per_working_day(self.calls_by_rep_week, self.weeks)

    def visits_per_working_day(self) -> FloatArray:
        """reps * weeks: each week's visits divided by its working days (0 with none)."""
        return _per_working_day(self.visits_by_rep_week, self.weeks)


def _per_working_day(matrix: IntArray, weeks: Sequence[ScheduleWeek]) -> FloatArray:
    """Divide each column by its week's working days, leaving weeks without any at 0."""
    return _rates(matrix, np.array([week.working_days for week in weeks], dtype=np.int64))


# -- validation ------------------------------------------------------------------------------

_Problems = list[tuple[str, Message]]


def _number(value: object, path: str, problems: _Problems) -> Decimal | None:
    """``value`` as a finite Decimal, or None after recording why it is not one."""
    # bool is an int subclass; a float cannot hold 0.1 exactly (see money.to_money).
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        problems.append(
            (
                path,
                Message(
                    gettext_noop("must be a decimal number or an integer, not %(type)s"),
                    {"type": type(value).__name__},
                ),
            )
        )
        return None
    number = Decimal(value)
    if not number.is_finite():
        problems.append((path, Message(gettext_noop("must be a finite number"))))
        return None
    return number


def _rate(value: object, path: str, problems: _Problems, *, allow_zero: bool) -> Decimal | None:
    """A number in (0, 1] (or [0, 1] with ``allow_zero``)."""
    number = _number(value, path, problems)
    if number is None:
        return None
    if allow_zero and not 0 <= number <= 1:
        problems.append((path, Message(gettext_noop("must be in [0, 1]"))))
        return None
    if not allow_zero and not 0 < number <= 1:
        problems.append((path, Message(gettext_noop("must be in (0, 1]"))))
        return None
    return number


def _non_negative(value: object, path: str, problems: _Problems) -> Decimal | None:
    """A number ≥ 0."""
    number = _number(value, path, problems)
    if number is not None and number < 0:
        problems.append((path, Message(gettext_noop("must not be negative"))))
        return None
    return number


def _positive(value: object, path: str, problems: _Problems) -> Decimal | None:
    """A number > 0."""
    number = _number(value, path, problems)
    if number is not None and number <= 0:
        problems.append((path, Message(gettext_noop("must be positive"))))
        return None
    return number


def _count(value: object, path: str, problems: _Problems) -> int | None:
    """An integer ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append((path, Message(gettext_noop("must be a whole number"))))
        return None
    if value < 0:
        problems.append((path, Message(gettext_noop("must not be negative"))))
        return None
    return value


def _name(value: object, path: str, problems: _Problems) -> None:
    """A non-blank string."""
    if not isinstance(value, str) or not value.strip():
        problems.append((path, Message(gettext_noop("must be a non-empty name"))))


def _check_sum(total: Decimal, path: str, problems: _Problems, what: Message) -> None:
    """Record a problem unless ``total`` is 1 within SUM_TOLERANCE."""
    if abs(total - 1) > SUM_TOLERANCE:
        problems.append(
            (
                path,
                Message(
                    gettext_noop("%(what)s must sum to 1 (they sum to %(total)s)"),
                    {"what": what, "total": total},
                ),
            )
        )


def _fraction(value: Decimal) -> Fraction:
    """Exact Fraction of a Decimal."""
    return Fraction(value)


def _decimal(value: Fraction, places: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """A Fraction as a Decimal quantised to ``places`` with ``rounding``."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        places, rounding=rounding
    )


# -- the validated numeric model -------------------------------------------------------------


@dataclass(frozen=True)
class _Schedule:
    """Week buckets around the target period and which bucket each close/stage falls in."""

    weeks: tuple[Period, ...]
    before: tuple[bool, ...]
    working_days: IntArray
    close_weights: tuple[int, ...]
    # stage_weights[k][w]: close dates whose stage-k work falls in week w.
    stage_weights: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class _Model:
    """Validated inputs in the numeric form the computation uses."""

    target: Decimal
    prices: tuple[Decimal, ...]
    probabilities: tuple[Decimal, ...]
    conversions: tuple[Decimal, ...]
    blend: Fraction
    # Highest source multiplier: caps the first-stage conversion at 1 / this.
    max_source_multiplier: Fraction
    calls_per_lead: Fraction
    visits_per_entrant: Fraction
    visit_stage: int
    multipliers: FloatArray
    calls_cap: FloatArray
    visits_cap: FloatArray
    schedule: _Schedule
    # reps * weeks: the most calls / visits each rep can make in each week.
    calls_limit: IntArray
    visits_limit: IntArray


def _validate(inputs: ProbabilityInputs) -> _Model:
    """Check every input, collect all problems, and build the numeric model."""
    problems: _Problems = []
    target = _non_negative(inputs.target, "target", problems)

    prices, probabilities = _validate_products(inputs.products, target, problems)
    stages = inputs.funnel.stages
    conversions: list[Decimal] = []
    lags: list[int] = []
    first_conversion: Decimal | None = None
    if not stages:
        problems.append(("funnel.stages", Message(gettext_noop("needs at least one stage"))))
    seen_stage_names: set[str] = set()
    for i, stage in enumerate(stages):
        path = f"funnel.stages[{i}]"
        _name(stage.name, f"{path}.name", problems)
        if stage.name in seen_stage_names:
            problems.append((f"{path}.name", Message(gettext_noop("duplicates another stage"))))
        seen_stage_names.add(stage.name)
        conversion = _rate(stage.conversion, f"{path}.conversion", problems, allow_zero=False)
        lag = _count(stage.lag_days, f"{path}.lag_days", problems)
        if conversion is not None:
            conversions.append(conversion)
            if i == 0:
                first_conversion = conversion
        if lag is not None:
            if lags and lag > lags[-1]:
                problems.append(
                    (
                        f"{path}.lag_days",
                        Message(
                            gettext_noop(
                                "must not exceed the previous stage's lag (%(previous)s days): "
                                "a later stage cannot be further from the close"
                            ),
                            {"previous": lags[-1]},
                        ),
                    )
                )
            lags.append(lag)

    lags_ok = len(lags) == len(stages)
    blend, max_multiplier = _validate_sources(inputs.funnel.sources, first_conversion, problems)

    yields = inputs.yields
    attempts = _positive(
        yields.attempts_per_reached_lead, "yields.attempts_per_reached_lead", problems
    )
    reach = _rate(yields.reach_rate, "yields.reach_rate", problems, allow_zero=False)
    visits_per = _non_negative(
        yields.visits_per_opportunity, "yields.visits_per_opportunity", problems
    )
    visit_stage = yields.visit_stage
    if stages and (
        isinstance(visit_stage, bool)
        or not isinstance(visit_stage, int)
        or not (-len(stages) <= visit_stage < len(stages))
    ):
        problems.append(
            (
                "yields.visit_stage",
                Message(
                    gettext_noop("must index a funnel stage (from %(low)s to %(high)s)"),
                    {"low": -len(stages), "high": len(stages) - 1},
                ),
            )
        )
    else:
        visit_stage %= max(len(stages), 1)

    _validate_capability(inputs.capability, problems)
    rep_arrays = _validate_reps(inputs.reps, problems)

    period = inputs.period
    schedule: _Schedule | None = None
    if period.grain.rank > Grain.WEEK.rank:
        problems.append(("period", Message(gettext_noop("must be a week or longer"))))
    elif lags_ok and stages:
        try:
            schedule = _build_schedule(period, inputs.work_calendar, lags)
        except CalendarError as exc:
            problems.append(
                (
                    "period",
                    Message(gettext_noop("cannot be scheduled: %(error)s"), {"error": str(exc)}),
                )
            )
        if schedule is not None and sum(schedule.close_weights) == 0:
            problems.append(("period", Message(gettext_noop("has no working days"))))

    if rep_arrays is not None and visits_per is not None:
        _check_team_capacity(rep_arrays, visits_per > 0, problems)

    if problems:
        raise ProbabilityPlanError(problems)
    # Everything below was checked above; these narrow the optional types.
    if (
        target is None
        or attempts is None
        or reach is None
        or visits_per is None
        or rep_arrays is None
        or schedule is None
    ):
        raise RuntimeError("validation passed with a missing value")  # pragma: no cover
    multipliers = inputs.capability._vector(rep_arrays[2], rep_arrays[3], rep_arrays[4])
    return _Model(
        target=target,
        prices=tuple(prices),
        probabilities=tuple(probabilities),
        conversions=tuple(conversions),
        blend=blend,
        max_source_multiplier=max_multiplier,
        calls_per_lead=_fraction(attempts) / _fraction(reach),
        visits_per_entrant=_fraction(visits_per),
        visit_stage=visit_stage,
        multipliers=multipliers,
        calls_cap=rep_arrays[0],
        visits_cap=rep_arrays[1],
        schedule=schedule,
        calls_limit=_limits(rep_arrays[0], schedule.working_days),
        visits_limit=_limits(rep_arrays[1], schedule.working_days),
    )


def _validate_products(
    products: Sequence[Product], target: Decimal | None, problems: _Problems
) -> tuple[list[Decimal], list[Decimal]]:
    """Prices (to the cent) and probabilities; the mix must give a positive deal value."""
    prices: list[Decimal] = []
    probabilities: list[Decimal] = []
    if not products:
        problems.append(("products", Message(gettext_noop("needs at least one product"))))
        return prices, probabilities
    ok = True
    for i, product in enumerate(products):
        path = f"products[{i}]"
        _name(product.name, f"{path}.name", problems)
        price = _non_negative(product.price, f"{path}.price", problems)
        probability = _rate(product.probability, f"{path}.probability", problems, allow_zero=True)
        if price is None or probability is None:
            ok = False
            continue
        prices.append(to_money(price))
        probabilities.append(probability)
    if not ok:
        return prices, probabilities
    _check_sum(
        sum(probabilities, Decimal(0)),
        "products",
        problems,
        Message(gettext_noop("selection probabilities")),
    )
    if target and _deal_value(prices, probabilities) <= 0:
        problems.append(
            ("products", Message(gettext_noop("the expected deal value must be positive")))
        )
    return prices, probabilities


def _validate_sources(
    sources: Sequence[LeadSource], first_conversion: Decimal | None, problems: _Problems
) -> tuple[Fraction, Fraction]:
    """The share-weighted source multiplier (1 without sources) and the largest multiplier
    (at least 1)."""
    if not sources:
        return Fraction(1), Fraction(1)
    shares: list[Decimal] = []
    multipliers: list[Decimal] = []
    seen: set[str] = set()
    for j, source in enumerate(sources):
        path = f"funnel.sources[{j}]"
        _name(source.name, f"{path}.name", problems)
        if source.name in seen:
            problems.append((f"{path}.name", Message(gettext_noop("duplicates another source"))))
        seen.add(source.name)
        share = _rate(source.share, f"{path}.share", problems, allow_zero=True)
        multiplier = _positive(
            source.conversion_multiplier, f"{path}.conversion_multiplier", problems
        )
        if (
            multiplier is not None
            and first_conversion is not None
            and first_conversion * multiplier > 1
        ):
            problems.append(
                (
                    f"{path}.conversion_multiplier",
                    Message(
                        gettext_noop(
                            "makes this source's first-stage conversion exceed 1 "
                            "(%(conversion)s times %(multiplier)s)"
                        ),
                        {"conversion": first_conversion, "multiplier": multiplier},
                    ),
                )
            )
        if share is not None and multiplier is not None:
            shares.append(share)
            multipliers.append(multiplier)
    if len(shares) != len(sources):
        return Fraction(1), Fraction(1)
    total = sum(shares, Decimal(0))
    _check_sum(total, "funnel.sources", problems, Message(gettext_noop("lead source shares")))
    if total <= 0:
        return Fraction(1), Fraction(1)
    blend = sum(
        (_fraction(s) * _fraction(m) for s, m in zip(shares, multipliers, strict=True)),
        Fraction(0),
    ) / _fraction(total)
    # The first stage's ceiling is 1 / this: with every source weaker than average (all
    # multipliers under 1) the stage may still reach 1, never more.
    return blend, max(Fraction(1), *(_fraction(m) for m in multipliers))


def _validate_capability(model: CapabilityModel, problems: _Problems) -> None:
    """Finite weights, a positive saturation and a range around 1."""
    for name in ("product_weight", "scenario_weight", "tenure_weight"):
        value = getattr(model, name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            problems.append(
                (f"capability.{name}", Message(gettext_noop("must be a finite number")))
            )
    saturation = model.tenure_saturation_months
    if isinstance(saturation, bool) or not isinstance(saturation, int) or saturation <= 0:
        problems.append(
            (
                "capability.tenure_saturation_months",
                Message(gettext_noop("must be a positive whole number")),
            )
        )
    if not (isinstance(model.lower, int | float) and 0 < model.lower <= 1):
        problems.append(("capability.lower", Message(gettext_noop("must be in (0, 1]"))))
    if not (isinstance(model.upper, int | float) and 1 <= model.upper < math.inf):
        problems.append(("capability.upper", Message(gettext_noop("must be at least 1"))))


def _validate_reps(
    reps: Sequence[Rep], problems: _Problems
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray] | None:
    """Capacities and indicators as arrays (calls, visits, product, scenario, tenure)."""
    if not reps:
        problems.append(("reps", Message(gettext_noop("needs at least one rep"))))
        return None
    fast = _reps_fast(reps)
    if fast is not None:
        return fast
    n = len(reps)
    columns = np.zeros((5, n), dtype=np.float64)
    before = len(problems)
    seen: set[str] = set()
    for i, rep in enumerate(reps):
        path = f"reps[{i}]"
        _name(rep.rep_id, f"{path}.rep_id", problems)
        if rep.rep_id in seen:
            problems.append((f"{path}.rep_id", Message(gettext_noop("duplicates another rep"))))
        seen.add(rep.rep_id)
        calls = _non_negative(rep.max_calls_per_day, f"{path}.max_calls_per_day", problems)
        visits = _non_negative(rep.max_visits_per_day, f"{path}.max_visits_per_day", problems)
        product = _rate(
            rep.product_pass_rate, f"{path}.product_pass_rate", problems, allow_zero=True
        )
        scenario = _rate(
            rep.scenario_pass_rate, f"{path}.scenario_pass_rate", problems, allow_zero=True
        )
        tenure = _count(rep.tenure_months, f"{path}.tenure_months", problems)
        if len(problems) == before:
            # Only reached while every field so far is valid, so none is None.
            columns[0, i] = float(calls)  # type: ignore[arg-type]
            columns[1, i] = float(visits)  # type: ignore[arg-type]
            columns[2, i] = float(product)  # type: ignore[arg-type]
            columns[3, i] = float(scenario)  # type: ignore[arg-type]
            columns[4, i] = float(tenure)  # type: ignore[arg-type]
    if len(problems) > before:
        return None
    return columns[0], columns[1], columns[2], columns[3], columns[4]


_PLAIN_NUMBERS = frozenset({Decimal, int})


def _reps_fast(
    reps: Sequence[Rep],
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray] | None:
    """The rep arrays when every rep is well formed, checked column-wise; else None.

    Thousands of reps are the normal case, and a per-field walk costs more than the plan;
    any doubt falls back to that walk, which names each problem.
    """
    plain = _PLAIN_NUMBERS
    if not all(
        type(rep.max_calls_per_day) in plain
        and type(rep.max_visits_per_day) in plain
        and type(rep.product_pass_rate) in plain
        and type(rep.scenario_pass_rate) in plain
        and type(rep.tenure_months) is int
        and type(rep.rep_id) is str
        and rep.rep_id.strip()
        for rep in reps
    ):
        return None
    if len({rep.rep_id for rep in reps}) != len(reps):
        return None
    columns = np.array(
        [
            (
                float(rep.max_calls_per_day),
                float(rep.max_visits_per_day),
                float(rep.product_pass_rate),
                float(rep.scenario_pass_rate),
                float(rep.tenure_months),
            )
            for rep in reps
        ],
        dtype=np.float64,
    ).T
    if not np.all(np.isfinite(columns)) or np.any(columns[[0, 1, 4]] < 0):
        return None
    if np.any(columns[2:4] < 0) or np.any(columns[2:4] > 1):
        return None
    return (
        columns[0].copy(),
        columns[1].copy(),
        columns[2].copy(),
        columns[3].copy(),
        columns[4].copy(),
    )


def _check_team_capacity(
    rep_arrays: tuple[FloatArray, ...], needs_visits: bool, problems: _Problems
) -> None:
    """At least one rep must be able to carry a customer from lead to visit."""
    calls_cap, visits_cap = rep_arrays[0], rep_arrays[1]
    if calls_cap.sum() <= 0:
        problems.append(("reps", Message(gettext_noop("no rep has any call capacity"))))
    elif needs_visits and visits_cap.sum() <= 0:
        problems.append(
            (
                "reps",
                Message(gettext_noop("the plan needs visits but no rep has any visit capacity")),
            )
        )
    elif needs_visits and not np.any((calls_cap > 0) & (visits_cap > 0)):
        problems.append(
            ("reps", Message(gettext_noop("no rep has capacity for both calls and visits")))
        )


# -- schedule --------------------------------------------------------------------------------


def working_day_lag(lag_days: int) -> int:
    """A lag in calendar days as working days: 5 of every 7 days, rounded half up."""
    # Sales cycles are quoted in calendar days of ordinary weeks. Counting them back along
    # the work calendar's working days (rather than moving a calendar-day shift off a
    # holiday to the day before it) makes a cycle pause over holidays, as selling does, and
    # never piles several days' work onto the last day before a long break.
    return (lag_days * 10 + 7) // 14


def _build_schedule(period: Period, calendar: WorkCalendar, lags: Sequence[int]) -> _Schedule:
    """Week buckets from the earliest back-scheduled date to the period's end."""
    close_dates = calendar.working_dates(period.start, period.end)
    longest = max((working_day_lag(lag) for lag in lags), default=0)
    # Enough calendar days to hold ``longest`` working days before the period, widened
    # until it does (a run-up spanning long holidays needs more).
    span = longest * 2 + _RUN_UP_MARGIN_DAYS
    while True:
        run_up = calendar.working_dates(
            period.start - timedelta(days=span), period.start - _ONE_DAY
        )
        if len(run_up) >= longest or span > _MAX_RUN_UP_DAYS:
            break
        span *= 2
    if len(run_up) < longest:
        raise CalendarError(
            f"fewer than {longest} working days in the {span} days before {period.start}"
        )
    working = run_up + close_dates
    first_close = len(run_up)
    by_lag: dict[int, list[date]] = {}
    for lag in {0, *lags}:
        shift = working_day_lag(lag)
        by_lag[lag] = working[first_close - shift : len(working) - shift]
    earliest = min((dates[0] for dates in by_lag.values() if dates), default=period.start)
    weeks: list[Period] = []
    before: list[bool] = []
    monday = earliest - timedelta(days=earliest.weekday())
    while monday < period.start:
        # The week holding the period's start is cut at the start: the part before it
        # belongs to the run-up, the rest to the period.
        end = min(monday + timedelta(days=6), period.start - _ONE_DAY)
        weeks.append(Period(Grain.WEEK, monday, end, period.calendar))
        before.append(True)
        monday += timedelta(days=7)
    for week in period.calendar.split(period, Grain.WEEK):
        weeks.append(week)
        before.append(False)
    starts = [week.start for week in weeks]

    def weights(dates: Sequence[date]) -> tuple[int, ...]:
        counts = [0] * len(weeks)
        for day in dates:
            counts[bisect_right(starts, day) - 1] += 1
        return tuple(counts)

    working_days = np.array(
        [calendar.working_days(week.start, week.end) for week in weeks], dtype=np.int64
    )
    return _Schedule(
        weeks=tuple(weeks),
        before=tuple(before),
        working_days=working_days,
        close_weights=weights(by_lag[0]),
        stage_weights=tuple(weights(by_lag[lag]) for lag in lags),
    )


# -- integer splits --------------------------------------------------------------------------


def _ceil(value: Fraction) -> int:
    """Exact ceiling of a Fraction."""
    return -(-value.numerator // value.denominator)


def _ceil_noisy(value: float) -> int:
    """Ceiling of a float sum, ignoring relative noise below _FLOAT_TOLERANCE."""
    return math.ceil(value - _FLOAT_TOLERANCE * max(1.0, abs(value)))


def _split(total: int, weights: FloatArray) -> IntArray:
    """Largest-remainder split of ``total`` over float ``weights`` (ties to the earlier).

    The vectorised twin of money.largest_remainder, for thousands of reps at once.
    """
    parts = np.zeros(weights.size, dtype=np.int64)
    weight_sum = float(weights.sum())
    if total == 0 or weight_sum <= 0:
        return parts
    shares = weights * (total / weight_sum)
    parts = np.floor(shares).astype(np.int64)
    # Σ floor ≤ Σ shares ≈ total, so the leftover is never negative.
    leftover = min(total - int(parts.sum()), parts.size)
    if leftover > 0:
        # Rounded so that remainders equal in exact arithmetic (6.4 and 70.4) tie, and the
        # tie goes to the earlier part as in money.largest_remainder.
        order = np.argsort(-np.round(shares - parts, 9), kind="stable")
        parts[order[:leftover]] += 1
    return parts


def _cumulative_ceiling(total: int, weights: Sequence[int]) -> tuple[int, ...]:
    """Split ``total`` over weeks so that by the end of each week the need met so far is at
    least its exact share: ``ceil(total * cumulative weight / weight sum)`` differenced."""
    weight_sum = sum(weights)
    if total == 0 or weight_sum == 0:
        return (0,) * len(weights)
    parts: list[int] = []
    cumulative = previous = 0
    for weight in weights:
        cumulative += weight
        now = -(-total * cumulative // weight_sum)
        parts.append(now - previous)
        previous = now
    return tuple(parts)


_INT64_SAFE = 2**62


def _outer(rows: IntArray, cols: IntArray, total: int) -> npt.NDArray[Any]:
    """Outer product as int64, or as Python ints where int64 could overflow (cells ≤ total²)."""
    if total * total < _INT64_SAFE:
        return np.asarray(np.multiply.outer(rows, cols))
    return np.asarray(np.multiply.outer(rows.astype(object), cols.astype(object)))


def _round_matrix(rows: IntArray, cols: IntArray) -> IntArray:
    """Integer matrix with the given row and column sums whose every cell is the floor or
    the ceiling of its exact share ``rows_r * cols_w / total`` (the share itself when whole).

    Cells start at the floor; the missing units form a 0/1 matrix with known margins, allowed
    only where the share has a fractional part. The fractional parts are such a matrix in
    fractions, so a 0/1 one exists (bipartite transportation polytopes have integral
    corners). A greedy pass fills it column by column with the rows that still miss the most
    units (ties to the larger fractional part, then the earlier row); the rare units it
    cannot place are placed by augmenting paths.
    """
    n_rows, n_cols = rows.size, cols.size
    total = int(rows.sum())
    if total == 0:
        return np.zeros((n_rows, n_cols), dtype=np.int64)
    exact = _outer(rows, cols, total)
    base = exact // total
    remainder = exact - base * total
    allowed = np.asarray(remainder > 0, dtype=np.bool_)
    row_missing = np.asarray(rows - base.sum(axis=1), dtype=np.int64)
    col_missing = np.asarray(cols - base.sum(axis=0), dtype=np.int64)
    extra = np.zeros((n_rows, n_cols), dtype=np.bool_)
    # One int64 key orders rows by (missing units, fractional part, earlier row) when it fits.
    packed = exact.dtype != object and (n_cols + 1) * total * n_rows < _INT64_SAFE
    tiebreak = np.arange(n_rows - 1, -1, -1, dtype=np.int64)
    for j in np.flatnonzero(col_missing):
        eligible = allowed[:, j] & (row_missing > 0)
        take = min(int(col_missing[j]), int(eligible.sum()))
        if take == 0:
            continue
        if packed:
            key = (row_missing * total + remainder[:, j].astype(np.int64)) * n_rows + tiebreak
            key = np.where(eligible, key, -1)
            chosen = np.argpartition(-key, take - 1)[:take]
        else:
            candidates = sorted(
                np.flatnonzero(eligible).tolist(),
                key=lambda i: (-int(row_missing[i]), -int(remainder[i, j]), i),
            )
            chosen = np.array(candidates[:take], dtype=np.int64)
        extra[chosen, j] = True
        row_missing[chosen] -= 1
        col_missing[j] -= take
    while col_missing.any():
        _augment(extra, allowed, row_missing, col_missing)
    return np.asarray(base + extra, dtype=np.int64)


def _augment(
    extra: npt.NDArray[np.bool_],
    allowed: npt.NDArray[np.bool_],
    row_missing: IntArray,
    col_missing: IntArray,
) -> None:
    """Place one more unit along an alternating path (breadth first, in place).

    From a row that misses a unit, step to a column through an allowed empty cell; if that
    column misses a unit, fill the path; otherwise step on to a row holding a unit in that
    column (which will move it elsewhere), and so on.
    """
    n_rows, n_cols = extra.shape
    row_from = np.full(n_rows, -2, dtype=np.int64)  # -1: a start row; else the column
    col_from = np.full(n_cols, -1, dtype=np.int64)
    frontier = np.flatnonzero(row_missing > 0)
    row_from[frontier] = -1
    while frontier.size:
        open_cols = np.flatnonzero(col_from < 0)
        reach = allowed[np.ix_(frontier, open_cols)] & ~extra[np.ix_(frontier, open_cols)]
        hit = reach.any(axis=0)
        new_cols = open_cols[hit]
        col_from[new_cols] = frontier[np.argmax(reach[:, hit], axis=0)]
        done = new_cols[col_missing[new_cols] > 0]
        if done.size:
            j = int(done[0])
            col_missing[j] -= 1
            while True:
                r = int(col_from[j])
                extra[r, j] = True
                previous = int(row_from[r])
                if previous == -1:
                    row_missing[r] -= 1
                    return
                extra[r, previous] = False
                j = previous
        if not new_cols.size:
            break
        holders = extra[:, new_cols] & (row_from < -1)[:, None]
        has = holders.any(axis=1)
        frontier = np.flatnonzero(has)
        row_from[frontier] = new_cols[np.argmax(holders[frontier], axis=1)]
    raise RuntimeError("matrix rounding found no augmenting path")  # pragma: no cover


# -- the computation -------------------------------------------------------------------------


def _deal_value(prices: Sequence[Decimal], probabilities: Sequence[Decimal]) -> Decimal:
    """Σ p_i * price_i / Σ p_i, to the cent (the division absorbs the sum's tolerance)."""
    total = sum(probabilities, Decimal(0))
    if not total:
        return to_money(0)
    value = sum((p * x for p, x in zip(probabilities, prices, strict=True)), Decimal(0))
    # Decimal's 28 significant digits keep this exact for any realistic mix before to_money
    # rounds it once, to the cent.
    return to_money(value / total)


def expected_deal_value(products: Sequence[Product]) -> Decimal:
    """Expected deal value of a product mix (Σ p_i * price_i, to the cent)."""
    problems: _Problems = []
    prices, probabilities = _validate_products(products, None, problems)
    if problems:
        raise ProbabilityPlanError(problems)
    return _deal_value(prices, probabilities)


def capability_multipliers(reps: Sequence[Rep], model: CapabilityModel) -> tuple[float, ...]:
    """The capability model's conversion multiplier of each rep."""
    problems: _Problems = []
    _validate_capability(model, problems)
    arrays = _validate_reps(reps, problems)
    if problems or arrays is None:
        raise ProbabilityPlanError(problems)
    return tuple(model._vector(arrays[2], arrays[3], arrays[4]).tolist())


@dataclass(frozen=True)
class _Core:
    """Totals and per-rep / per-week splits of one evaluation of the model."""

    deal_value: Decimal
    customers: int
    stage_counts: tuple[int, ...]
    calls: int
    visits: int
    rep_customers: IntArray
    # customers_r / m'_r: every per-rep count below is split in proportion to it.
    rep_load: FloatArray
    rep_calls: IntArray
    rep_visits: IntArray
    week_calls: IntArray
    week_visits: IntArray


def _effective_conversions(model: _Model) -> list[Fraction]:
    """Stage conversions with the source blend folded into the first."""
    conversions = [_fraction(c) for c in model.conversions]
    conversions[0] *= model.blend
    return conversions


def _compute(model: _Model) -> _Core:
    """Customers, funnel counts, behaviours and their per-rep and per-week totals."""
    deal_value = _deal_value(model.prices, model.probabilities)
    customers = _ceil(_fraction(model.target) / _fraction(deal_value)) if model.target > 0 else 0
    n_reps = model.multipliers.size

    capacity = _capacity_weights(model.calls_cap, model.visits_cap, model.visits_per_entrant > 0)
    rep_customers = _split(customers, model.multipliers * capacity)

    conversions = _effective_conversions(model)
    close_rate = conversions[-1]
    # A rep's close rate c * m must stay ≤ 1.
    capped = np.minimum(model.multipliers, float(1 / close_rate))
    rep_load = (rep_customers / capped).astype(np.float64)

    counts = [0] * len(conversions)
    if customers:
        if np.all(capped == 1.0):
            counts[-1] = _ceil(Fraction(customers) / close_rate)
        else:
            counts[-1] = _ceil_noisy(float(rep_load.sum()) / float(close_rate))
        for k in range(len(conversions) - 2, -1, -1):
            counts[k] = _ceil(Fraction(counts[k + 1]) / conversions[k])
    calls = _ceil(counts[0] * model.calls_per_lead)
    visits = _ceil(counts[model.visit_stage] * model.visits_per_entrant)

    schedule = model.schedule
    empty = np.zeros(n_reps, dtype=np.int64)
    return _Core(
        deal_value=deal_value,
        customers=customers,
        stage_counts=tuple(counts),
        calls=calls,
        visits=visits,
        rep_customers=rep_customers,
        rep_load=rep_load,
        rep_calls=_split(calls, rep_load) if calls else empty,
        rep_visits=_split(visits, rep_load) if visits else empty,
        week_calls=np.array(_cumulative_ceiling(calls, schedule.stage_weights[0]), dtype=np.int64),
        week_visits=np.array(
            _cumulative_ceiling(visits, schedule.stage_weights[model.visit_stage]),
            dtype=np.int64,
        ),
    )


def _capacity_weights(
    calls_cap: FloatArray, visits_cap: FloatArray, needs_visits: bool
) -> FloatArray:
    """Each rep's scarcer resource relative to the team mean."""
    calls = calls_cap / calls_cap.mean()
    if not needs_visits:
        return calls.astype(np.float64)
    return np.minimum(calls, visits_cap / visits_cap.mean()).astype(np.float64)


def _limits(caps: FloatArray, working_days: IntArray) -> IntArray:
    """reps * weeks: the whole behaviours each rep can do in each week."""
    return np.floor(np.multiply.outer(caps, working_days) + _FLOAT_TOLERANCE).astype(np.int64)


def _over(rows: IntArray, cols: IntArray, limits: IntArray) -> npt.NDArray[np.bool_]:
    """Per rep: does the exact share ``rows_r * cols_w / total`` exceed the limit in a week?"""
    total = int(rows.sum())
    if total == 0:
        return np.zeros(rows.size, dtype=np.bool_)
    exact = _outer(rows, cols, total)
    scaled = limits * total if exact.dtype != object else limits.astype(object) * total
    return np.asarray((exact > scaled).any(axis=1), dtype=np.bool_)


@dataclass(frozen=True)
class _Evaluation:
    """A computed core and which reps it overloads."""

    core: _Core
    calls_over: npt.NDArray[np.bool_]
    visits_over: npt.NDArray[np.bool_]

    @property
    def feasible(self) -> bool:
        """No rep over capacity in any week."""
        return not (self.calls_over.any() or self.visits_over.any())


def _evaluate(model: _Model) -> _Evaluation:
    """Compute the plan's totals and compare each rep's exact weekly shares with capacity."""
    core = _compute(model)
    return _Evaluation(
        core=core,
        calls_over=_over(core.rep_calls, core.week_calls, model.calls_limit),
        visits_over=_over(core.rep_visits, core.week_visits, model.visits_limit),
    )


# -- fixes -----------------------------------------------------------------------------------


def _smallest_feasible(limit: int, variant: Callable[[int], _Model], guess: int) -> int | None:
    """The smallest step k in 1..limit whose variant plan is feasible, or None.

    Step 0 is the current, infeasible plan. Gallops from ``guess`` to a bracket, then
    bisects; feasibility is assumed to grow with k (more reps, conversion or deal value
    only lower each rep's load), and the answer's predecessor was seen to be infeasible.
    """
    if limit < 1:
        return None
    low, high = 0, None
    step, gap = min(max(guess, 1), limit), 1
    while high is None:
        if _evaluate(variant(step)).feasible:
            high = step
        elif step == limit:
            return None
        else:
            low, step, gap = step, min(step + gap, limit), gap * 2
    gap = 1
    while high - gap > low:
        if not _evaluate(variant(high - gap)).feasible:
            low = high - gap
            break
        high, gap = high - gap, gap * 2
    while high - low > 1:
        mid = (low + high) // 2
        if _evaluate(variant(mid)).feasible:
            high = mid
        else:
            low = mid
    return high


def _utilisation(model: _Model, core: _Core) -> float:
    """Largest exact weekly share / limit over reps, weeks and both behaviours."""
    peak = 0.0
    for rows, cols, limits in (
        (core.rep_calls, core.week_calls, model.calls_limit),
        (core.rep_visits, core.week_visits, model.visits_limit),
    ):
        total = int(rows.sum())
        if total == 0:
            continue
        exact = np.multiply.outer(rows.astype(np.float64), cols.astype(np.float64)) / total
        busy = exact > 0
        if np.any(busy & (limits <= 0)):
            return math.inf
        safe = np.where(limits > 0, limits, 1)
        peak = max(peak, float(np.max(np.where(busy, exact / safe, 0.0))))
    return peak


def _average_rep(reps: Sequence[Rep], existing: set[str]) -> Rep:
    """A rep with the team's average capacity and judgement indicators."""
    n = Decimal(len(reps))

    def mean(values: Sequence[Number], places: Decimal) -> Decimal:
        return (sum((Decimal(v) for v in values), Decimal(0)) / n).quantize(places)

    rep_id = "new"
    suffix = 1
    while rep_id in existing:
        suffix += 1
        rep_id = f"new{suffix}"
    return Rep(
        rep_id=rep_id,
        max_calls_per_day=mean([r.max_calls_per_day for r in reps], _CAPACITY_PLACES),
        max_visits_per_day=mean([r.max_visits_per_day for r in reps], _CAPACITY_PLACES),
        product_pass_rate=mean([r.product_pass_rate for r in reps], _RATE_PLACES),
        scenario_pass_rate=mean([r.scenario_pass_rate for r in reps], _RATE_PLACES),
        tenure_months=int(mean([r.tenure_months for r in reps], Decimal(1))),
    )


def _added_rep_ids(template: Rep, count: int, existing: set[str]) -> list[str]:
    """``count`` ids derived from the template's, none clashing with existing ones."""
    ids: list[str] = []
    index = 0
    while len(ids) < count:
        index += 1
        candidate = f"{template.rep_id}-{index}"
        if candidate not in existing:
            ids.append(candidate)
    return ids


def _uplifted(model: _Model, factor: Fraction) -> tuple[Decimal, ...]:
    """Stage conversions whose product is ``factor`` * the current one.

    Stages are raised from the close backwards, each only up to its ceiling (1, or for the
    first stage 1 / the largest source multiplier), so the fix asks for better closing
    before it asks for better top-of-funnel qualification.
    """
    conversions = list(model.conversions)
    remaining = factor
    for k in range(len(conversions) - 1, -1, -1):
        if remaining <= 1:
            break
        current = _fraction(conversions[k])
        ceiling = Fraction(1) if k else 1 / model.max_source_multiplier
        wanted = current * remaining
        raised = min(wanted, ceiling)
        raised_decimal = _decimal(raised, _CONVERSION_PLACES, ROUND_FLOOR)
        conversions[k] = max(raised_decimal, conversions[k]).normalize()
        remaining = remaining * current / _fraction(conversions[k])
    return tuple(conversions)


def _overall(model: _Model) -> Fraction:
    """Lead → won conversion of the reference rep."""
    return math.prod(_effective_conversions(model), start=Fraction(1))


def _factor(step: int) -> Decimal:
    """The fix factor of a search step."""
    return 1 + step * FIX_FACTOR_STEP


def _fixes(
    inputs: ProbabilityInputs, model: _Model, core: _Core
) -> tuple[list[Fix], list[Message]]:
    """Each minimal single fix that makes the plan feasible, or why there is none.

    The current peak utilisation seeds each search: loads scale roughly with
    1 / conversion, 1 / deal value and 1 / team capacity.
    """
    utilisation = _utilisation(model, core)
    # With nothing to scale (a needed behaviour nobody can do), start the searches at 2x.
    excess = utilisation - 1 if math.isfinite(utilisation) else 1.0
    factor_guess = math.ceil(excess * _FIX_STEPS_PER_UNIT)
    fixes: list[Fix] = []
    notes: list[Message] = []

    # 1. More reps with the team's average capacity and indicators.
    existing = {rep.rep_id for rep in inputs.reps}
    template = _average_rep(inputs.reps, existing)
    t_multiplier = inputs.capability.multiplier(
        template.product_pass_rate, template.scenario_pass_rate, template.tenure_months
    )

    calls_row = _limits(np.array([float(template.max_calls_per_day)]), model.schedule.working_days)
    visits_row = _limits(
        np.array([float(template.max_visits_per_day)]), model.schedule.working_days
    )

    def with_reps(count: int) -> _Model:
        return replace(
            model,
            calls_limit=np.concatenate([model.calls_limit, np.repeat(calls_row, count, axis=0)]),
            visits_limit=np.concatenate([model.visits_limit, np.repeat(visits_row, count, axis=0)]),
            multipliers=np.concatenate([model.multipliers, np.full(count, t_multiplier)]),
            calls_cap=np.concatenate(
                [model.calls_cap, np.full(count, float(template.max_calls_per_day))]
            ),
            visits_cap=np.concatenate(
                [model.visits_cap, np.full(count, float(template.max_visits_per_day))]
            ),
        )

    limit = max(_MIN_ADDED_REPS_LIMIT, _MAX_ADDED_REPS_FACTOR * len(inputs.reps))
    needs_visits = model.visits_per_entrant > 0
    team_weight = float(
        (
            model.multipliers * _capacity_weights(model.calls_cap, model.visits_cap, needs_visits)
        ).sum()
    )
    template_weight = t_multiplier * min(
        float(template.max_calls_per_day) / float(model.calls_cap.mean()),
        float(template.max_visits_per_day) / float(model.visits_cap.mean())
        if needs_visits
        else math.inf,
    )
    per_rep = team_weight / template_weight if template_weight > 0 else 1.0
    count = _smallest_feasible(limit, with_reps, math.ceil(per_rep * excess))
    if count is None:
        notes.append(
            Message(
                gettext_noop(
                    "Adding reps alone cannot make the plan feasible (tried up to %(limit)s more)."
                ),
                {"limit": limit},
            )
        )
    else:
        fixes.append(
            AddReps(
                count=count,
                template=template,
                message=Message(
                    gettext_noop(
                        "Reps to add: %(count)s, each with the team's average capacity "
                        "(%(calls)s calls and %(visits)s visits a day), exam results and tenure."
                    ),
                    {
                        "count": count,
                        "calls": template.max_calls_per_day,
                        "visits": template.max_visits_per_day,
                    },
                ),
            )
        )

    # 2. Better conversion: the factor on overall conversion, spread over the stages.
    before = _overall(model)
    ceiling = math.prod(
        (Fraction(1) / _fraction(c) for c in model.conversions[1:]), start=Fraction(1)
    ) / (_fraction(model.conversions[0]) * model.max_source_multiplier)
    conv_limit = int((ceiling - 1) * _FIX_STEPS_PER_UNIT)

    def with_conversion(step: int) -> _Model:
        return replace(model, conversions=_uplifted(model, Fraction(_factor(step))))

    step = _smallest_feasible(conv_limit, with_conversion, factor_guess)
    if step is None:
        notes.append(
            Message(
                gettext_noop(
                    "Raising conversion alone cannot make the plan feasible: even with every "
                    "stage at its highest possible rate some reps stay over capacity."
                )
            )
        )
    else:
        factor = _factor(step)
        conversions = _uplifted(model, Fraction(factor))
        after = _overall(replace(model, conversions=conversions))
        fixes.append(
            RaiseConversion(
                factor=factor,
                overall_before=_decimal(before, _RATE_PLACES),
                overall_after=_decimal(after, _RATE_PLACES),
                conversions=conversions,
                message=Message(
                    gettext_noop(
                        "Raise overall conversion (first stage to won) by a factor of "
                        "%(factor)s, from %(before)s%% to %(after)s%%."
                    ),
                    {
                        "factor": factor,
                        "before": _decimal(before * 100, Decimal("0.01")),
                        "after": _decimal(after * 100, Decimal("0.01"), ROUND_CEILING),
                    },
                ),
            )
        )

    # 3. Higher deal value: every price times the factor, fewer customers to win.
    deal_value = _deal_value(model.prices, model.probabilities)
    customers = _ceil(_fraction(model.target) / _fraction(deal_value)) if model.target > 0 else 0

    def scaled_prices(step: int) -> tuple[Decimal, ...]:
        factor = _factor(step)
        return tuple(to_money(price * factor) for price in model.prices)

    def with_deal_value(step: int) -> _Model:
        return replace(model, prices=scaled_prices(step))

    # At factor target / deal value (plus a step for price rounding) one customer is enough;
    # beyond that a higher deal value changes nothing.
    deal_limit = (
        _ceil((_fraction(model.target) / _fraction(deal_value) - 1) * _FIX_STEPS_PER_UNIT) + 1
        if customers > 1
        else 0
    )
    step = _smallest_feasible(deal_limit, with_deal_value, factor_guess)
    if step is None:
        notes.append(
            Message(
                gettext_noop(
                    "Raising the deal value alone cannot make the plan feasible: even a single "
                    "customer needs more behaviours than the reps can deliver in time."
                )
            )
        )
    else:
        factor = _factor(step)
        prices = scaled_prices(step)
        new_value = _deal_value(prices, model.probabilities)
        new_customers = _ceil(_fraction(model.target) / _fraction(new_value))
        fixes.append(
            RaiseDealValue(
                factor=factor,
                deal_value_before=deal_value,
                deal_value_after=new_value,
                prices=prices,
                customers=new_customers,
                message=Message(
                    gettext_noop(
                        "Raise the expected deal value by a factor of %(factor)s, from "
                        "%(before)s to %(after)s (%(customers)s customers instead of "
                        "%(customers_before)s)."
                    ),
                    {
                        "factor": factor,
                        "before": deal_value,
                        "after": new_value,
                        "customers": new_customers,
                        "customers_before": customers,
                    },
                ),
            )
        )
    return fixes, notes


def apply_fix(inputs: ProbabilityInputs, fix: Fix) -> ProbabilityInputs:
    """The inputs with one fix applied, ready to plan again."""
    if isinstance(fix, AddReps):
        existing = {rep.rep_id for rep in inputs.reps}
        added = tuple(
            replace(fix.template, rep_id=rep_id)
            for rep_id in _added_rep_ids(fix.template, fix.count, existing)
        )
        return replace(inputs, reps=inputs.reps + added)
    if isinstance(fix, RaiseConversion):
        stages = tuple(
            replace(stage, conversion=conversion)
            for stage, conversion in zip(inputs.funnel.stages, fix.conversions, strict=True)
        )
        return replace(inputs, funnel=replace(inputs.funnel, stages=stages))
    products = tuple(
        replace(product, price=price)
        for product, price in zip(inputs.products, fix.prices, strict=True)
    )
    return replace(inputs, products=products)


# -- the planner -----------------------------------------------------------------------------


def plan_probability(inputs: ProbabilityInputs) -> ProbabilityPlan:
    """Decompose a revenue target through the funnel into per-rep weekly behaviours."""
    model = _validate(inputs)
    evaluation = _evaluate(model)
    core = evaluation.core
    schedule = model.schedule
    days = schedule.working_days
    conversions = _effective_conversions(model)

    stages = tuple(
        StagePlan(
            name=stage.name,
            conversion=Decimal(stage.conversion),
            effective_conversion=_decimal(conversions[k], _CONVERSION_PLACES),
            lag_days=stage.lag_days,
            count=core.stage_counts[k],
            by_week=_cumulative_ceiling(core.stage_counts[k], schedule.stage_weights[k]),
        )
        for k, stage in enumerate(inputs.funnel.stages)
    )
    closes = (
        largest_remainder(core.customers, list(schedule.close_weights))
        if core.customers
        else [0] * len(schedule.weeks)
    )
    weeks = tuple(
        ScheduleWeek(
            period=week,
            working_days=int(days[w]),
            before_target=schedule.before[w],
            closes=closes[w],
            calls=int(core.week_calls[w]),
            visits=int(core.week_visits[w]),
        )
        for w, week in enumerate(schedule.weeks)
    )
    calls_matrix = _round_matrix(core.rep_calls, core.week_calls)
    visits_matrix = _round_matrix(core.rep_visits, core.week_visits)
    calls_matrix.flags.writeable = False
    visits_matrix.flags.writeable = False
    return ProbabilityPlan(
        deal_value=core.deal_value,
        customers=core.customers,
        stages=stages,
        sources=_source_plans(inputs, core.stage_counts[0]),
        calls=core.calls,
        visits=core.visits,
        weeks=weeks,
        reps=_rep_plans(inputs, model, evaluation),
        calls_by_rep_week=calls_matrix,
        visits_by_rep_week=visits_matrix,
        capability=inputs.capability,
        feasibility=_feasibility(inputs, model, evaluation),
        messages=tuple(_plan_messages(stages, schedule, core)),
    )


def _plan_messages(stages: Sequence[StagePlan], schedule: _Schedule, core: _Core) -> list[Message]:
    """Notes on the plan as a whole: work before the period, reps left without customers."""
    messages: list[Message] = []
    early = sum(c for c, b in zip(stages[0].by_week, schedule.before, strict=True) if b)
    if early:
        first = next(w for w, c in enumerate(stages[0].by_week) if c)
        messages.append(
            Message(
                gettext_noop(
                    "%(count)s of %(total)s leads must be generated before the target period "
                    "starts, from week %(week)s (%(start)s), because of the %(lag)s-day "
                    "lead-to-close lag."
                ),
                {
                    "count": early,
                    "total": stages[0].count,
                    "week": schedule.weeks[first].label,
                    "start": schedule.weeks[first].start.isoformat(),
                    "lag": stages[0].lag_days,
                },
            )
        )
    idle = int(np.count_nonzero(core.rep_customers == 0))
    if core.customers and idle:
        messages.append(
            Message(
                gettext_noop(
                    "%(count)s reps get no customers (no capacity, or too little to earn a "
                    "whole customer)."
                ),
                {"count": idle},
            )
        )
    return messages


def _rates(matrix: IntArray, days: IntArray) -> FloatArray:
    """reps * weeks behaviours per working day (0 in weeks without working days)."""
    safe = np.where(days > 0, days, 1).astype(np.float64)
    return np.where(days > 0, matrix / safe, 0.0).astype(np.float64)


def _source_plans(inputs: ProbabilityInputs, leads: int) -> tuple[SourcePlan, ...]:
    """Leads per source, split by share (largest remainder, so they add up to the total)."""
    sources = inputs.funnel.sources
    if not sources:
        return ()
    shares = [Decimal(source.share) for source in sources]
    split = largest_remainder(leads, shares) if leads and sum(shares) > 0 else [0] * len(sources)
    first = Decimal(inputs.funnel.stages[0].conversion)
    return tuple(
        SourcePlan(
            name=source.name,
            share=Decimal(source.share),
            conversion_multiplier=Decimal(source.conversion_multiplier),
            conversion=first * Decimal(source.conversion_multiplier),
            leads=count,
        )
        for source, count in zip(sources, split, strict=True)
    )


def _peak_daily(rows: IntArray, cols: IntArray, days: IntArray) -> list[float]:
    """Per rep: the highest exact share of a week's behaviours per working day.

    The matrix of exact shares is rows_r * cols_w / total, so the peak week is the same for
    every rep: the one with the most behaviours per working day.
    """
    total = int(rows.sum())
    busy = days > 0
    if total == 0 or not busy.any():
        return [0.0] * rows.size
    per_day = float(np.max(np.where(busy, cols / np.where(busy, days, 1), 0.0)))
    peaks: list[float] = (rows * (per_day / total)).tolist()
    return peaks


def _rep_plans(
    inputs: ProbabilityInputs, model: _Model, evaluation: _Evaluation
) -> tuple[RepPlan, ...]:
    """One RepPlan per rep, built from Python lists (numpy scalars are slow one by one)."""
    core = evaluation.core
    days = model.schedule.working_days
    call_days = int(days[core.week_calls > 0].sum())
    visit_days = int(days[core.week_visits > 0].sum())
    stage_rows = [
        tuple(row)
        for row in np.stack(
            [_split(count, core.rep_load) for count in core.stage_counts], axis=1
        ).tolist()
    ]
    peak_calls = _peak_daily(core.rep_calls, core.week_calls, days)
    peak_visits = _peak_daily(core.rep_visits, core.week_visits, days)
    calls = core.rep_calls.tolist()
    visits = core.rep_visits.tolist()
    customers = core.rep_customers.tolist()
    multipliers = model.multipliers.tolist()
    over = (evaluation.calls_over | evaluation.visits_over).tolist()
    return tuple(
        RepPlan(
            rep_id=rep.rep_id,
            multiplier=multipliers[r],
            customers=customers[r],
            stage_counts=stage_rows[r],
            calls=calls[r],
            visits=visits[r],
            average_calls_per_working_day=calls[r] / call_days if call_days else 0.0,
            peak_calls_per_working_day=peak_calls[r],
            average_visits_per_working_day=visits[r] / visit_days if visit_days else 0.0,
            peak_visits_per_working_day=peak_visits[r],
            feasible=not over[r],
        )
        for r, rep in enumerate(inputs.reps)
    )


def _load_ratios(rows: IntArray, cols: IntArray, limits: IntArray) -> FloatArray:
    """reps * weeks: exact share / whole behaviours possible (inf where none are possible)."""
    total = int(rows.sum())
    if total == 0:
        return np.zeros(limits.shape, dtype=np.float64)
    exact = np.multiply.outer(rows.astype(np.float64), cols.astype(np.float64)) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(exact > 0, exact / limits, 0.0)
    return np.asarray(ratio, dtype=np.float64)


def _feasibility(inputs: ProbabilityInputs, model: _Model, evaluation: _Evaluation) -> Feasibility:
    """Compare the plan with capacity; when it does not fit, explain and offer fixes."""
    core = evaluation.core
    days = model.schedule.working_days
    messages: list[Message] = []
    fixes: list[Fix] = []
    peaks: list[float] = []
    for rows, cols, limits, over, capacity_field, template in (
        (
            core.rep_calls,
            core.week_calls,
            model.calls_limit,
            evaluation.calls_over,
            "max_calls_per_day",
            gettext_noop(
                "%(count)s of %(total)s reps need more calls than they can make; the heaviest, "
                "%(rep)s, needs %(need)s a working day in week %(week)s against a capacity of "
                "%(capacity)s."
            ),
        ),
        (
            core.rep_visits,
            core.week_visits,
            model.visits_limit,
            evaluation.visits_over,
            "max_visits_per_day",
            gettext_noop(
                "%(count)s of %(total)s reps need more visits than they can make; the heaviest, "
                "%(rep)s, needs %(need)s a working day in week %(week)s against a capacity of "
                "%(capacity)s."
            ),
        ),
    ):
        ratio = _load_ratios(rows, cols, limits)
        peaks.append(float(ratio.max()) if ratio.size else 0.0)
        if not over.any():
            continue
        r, w = divmod(int(np.argmax(ratio)), ratio.shape[1])
        need = float(rows[r]) * float(cols[w]) / float(rows.sum()) / float(days[w])
        messages.append(
            Message(
                template,
                {
                    "count": int(over.sum()),
                    "total": len(inputs.reps),
                    "rep": inputs.reps[r].rep_id,
                    "need": Decimal(repr(need)).quantize(Decimal("0.1"), rounding=ROUND_CEILING),
                    "week": model.schedule.weeks[w].label,
                    "capacity": Decimal(getattr(inputs.reps[r], capacity_field)),
                },
            )
        )
    if not evaluation.feasible:
        messages.insert(
            0,
            Message(
                gettext_noop(
                    "The plan is infeasible: the required behaviours exceed the reps' capacity."
                )
            ),
        )
        fixes, notes = _fixes(inputs, model, core)
        messages.extend(fix.message for fix in fixes)
        messages.extend(notes)
    return Feasibility(
        feasible=evaluation.feasible,
        reps_over_call_capacity=int(evaluation.calls_over.sum()),
        reps_over_visit_capacity=int(evaluation.visits_over.sum()),
        peak_call_utilisation=peaks[0],
        peak_visit_utilisation=peaks[1],
        messages=tuple(messages),
        fixes=tuple(fixes),
    )


# -- calibration -----------------------------------------------------------------------------


def calibrate_capability(
    history: Sequence[RepHistory],
    *,
    prior: CapabilityModel | None = None,
    min_reps: int = MIN_CALIBRATION_REPS,
) -> CalibrationResult:
    """Fit the capability model's weights to reps' historical conversion.

    Weighted least squares of ``conversion_r = β0 + β1·(product - ½) + β2·(scenario - ½) +
    β3·(min(tenure, S)/S - ½)``; β0 is the reference rep's conversion, so the multiplier
    weights are a = β1/β0, b = β2/β0, c = β3/β0. With fewer than ``min_reps`` reps, with
    indicators that do not vary enough to separate the three effects, or with a
    non-positive β0, the prior (default) model is returned and the message says why. The
    prior's saturation and clamp range are kept either way.
    """
    base = prior or CapabilityModel()
    problems: _Problems = []
    _validate_capability(base, problems)
    rows: list[tuple[float, float, float, float, float]] = []
    for i, entry in enumerate(history):
        path = f"history[{i}]"
        _name(entry.rep_id, f"{path}.rep_id", problems)
        conversion = _rate(entry.conversion, f"{path}.conversion", problems, allow_zero=True)
        product = _rate(
            entry.product_pass_rate, f"{path}.product_pass_rate", problems, allow_zero=True
        )
        scenario = _rate(
            entry.scenario_pass_rate, f"{path}.scenario_pass_rate", problems, allow_zero=True
        )
        tenure = _count(entry.tenure_months, f"{path}.tenure_months", problems)
        leads = 1
        if entry.leads is not None:
            counted = _count(entry.leads, f"{path}.leads", problems)
            if counted == 0:
                problems.append((f"{path}.leads", Message(gettext_noop("must be positive"))))
            leads = counted or 1
        if None not in (conversion, product, scenario, tenure):
            rows.append(
                (float(conversion), float(product), float(scenario), float(tenure), float(leads))  # type: ignore[arg-type]
            )
    if problems:
        raise ProbabilityPlanError(problems)

    def fallback(reason: Message) -> CalibrationResult:
        return CalibrationResult(
            model=base, calibrated=False, reps_used=len(rows), r_squared=None, messages=(reason,)
        )

    if len(rows) < min_reps:
        return fallback(
            Message(
                gettext_noop(
                    "Too little history to calibrate the capability model (%(count)s reps, at "
                    "least %(minimum)s needed); using the default weights."
                ),
                {"count": len(rows), "minimum": min_reps},
            )
        )
    data = np.array(rows, dtype=np.float64)
    saturation = float(base.tenure_saturation_months)
    design = np.column_stack(
        [
            np.ones(len(rows)),
            data[:, 1] - 0.5,
            data[:, 2] - 0.5,
            np.minimum(data[:, 3], saturation) / saturation - 0.5,
        ]
    )
    target = data[:, 0]
    root_weights = np.sqrt(data[:, 4])
    beta, _, rank, _ = np.linalg.lstsq(
        design * root_weights[:, None], target * root_weights, rcond=None
    )
    if rank < design.shape[1]:
        return fallback(
            Message(
                gettext_noop(
                    "The reps' exam results and tenure do not vary enough to separate their "
                    "effects; using the default weights."
                )
            )
        )
    if not np.all(np.isfinite(beta)) or beta[0] <= 0:
        return fallback(
            Message(
                gettext_noop(
                    "The history implies a non-positive conversion for a reference rep; "
                    "using the default weights."
                )
            )
        )
    fitted = design @ beta
    weights = data[:, 4]
    mean = float(np.average(target, weights=weights))
    total = float(np.sum(weights * (target - mean) ** 2))
    residual = float(np.sum(weights * (target - fitted) ** 2))
    r_squared = 1.0 - residual / total if total > 0 else None
    model = replace(
        base,
        product_weight=float(beta[1] / beta[0]),
        scenario_weight=float(beta[2] / beta[0]),
        tenure_weight=float(beta[3] / beta[0]),
    )
    return CalibrationResult(
        model=model,
        calibrated=True,
        reps_used=len(rows),
        r_squared=r_squared,
        messages=(
            Message(
                gettext_noop(
                    "Capability model calibrated on %(count)s reps: product exam %(a)s, "
                    "scenario exam %(b)s, tenure %(c)s."
                ),
                {
                    "count": len(rows),
                    "a": f"{model.product_weight:.3f}",
                    "b": f"{model.scenario_weight:.3f}",
                    "c": f"{model.tenure_weight:.3f}",
                },
            ),
        ),
    )
