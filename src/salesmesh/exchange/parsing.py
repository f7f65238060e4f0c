"""Reading imported cells: text from a CSV file, or the values openpyxl reads from a sheet.

Each parser takes one cell (``str``, ``int``, ``float``, ``Decimal``, ``bool``, ``date``,
``datetime``, ``time`` or ``None``) and returns a typed value or raises ``ValueParseError``,
whose ``message`` says (translatably) what is wrong. Nothing else is ever raised, whatever
the input. The rule is: lenient about how a value is written, strict about what it means —
any common way of writing a date is accepted, a date that reads two ways is not.

Blank cells
    ``None``, ``""`` or only spaces (full-width space included) are blank (``is_blank``).
    ``parse_text`` reads a blank cell as ``""``; every other parser refuses it, so the caller
    decides whether a column is required.

Text (``parse_text``)
    Stripped. A number from a sheet reads as it is shown: 123, not 123.0. A length limit.

Whole numbers (``parse_int``)
    ``12``, ``12.0``, ``1,200``, ``-3``, full-width digits. Not ``12.5``, not yes/no.

Amounts (``parse_amount``)
    Everything plan files accept (``12,000,000``, ``1200万``, ``1.2亿``, ``1.5k``, ``2M``,
    ``¥`` in front or ``元`` after, full-width digits), plus a currency marker before or
    after the number: ``$``, ``US$``, ``HK$``, ``€``, ``£``, ``¥``, ``USD``, ``CNY``,
    ``RMB``, ``EUR``, ``HKD`` (any case, with or without a space). Negative amounts as
    ``-1,234``, ``-¥1,234``, ``¥-1,234`` or in accounting brackets ``(1,234.50)``. At most
    two decimals. Whether a negative amount is allowed is for the column to decide.

Yes/no (``parse_bool``)
    true/false, yes/no, y/n, t/f, 1/0, on/off, 是/否, 对/错, 有/无, √/×, ✓/✗ (any case); a
    sheet's TRUE/FALSE.

Dates (``parse_date``)
    * ``2025-03-12``, ``2025/3/12``, ``2025.3.12``, ``20250312`` — year first is always
      year, month, day;
    * ``2025年3月12日`` (spaces allowed, 日 optional);
    * ``12 Mar 2025``, ``12-Mar-2025``, ``March 12, 2025`` (English month names);
    * ``12/03/2025``, ``12.03.2025``, ``12-03-2025`` — year last. When one of the first two
      numbers is above 12 it is the day. When both are 12 or less and differ (03/04/2025:
      3 April or 4 March?) the date order chosen in the mapping (``DateOrder``) decides;
      without one the cell is refused as ambiguous;
    * a date with a time (``2025-03-12T10:00:00+08:00``, ``2025-03-12 10:00``): the date as
      written;
    * a date cell from a sheet, or an Excel serial number (``45728``, also as five-digit
      text from a CSV file saved by Excel). A serial with a fraction of a day is a date
      *and time*, not a date.
    Two-digit years are refused (write 2025, not 25), and so are days that do not exist
    (2025-02-30, month 13) and Excel's day 60, the 29 February 1900 that never was.

Date and time (``parse_datetime``)
    Every date form above followed by a time: ``14:30``, ``14:30:05``, ``2:30 PM``,
    ``14时30分``, ``14点30分05秒``; with ``T`` or a space between (none needed after 日).
    An offset (``+08:00``, ``+0800``, ``Z``, ``UTC``) is kept as written; without one the
    time is wall-clock time in the importing time zone, and a time the clocks skip there
    is refused. A date alone is midnight. Excel serials carry the time as the fraction of
    a day, read to the second.

Choices (``parse_choice``, ``normalise_key``)
    Looked up ignoring case, full-width forms, spaces, ``_``, ``-``, ``.`` and brackets:
    ``Closed Won``, ``closed_won`` and ``CLOSED-WON`` are the same choice. The same
    normalisation matches column headers (``预计成交 (日期)`` = ``预计成交日期``).

Numbers from a sheet arrive as binary floats; they are read with the 15 significant digits
Excel keeps and shows, so ``=0.1+0.2`` is 0.3, not 0.30000000000000004.
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.planfile.amounts import AmountError
from salesmesh.planfile.amounts import parse_amount as parse_plan_amount

__all__ = [
    "DateOrder",
    "ValueParseError",
    "is_blank",
    "normalise_key",
    "parse_amount",
    "parse_bool",
    "parse_choice",
    "parse_date",
    "parse_datetime",
    "parse_int",
    "parse_text",
]


class ValueParseError(ValueError):
    """A cell that cannot be read as its column's type, with a translatable reason."""

    def __init__(self, message: Message) -> None:
        """Keep the message; the English text is the exception text."""
        self.message = message
        super().__init__(str(message))


