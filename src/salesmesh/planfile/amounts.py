"""Numbers as people write them in plan files: ``12,000,000``, ``1200万``, ``1.2亿``, ``25%``.

Two parsers, both exact (``Decimal``, never a binary float):

``parse_amount`` (money: targets, prices, contract values, revenue per account)
    * an int, a Decimal, or a float — a float is read through ``str()`` so that the
      YAML/JSON value ``0.1`` becomes ``Decimal("0.1")``, not 0.1000000000000000055…;
    * or a string, normalised with Unicode NFKC first (full-width digits, commas and
      the full-width yen sign become their ASCII forms), then: an optional ``¥`` in
      front or ``元`` at the end; spaces anywhere; an optional ``-``; digits with an
      optional decimal part, grouped by ``,`` in threes
      (``12,000,000``; ``1,20`` is refused, it may be a decimal comma) or by ``_``
      (``12_000_000``); and an optional scale suffix: ``k``/``K`` (thousand), ``m``/``M``
      (million), ``千`` (10^3), ``万`` (10^4), ``十万`` (10^5), ``百万`` (10^6), ``千万``
      (10^7), ``亿`` (10^8). Chinese units may be chained from large to small, every part
      carrying its unit: ``1亿2000万`` = 120,000,000; ``1万5`` is refused as ambiguous
      (15,000 colloquially, but it reads as 10,005);
    * the result must be a whole number of cents (at most two decimals after scaling).

``parse_number`` (rates, shares, multipliers, capacities)
    an int, a Decimal, a float (through ``str()``), or a string holding a decimal number
    (``1,000.5``, ``1e3``) or a percentage (``25%`` = 0.25).

Both refuse booleans (``yes`` in YAML is ``True``, which Python would treat as 1), NaN
and infinities, numbers of 10^16 or more in size, and numbers with more than ``MAX_DIGITS``
digits written out in full (``1e-40`` has 41). Within those bounds Decimal arithmetic is
exact, so reading never rounds silently, and no later ``int()``, ``float()`` or ``Fraction``
of a value does big-number work. Errors are ``AmountError`` with a translatable ``message``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DecimalException,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)

from salesmesh.core.i18n import Message, gettext_noop

__all__ = ["MAX_DIGITS", "AmountError", "SchemaValueError", "parse_amount", "parse_number"]


class SchemaValueError(ValueError):
    """A plan-file value that is wrong, with a translatable explanation."""

    def __init__(self, message: Message) -> None:
        """Keep the message; the English text is the exception text."""
        self.message = message
        super().__init__(str(message))


class AmountError(SchemaValueError):
    """A value that is not an amount or a number in any accepted form."""


# Scale words, longest first so that 千万 is not read as 千 followed by 万.
_CHINESE_UNITS: dict[str, int] = {
    "千万": 10**7,
    "百万": 10**6,
    "十万": 10**5,
    "亿": 10**8,
    "万": 10**4,
    "千": 10**3,
}
_LATIN_UNITS: dict[str, int] = {"k": 10**3, "m": 10**6}

# A number: plain digits, digits grouped by commas in threes, or digits joined by
# underscores (as Python and YAML write them); an optional decimal part.
_NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+(?:_[0-9]+)*)(?:\.[0-9]+)?"
_UNIT = "|".join(re.escape(u) for u in _CHINESE_UNITS)
_TERM_RE = re.compile(rf"({_NUMBER})({_UNIT})")
_PLAIN_RE = re.compile(rf"({_NUMBER})([kKmM]?)")
_DECIMAL_RE = re.compile(rf"[-+]?{_NUMBER}(?:[eE][-+]?[0-9]+)?")
_CENT_EXPONENT = -2

# The largest power of ten a plan number may reach: below 10^16 (ten quadrillion yuan, far
# beyond any sales target, rate or capacity). A larger value is a typo or hostile input
# (1e+1000000 would make int() build a million-digit integer), and every value below it
# converts to int, float and numpy int64 without overflow.
_MAX_ADJUSTED_EXPONENT = 15
_LIMIT = 10 ** (_MAX_ADJUSTED_EXPONENT + 1)
# Digits a plan number may have written out in full, leading and trailing zeros of the
# decimal part included: the default decimal precision (28), so that arithmetic on a number
# read from a plan is exact and a Fraction of it has a denominator of at most 10^28.
MAX_DIGITS = 28
# Reading is exact or fails: any rounding (Inexact) or overflow raises instead of passing a
# silently changed number on.
_EXACT = Context(
    prec=MAX_DIGITS,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, Inexact, Overflow, DivisionByZero],
)
# Longer values are shortened in messages: a hostile megabyte of digits is not echoed back.
_SHOWN_CHARS = 40


def _digits(text: str, value: object) -> Decimal:
    """A matched number without its grouping characters, within a plan's bounds."""
    return _bounded(Decimal(text.replace(",", "").replace("_", "")), value)


