"""The paradigm advisor: which decomposition logic fits a business line, and why.

DESIGN.md §1: three business indicators pick the paradigm — how many customers
exist and have the need now, how mature the market / explicit the need is, and
how standardised the solution is. Most failures come from picking the wrong
*core* paradigm, so the advisor scores all three, names the core one, explains
every point it gave, and warns when the indicators contradict each other.

The model, in four lines:

* Each factor has three **anchors** (``Bands``): the value typical of the
  project, the behaviour and the probability paradigm. At or beyond an end
  anchor the factor gives all its points to that paradigm; between two
  anchors the points hand over linearly (on log10 for customer counts and the
  sales cycle, because 10 → 100 customers changes the selling as much as
  1,000 → 10,000). The three memberships of a factor always add up to 1.
* A factor's points are ``100 * weight * membership / Σ weights`` (weights of
  the factors present), so a paradigm's score is the sum of its points, in
  [0, 100], and the three scores add up to 100.
* The core paradigm has the highest score; scores equal to 9 decimals tie and
  the tie goes to the finer-grained paradigm: project, then behaviour, then
  probability (managing too finely costs effort; too coarsely drops deals).
* Contradictions are fuzzy ANDs (the minimum of the memberships involved)
  compared with ``contradiction_level``; a margin between the top two scores
  below ``close_call_margin`` is a close call.

Guarantees (tested with hypothesis, for any valid thresholds): holding the
other indicators fixed, raising ``demand_customers``, ``addressable_customers``,
``market_maturity`` or ``solution_standardisation`` never lowers the
probability score and never raises the project score (so probability +
behaviour never falls either); a longer ``sales_cycle_days`` never raises
probability and never lowers project. The behaviour score rises then falls
along every factor by design (it is the middle paradigm), so nothing is
promised for it alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeGuard

from salesmesh.core.i18n import Message, gettext_noop

__all__ = [
    "DEFAULT_THRESHOLDS",
    "PARADIGM_LABELS",
    "SCALE_MAX",
    "SCALE_MIN",
    "TIE_BREAK_ORDER",
    "AdvisorError",
    "AdvisorResult",
    "AdvisorThresholds",
    "AdvisorWarning",
    "Bands",
    "BusinessIndicators",
    "Factor",
    "FactorExplanation",
    "FactorWeights",
    "Paradigm",
    "ParadigmScores",
    "WarningCode",
    "advise",
    "indicator_problems",
    "threshold_problems",
]

# The two ordinal indicators are rated on a 1..5 scale (a Likert scale a sales
# leader can fill in a form); fractional values, e.g. the mean of several
# raters, are accepted and interpolate between the levels.
SCALE_MIN = 1.0
SCALE_MAX = 5.0

# Scores within this many decimals are a tie; float sums of the same points in
# another order may differ in the last bits, and the core must not flip on that.
_TIE_DECIMALS = 9


class Paradigm(StrEnum):
    """The three decomposition logics of DESIGN.md §1 (values match the org app's choices)."""

    PROBABILITY = "probability"
    BEHAVIOUR = "behaviour"
    PROJECT = "project"


PARADIGM_LABELS: dict[Paradigm, str] = {
    Paradigm.PROBABILITY: gettext_noop("probability paradigm"),
    Paradigm.BEHAVIOUR: gettext_noop("behaviour paradigm"),
    Paradigm.PROJECT: gettext_noop("project paradigm"),
}

# On equal scores the finer-grained paradigm wins: a core that manages each
# account or project more closely than needed costs effort but drops no deal,
# one that manages too coarsely loses the accounts the business cannot spare.
TIE_BREAK_ORDER: tuple[Paradigm, Paradigm, Paradigm] = (
    Paradigm.PROJECT,
    Paradigm.BEHAVIOUR,
    Paradigm.PROBABILITY,
)


class Factor(StrEnum):
    """An indicator that contributes points; the value is the field name on the inputs."""

    DEMAND_CUSTOMERS = "demand_customers"
    ADDRESSABLE_CUSTOMERS = "addressable_customers"
    MARKET_MATURITY = "market_maturity"
    SOLUTION_STANDARDISATION = "solution_standardisation"
    SALES_CYCLE_DAYS = "sales_cycle_days"


class WarningCode(StrEnum):
    """What an advisor warning is about, for the UI to pick an icon or a link."""

    MANY_CUSTOMERS_BESPOKE = "many_customers_bespoke"
    FEW_CUSTOMERS_STANDARD = "few_customers_standard"
    IMPLICIT_NEED_AT_VOLUME = "implicit_need_at_volume"
    CLOSE_CALL = "close_call"


class AdvisorError(ValueError):
    """Invalid indicators or thresholds; ``problems`` lists every (path, message) found."""

    def __init__(self, problems: list[tuple[str, Message]]) -> None:
        """Keep every problem and state them all in the exception text."""
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class BusinessIndicators:
    """The business indicators of one business line or segment (DESIGN.md §1).

    ``market_maturity`` rates the market and the explicitness of the need together:
    1 the customer knows the goal (growth, cost, …) but not the path — the need is
    found with them; 2 the need is emerging, a few early adopters can name it;
    3 the need is explicit for those who have it but the category is young;
    4 an established category, most buyers know what they need and budget for it;
    5 a mature market, buyers name the need and compare offers.

    ``solution_standardisation``: 1 bespoke per customer (consulting, design,
    development, on-site service); 2 mostly bespoke around reusable parts;
    3 semi-standard — a standard core configured or integrated per account;
    4 a standard product with options; 5 off the shelf, the same for everyone.

    ``sales_cycle_days`` (optional) is the typical days from first qualified
    contact to signature. Deal size is deliberately not an input: its thresholds
    would depend on the currency and the industry; the cycle carries the same
    signal without them.
    """

    addressable_customers: int
    demand_customers: int
    market_maturity: float
    solution_standardisation: float
    sales_cycle_days: int | None = None


@dataclass(frozen=True)
class Bands:
    """The indicator value typical of each paradigm; points hand over linearly between them."""

    project: float
    behaviour: float
    probability: float


@dataclass(frozen=True)
class FactorWeights:
    """How much each factor weighs; scores are normalised over the factors present.

    Defaults add up to 100 over the four required factors, so without a sales
    cycle a factor's weight is the points it can give. Standardisation (30)
    weighs most with demand: what is sold (a product or a project) is the
    sharpest line between the paradigms in DESIGN.md §1. Demand now (30)
    decides whether funnel maths has volume to work on. Maturity (25) overlaps
    with demand — an immature market also shows few customers with the need —
    so it weighs a little less. The addressable count (15) mostly says whether
    the list is finite enough to name, which demand already half says. The
    optional sales cycle (10) corroborates rather than decides.
    """

    demand_customers: float = 30.0
    addressable_customers: float = 15.0
    market_maturity: float = 25.0
    solution_standardisation: float = 30.0
    sales_cycle_days: float = 10.0

    def of(self, factor: Factor) -> float:
        """The weight of ``factor``."""
        weight: float = getattr(self, factor.value)
        return weight


@dataclass(frozen=True)
class AdvisorThresholds:
    """Configuration of the advisor: factor anchors, weights and warning levels.

    Default anchors and why:

    * ``demand_customers`` 20 / 200 / 2,000 (log scale). A funnel's conversion
      rate measured on n wins has a relative error of about 1/√n. With 2,000
      customers in need and a 10% win rate, ~200 wins give ~7%: good enough to
      plan behaviours from rates. 200 customers give ~20 wins, ~22% error: too
      noisy for rates, but a list a BD team can work by name. 20 or fewer are
      each worth a project with its own milestones and stakeholders.
    * ``addressable_customers`` 50 / 500 / 5,000 (log scale). 50 accounts can each
      be known personally with their stakeholders; 500 named accounts touched
      monthly is ~125 touches a week, one or two SDRs, so none need be dropped;
      beyond 5,000 nobody can name them — they are reached by channel and brand.
    * ``market_maturity`` and ``solution_standardisation`` 1 / 3 / 5: the ends of
      the scale are the paradigm descriptions of DESIGN.md §1 and the middle
      level is the behaviour paradigm's "semi-standard" / "explicit but young";
      each level moves half of the factor's points.
    * ``sales_cycle_days`` 365 / 90 / 30 (log scale, decreasing): a month closes
      inside the planning period so a funnel converts within it; a quarter is
      one account review cycle; a year is a budget cycle, typical of government
      and large-enterprise projects.
    * ``close_call_margin`` 10 points: one level on a 1..5 scale moves half of a
      25-30 point weight, i.e. 12.5-15 points; a smaller lead could flip with a
      single re-rating.
    * ``contradiction_level`` 0.5: both indicators at least halfway into the
      conflicting bands before it is called a contradiction (e.g. standardisation
      ≤ 2 with demand ≥ ~630 under the default anchors).
    """

    demand_customers: Bands = field(default_factory=lambda: Bands(20, 200, 2000))
    addressable_customers: Bands = field(default_factory=lambda: Bands(50, 500, 5000))
    market_maturity: Bands = field(default_factory=lambda: Bands(1, 3, 5))
    solution_standardisation: Bands = field(default_factory=lambda: Bands(1, 3, 5))
    sales_cycle_days: Bands = field(default_factory=lambda: Bands(365, 90, 30))
    weights: FactorWeights = field(default_factory=FactorWeights)
    close_call_margin: float = 10.0
    contradiction_level: float = 0.5

    def bands(self, factor: Factor) -> Bands:
        """The anchors of ``factor``."""
        bands: Bands = getattr(self, factor.value)
        return bands


DEFAULT_THRESHOLDS = AdvisorThresholds()


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ParadigmScores:
    """One number per paradigm (scores or a factor's points), each in [0, 100]."""

    probability: float
    behaviour: float
    project: float

    def of(self, paradigm: Paradigm) -> float:
        """The number for ``paradigm``."""
        value: float = getattr(self, paradigm.value)
        return value


@dataclass(frozen=True)
class FactorExplanation:
    """What one indicator was worth: its value, its points per paradigm and why."""

    factor: Factor
    value: float
    weight: float
    points: ParadigmScores
    message: Message


@dataclass(frozen=True)
class AdvisorWarning:
    """A contradiction between indicators, or a close call between paradigms."""

    code: WarningCode
    message: Message


@dataclass(frozen=True)
class AdvisorResult:
    """Scores (0..100, adding to 100), core paradigm, explanation and warnings.

    ``margin`` is the core's lead over the runner-up in points — the advisor's
    confidence: 0 is a tie, 100 a unanimous reading (rounded to 9 decimals, the
    precision at which scores tie).
    """

    scores: ParadigmScores
    core: Paradigm
    ranking: tuple[Paradigm, Paradigm, Paradigm]
    margin: float
    factors: tuple[FactorExplanation, ...]
    warnings: tuple[AdvisorWarning, ...]

    @property
    def close_call(self) -> bool:
        """Whether the warnings include a close call between the top two paradigms."""
        return any(w.code is WarningCode.CLOSE_CALL for w in self.warnings)


# --------------------------------------------------------------------------- validation

# A factor's anchors are read on log10 (counts, days) or on the 1..5 scale.
_LOG_FACTORS = frozenset(
    {Factor.DEMAND_CUSTOMERS, Factor.ADDRESSABLE_CUSTOMERS, Factor.SALES_CYCLE_DAYS}
)
_REQUIRED_FACTORS = (
    Factor.DEMAND_CUSTOMERS,
    Factor.ADDRESSABLE_CUSTOMERS,
    Factor.MARKET_MATURITY,
    Factor.SOLUTION_STANDARDISATION,
)


def _is_int(value: object) -> TypeGuard[int]:
    """An int that is not a bool (bool is an int subclass; a True count is a mistake)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[float]:
    """A finite int or float (plan files and forms may hand over anything)."""
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def indicator_problems(
    indicators: BusinessIndicators, path: str = "indicators"
) -> list[tuple[str, Message]]:
    """Every problem with ``indicators`` as (field path, message); empty when valid."""
    problems: list[tuple[str, Message]] = []
    addressable = indicators.addressable_customers
    demand = indicators.demand_customers
    if not _is_int(addressable) or addressable < 1:
        problems.append(
            (f"{path}.addressable_customers", Message(gettext_noop("must be a whole number ≥ 1")))
        )
    if not _is_int(demand) or demand < 0:
        problems.append(
            (f"{path}.demand_customers", Message(gettext_noop("must be a whole number ≥ 0")))
        )
    elif _is_int(addressable) and demand > addressable:
        # Not a warning: customers with the need now are a subset of all potential customers.
        problems.append(
            (
                f"{path}.demand_customers",
                Message(
                    gettext_noop("must not exceed addressable_customers (%(addressable)s)"),
                    {"addressable": f"{addressable:,}"},
                ),
            )
        )
    for name in ("market_maturity", "solution_standardisation"):
        value: object = getattr(indicators, name)
        if not _is_number(value) or not SCALE_MIN <= value <= SCALE_MAX:
            problems.append(
                (
                    f"{path}.{name}",
                    Message(
                        gettext_noop("must be a number from %(low)s to %(high)s"),
                        {"low": _fmt(SCALE_MIN), "high": _fmt(SCALE_MAX)},
                    ),
                )
            )
    cycle = indicators.sales_cycle_days
    if cycle is not None and (not _is_int(cycle) or cycle < 1):
        problems.append(
            (
                f"{path}.sales_cycle_days",
                Message(gettext_noop("must be a whole number of days ≥ 1, or left out")),
            )
        )
    return problems


def threshold_problems(
    thresholds: AdvisorThresholds, path: str = "thresholds"
) -> list[tuple[str, Message]]:
    """Every problem with ``thresholds`` as (field path, message); empty when valid."""
    problems: list[tuple[str, Message]] = []
    for factor in Factor:
        problems.extend(_bands_problems(factor, thresholds.bands(factor), f"{path}.{factor}"))
    weights = thresholds.weights
    weights_ok = True
    for factor in Factor:
        weight: object = weights.of(factor)
        if not _is_number(weight) or weight < 0:
            weights_ok = False
            problems.append(
                (f"{path}.weights.{factor}", Message(gettext_noop("must be a number ≥ 0")))
            )
    if weights_ok and sum(weights.of(f) for f in _REQUIRED_FACTORS) <= 0:
        # The sales cycle is optional; without it the scores would divide by zero.
        problems.append(
            (
                f"{path}.weights",
                Message(gettext_noop("the four required factors must not all weigh zero")),
            )
        )
    margin: object = thresholds.close_call_margin
    if not _is_number(margin) or not 0 <= margin <= 100:
        problems.append(
            (f"{path}.close_call_margin", Message(gettext_noop("must be a number from 0 to 100")))
        )
    level: object = thresholds.contradiction_level
    if not _is_number(level) or not 0 < level <= 1:
        problems.append((f"{path}.contradiction_level", Message(gettext_noop("must be in (0, 1]"))))
    return problems


def _bands_problems(factor: Factor, bands: Bands, path: str) -> list[tuple[str, Message]]:
    """Problems with one factor's anchors: numbers, in range, strictly ordered."""
    problems: list[tuple[str, Message]] = []
    for name in ("project", "behaviour", "probability"):
        value: object = getattr(bands, name)
        if not _is_number(value):
            problems.append((f"{path}.{name}", Message(gettext_noop("must be a number"))))
        elif factor in _LOG_FACTORS and value <= 0:
            problems.append((f"{path}.{name}", Message(gettext_noop("must be > 0"))))
        elif factor not in _LOG_FACTORS and not SCALE_MIN <= value <= SCALE_MAX:
            problems.append(
                (
                    f"{path}.{name}",
                    Message(
                        gettext_noop("must be from %(low)s to %(high)s"),
                        {"low": _fmt(SCALE_MIN), "high": _fmt(SCALE_MAX)},
                    ),
                )
            )
    if problems:
        return problems
    # Compared where they are used (on log10 for counts and days): two anchors a
    # hair apart could collapse to one float there and divide by zero.
    project, behaviour, probability = _scaled_anchors(factor, bands)
    if factor is Factor.SALES_CYCLE_DAYS:
        # A longer cycle points towards projects, so these anchors run downwards.
        if not project > behaviour > probability:
            problems.append(
                (
                    path,
                    Message(
                        gettext_noop(
                            "must decrease strictly from project to behaviour to probability"
                            " (got %(project)s, %(behaviour)s, %(probability)s)"
                        ),
                        _bands_params(bands),
                    ),
                )
            )
    elif not project < behaviour < probability:
        problems.append(
            (
                path,
                Message(
                    gettext_noop(
                        "must increase strictly from project to behaviour to probability"
                        " (got %(project)s, %(behaviour)s, %(probability)s)"
                    ),
                    _bands_params(bands),
                ),
            )
        )
    return problems


def _bands_params(bands: Bands) -> dict[str, str]:
    return {
        "project": _fmt(bands.project),
        "behaviour": _fmt(bands.behaviour),
        "probability": _fmt(bands.probability),
    }


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class _Membership:
    """How much of a factor belongs to each paradigm; the three add up to 1."""

    probability: float
    behaviour: float
    project: float


def _ramp(x: float, start: float, end: float) -> float:
    """How far ``x`` has gone from ``start`` to ``end``, clamped to [0, 1] (either direction)."""
    return min(1.0, max(0.0, (x - start) / (end - start)))


def _scale(factor: Factor, value: float) -> float:
    """Where a value sits on the factor's axis: log10 for counts and days, else as is."""
    return math.log10(value) if factor in _LOG_FACTORS else float(value)


def _scaled_anchors(factor: Factor, bands: Bands) -> tuple[float, float, float]:
    """The project, behaviour and probability anchors on the factor's axis."""
    return (
        _scale(factor, bands.project),
        _scale(factor, bands.behaviour),
        _scale(factor, bands.probability),
    )


def _membership(factor: Factor, value: float, bands: Bands) -> _Membership:
    """Piecewise-linear memberships: project → behaviour → probability along the anchors."""
    # A demand of 0 reads as 1 on the log scale: both mean "no volume to speak of".
    x = _scale(factor, max(value, 1))
    project_at, behaviour_at, probability_at = _scaled_anchors(factor, bands)
    # The two ramps never overlap (one ends where the other starts, at the behaviour
    # anchor), so at most one of project / probability is non-zero and behaviour
    # takes the rest. Each is monotone in x, which is what the guarantees rest on.
    project = 1.0 - _ramp(x, project_at, behaviour_at)
    probability = _ramp(x, behaviour_at, probability_at)
    return _Membership(probability, 1.0 - project - probability, project)


def _dominant(membership: _Membership) -> Paradigm:
    """The paradigm a factor leans to most; ties to the finer-grained one."""
    return max(TIE_BREAK_ORDER, key=lambda p: (getattr(membership, p.value), -_tie_rank(p)))


def _tie_rank(paradigm: Paradigm) -> int:
    return TIE_BREAK_ORDER.index(paradigm)


# One sentence per factor and per paradigm the factor leans to. Literals stay
# literal (gettext_noop on each) so makemessages extracts every one.
_FACTOR_TEXTS: dict[Factor, dict[Paradigm, str]] = {
    Factor.DEMAND_CUSTOMERS: {
        Paradigm.PROJECT: gettext_noop(
            "%(value)s customers with demand now: few enough to win and run each one as a project"
        ),
        Paradigm.BEHAVIOUR: gettext_noop(
            "%(value)s customers with demand now: a finite list to work by name,"
            " too few for stable funnel rates"
        ),
        Paradigm.PROBABILITY: gettext_noop(
            "%(value)s customers with demand now: many enough for funnel maths at volume"
        ),
    },
    Factor.ADDRESSABLE_CUSTOMERS: {
        Paradigm.PROJECT: gettext_noop(
            "%(value)s potential customers in all: each can be known personally,"
            " with its stakeholders"
        ),
        Paradigm.BEHAVIOUR: gettext_noop(
            "%(value)s potential customers in all: a named list a small team can cover"
            " in full, none dropped"
        ),
        Paradigm.PROBABILITY: gettext_noop(
            "%(value)s potential customers in all: too many to name one by one;"
            " reached through channels and brand"
        ),
    },
    Factor.MARKET_MATURITY: {
        Paradigm.PROJECT: gettext_noop(
            "market maturity %(value)s/5: customers know their goal but not the path;"
            " the need is found together with them"
        ),
        Paradigm.BEHAVIOUR: gettext_noop(
            "market maturity %(value)s/5: the need is explicit for those who have it,"
            " but accounts must be nurtured before they buy"
        ),
        Paradigm.PROBABILITY: gettext_noop(
            "market maturity %(value)s/5: a mature market; customers name the need"
            " and compare offers"
        ),
    },
    Factor.SOLUTION_STANDARDISATION: {
        Paradigm.PROJECT: gettext_noop(
            "standardisation %(value)s/5: a bespoke solution per customer"
            " (consulting, design, development, on-site service)"
        ),
        Paradigm.BEHAVIOUR: gettext_noop(
            "standardisation %(value)s/5: a semi-standard solution configured"
            " or integrated per account"
        ),
        Paradigm.PROBABILITY: gettext_noop(
            "standardisation %(value)s/5: a standard product sold the same way to everyone"
        ),
    },
    Factor.SALES_CYCLE_DAYS: {
        Paradigm.PROJECT: gettext_noop(
            "a typical sales cycle of %(value)s days: long, budget-driven decisions"
            " run as projects with milestones"
        ),
        Paradigm.BEHAVIOUR: gettext_noop(
            "a typical sales cycle of %(value)s days: paced by account-by-account"
            " visits and reviews"
        ),
        Paradigm.PROBABILITY: gettext_noop(
            "a typical sales cycle of %(value)s days: short enough for a funnel"
            " to convert within the planning period"
        ),
    },
}


def _fmt(value: float) -> str:
    """A number for a message: thousands separators, at most two decimals."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def advise(
    indicators: BusinessIndicators, thresholds: AdvisorThresholds = DEFAULT_THRESHOLDS
) -> AdvisorResult:
    """Score the three paradigms for a business line, name the core one and explain why.

    Raises ``AdvisorError`` listing every invalid indicator and threshold at once.
    """
    problems = indicator_problems(indicators) + threshold_problems(thresholds)
    if problems:
        raise AdvisorError(problems)

    values: dict[Factor, float] = {
        Factor.DEMAND_CUSTOMERS: indicators.demand_customers,
        Factor.ADDRESSABLE_CUSTOMERS: indicators.addressable_customers,
        Factor.MARKET_MATURITY: indicators.market_maturity,
        Factor.SOLUTION_STANDARDISATION: indicators.solution_standardisation,
    }
    if indicators.sales_cycle_days is not None:
        values[Factor.SALES_CYCLE_DAYS] = indicators.sales_cycle_days

    memberships = {f: _membership(f, v, thresholds.bands(f)) for f, v in values.items()}
    total_weight = math.fsum(thresholds.weights.of(f) for f in values)

    def share(weight: float, membership: float) -> float:
        # 100 * (weight * membership / total): monotone in the membership at every
        # rounding step, and the quotient cannot round above 1 (weight <= total).
        return 100.0 * (weight * membership / total_weight)

    explanations: list[FactorExplanation] = []
    for factor, value in values.items():
        weight = thresholds.weights.of(factor)
        m = memberships[factor]
        points = ParadigmScores(
            probability=share(weight, m.probability),
            behaviour=share(weight, m.behaviour),
            project=share(weight, m.project),
        )
        message = Message(_FACTOR_TEXTS[factor][_dominant(m)], {"value": _fmt(value)})
        explanations.append(FactorExplanation(factor, value, weight, points, message))

    # fsum is correctly rounded, so monotone in each term; the clamp (also monotone)
    # removes the last-bit overshoot of points that add up to exactly 100.
    scores = ParadigmScores(
        *(
            min(100.0, math.fsum(e.points.of(p) for e in explanations))
            for p in (Paradigm.PROBABILITY, Paradigm.BEHAVIOUR, Paradigm.PROJECT)
        )
    )
    ranked = sorted(
        TIE_BREAK_ORDER, key=lambda p: (-round(scores.of(p), _TIE_DECIMALS), _tie_rank(p))
    )
    ranking = (ranked[0], ranked[1], ranked[2])
    margin = max(0.0, round(scores.of(ranking[0]) - scores.of(ranking[1]), _TIE_DECIMALS))

    warnings = _contradictions(indicators, memberships, thresholds.contradiction_level)
    if margin < thresholds.close_call_margin:
        warnings.append(
            AdvisorWarning(
                WarningCode.CLOSE_CALL,
                Message(
                    gettext_noop(
                        "a close call: the top two paradigms are only %(margin)s points apart"
                        " (%(first)s vs %(second)s of 100); consider a hybrid, but the core"
                        " paradigm decides how the line is managed"
                    ),
                    {
                        "margin": f"{margin:.1f}",
                        "first": f"{scores.of(ranking[0]):.1f}",
                        "second": f"{scores.of(ranking[1]):.1f}",
                    },
                ),
            )
        )

    return AdvisorResult(
        scores=scores,
        core=ranking[0],
        ranking=ranking,
        margin=margin,
        factors=tuple(explanations),
        warnings=tuple(warnings),
    )


def _contradictions(
    indicators: BusinessIndicators, memberships: dict[Factor, _Membership], level: float
) -> list[AdvisorWarning]:
    """Warnings where indicators pull to opposite paradigms (fuzzy AND = minimum)."""
    demand = memberships[Factor.DEMAND_CUSTOMERS]
    maturity = memberships[Factor.MARKET_MATURITY]
    standard = memberships[Factor.SOLUTION_STANDARDISATION]
    params = {
        "demand": _fmt(indicators.demand_customers),
        "maturity": _fmt(indicators.market_maturity),
        "standardisation": _fmt(indicators.solution_standardisation),
    }
    warnings: list[AdvisorWarning] = []
    if min(demand.probability, standard.project) >= level:
        warnings.append(
            AdvisorWarning(
                WarningCode.MANY_CUSTOMERS_BESPOKE,
                Message(
                    gettext_noop(
                        "%(demand)s customers with demand now, but a bespoke solution"
                        " (standardisation %(standardisation)s/5): a funnel at volume needs an"
                        " offer that sells without per-customer design. Standardise the offer,"
                        " or narrow the target to the accounts you can serve as projects"
                    ),
                    params,
                ),
            )
        )
    if min(demand.project, standard.probability) >= level:
        warnings.append(
            AdvisorWarning(
                WarningCode.FEW_CUSTOMERS_STANDARD,
                Message(
                    gettext_noop(
                        "only %(demand)s customers with demand now, but a standard product"
                        " (standardisation %(standardisation)s/5): too few for funnel maths, and"
                        " a standard product rarely pays for a project per customer. Check the"
                        " demand estimate, or work the list as named accounts"
                    ),
                    params,
                ),
            )
        )
    if min(maturity.project, standard.probability, demand.probability) >= level:
        warnings.append(
            AdvisorWarning(
                WarningCode.IMPLICIT_NEED_AT_VOLUME,
                Message(
                    gettext_noop(
                        "a standard product (standardisation %(standardisation)s/5) meant to sell"
                        " to %(demand)s customers, but the need is still implicit (maturity"
                        " %(maturity)s/5): a funnel converts poorly while customers cannot name"
                        " the need. Plan market education before setting funnel targets"
                    ),
                    params,
                ),
            )
        )
    return warnings