class DateOrder(StrEnum):
    """Which of the first two numbers is the day when a date is written with the year last."""

    YMD = "YMD"  # year first; says nothing about 03/04/2025, which stays ambiguous
    DMY = "DMY"
    MDY = "MDY"


class _Unreadable(Exception):
    """Internal: text in no accepted form; each parser turns it into its own message."""


# -- shared helpers -----------------------------------------------------------------------

# Longer values are shortened in messages: a hostile megabyte is not echoed back.
_SHOWN_CHARS = 40
# No date, number or yes/no word is longer; longer text is refused before any regex runs.
_MAX_VALUE_CHARS = 100
# Excel keeps 15 significant digits; openpyxl hands over the binary float behind them.
_EXCEL_DIGITS = 15


def _error(template: str, value: object, **params: object) -> ValueParseError:
    """A ValueParseError for ``value`` (shown as the user wrote it) with more parameters."""
    return ValueParseError(Message(template, {"value": _shown(value), **params}))


def _shown(value: object) -> str:
    """The cell as a message shows it: stripped, a number plain, a long one shortened."""
    text = _render(value)
    if text is None:
        text = f"<{type(value).__name__}>"
    if len(text) <= _SHOWN_CHARS:
        return text
    return f"{text[: _SHOWN_CHARS - 13]}…{text[-12:]}"


def _render(value: object) -> str | None:
    """A cell as text, the way a sheet shows it; None for a type that has no text form."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # over 4,300 digits: Python refuses to write it out
            return None
    if isinstance(value, float):
        number = _excel_float(value)
        return None if number is None else _plain(number)
    if isinstance(value, Decimal):
        return _plain(value) if value.is_finite() else None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return None


def _plain(number: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 1E+2 → 100, 1.50 → 1.5."""
    if number.is_zero():
        return "0"
    if abs(number.adjusted()) > _SHOWN_CHARS:
        return str(number)  # written out in full it would be hundreds of zeros
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _excel_float(value: float) -> Decimal | None:
    """A sheet's float as the sheet shows it (15 significant digits); None if not finite."""
    if not math.isfinite(value):
        return None
    return Decimal(format(value, f".{_EXCEL_DIGITS}g"))


def _number_text(value: str) -> str:
    """Text normalised for reading a number or date: NFKC, stripped, − as -."""
    # NFKC turns full-width digits, letters, punctuation and spaces into ASCII; the
    # typographic minus sign (U+2212) is not a compatibility character, so map it too.
    return unicodedata.normalize("NFKC", value).replace("\u2212", "-").strip()


def is_blank(value: object) -> bool:
    """True for None, the empty string and whitespace only (full-width space included)."""
    return value is None or (isinstance(value, str) and not value.strip())


# -- text -----------------------------------------------------------------------------------


def parse_text(value: object, *, max_length: int) -> str:
    """A text cell, stripped, at most ``max_length`` characters; a blank cell is ""."""
    if is_blank(value):
        return ""
    text = _render(value)
    if text is None:
        raise _error(gettext_noop("“%(value)s” cannot be read as text."), value)
    if "\x00" in text:
        # PostgreSQL cannot store a NUL character in text; it is never meant anyway.
        raise _error(gettext_noop("“%(value)s” contains a NUL character."), value)
    if len(text) > max_length:
        raise _error(
            gettext_noop("“%(value)s” is %(length)s characters long; at most %(maximum)s."),
            value,
            length=len(text),
            maximum=max_length,
        )
    return text


# -- whole numbers --------------------------------------------------------------------------

# A whole number: digits, or digits grouped by commas in threes; an optional sign; an
# optional decimal part that must be all zeros (12.0 is what a sheet exports for 12).
_INT_RE = re.compile(r"([-+]?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")
# Beyond Excel's precision a whole number is no longer exact, and no column needs more.
_MAX_INT_DIGITS = 15


