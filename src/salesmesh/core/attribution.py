"""Who caused the gap: exact attribution over a multiplicative funnel, and a diagnosis in words.

DESIGN.md §2. Revenue in the probability paradigm is a product of factors (leads, each stage
conversion, deal value, or for a person calls × reach rate × leads per reached call × …), so

    ln(actual / plan) = Σ_i ln(actual_i / plan_i)

holds exactly: each factor's log-ratio ``l_i`` is its own part of the relative gap, whatever
the order the factors are written in (a difference-based split would depend on the order).

**Money shares.** The money gap ``G = to_money(Π actual) − to_money(Π plan)`` is split in
proportion to the log-ratios, ``share_i = G · l_i / Σ l``; a factor on plan (``l_i = 0``)
gets nothing and every share has the sign of its own deviation (a factor over plan gets a
positive share even when the total gap is negative: it offsets part of the loss). Shares are
whole cents that add up to ``G`` exactly: the exact amount owed to the factors over plan,
``G · Σ_{l>0} l / Σ l``, is rounded half-even to the cent, the rest goes to the factors under
plan, and each side is split with ``money.largest_remainder``. Before splitting, factors are
ordered by their values — (log-ratio, plan, actual), the key only between identical
factors — so the result does not depend on the order the factors are given in, and
swapping two factors' values swaps their shares, odd cents included.

**Zeros.** A factor at zero has an infinite log-ratio. The rule is the limit of the
proportional rule as that factor goes to zero: its ``l_i → −∞`` swamps every finite
log-ratio, so the factors at zero take the whole gap between them (in equal parts) and
the others get nothing — with one factor at zero revenue is zero whatever the others did.
Symmetrically, factors planned at zero but non-zero in fact take the whole surplus. A
factor at zero on both sides is on plan. Nothing here divides by zero or takes ln(0).

Logs are computed with 50 significant digits, so that a gap of one cent on any amount
``to_money`` can hold (under 10^26) has a log-ratio of the right sign.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.money import CENT, largest_remainder, to_money

__all__ = [
    "LOG_PRECISION",
    "ON_PLAN_TOLERANCE",
    "Attribution",
    "AttributionError",
    "FactorComparison",
    "FactorShare",
    "attribute_gap",
    "diagnose",
    "format_percent",
]

# Enough digits that a one-cent gap on 10^26 (a relative 10^-28) keeps its sign after each
# factor's log is rounded; 28 (Decimal's default) would not be.
LOG_PRECISION = 50
# Products of a dozen factors with 12-decimal conversions exceed 28 digits; multiply exactly.
_PRODUCT_PRECISION = 200
# Behaviour counts wobble from day to day; a factor within 2 % of its plan is reported as on
# plan so a diagnosis names the factors worth a manager's attention, not the noise.
ON_PLAN_TOLERANCE = Decimal("0.02")


class AttributionError(ValueError):
    """Factors that cannot be attributed: mismatched keys, negative or non-decimal values."""


@dataclass(frozen=True)
class FactorShare:
    """One factor's plan and actual, its log-ratio and its share of the money gap."""

    key: str
    plan: Decimal
    actual: Decimal
    # ln(actual / plan); None when exactly one side is zero (the log-ratio is infinite).
    log_ratio: Decimal | None
    # Signed money, to the cent: positive when the factor added revenue against plan.
    share: Decimal


@dataclass(frozen=True)
class Attribution:
    """The money gap of a product of factors and its exact split over the factors."""

    plan_total: Decimal
    actual_total: Decimal
    # to_money(actual_total) − to_money(plan_total); the shares add up to it exactly.
    gap: Decimal
    # Σ of the factors' log-ratios = ln(actual_total / plan_total); None with a zero factor.
    log_ratio: Decimal | None
    # In the order the factors were given.
    shares: tuple[FactorShare, ...]

    def share_of(self, key: str) -> FactorShare:
        """The share of the factor named ``key``."""
        for share in self.shares:
            if share.key == key:
                return share
        raise KeyError(key)