def _exponent(value: Decimal) -> int:
    """The exponent of a finite Decimal (its last digit's power of ten)."""
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def _shown(value: object) -> str:
    """The value as written for a message: text quoted, a number plain, a long one shortened."""
    try:
        # A Decimal came from a YAML or JSON number: show 1.0E+40, not Decimal('1.0E+40').
        text = str(value) if isinstance(value, Decimal) else repr(value)
    except ValueError:
        # An int of more than 4,300 digits has no repr (Python's int_max_str_digits).
        return "…"
    if len(text) <= _SHOWN_CHARS:
        return text
    return f"{text[: _SHOWN_CHARS - 12]}…{text[-12:]}"


def _too_large(value: object) -> AmountError:
    """The error for a number of 10^16 or more in size."""
    return AmountError(
        Message(
            gettext_noop(
                "%(value)s is too large; numbers in a plan must lie between -10^16 and 10^16"
            ),
            {"value": _shown(value)},
        )
    )


def _too_many_digits(value: object) -> AmountError:
    """The error for a number with more digits than a plan holds exactly."""
    return AmountError(
        Message(
            gettext_noop("%(value)s has more than %(limit)s digits when written out in full"),
            {"value": _shown(value), "limit": MAX_DIGITS},
        )
    )


def _bounded(number: Decimal, value: object) -> Decimal:
    """``number`` when a plan can hold it: below 10^16 and at most MAX_DIGITS digits.

    Only the digit tuple and the exponent are inspected, never arithmetic, so even
    ``1e+1000000`` is refused at once. Trailing zeros do not count (``1.000…0`` is 1).
    """
    exponent = _exponent(number)
    if number.is_zero():
        # 0E+1000000 and 0E-1000000 are plain zero; only their exponent is odd.
        return number if -MAX_DIGITS <= exponent <= 0 else Decimal(0)
    if number.adjusted() > _MAX_ADJUSTED_EXPONENT:
        raise _too_large(value)
    sign, digits, _ = number.as_tuple()
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    last = exponent + trailing  # the power of ten of the last significant digit
    written = max(number.adjusted(), 0) + 1 + max(-last, 0)
    if written > MAX_DIGITS:
        raise _too_many_digits(value)
    if len(digits) > MAX_DIGITS:
        # Only trailing zeros can make it this long: drop them so arithmetic stays exact.
        return Decimal((sign, digits[: len(digits) - trailing], last))
    return number


def _plain(value: Decimal) -> Decimal:
    """Write 1E+3 as 1000 so amounts read as people typed them."""
    if _exponent(value) > 0:
        return value.quantize(Decimal(1))
    return value


def _yes_no() -> AmountError:
    """The error for a boolean where a number belongs (YAML reads yes/no/on/off so)."""
    return AmountError(Message(gettext_noop("must be a number, not a yes/no (true/false) value")))


def _not_an_amount(value: object) -> AmountError:
    """The error for a value that is not an amount."""
    if isinstance(value, bool):
        return _yes_no()
    return AmountError(
        Message(
            gettext_noop(
                "%(value)s is not an amount; write e.g. 12000000, 12,000,000, 1200万 or 1.2亿"
            ),
            {"value": _shown(value)},
        )
    )


def _not_a_number(value: object) -> AmountError:
    """The error for a value that is not a number."""
    if isinstance(value, bool):
        return _yes_no()
    return AmountError(
        Message(
            gettext_noop("%(value)s is not a number; write e.g. 0.25, 25%% or 1,000"),
            {"value": _shown(value)},
        )
    )