def _not_a_number(value: object) -> ValueParseError:
    """The error for a value that is no number at all."""
    return _error(
        gettext_noop("“%(value)s” is not a number; write a whole number such as 12 or 1,200."),
        value,
    )


def _not_whole(value: object) -> ValueParseError:
    """The error for a number with a fraction."""
    return _error(gettext_noop("“%(value)s” is not a whole number."), value)


def _too_large(value: object) -> ValueParseError:
    """The error for a whole number beyond Excel's precision."""
    return _error(
        gettext_noop("“%(value)s” is too large; a whole number has at most %(digits)s digits."),
        value,
        digits=_MAX_INT_DIGITS,
    )


def parse_int(value: object) -> int:
    """A whole number: 12, 12.0, "12", "12.0", "1,200", full-width digits."""
    if is_blank(value):
        raise ValueParseError(Message(gettext_noop("The cell is empty; a number is expected.")))
    if isinstance(value, bool):
        raise _error(gettext_noop("“%(value)s” is a yes/no value, not a number."), value)
    if isinstance(value, int):
        if abs(value) >= 10**_MAX_INT_DIGITS:
            raise _too_large(value)
        return value
    if isinstance(value, str):
        return _int_from_text(value)
    number = None
    if isinstance(value, float):
        number = _excel_float(value)
    elif isinstance(value, Decimal) and value.is_finite():
        number = value
    if number is None:
        raise _not_a_number(value)
    if not number.is_zero() and number.adjusted() >= _MAX_INT_DIGITS:
        raise _too_large(value)
    if number != number.to_integral_value():
        raise _not_whole(value)
    return int(number)


def _int_from_text(value: str) -> int:
    """``parse_int`` for text."""
    text = _number_text(value)
    match = _INT_RE.fullmatch(text) if len(text) <= _MAX_VALUE_CHARS else None
    if match is None:
        raise _not_a_number(value)
    if match[3] and match[3].strip("0"):
        raise _not_whole(value)
    digits = match[2].replace(",", "").lstrip("0")
    if len(digits) > _MAX_INT_DIGITS:
        raise _too_large(value)
    return int(match[1] + (digits or "0"))


# -- amounts --------------------------------------------------------------------------------

# Currency markers, longest first so that US$ is not read as "US" followed by $.
_CURRENCY = r"US\$|HK\$|USD|CNY|RMB|EUR|HKD|\$|€|£|¥"
# A marker at the start or at the end (spaces are removed before these run).
_LEADING_CURRENCY_RE = re.compile(rf"(?:{_CURRENCY})", re.ASCII | re.IGNORECASE)
_TRAILING_CURRENCY_RE = re.compile(rf"(?:{_CURRENCY})\Z", re.ASCII | re.IGNORECASE)


def _peel_currency(text: str) -> tuple[str, bool]:
    """``text`` without one currency marker at its start or end, and whether there was one."""
    if match := _LEADING_CURRENCY_RE.match(text):
        return text[match.end() :], True
    if match := _TRAILING_CURRENCY_RE.search(text):
        return text[: match.start()], True
    return text, False


def _bare_amount(value: str) -> tuple[bool, str]:
    """(negative, the number without sign, brackets or currency) of an amount's text."""
    text = re.sub(r"\s+", "", _number_text(value))
    text, currency = _peel_currency(text)  # outside brackets: "$(1,234.50)", "(1,234.50)USD"
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]  # accounting style: (1,234.50) is -1,234.50
    if not currency:
        text, currency = _peel_currency(text)  # inside brackets: "(¥1,234.50)"
    if text.startswith("-") and not negative:
        negative, text = True, text[1:]
        if not currency:
            text, currency = _peel_currency(text)  # "-¥1,234"
    return negative, text


