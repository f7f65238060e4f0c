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
and infinities. Errors are ``AmountError`` with a translatable ``message``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from salesmesh.core.i18n import Message, gettext_noop

__all__ = ["AmountError", "SchemaValueError", "parse_amount", "parse_number"]


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


def _digits(text: str) -> Decimal:
    """A matched number without its grouping characters."""
    return Decimal(text.replace(",", "").replace("_", ""))


def _exponent(value: Decimal) -> int:
    """The exponent of a finite Decimal (its last digit's power of ten)."""
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


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
            {"value": repr(value)},
        )
    )


def _not_a_number(value: object) -> AmountError:
    """The error for a value that is not a number."""
    if isinstance(value, bool):
        return _yes_no()
    return AmountError(
        Message(
            gettext_noop("%(value)s is not a number; write e.g. 0.25, 25%% or 1,000"),
            {"value": repr(value)},
        )
    )


def _from_python_number(value: object) -> Decimal | None:
    """An int, Decimal or float as a finite Decimal; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # str() gives the shortest text that round-trips: 0.1 → "0.1", not the binary value.
        value = Decimal(str(value))
    if isinstance(value, Decimal):
        return _plain(value) if value.is_finite() else None
    return None


def parse_amount(value: object) -> Decimal:
    """An amount of money as an exact Decimal (see the module docstring for the forms)."""
    number = _from_python_number(value)
    if number is None and isinstance(value, str):
        number = _parse_amount_text(value)
    if number is None:
        raise _not_an_amount(value)
    if _exponent(number) < _CENT_EXPONENT:
        # Compare the normalised value: 12.500 is a whole number of cents.
        normal = number.normalize()
        if _exponent(normal) < _CENT_EXPONENT:
            raise AmountError(
                Message(
                    gettext_noop("%(value)s has more than two decimals (cents)"),
                    {"value": repr(value)},
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
        return sign * _digits(match[1]) * scale
    # Chained Chinese units, each part with its unit, largest unit first.
    total = Decimal(0)
    position = 0
    previous = None
    for match in _TERM_RE.finditer(text):
        if match.start() != position:
            return None
        scale = _CHINESE_UNITS[match[2]]
        if previous is not None and scale >= previous:
            return None
        total += _digits(match[1]) * scale
        previous = scale
        position = match.end()
    if previous is None or position != len(text):
        return None
    return sign * total


def parse_number(value: object) -> Decimal:
    """A plain number as an exact Decimal: ``0.25``, ``"25%"``, ``"1,000"``, ``"1e3"``."""
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
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise _not_a_number(value) from None
    if percent:
        # scaleb keeps the digits exact: 12.5% → 0.125.
        number = number.scaleb(-2)
    return _plain(number)