def _from_python_number(value: object) -> Decimal | None:
    """An int, Decimal or float as a finite Decimal within bounds; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # Compared as an int: turning a huge int into a Decimal is itself slow.
        if abs(value) >= _LIMIT:
            raise _too_large(value)
        return Decimal(value)
    number = value
    if isinstance(number, float):
        # str() gives the shortest text that round-trips: 0.1 → "0.1", not the binary value.
        number = Decimal(str(number))
    if isinstance(number, Decimal):
        return _plain(_bounded(number, value)) if number.is_finite() else None
    return None


def parse_amount(value: object) -> Decimal:
    """An amount of money as an exact Decimal (see the module docstring for the forms)."""
    try:
        with localcontext(_EXACT):
            return _amount(value)
    except DecimalException:
        # Arithmetic that would round: a number with more digits than a plan holds exactly.
        raise _too_many_digits(value) from None


def _amount(value: object) -> Decimal:
    """``parse_amount`` under exact arithmetic."""
    number = _from_python_number(value)
    if number is None and isinstance(value, str):
        number = _parse_amount_text(value)
        if number is not None:
            number = _plain(_bounded(number, value))
    if number is None:
        raise _not_an_amount(value)
    if _exponent(number) < _CENT_EXPONENT:
        # Compare the normalised value: 12.500 is a whole number of cents.
        normal = number.normalize()
        if _exponent(normal) < _CENT_EXPONENT:
            raise AmountError(
                Message(
                    gettext_noop("%(value)s has more than two decimals (cents)"),
                    {"value": _shown(value)},
                )
            )
        number = normal.quantize(Decimal("0.01"))
    if number == number.to_integral_value():
        # 1.2亿 is 120000000, not 120000000.0.
        return number.quantize(Decimal(1))
    return number


def _parse_amount_text(raw: str) -> Decimal | None:
    """A money string as a Decimal, or None when it is in no accepted form."""
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    text = text.removeprefix("¥").removesuffix("元")
    sign = 1
    if text.startswith("-"):
        sign, text = -1, text[1:]
    if not text:
        return None
    if match := _PLAIN_RE.fullmatch(text):
        scale = _LATIN_UNITS.get(match[2].lower(), 1)
        return sign * _digits(match[1], raw) * scale
    # Chained Chinese units, each part with its unit, largest unit first. Each part is
    # matched where the previous one ended: searching ahead (finditer) would retry a long
    # run of digits from every position, quadratic in the length of the text.
    total = Decimal(0)
    position = 0
    previous = None
    while position < len(text):
        match = _TERM_RE.match(text, position)
        if match is None:
            return None
        scale = _CHINESE_UNITS[match[2]]
        if previous is not None and scale >= previous:
            return None
        total += _digits(match[1], raw) * scale
        previous = scale
        position = match.end()
    if previous is None:
        return None
    return sign * total


def parse_number(value: object) -> Decimal:
    """A plain number as an exact Decimal: ``0.25``, ``"25%"``, ``"1,000"``, ``"1e3"``."""
    try:
        with localcontext(_EXACT):
            return _number(value)
    except DecimalException:
        # Arithmetic that would round: a number with more digits than a plan holds exactly.
        raise _too_many_digits(value) from None


def _number(value: object) -> Decimal:
    """``parse_number`` under exact arithmetic."""
    number = _from_python_number(value)
    if number is not None:
        return number
    if not isinstance(value, str):
        raise _not_a_number(value)
    text = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
    percent = text.endswith("%")
    text = text.removesuffix("%")
    if not _DECIMAL_RE.fullmatch(text):
        raise _not_a_number(value)
    try:
        number = Decimal(text.replace(",", "").replace("_", ""))
    except InvalidOperation:
        # The pattern admits only decimals, but an exponent beyond what Decimal can
        # represent (1e99999999999999999999, or 1e-… for a tiny number) fails here.
        tiny = "e-" in text.lower()
        raise (_too_many_digits(value) if tiny else _too_large(value)) from None
    if percent:
        # scaleb keeps the digits exact: 12.5% → 0.125 (raises under _EXACT if it cannot).
        number = number.scaleb(-2)
    return _plain(_bounded(number, value))