def parse_amount(value: object) -> Decimal:
    """An amount of money as an exact Decimal (at most cents); any sign."""
    if is_blank(value):
        raise ValueParseError(Message(gettext_noop("The cell is empty; an amount is expected.")))
    negative, number = False, value
    if isinstance(value, float):
        # As the sheet shows it; the plan parser would keep the float's 17 digits.
        number = _excel_float(value)
        if number is None:
            raise _error(gettext_noop("“%(value)s” is not an amount."), value)
    elif isinstance(value, str):
        negative, number = _bare_amount(value)
        if negative and number.startswith("-"):
            # "(-5)" or "--5": a second sign is a typo, not a double negation.
            raise _error(gettext_noop("“%(value)s” is not an amount."), value)
    try:
        amount = parse_plan_amount(number)
    except AmountError as error:
        params = dict(error.message.params)
        if isinstance(value, str) and "value" in params:
            # Name the cell as written, not the bare number left after the currency went.
            params["value"] = repr(_shown(value))
        raise ValueParseError(Message(error.message.template, params)) from None
    if negative and not amount.is_zero():
        return -amount
    return amount


# -- yes/no ---------------------------------------------------------------------------------

# Compared after NFKC and casefold. 對/錯/無 are the traditional forms of 对/错/无.
_TRUE_WORDS = frozenset(["true", "yes", "y", "t", "1", "on", "是", "对", "對", "有", "√", "✓", "✔"])
_FALSE_WORDS = frozenset(
    ["false", "no", "n", "f", "0", "off", "否", "错", "錯", "无", "無", "×", "✗", "✘"]
)


def parse_bool(value: object) -> bool:
    """Yes or no: true/false, yes/no, y/n, t/f, 1/0, on/off, 是/否, 对/错, 有/无, √/×, ✓/✗."""
    if is_blank(value):
        raise ValueParseError(Message(gettext_noop("The cell is empty; yes or no is expected.")))
    if isinstance(value, bool):
        return value
    word: str | None = None
    if isinstance(value, str):
        word = _number_text(value).casefold() if len(value) <= _MAX_VALUE_CHARS else None
    elif isinstance(value, int | float | Decimal):
        # A sheet may hold 1 and 0 as numbers; Decimal compares exactly, also for floats.
        number = _excel_float(value) if isinstance(value, float) else Decimal(value)
        if number is not None and number.is_finite() and number in (0, 1):
            word = str(int(number))
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise _error(
        gettext_noop(
            "“%(value)s” is not a yes/no value; write yes or no (also true/false, 1/0, 是/否, √/×)."
        ),
        value,
    )


# -- dates ----------------------------------------------------------------------------------