def _value(value: object, where: str) -> Decimal:
    """A finite, non-negative Decimal (ints accepted; floats and bools refused)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise AttributionError(f"{where} must be a Decimal or an int, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise AttributionError(f"{where} must be a finite, non-negative number, not {value}")
    return number


def _product(values: Sequence[Decimal]) -> Decimal:
    """The product of ``values``, exact for any realistic inputs."""
    with localcontext() as context:
        context.prec = _PRODUCT_PRECISION
        total = Decimal(1)
        for value in values:
            total *= value
        return total


def _log_ratio(plan: Decimal, actual: Decimal) -> Decimal | None:
    """ln(actual / plan): 0 when equal (zeros included), None when one side alone is 0."""
    if plan == actual:
        return Decimal(0)
    if plan == 0 or actual == 0:
        return None
    with localcontext() as context:
        context.prec = LOG_PRECISION
        return (actual / plan).ln()


# (log-ratio or 0, plan, actual, key): the order odd cents are handed out in.
_Entry = tuple[Decimal, Decimal, Decimal, str]


def _split(cents: int, entries: Sequence[_Entry], *, equal: bool = False) -> dict[str, int]:
    """Split ``cents`` over entries in proportion to |log-ratio| (or equally)."""
    if not entries or cents == 0:
        return {entry[3]: 0 for entry in entries}
    ordered = sorted(entries)
    weights = [1 if equal else abs(Fraction(entry[0])) for entry in ordered]
    parts = largest_remainder(cents, weights)
    return {entry[3]: part for entry, part in zip(ordered, parts, strict=True)}


def attribute_gap(
    *, plan_factors: Mapping[str, Decimal], actual_factors: Mapping[str, Decimal]
) -> Attribution:
    """Split the gap of Π actual against Π plan over the factors by their log-ratios."""
    if not plan_factors:
        raise AttributionError("there must be at least one factor")
    if set(plan_factors) != set(actual_factors):
        missing = sorted(set(plan_factors) ^ set(actual_factors))
        raise AttributionError(f"plan and actual must name the same factors; differing: {missing}")
    keys = list(plan_factors)
    plans = {key: _value(plan_factors[key], f"plan_factors[{key!r}]") for key in keys}
    actuals = {key: _value(actual_factors[key], f"actual_factors[{key!r}]") for key in keys}
    plan_total = _product([plans[key] for key in keys])
    actual_total = _product([actuals[key] for key in keys])
    gap = to_money(actual_total) - to_money(plan_total)
    cents = int(gap / CENT)
    logs = {key: _log_ratio(plans[key], actuals[key]) for key in keys}

    parts: dict[str, int] = dict.fromkeys(keys, 0)
    infinite = [
        (Decimal(0), plans[key], actuals[key], key) for key, log in logs.items() if log is None
    ]
    if infinite and cents:
        # Both products are zero when factors at zero sit on both sides, and then cents == 0:
        # here every infinite factor points the same way as the gap.
        parts.update(_split(cents, infinite, equal=True))
    elif cents:
        finite = {key: log for key, log in logs.items() if log is not None}
        total = sum((Fraction(log) for log in finite.values()), Fraction(0))
        if total == 0 or (total > 0) != (cents > 0):
            # Unreachable within to_money's range (see LOG_PRECISION); refuse rather than
            # hand out shares with the wrong sign.
            raise AttributionError("the log-ratios are too small to attribute this gap")
        over = [(log, plans[key], actuals[key], key) for key, log in finite.items() if log > 0]
        under = [(log, plans[key], actuals[key], key) for key, log in finite.items() if log < 0]
        over_log = sum((Fraction(entry[0]) for entry in over), Fraction(0))
        over_cents = round(cents * over_log / total)
        parts.update(_split(over_cents, over))
        parts.update(_split(cents - over_cents, under))

    finite_logs = [log for log in logs.values() if log is not None]
    log_total: Decimal | None = None
    if len(finite_logs) == len(keys):
        with localcontext() as context:
            # Wide enough that the sum of 50-digit terms is exact.
            context.prec = _PRODUCT_PRECISION
            log_total = sum(finite_logs, Decimal(0))
    return Attribution(
        plan_total=plan_total,
        actual_total=actual_total,
        gap=gap,
        log_ratio=log_total,
        shares=tuple(
            FactorShare(
                key=key,
                plan=plans[key],
                actual=actuals[key],
                log_ratio=logs[key],
                share=Decimal(parts[key]) * CENT,
            )
            for key in keys
        ),
    )


# -- diagnosis in words ----------------------------------------------------------------------


@dataclass(frozen=True)
class FactorComparison:
    """One factor of a revenue product: its name in words, plan to date and actual."""

    key: str
    label: Message
    plan: Decimal
    actual: Decimal


def format_percent(value: Fraction | Decimal) -> str:
    """``value`` as a percentage, e.g. 0.4 → "40%"; one decimal when whole would show 0%."""
    exact = (
        value
        if isinstance(value, Decimal)
        else Decimal(value.numerator) / Decimal(value.denominator)
    )
    percent = exact * 100
    whole = percent.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if whole == 0 and percent != 0:
        return f"{percent.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    return f"{whole}%"


def _on_plan(comparison: FactorComparison, tolerance: Decimal) -> bool:
    """Equal to plan, or within ``tolerance`` of it (relative)."""
    plan, actual = comparison.plan, comparison.actual
    return plan == actual or (plan > 0 and abs(actual / plan - 1) <= tolerance)


def _factor_message(
    comparison: FactorComparison, share: FactorShare, gap: Decimal, tolerance: Decimal
) -> Message:
    """One sentence on one factor: on plan, or how far off and how much of the gap it is."""
    plan, actual = comparison.plan, comparison.actual
    factor = comparison.label
    if _on_plan(comparison, tolerance):
        return Message(gettext_noop("%(factor)s on plan."), {"factor": factor})
    if actual == 0 and gap < 0:
        return Message(
            gettext_noop("%(factor)s at zero explains all of the gap (%(amount)s)."),
            {"factor": factor, "amount": share.share},
        )
    if plan == 0 and gap > 0:
        return Message(
            gettext_noop(
                "%(factor)s was planned at zero; %(actual)s explains all of the lead over plan "
                "(%(amount)s)."
            ),
            {"factor": factor, "actual": actual, "amount": share.share},
        )
    if plan == 0:
        # Another factor planned at zero too: both products are zero, there is no gap.
        return Message(gettext_noop("%(factor)s was planned at zero."), {"factor": factor})
    deviation = format_percent(abs(actual / plan - 1))
    params: dict[str, object] = {"factor": factor, "deviation": deviation, "amount": share.share}
    if gap == 0:
        template = (
            gettext_noop("%(factor)s %(deviation)s under plan.")
            if actual < plan
            else gettext_noop("%(factor)s %(deviation)s over plan.")
        )
        return Message(template, params)
    params["explained"] = format_percent(abs(share.share / gap))
    if actual < plan and gap < 0:
        template = gettext_noop(
            "%(factor)s %(deviation)s under plan explains %(explained)s of the gap (%(amount)s)."
        )
    elif actual < plan:
        template = gettext_noop(
            "%(factor)s %(deviation)s under plan holds back the lead over plan by %(explained)s "
            "(%(amount)s)."
        )
    elif gap < 0:
        template = gettext_noop(
            "%(factor)s %(deviation)s over plan offsets %(explained)s of the gap (%(amount)s)."
        )
    else:
        template = gettext_noop(
            "%(factor)s %(deviation)s over plan explains %(explained)s of the lead over plan "
            "(%(amount)s)."
        )
    return Message(template, params)


def diagnose(
    *,
    factors: Sequence[FactorComparison],
    on_plan_tolerance: Decimal = ON_PLAN_TOLERANCE,
    attribution: Attribution | None = None,
) -> tuple[Message, ...]:
    """The bottleneck in words: the factor that explains most of the gap, then each factor.

    E.g. "Bottleneck: reach rate.", "Calls on plan.", "Reach rate 40% under plan explains 70%
    of the gap (−1,234.00)." Factors within ``on_plan_tolerance`` (relative) of plan are
    called on plan. Percentages are pre-formatted; amounts are signed Decimals.
    ``attribution``: these factors' ``attribute_gap``, when the caller has it already (the
    split is the costly part; passing it gives the same sentences).
    """
    if len({factor.key for factor in factors}) != len(factors):
        raise AttributionError("factor keys must be unique")
    if attribution is None:
        attribution = attribute_gap(
            plan_factors={factor.key: factor.plan for factor in factors},
            actual_factors={factor.key: factor.actual for factor in factors},
        )
    elif [share.key for share in attribution.shares] != [factor.key for factor in factors]:
        raise AttributionError("the attribution is not of these factors")
    gap = attribution.gap
    sentences = [
        _factor_message(factor, share, gap, on_plan_tolerance)
        for factor, share in zip(factors, attribution.shares, strict=True)
    ]
    worst_factor, worst_share = min(
        zip(factors, attribution.shares, strict=True), key=lambda pair: pair[1].share
    )
    if all(_on_plan(factor, on_plan_tolerance) for factor in factors):
        sentences.insert(0, Message(gettext_noop("Every factor is on plan.")))
    elif gap < 0 and worst_share.share < 0:
        sentences.insert(
            0,
            Message(
                gettext_noop("Bottleneck: %(factor)s (%(explained)s of the gap)."),
                {
                    "factor": worst_factor.label,
                    "explained": format_percent(worst_share.share / gap),
                },
            ),
        )
    return tuple(sentences)
