"""The value types of plan documents: each checks one value and explains what is wrong.

Every check raises ``SchemaValueError`` with a translatable message; the loader shows it
with the value's path. Amounts and rates go through ``amounts`` and arrive as exact
Decimals; whole numbers refuse booleans, texts and fractions; dates are YYYY-MM-DD.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

from salesmesh.core import project as pj
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.planfile.amounts import SchemaValueError, parse_amount, parse_number

# The only format version so far; a later incompatible format bumps it.
SUPPORTED_VERSION = 1


# -- value checks (each raises SchemaValueError with a translatable message) -----------------


def fail(template: str, **params: object) -> SchemaValueError:
    """The error for a bad value."""
    return SchemaValueError(Message(template, params))


def _money(value: object) -> Decimal:
    """An amount ≥ 0."""
    amount = parse_amount(value)
    if amount < 0:
        raise fail(gettext_noop("must not be negative"))
    return amount


def _positive_money(value: object) -> Decimal:
    """An amount > 0."""
    amount = parse_amount(value)
    if amount <= 0:
        raise fail(gettext_noop("must be positive"))
    return amount


def _rate(value: object) -> Decimal:
    """A conversion rate in (0, 1]."""
    number = parse_number(value)
    if not 0 < number <= 1:
        raise fail(gettext_noop("must be in (0, 1]"))
    return number


def _share(value: object) -> Decimal:
    """A share or probability in [0, 1]."""
    number = parse_number(value)
    if not 0 <= number <= 1:
        raise fail(gettext_noop("must be in [0, 1]"))
    return number


def _non_negative(value: object) -> Decimal:
    """A number ≥ 0."""
    number = parse_number(value)
    if number < 0:
        raise fail(gettext_noop("must not be negative"))
    return number


def _positive(value: object) -> Decimal:
    """A number > 0."""
    number = parse_number(value)
    if number <= 0:
        raise fail(gettext_noop("must be positive"))
    return number


def _real(value: object) -> float:
    """A finite number as a float (for model weights the core keeps as floats)."""
    return float(parse_number(value))


def _whole(value: object) -> int:
    """An integer; 3.0 is 3, but True, "3" and 3.5 are not whole numbers."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        number = parse_number(value)
        if number == number.to_integral_value():
            return int(number)
    raise fail(gettext_noop("must be a whole number"))


def _count(value: object) -> int:
    """A whole number ≥ 0."""
    number = _whole(value)
    if number < 0:
        raise fail(gettext_noop("must not be negative"))
    return number


def _positive_int(value: object) -> int:
    """A whole number ≥ 1."""
    number = _whole(value)
    if number < 1:
        raise fail(gettext_noop("must be a positive whole number"))
    return number


def _influence(value: object) -> int:
    """A whole number on the 1..5 influence scale."""
    number = _whole(value)
    if not pj.INFLUENCE_MIN <= number <= pj.INFLUENCE_MAX:
        raise fail(
            gettext_noop("must be a whole number from %(low)s to %(high)s"),
            low=pj.INFLUENCE_MIN,
            high=pj.INFLUENCE_MAX,
        )
    return number


def check_month(value: object) -> int:
    """A calendar month 1..12 (JSON object keys arrive as strings such as "3")."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    number = _whole(value)
    if not 1 <= number <= 12:  # twelve months
        raise fail(gettext_noop("must be a month number from 1 to 12"))
    return number


def _text(value: object) -> str:
    """A non-empty text; a bare number (an account id such as 1001) is taken as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise fail(gettext_noop("must be a text"))
    text = value.strip()
    if not text:
        raise fail(gettext_noop("must not be empty"))
    return text


def _optional_text(value: object) -> str:
    """A text that may be empty."""
    if isinstance(value, str):
        return value.strip()
    return _text(value)


def _day(value: object) -> date:
    """A date; YAML gives a date, JSON the text YYYY-MM-DD."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise fail(gettext_noop("must be a date written YYYY-MM-DD"))


def nullable[T](check: Callable[[object], T]) -> Callable[[object], T | None]:
    """``check`` that lets None (an empty YAML value, a JSON null) through."""

    def checked(value: object) -> T | None:
        return None if value is None else check(value)

    return checked


def choice(*choices: str) -> Callable[[object], str]:
    """A check that the value is one of ``choices`` (case-insensitive)."""

    def checked(value: object) -> str:
        if isinstance(value, str) and value.strip().lower() in choices:
            return value.strip().lower()
        raise fail(gettext_noop("must be one of: %(choices)s"), choices=", ".join(choices))

    return checked


def check_version(value: object) -> int:
    """The format version this code reads."""
    if value != SUPPORTED_VERSION or isinstance(value, bool):
        raise fail(
            gettext_noop("unsupported version %(version)s; this salesmesh reads version %(ours)s"),
            version=repr(value),
            ours=SUPPORTED_VERSION,
        )
    return SUPPORTED_VERSION


Money = Annotated[Decimal, BeforeValidator(_money)]
PositiveMoney = Annotated[Decimal, BeforeValidator(_positive_money)]
Rate = Annotated[Decimal, BeforeValidator(_rate)]
Share = Annotated[Decimal, BeforeValidator(_share)]
NonNegative = Annotated[Decimal, BeforeValidator(_non_negative)]
Positive = Annotated[Decimal, BeforeValidator(_positive)]
Real = Annotated[float, BeforeValidator(_real)]
Whole = Annotated[int, BeforeValidator(_whole)]
Count = Annotated[int, BeforeValidator(_count)]
PositiveInt = Annotated[int, BeforeValidator(_positive_int)]
Influence = Annotated[int, BeforeValidator(_influence)]
Month = Annotated[int, BeforeValidator(check_month)]
Text = Annotated[str, BeforeValidator(_text)]
OptionalText = Annotated[str, BeforeValidator(_optional_text)]
MaybeText = Annotated[str | None, BeforeValidator(nullable(_text))]
Day = Annotated[date, BeforeValidator(_day)]
MaybeDay = Annotated[date | None, BeforeValidator(nullable(_day))]
MaybeCount = Annotated[int | None, BeforeValidator(nullable(_count))]
MaybeNonNegative = Annotated[Decimal | None, BeforeValidator(nullable(_non_negative))]
MaybePositiveInt = Annotated[int | None, BeforeValidator(nullable(_positive_int))]


class SpecModel(BaseModel):
    """Immutable, and unknown keys are errors (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