# All date patterns run on NFKC-normalised text (full-width digits and spaces are ASCII by
# then) with re.ASCII, so [0-9] and \s mean exactly those characters.
_DATE_FLAGS = re.ASCII | re.IGNORECASE
# 2025-03-12, 2025/3/12, 2025.3.12: the year first and the same separator twice.
_YEAR_FIRST_RE = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})", _DATE_FLAGS)
# 12/03/2025, 12.03.2025, 12-03-2025: the year last; which number is the day is decided
# by their values or by the mapping's DateOrder.
_YEAR_LAST_RE = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]{4})", _DATE_FLAGS)
# 2025年3月12日, 2025 年 3 月 12 日, 2025年3月12 (日, or colloquial 号, optional).
_CHINESE_DATE_RE = re.compile(
    r"([0-9]{4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*([日号]?)", _DATE_FLAGS
)
# 20250312: eight digits, the year first (the whole cell, never followed by a time).
_COMPACT_RE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})", _DATE_FLAGS)
# 12 Mar 2025, 12 March 2025, 12-Mar-2025, 12th March, 2025.
_DAY_NAME_YEAR_RE = re.compile(
    r"([0-9]{1,2})(?:st|nd|rd|th)?[\s\-/.]*([a-z]+)\.?[\s\-/.,]*([0-9]{4})", _DATE_FLAGS
)
# March 12, 2025; Mar 12 2025; Mar. 12th, 2025.
_NAME_DAY_YEAR_RE = re.compile(
    r"([a-z]+)\.?[\s\-/.]*([0-9]{1,2})(?:st|nd|rd|th)?[\s,]*([0-9]{4})", _DATE_FLAGS
)
# 12/03/25, 25-3-12, 25年3月12日, 12 Mar 25, Mar 12, 25: a two-digit year, refused with
# its own reason (tried only after every accepted form failed).
_SHORT_YEAR_RE = re.compile(
    r"[0-9]{2}\s*年"
    r"|(?:[0-9]{1,2}([-/.])[0-9]{1,2}\1[0-9]{2}"
    r"|[0-9]{1,2}(?:st|nd|rd|th)?[\s\-/.]*[a-z]{3,}\.?[\s\-/.,]*[0-9]{2}"
    r"|[a-z]{3,}\.?[\s\-/.]*[0-9]{1,2}(?:st|nd|rd|th)?[\s,]+[0-9]{2})"
    r"(?![0-9])",
    _DATE_FLAGS,
)
# An Excel serial as text, as a CSV file saved by Excel writes a date cell: five digits
# (1927-05-18 to 2173-10-14), with the time as a fraction of a day.
_SERIAL_TEXT_RE = re.compile(r"[0-9]{5}(?:\.[0-9]{1,15})?", _DATE_FLAGS)
# Between a date and its time: ISO's T, or spaces (after a comma: "March 12, 2025, 2:30 PM").
_CLOCK_SEPARATOR_RE = re.compile(r"T|,?\s+", _DATE_FLAGS)
# 14:30, 14:30:05, 14:30:05.123 (a comma works as the decimal mark too), then an optional
# AM/PM and an optional offset: Z, UTC, GMT, +08, +0800, +08:00, +05:53:28 (as Python
# writes historic offsets).
_CLOCK_RE = re.compile(
    r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]{1,9}))?)?"
    r"\s*(?:(?P<half>[ap])\.?m\.?)?"
    r"\s*(?:(?P<utc>z|utc|gmt)"
    r"|(?P<sign>[-+])(?P<oh>[0-9]{2})"
    r"(?::?(?P<om>[0-9]{2})(?::(?P<os>[0-9]{2})(?:\.(?P<ous>[0-9]{1,6}))?)?)?)?",
    _DATE_FLAGS,
)
# 14时30分, 14点30分05秒, 14时 (and the traditional 時, 點).
_CHINESE_CLOCK_RE = re.compile(
    r"(?P<hour>[0-9]{1,2})\s*[时時点點]\s*"
    r"(?:(?P<minute>[0-9]{1,2})\s*分\s*(?:(?P<second>[0-9]{1,2})\s*秒)?)?",
    _DATE_FLAGS,
)
# Spelled out: calendar.month_name follows the process locale, which may not be English.
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)

# Excel's 1900 date system: serial 1 is 1900-01-01, and serial 60 is 1900-02-29, a day
# that never was (Lotus 1-2-3 thought 1900 a leap year; Excel kept the bug). From 61 on,
# a serial counts days from 1899-12-30; below 60 from one day later.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_PHANTOM_DAY = 60
_EXCEL_LAST_SERIAL = 2958465  # 9999-12-31
_SECONDS_PER_DAY = 86400


def _not_a_date(value: object) -> ValueParseError:
    """The error for a value in no date form."""
    return _error(
        gettext_noop("“%(value)s” is not a date; write e.g. 2025-03-12 or 2025年3月12日."), value
    )


def _not_a_datetime(value: object) -> ValueParseError:
    """The error for a value in no date-and-time form."""
    return _error(
        gettext_noop(
            "“%(value)s” is not a date and time; "
            "write e.g. 2025-03-12 14:30 or 2025年3月12日 14:30."
        ),
        value,
    )


def _make_date(year: int, month: int, day: int, value: object) -> date:
    """The date, or an error naming the part that does not exist."""
    if year < 1:
        raise _error(
            gettext_noop("“%(value)s” is not a date: year %(year)s does not exist."),
            value,
            year=year,
        )
    if not 1 <= month <= 12:
        raise _error(
            gettext_noop("“%(value)s” is not a date: month %(month)s does not exist."),
            value,
            month=month,
        )
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise _error(
            gettext_noop(
                "“%(value)s” is not a date: day %(day)s does not exist in %(month)s "
                "(it has %(days)s days)."
            ),
            value,
            day=day,
            month=f"{year:04d}-{month:02d}",
            days=days,
        )
    return date(year, month, day)


