"""Money as Decimal, quantised in one place, and splits that keep every cent.

Every amount the product shows or stores passes through ``to_money``; every
split of a total goes through ``largest_remainder`` so that the parts always
add back to the whole, to the cent, whatever the weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

CENT = Decimal("0.01")

Weight = int | Decimal | Fraction


class MoneyError(ValueError):
    """An amount or a split that cannot be computed as asked."""


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantise to the cent, half away from zero (the usual commercial rounding)."""
    if isinstance(value, float):
        # Floats cannot hold 0.1 exactly; money must arrive as Decimal, int or str.
        raise MoneyError(f"money must not be a float (got {value!r}); pass a Decimal or a string")
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"{value!r} is not an amount") from exc
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not a finite amount")
    try:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        # quantize needs every digit down to the cent to fit the context precision (28 by
        # default): 10^26 and up, or 1E+1000000, cannot be held to the cent. Shown in
        # scientific notation: the repr of an int over 4,300 digits would itself fail.
        raise MoneyError(f"{amount:.6E} has too many digits to hold to the cent") from exc


def largest_remainder(total: int, weights: Sequence[Weight]) -> list[int]:
    """Split an integer ``total`` in proportion to ``weights``, preserving it exactly.

    Each part gets the floor of its exact share; the units left over go to the
    parts with the largest fractional remainders, ties to the earlier part, so
    the result is deterministic. A negative total is split as its absolute
    value and negated, so parts keep one sign.
    """
    if not weights:
        raise MoneyError("cannot split over an empty list of weights")
    exact_weights = [Fraction(w) for w in weights]
    if any(w < 0 for w in exact_weights):
        raise MoneyError("weights must not be negative")
    weight_sum = sum(exact_weights, Fraction(0))
    if weight_sum == 0:
        raise MoneyError("weights sum to zero; nothing to split in proportion to")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    shares = [magnitude * w / weight_sum for w in exact_weights]
    parts = [share.numerator // share.denominator for share in shares]
    leftover = magnitude - sum(parts)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for index in by_remainder[:leftover]:
        parts[index] += 1
    return [sign * part for part in parts]


def split_money(total: Decimal, weights: Sequence[Weight]) -> list[Decimal]:
    """Split an amount over weights into cents that add back to ``to_money(total)``."""
    cents = int(to_money(total) / CENT)
    return [Decimal(part) * CENT for part in largest_remainder(cents, weights)]