def _year_last(first: int, second: int, year: int, order: DateOrder | None, value: object) -> date:
    """A date written day and month first, in some order, then the year."""
    if order == DateOrder.DMY:
        return _make_date(year, second, first, value)
    if order == DateOrder.MDY:
        return _make_date(year, first, second, value)
    if second > 12 and first <= 12:
        return _make_date(year, first, second, value)  # 03/15/2025: only 15 can be the day
    if first > 12 or first == second or min(first, second) == 0:
        # Only the first can be the day, or it does not matter; or neither reading exists
        # and the day-first one names the reason.
        return _make_date(year, second, first, value)
    day_first = _make_date(year, second, first, value)
    month_first = _make_date(year, first, second, value)
    raise _error(
        gettext_noop(
            "“%(value)s” is ambiguous: it can be %(day_first)s or %(month_first)s; "
            "choose the date order in the mapping."
        ),
        value,
        day_first=day_first.isoformat(),
        month_first=month_first.isoformat(),
    )


def _month_number(name: str, value: object) -> int:
    """1 to 12 for an English month name or its abbreviation (Mar, Sept, March)."""
    word = name.casefold()
    if word == "sept":
        return 9
    if len(word) >= 3:
        for number, full in enumerate(_MONTH_NAMES, start=1):
            if full.startswith(word):
                return number
    raise _error(
        gettext_noop("“%(value)s” is not a date: “%(name)s” is not a month."), value, name=name
    )


def _written_date(text: str, value: object, order: DateOrder | None) -> tuple[date, str, bool]:
    """(the date, the text after it, whether a time may follow without a separator)."""
    if match := _COMPACT_RE.fullmatch(text):
        return _make_date(int(match[1]), int(match[2]), int(match[3]), value), "", False
    if match := _CHINESE_DATE_RE.match(text):
        day = _make_date(int(match[1]), int(match[2]), int(match[3]), value)
        return day, text[match.end() :], bool(match[4])  # 2025年3月12日14时: no space needed
    if match := _YEAR_FIRST_RE.match(text):
        day = _make_date(int(match[1]), int(match[3]), int(match[4]), value)
        return day, text[match.end() :], False
    if match := _YEAR_LAST_RE.match(text):
        day = _year_last(int(match[1]), int(match[3]), int(match[4]), order, value)
        return day, text[match.end() :], False
    if match := _DAY_NAME_YEAR_RE.match(text):
        month = _month_number(match[2], value)
        day = _make_date(int(match[3]), month, int(match[1]), value)
        return day, text[match.end() :], False
    if match := _NAME_DAY_YEAR_RE.match(text):
        month = _month_number(match[1], value)
        day = _make_date(int(match[3]), month, int(match[2]), value)
        return day, text[match.end() :], False
    if _SHORT_YEAR_RE.match(text):
        raise _error(
            gettext_noop("“%(value)s” has a two-digit year; write the year in full, e.g. 2025."),
            value,
        )
    raise _Unreadable


def _make_time(hour: int, minute: int, second: int, value: object) -> time:
    """The time of day, or an error naming the part that does not exist."""
    if hour > 23:
        raise _error(
            gettext_noop("“%(value)s”: hour %(hour)s does not exist (0 to 23)."), value, hour=hour
        )
    if minute > 59:
        raise _error(
            gettext_noop("“%(value)s”: minute %(minute)s does not exist (0 to 59)."),
            value,
            minute=minute,
        )
    if second > 59:
        raise _error(
            gettext_noop("“%(value)s”: second %(second)s does not exist (0 to 59)."),
            value,
            second=second,
        )
    return time(hour, minute, second)


def _offset(match: re.Match[str], value: object) -> tzinfo | None:
    """The UTC offset written after a time, if any."""
    if match["utc"]:
        return UTC
    if not match["sign"]:
        return None
    hours, minutes, seconds = (int(match[name] or 0) for name in ("oh", "om", "os"))
    if hours > 23 or minutes > 59 or seconds > 59:
        raise _error(gettext_noop("“%(value)s” has an impossible UTC offset."), value)
    micro = int((match["ous"] or "").ljust(6, "0"))
    offset = timedelta(hours=hours, minutes=minutes, seconds=seconds, microseconds=micro)
    return timezone(-offset if match["sign"] == "-" else offset)


def _written_time(text: str, value: object) -> time:
    """A time of day as written after a date; aware when an offset is written."""
    if match := _CHINESE_CLOCK_RE.fullmatch(text):
        return _make_time(
            int(match["hour"]), int(match["minute"] or 0), int(match["second"] or 0), value
        )
    match = _CLOCK_RE.fullmatch(text)
    if match is None:
        raise _Unreadable
    hour = int(match["hour"])
    if match["half"]:
        if not 1 <= hour <= 12:
            raise _error(
                gettext_noop("“%(value)s”: hour %(hour)s does not exist with AM/PM (1 to 12)."),
                value,
                hour=hour,
            )
        hour = hour % 12 + (12 if match["half"].casefold() == "p" else 0)
    clock = _make_time(hour, int(match["minute"]), int(match["second"] or 0), value)
    # Digits beyond microseconds (nanoseconds from some exports) are dropped, not rounded:
    # rounding could carry into the next second, minute or day.
    micro = int((match["fraction"] or "")[:6].ljust(6, "0"))
    return clock.replace(microsecond=micro, tzinfo=_offset(match, value))


def _written(text: str, value: object, order: DateOrder | None) -> tuple[date, time | None]:
    """The date and, if written, the time of a date text (already NFKC-normalised)."""
    if len(text) > _MAX_VALUE_CHARS:
        raise _Unreadable
    day, rest, joined = _written_date(text, value, order)
    if not rest:
        return day, None
    separator = _CLOCK_SEPARATOR_RE.match(rest)
    if separator:
        rest = rest[separator.end() :]
    elif not joined:
        raise _Unreadable  # 2025-03-1214:30
    return day, _written_time(rest, value)


def _serial_number(value: object) -> Decimal | None:
    """An Excel serial from a number or from Excel's five-digit text; None if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # Compared as an int first: a huge int is out of range without becoming a Decimal.
        return Decimal(value if abs(value) <= _EXCEL_LAST_SERIAL + 1 else -1)
    if isinstance(value, float):
        return _excel_float(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str):
        text = _number_text(value)
        return Decimal(text) if _SERIAL_TEXT_RE.fullmatch(text) else None
    return None


def _serial_day(whole: int, value: object) -> date:
    """The date of a whole Excel serial (1900 date system)."""
    if not 1 <= whole <= _EXCEL_LAST_SERIAL:
        raise _error(
            gettext_noop(
                "“%(value)s” is outside Excel's dates (1 = 1900-01-01 to %(last)s = 9999-12-31)."
            ),
            value,
            last=_EXCEL_LAST_SERIAL,
        )
    if whole == _EXCEL_PHANTOM_DAY:
        raise _error(
            gettext_noop(
                "“%(value)s” is Excel's day 60, 29 February 1900, a day that did not exist."
            ),
            value,
        )
    shift = 1 if whole < _EXCEL_PHANTOM_DAY else 0
    return _EXCEL_EPOCH + timedelta(days=whole + shift)


def _serial_whole(number: Decimal, value: object) -> int:
    """The whole days of a serial known to be finite, checked against Excel's range first."""
    if not 1 <= number < _EXCEL_LAST_SERIAL + 1:
        _serial_day(0, value)  # raises the range error
    return int(number.to_integral_value(rounding=ROUND_FLOOR))


def parse_date(value: object, *, order: DateOrder | None = None) -> date:
    """A date from a date cell, an Excel serial or text (see the module docstring)."""
    if is_blank(value):
        raise ValueParseError(Message(gettext_noop("The cell is empty; a date is expected.")))
    if isinstance(value, bool):
        raise _error(gettext_noop("“%(value)s” is a yes/no value, not a date."), value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        raise _error(gettext_noop("“%(value)s” is a time of day, not a date."), value)
    serial = _serial_number(value)
    if serial is not None:
        whole = _serial_whole(serial, value)
        if serial != whole:
            raise _error(
                gettext_noop(
                    "“%(value)s” is a date and time (an Excel serial with a fraction of a day), "
                    "not a date."
                ),
                value,
            )
        return _serial_day(whole, value)
    if not isinstance(value, str):
        raise _not_a_date(value)
    try:
        day, _ = _written(_number_text(value), value, order)
    except _Unreadable:
        raise _not_a_date(value) from None
    return day


def _out_of_range(value: object) -> ValueParseError:
    """The error for a moment that cannot be stored (in UTC) so near the year 1 or 9999."""
    return _error(gettext_noop("“%(value)s” is too close to the year 1 or 9999."), value)


def _localised(day: date, clock: time, tz: tzinfo, value: object) -> datetime:
    """Wall-clock time in ``tz``, refused when the clocks skip it (a DST gap)."""
    # replace/combine with tzinfo is correct for zoneinfo (not for pytz, which is not used).
    moment = datetime.combine(day, clock, tzinfo=tz)
    try:
        back = moment.astimezone(UTC).astimezone(tz)
    except (OverflowError, ValueError):
        raise _out_of_range(value) from None
    if (back.date(), back.time()) != (day, clock):
        raise _error(
            gettext_noop("“%(value)s” does not exist in %(zone)s: the clocks skip that time."),
            value,
            zone=str(tz),
        )
    return moment


def _storable(moment: datetime, value: object) -> datetime:
    """``moment`` when it can be converted to UTC, as the database stores it."""
    try:
        moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise _out_of_range(value) from None
    return moment


def parse_datetime(value: object, *, tz: tzinfo, order: DateOrder | None = None) -> datetime:
    """An aware datetime; without a written offset, wall-clock time in ``tz``."""
    if is_blank(value):
        raise ValueParseError(
            Message(gettext_noop("The cell is empty; a date and time is expected."))
        )
    if isinstance(value, bool):
        raise _error(gettext_noop("“%(value)s” is a yes/no value, not a date and time."), value)
    if isinstance(value, datetime):
        if value.utcoffset() is not None:
            return _storable(value, value)
        return _localised(value.date(), value.time(), tz, value)  # openpyxl's naive cells
    if isinstance(value, date):
        return _localised(value, time(), tz, value)
    if isinstance(value, time):
        raise _error(gettext_noop("“%(value)s” is a time of day without a date."), value)
    serial = _serial_number(value)
    if serial is not None:
        whole = _serial_whole(serial, value)
        # To the second: Excel stores 14:30 as 0.604166666666667 of a day.
        seconds = int(((serial - whole) * _SECONDS_PER_DAY).to_integral_value(ROUND_HALF_UP))
        extra_days, second = divmod(seconds, _SECONDS_PER_DAY)  # 0.9999999 rounds to 1 day
        try:
            day = _serial_day(whole, value) + timedelta(days=extra_days)
        except OverflowError:
            raise _out_of_range(value) from None
        return _localised(day, time(second // 3600, second // 60 % 60, second % 60), tz, value)
    if not isinstance(value, str):
        raise _not_a_datetime(value)
    try:
        day, clock = _written(_number_text(value), value, order)
    except _Unreadable:
        raise _not_a_datetime(value) from None
    if clock is None:
        return _localised(day, time(), tz, value)  # a date alone is midnight
    if clock.tzinfo is not None:
        return _storable(datetime.combine(day, clock), value)  # the offset as written
    return _localised(day, clock, tz, value)


# -- choices --------------------------------------------------------------------------------

# Characters that carry no meaning in a header or a choice: whitespace, _ - . and brackets
# (full-width ones are ASCII after NFKC; 【】「」 have no ASCII form).
_KEY_NOISE_RE = re.compile(r"[\s_\-.()\[\]【】「」]+")
# Longer lists are cut in messages; the mapping screen shows the full list.
_ALLOWED_SHOWN = 12


def normalise_key(text: str) -> str:
    """A header or choice as compared: NFKC, casefolded, without spaces, _ - . or brackets."""
    return _KEY_NOISE_RE.sub("", unicodedata.normalize("NFKC", text).casefold())


def parse_choice(
    value: object, *, choices: Mapping[str, str], aliases: Mapping[str, str] | None = None
) -> str:
    """The stored code for a choice; ``choices`` and ``aliases`` map lookup keys to codes.

    Keys are compared normalised (``normalise_key``), aliases first; within one mapping the
    first matching key wins.
    """
    codes = list(dict.fromkeys(choices.values()))
    allowed = ", ".join(codes[:_ALLOWED_SHOWN]) + (", …" if len(codes) > _ALLOWED_SHOWN else "")
    if is_blank(value):
        raise ValueParseError(
            Message(
                gettext_noop("The cell is empty; expected one of: %(allowed)s"),
                {"allowed": allowed},
            )
        )
    text = _render(value)
    if text is not None:
        key = normalise_key(text)
        for mapping in (aliases or {}, choices):
            for lookup, code in mapping.items():
                if normalise_key(lookup) == key:
                    return code
    raise _error(gettext_noop("“%(value)s” is not one of: %(allowed)s"), value, allowed=allowed)
