"""Import value parsers: every accepted form, every refusal with its reason, never a crash."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from salesmesh.core.i18n import Message
from salesmesh.exchange.parsing import (
    DateOrder,
    ValueParseError,
    is_blank,
    normalise_key,
    parse_amount,
    parse_bool,
    parse_choice,
    parse_date,
    parse_datetime,
    parse_int,
    parse_text,
)

D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
EXCEL_DAY_0 = date(1899, 12, 30)  # serial 0 for serials from 61 on

NOT_A_DATE = "“%(value)s” is not a date; write e.g. 2025-03-12 or 2025年3月12日."
AMBIGUOUS = (
    "“%(value)s” is ambiguous: it can be %(day_first)s or %(month_first)s; "
    "choose the date order in the mapping."
)
TWO_DIGIT_YEAR = "“%(value)s” has a two-digit year; write the year in full, e.g. 2025."
NO_MONTH = "“%(value)s” is not a date: month %(month)s does not exist."
NO_DAY = (
    "“%(value)s” is not a date: day %(day)s does not exist in %(month)s (it has %(days)s days)."
)
NOT_AN_AMOUNT = "%(value)s is not an amount; write e.g. 12000000, 12,000,000, 1200万 or 1.2亿"
FRACTION = "“%(value)s” is a date and time (an Excel serial with a fraction of a day), not a date."
NOT_YES_NO = (
    "“%(value)s” is not a yes/no value; write yes or no (also true/false, 1/0, 是/否, √/×)."
)


def wide(text: str) -> str:
    """``text`` in full-width ASCII forms, as Chinese input methods type it."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def refusal(parser: Callable[..., object], value: object, **options: Any) -> Message:
    """The message of the ValueParseError that ``parser`` raises for ``value``."""
    with pytest.raises(ValueParseError) as caught:
        parser(value, **options)
    assert str(caught.value) == str(caught.value.message)  # the English text is the exception's
    return caught.value.message


# -- blank cells and text ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   ", "\t\n", "\u3000", " \u3000 "])
def test_blank_cells(value: object):
    assert is_blank(value)


@pytest.mark.parametrize("value", ["0", " x ", 0, 0.0, False, date(2025, 1, 1)])
def test_cells_that_are_not_blank(value: object):
    assert not is_blank(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Acme 上海  ", "Acme 上海"),
        (None, ""),
        ("\u3000", ""),
        (123, "123"),
        (123.0, "123"),
        (0.1 + 0.2, "0.3"),  # as the sheet shows it, not 0.30000000000000004
        (D("1.50"), "1.5"),
        (D("1E+2"), "100"),
        (True, "TRUE"),
        (date(2025, 3, 12), "2025-03-12"),
        (datetime(2025, 3, 12, 10, 30), "2025-03-12 10:30:00"),  # noqa: DTZ001 — openpyxl's naive cell
        (time(14, 30), "14:30:00"),
    ],
)
def test_text(value: object, expected: str):
    assert parse_text(value, max_length=50) == expected


def test_text_too_long_names_the_maximum():
    message = refusal(parse_text, " abcdef ", max_length=5)
    assert message.template == "“%(value)s” is %(length)s characters long; at most %(maximum)s."
    assert message.params == {"value": "abcdef", "length": 6, "maximum": 5}
    assert parse_text(" abcde ", max_length=5) == "abcde"


def test_text_refuses_nul_and_values_without_a_text_form():
    assert refusal(parse_text, "a\x00b", max_length=9).template == (
        "“%(value)s” contains a NUL character."
    )
    message = refusal(parse_text, ["a"], max_length=9)
    assert message.template == "“%(value)s” cannot be read as text."
    assert message.params == {"value": "<list>"}


def test_a_long_value_is_shortened_in_messages():
    message = refusal(parse_int, "x" * 10_000)
    assert len(message.params["value"]) == 40
    assert "…" in message.params["value"]


# -- whole numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 12.0 ", 12),
        ("12.000", 12),
        (12, 12),
        (12.0, 12),
        (D("12.00"), 12),
        ("1,200", 1200),
        ("1,234,567", 1234567),
        (wide("12"), 12),  # full-width digits
        ("-3", -3),
        ("\u22123", -3),  # typographic minus
        ("+3", 3),
        ("0", 0),
        ("999999999999999", 999_999_999_999_999),
    ],
)
def test_int(value: object, expected: int):
    assert parse_int(value) == expected


@pytest.mark.parametrize(
    ("value", "template", "params"),
    [
        ("12.5", "“%(value)s” is not a whole number.", {"value": "12.5"}),
        (12.5, "“%(value)s” is not a whole number.", {"value": "12.5"}),
        (D("0.1"), "“%(value)s” is not a whole number.", {"value": "0.1"}),
        (
            "abc",
            "“%(value)s” is not a number; write a whole number such as 12 or 1,200.",
            {"value": "abc"},
        ),
        (
            "1,20",
            "“%(value)s” is not a number; write a whole number such as 12 or 1,200.",
            {"value": "1,20"},
        ),
        (True, "“%(value)s” is a yes/no value, not a number.", {"value": "TRUE"}),
        (
            10**15,
            "“%(value)s” is too large; a whole number has at most %(digits)s digits.",
            {"value": "1000000000000000", "digits": 15},
        ),
        (
            "1" * 16,
            "“%(value)s” is too large; a whole number has at most %(digits)s digits.",
            {"value": "1" * 16, "digits": 15},
        ),
        (None, "The cell is empty; a number is expected.", {}),
    ],
)
def test_int_refusals(value: object, template: str, params: dict[str, object]):
    message = refusal(parse_int, value)
    assert (message.template, dict(message.params)) == (template, params)


# -- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,234.50", D("1234.50")),
        ("¥1,234", D(1234)),
        ("￥1,234", D(1234)),
        ("1,234元", D(1234)),
        ("$1,234.50", D("1234.50")),
        ("US$ 1,234", D(1234)),
        ("HK$1.2M", D(1_200_000)),
        ("1,234 usd", D(1234)),
        ("USD 1,234", D(1234)),
        ("cny1234", D(1234)),
        ("RMB 1,234", D(1234)),
        ("1,234 EUR", D(1234)),
        ("€1,234", D(1234)),
        ("£ 1,234", D(1234)),
        ("HKD 1,234", D(1234)),
        ("1200万", D(12_000_000)),
        ("1.2亿", D(120_000_000)),
        ("-¥1,234", D(-1234)),
        ("¥-1,234", D(-1234)),
        ("-1,234", D(-1234)),
        ("(1,234.50)", D("-1234.50")),
        ("（1,234.50）", D("-1234.50")),  # full-width brackets
        ("$(1,234.50)", D("-1234.50")),
        ("($1,234.50)", D("-1234.50")),
        ("(1,234.50) USD", D("-1234.50")),
        ("(0)", D(0)),
        (1234, D(1234)),
        (1234.5, D("1234.5")),
        (0.1 + 0.2, D("0.3")),  # the sheet's 15 digits, not the float's 17
        (D("12.30"), D("12.30")),
    ],
)
def test_amount(value: object, expected: Decimal):
    result = parse_amount(value)
    assert result == expected
    assert result.as_tuple().exponent >= -2


@pytest.mark.parametrize(
    ("value", "template", "params"),
    [
        ("$abc", NOT_AN_AMOUNT, {"value": "'$abc'"}),  # the cell, not what is left of it
        ("€", NOT_AN_AMOUNT, {"value": "'€'"}),
        ("USD1,234USD", NOT_AN_AMOUNT, {"value": "'USD1,234USD'"}),
        ("1.234", "%(value)s has more than two decimals (cents)", {"value": "'1.234'"}),
        (D("1.005"), "%(value)s has more than two decimals (cents)", {"value": "1.005"}),
        (True, "must be a number, not a yes/no (true/false) value", {}),
        ("(-5)", "“%(value)s” is not an amount.", {"value": "(-5)"}),
        ("--5", "“%(value)s” is not an amount.", {"value": "--5"}),
        (float("nan"), "“%(value)s” is not an amount.", {"value": "<float>"}),
        ("  ", "The cell is empty; an amount is expected.", {}),
    ],
)
def test_amount_refusals(value: object, template: str, params: dict[str, object]):
    message = refusal(parse_amount, value)
    assert (message.template, dict(message.params)) == (template, params)


def test_amounts_keep_their_sign_for_the_caller():
    assert parse_amount("-0.01") == D("-0.01")


# -- yes/no -----------------------------------------------------------------------------------

TRUE_WORDS = ["true", "TRUE", " Yes ", "y", "T", "1", "on", "是", "对", "有", "√", "✓", wide("yes")]
FALSE_WORDS = ["false", "No", "N", "f", "0", "OFF", "否", "错", "无", "×", "✗"]


@pytest.mark.parametrize("value", [*TRUE_WORDS, True, 1, 1.0, D("1.0")])
def test_yes(value: object):
    assert parse_bool(value) is True


@pytest.mark.parametrize("value", [*FALSE_WORDS, False, 0, 0.0, D(0)])
def test_no(value: object):
    assert parse_bool(value) is False


@pytest.mark.parametrize(
    ("value", "shown"),
    [("maybe", "maybe"), (2, "2"), ("yes no", "yes no"), (D("NaN"), "<Decimal>")],
)
def test_bool_refusals_list_the_accepted_words(value: object, shown: str):
    message = refusal(parse_bool, value)
    assert (message.template, dict(message.params)) == (NOT_YES_NO, {"value": shown})


# -- dates ------------------------------------------------------------------------------------

MARCH_12 = date(2025, 3, 12)


@pytest.mark.parametrize(
    "value",
    [
        "2025-03-12",
        "2025-3-12",
        "2025/3/12",
        "2025/03/12",
        "2025.3.12",
        wide("2025-03-12"),
        "20250312",
        "2025年3月12日",
        "2025年03月12日",
        "2025 年 3 月 12 日",
        "2025年3月12",
        "2025年3月12号",
        "2025-03-12T10:00:00+08:00",
        "2025-03-12T23:30:00-05:00",  # the date as written, not as in another zone
        "2025-03-12 10:00",
        "2025/3/12 14:30:05",
        "2025年3月12日 14:30",
        "12 Mar 2025",
        "12 March 2025",
        "12-Mar-2025",
        "12th March, 2025",
        "March 12, 2025",
        "Mar 12 2025",
        "Mar. 12th, 2025",
        "mar 12, 2025",
        "45728",  # Excel's serial, as a CSV saved from Excel writes it
        45728,
        45728.0,
        D(45728),
        datetime(2025, 3, 12, 23, 59),  # noqa: DTZ001 — openpyxl's naive cell
        MARCH_12,
    ],
)
def test_date(value: object):
    assert parse_date(value) == MARCH_12


@pytest.mark.parametrize(
    ("value", "order", "expected"),
    [
        ("03/04/2025", DateOrder.DMY, date(2025, 4, 3)),
        ("03/04/2025", DateOrder.MDY, date(2025, 3, 4)),
        ("12.03.2025", DateOrder.DMY, MARCH_12),
        ("12-03-2025", DateOrder.DMY, MARCH_12),
        ("03/12/2025", DateOrder.MDY, MARCH_12),
        ("12/03/2025 ", DateOrder.DMY, MARCH_12),
        ("03/15/2025", None, date(2025, 3, 15)),  # only 15 can be the day
        ("15/03/2025", None, date(2025, 3, 15)),
        ("15/03/2025", DateOrder.YMD, date(2025, 3, 15)),  # YMD says nothing about year-last
        ("05/05/2025", None, date(2025, 5, 5)),  # both readings are the same day
        ("2025/03/04", DateOrder.DMY, date(2025, 3, 4)),  # year first is always Y-M-D
    ],
)
def test_date_order(value: str, order: DateOrder | None, expected: date):
    assert parse_date(value, order=order) == expected


@pytest.mark.parametrize(
    ("value", "options", "template", "params"),
    [
        (
            "03/04/2025",
            {},
            AMBIGUOUS,
            {"value": "03/04/2025", "day_first": "2025-04-03", "month_first": "2025-03-04"},
        ),
        (
            "03/04/2025",
            {"order": DateOrder.YMD},
            AMBIGUOUS,
            {"value": "03/04/2025", "day_first": "2025-04-03", "month_first": "2025-03-04"},
        ),
        ("15/03/2025", {"order": DateOrder.MDY}, NO_MONTH, {"value": "15/03/2025", "month": 15}),
        ("13/13/2025", {}, NO_MONTH, {"value": "13/13/2025", "month": 13}),
        ("2025-13-01", {}, NO_MONTH, {"value": "2025-13-01", "month": 13}),
        ("2025年13月1日", {}, NO_MONTH, {"value": "2025年13月1日", "month": 13}),
        (
            "2025-02-30",
            {},
            NO_DAY,
            {"value": "2025-02-30", "day": 30, "month": "2025-02", "days": 28},
        ),
        (
            "2024-02-30",
            {},
            NO_DAY,
            {"value": "2024-02-30", "day": 30, "month": "2024-02", "days": 29},
        ),
        (
            "31/04/2025",
            {},
            NO_DAY,
            {"value": "31/04/2025", "day": 31, "month": "2025-04", "days": 30},
        ),
        ("20250230", {}, NO_DAY, {"value": "20250230", "day": 30, "month": "2025-02", "days": 28}),
        (
            "0000-01-01",
            {},
            "“%(value)s” is not a date: year %(year)s does not exist.",
            {"value": "0000-01-01", "year": 0},
        ),
        ("12/03/25", {}, TWO_DIGIT_YEAR, {"value": "12/03/25"}),
        ("25-3-12", {}, TWO_DIGIT_YEAR, {"value": "25-3-12"}),
        ("25年3月12日", {}, TWO_DIGIT_YEAR, {"value": "25年3月12日"}),
        ("12 Mar 25", {}, TWO_DIGIT_YEAR, {"value": "12 Mar 25"}),
        ("Mar 12, 25", {}, TWO_DIGIT_YEAR, {"value": "Mar 12, 25"}),
        (
            "12 Foo 2025",
            {},
            "“%(value)s” is not a date: “%(name)s” is not a month.",
            {"value": "12 Foo 2025", "name": "Foo"},
        ),
        ("next Tuesday", {}, NOT_A_DATE, {"value": "next Tuesday"}),
        ("2025-03", {}, NOT_A_DATE, {"value": "2025-03"}),
        ("2025-03-1210:00", {}, NOT_A_DATE, {"value": "2025-03-1210:00"}),
        ("2025-03-12 soon", {}, NOT_A_DATE, {"value": "2025-03-12 soon"}),
        ("2025", {}, NOT_A_DATE, {"value": "2025"}),
        (
            "2025-03-12 25:00",
            {},
            "“%(value)s”: hour %(hour)s does not exist (0 to 23).",
            {"value": "2025-03-12 25:00", "hour": 25},
        ),
        (
            60,
            {},
            "“%(value)s” is Excel's day 60, 29 February 1900, a day that did not exist.",
            {"value": "60"},
        ),
        (
            "45728.5",
            {},
            FRACTION,
            {"value": "45728.5"},
        ),
        (
            45728.25,
            {},
            FRACTION,
            {"value": "45728.25"},
        ),
        (
            0,
            {},
            "“%(value)s” is outside Excel's dates (1 = 1900-01-01 to %(last)s = 9999-12-31).",
            {"value": "0", "last": 2958465},
        ),
        (
            2958466,
            {},
            "“%(value)s” is outside Excel's dates (1 = 1900-01-01 to %(last)s = 9999-12-31).",
            {"value": "2958466", "last": 2958465},
        ),
        (
            -1.5,
            {},
            "“%(value)s” is outside Excel's dates (1 = 1900-01-01 to %(last)s = 9999-12-31).",
            {"value": "-1.5", "last": 2958465},
        ),
        (True, {}, "“%(value)s” is a yes/no value, not a date.", {"value": "TRUE"}),
        (time(9, 30), {}, "“%(value)s” is a time of day, not a date.", {"value": "09:30:00"}),
        (None, {}, "The cell is empty; a date is expected.", {}),
    ],
)
def test_date_refusals(
    value: object, options: dict[str, Any], template: str, params: dict[str, object]
):
    message = refusal(parse_date, value, **options)
    assert (message.template, dict(message.params)) == (template, params)


@pytest.mark.parametrize(
    ("name", "month"), [("Jan", 1), ("sept", 9), ("SEPTEMBER", 9), ("Dec.", 12), ("MAY", 5)]
)
def test_english_month_names(name: str, month: int):
    assert parse_date(f"{name} 12, 2025") == date(2025, month, 12)
    assert parse_date(f"12 {name} 2025") == date(2025, month, 12)


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),
        (61, date(1900, 3, 1)),
        (45728, MARCH_12),
        (2958465, date(9999, 12, 31)),
    ],
)
def test_excel_serials_around_the_phantom_leap_day(serial: int, expected: date):
    assert parse_date(serial) == expected


# -- date and time ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025年3月12日 14:30", datetime(2025, 3, 12, 14, 30, tzinfo=SHANGHAI)),
        ("2025年3月12日14:30", datetime(2025, 3, 12, 14, 30, tzinfo=SHANGHAI)),
        ("2025年3月12日14时30分", datetime(2025, 3, 12, 14, 30, tzinfo=SHANGHAI)),
        ("2025年3月12日 14点30分05秒", datetime(2025, 3, 12, 14, 30, 5, tzinfo=SHANGHAI)),
        ("2025/3/12 14:30:05", datetime(2025, 3, 12, 14, 30, 5, tzinfo=SHANGHAI)),
        ("2025-03-12 10:00", datetime(2025, 3, 12, 10, tzinfo=SHANGHAI)),
        ("2025-03-12T10:00:00.5", datetime(2025, 3, 12, 10, 0, 0, 500000, tzinfo=SHANGHAI)),
        (
            "2025-03-12 10:00:00.123456789",  # nanoseconds: dropped, not rounded
            datetime(2025, 3, 12, 10, 0, 0, 123456, tzinfo=SHANGHAI),
        ),
        ("13/03/2025 14:30", datetime(2025, 3, 13, 14, 30, tzinfo=SHANGHAI)),
        ("March 12, 2025, 2:30 PM", datetime(2025, 3, 12, 14, 30, tzinfo=SHANGHAI)),
        ("12 Mar 2025 12:05 am", datetime(2025, 3, 12, 0, 5, tzinfo=SHANGHAI)),
        ("2025-03-12", datetime(2025, 3, 12, tzinfo=SHANGHAI)),  # midnight
        (MARCH_12, datetime(2025, 3, 12, tzinfo=SHANGHAI)),
        (datetime(2025, 3, 12, 10), datetime(2025, 3, 12, 10, tzinfo=SHANGHAI)),  # noqa: DTZ001
        (45728, datetime(2025, 3, 12, tzinfo=SHANGHAI)),
        (45728.604166666667, datetime(2025, 3, 12, 14, 30, tzinfo=SHANGHAI)),
        ("45728.604166666667", datetime(2025, 3, 12, 14, 30, tzinfo=SHANGHAI)),
        (45728.99999999, datetime(2025, 3, 13, tzinfo=SHANGHAI)),  # rounds into the next day
    ],
)
def test_datetime_in_the_importing_zone(value: object, expected: datetime):
    result = parse_datetime(value, tz=SHANGHAI)
    assert result == expected
    assert result.tzinfo is SHANGHAI


@pytest.mark.parametrize(
    ("value", "offset"),
    [
        ("2025-03-12T10:00:00+08:00", timedelta(hours=8)),
        ("2025-03-12T10:00:00Z", timedelta(0)),
        ("2025-03-12 10:00 UTC", timedelta(0)),
        ("2025-03-12 10:00 +0530", timedelta(hours=5, minutes=30)),
        ("2025-03-12 10:00-05", timedelta(hours=-5)),
    ],
)
def test_a_written_offset_is_kept(value: str, offset: timedelta):
    result = parse_datetime(value, tz=NEW_YORK)
    assert result.utcoffset() == offset
    assert (result.hour, result.minute) == (10, 0)


def test_an_aware_datetime_is_kept_as_it_is():
    moment = datetime(2025, 3, 12, 10, tzinfo=timezone(timedelta(hours=9)))
    assert parse_datetime(moment, tz=SHANGHAI) is moment


@pytest.mark.parametrize(
    ("value", "options", "template", "params"),
    [
        (
            "2025-03-09 02:30",  # New York skips 02:00-03:00 that night
            {"tz": NEW_YORK},
            "“%(value)s” does not exist in %(zone)s: the clocks skip that time.",
            {"value": "2025-03-09 02:30", "zone": "America/New_York"},
        ),
        (
            "03/04/2025 14:30",
            {"tz": SHANGHAI},
            AMBIGUOUS,
            {"value": "03/04/2025 14:30", "day_first": "2025-04-03", "month_first": "2025-03-04"},
        ),
        (
            "2025-03-12 10:61",
            {"tz": SHANGHAI},
            "“%(value)s”: minute %(minute)s does not exist (0 to 59).",
            {"value": "2025-03-12 10:61", "minute": 61},
        ),
        (
            "2025-03-12 10:00:60",
            {"tz": SHANGHAI},
            "“%(value)s”: second %(second)s does not exist (0 to 59).",
            {"value": "2025-03-12 10:00:60", "second": 60},
        ),
        (
            "2025-03-12 13:00 PM",
            {"tz": SHANGHAI},
            "“%(value)s”: hour %(hour)s does not exist with AM/PM (1 to 12).",
            {"value": "2025-03-12 13:00 PM", "hour": 13},
        ),
        (
            "2025-03-12 10:00+25:00",
            {"tz": SHANGHAI},
            "“%(value)s” has an impossible UTC offset.",
            {"value": "2025-03-12 10:00+25:00"},
        ),
        (
            "0001-01-01 00:00+08:00",  # before the year 1 in UTC: cannot be stored
            {"tz": SHANGHAI},
            "“%(value)s” is too close to the year 1 or 9999.",
            {"value": "0001-01-01 00:00+08:00"},
        ),
        (
            "2025-03-12 noon",
            {"tz": SHANGHAI},
            "“%(value)s” is not a date and time; "
            "write e.g. 2025-03-12 14:30 or 2025年3月12日 14:30.",
            {"value": "2025-03-12 noon"},
        ),
        (
            time(9, 30),
            {"tz": SHANGHAI},
            "“%(value)s” is a time of day without a date.",
            {"value": "09:30:00"},
        ),
        ("", {"tz": SHANGHAI}, "The cell is empty; a date and time is expected.", {}),
    ],
)
def test_datetime_refusals(
    value: object, options: dict[str, Any], template: str, params: dict[str, object]
):
    message = refusal(parse_datetime, value, **options)
    assert (message.template, dict(message.params)) == (template, params)


def test_a_repeated_wall_time_is_its_first_occurrence():
    # New York's clocks go back at 02:00 on 2025-11-02: 01:30 happens twice.
    result = parse_datetime("2025-11-02 01:30", tz=NEW_YORK)
    assert result.utcoffset() == timedelta(hours=-4)


# -- choices and keys -------------------------------------------------------------------------

STAGES = {"won": "won", "Closed Won": "won", "lost": "lost", "赢单": "won", "输单": "lost"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("won", "won"),
        (" WON ", "won"),
        ("closed_won", "won"),
        ("CLOSED-WON", "won"),
        ("Closed   Won", "won"),
        (wide("closed") + "\u3000" + wide("won"), "won"),
        ("赢 单", "won"),
        ("输单", "lost"),
        ("w", "won"),  # an alias
        ("Lost", "lost"),
    ],
)
def test_choice(value: object, expected: str):
    assert parse_choice(value, choices=STAGES, aliases={"W": "won"}) == expected


def test_aliases_are_looked_up_before_choices():
    assert parse_choice("lost", choices=STAGES, aliases={"LOST": "won"}) == "won"


def test_a_number_cell_matches_a_numeric_choice():
    assert parse_choice(2.0, choices={"1": "a", "2": "b"}) == "b"


def test_an_unknown_choice_lists_the_codes():
    message = refusal(parse_choice, "maybe", choices=STAGES)
    assert message.template == "“%(value)s” is not one of: %(allowed)s"
    assert message.params == {"value": "maybe", "allowed": "won, lost"}


def test_a_long_list_of_codes_is_cut_after_twelve():
    choices = {f"c{n}": f"c{n}" for n in range(20)}
    message = refusal(parse_choice, "x", choices=choices)
    assert message.params["allowed"] == ", ".join(f"c{n}" for n in range(12)) + ", …"


def test_a_blank_choice_says_so():
    message = refusal(parse_choice, None, choices=STAGES)
    assert message.template == "The cell is empty; expected one of: %(allowed)s"
    assert message.params == {"allowed": "won, lost"}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Expected Close", "expectedclose"),
        ("expected_close", "expectedclose"),
        ("EXPECTED-CLOSE", "expectedclose"),
        ("Expected.Close\n", "expectedclose"),
        ("预计成交 (日期)", "预计成交日期"),
        ("预计成交（日期）", "预计成交日期"),
        ("【预计成交】日期", "预计成交日期"),
        ("Straße", "strasse"),
    ],
)
def test_normalise_key(text: str, key: str):
    assert normalise_key(text) == key


# -- properties -------------------------------------------------------------------------------

dates = st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31))


@given(day=dates)
def test_every_date_reads_back_from_each_form(day: date):
    serial = (day - EXCEL_DAY_0).days
    for written in (
        day.isoformat(),
        f"{day.year}年{day.month}月{day.day}日",
        serial,
        f"{day.year}/{day.month}/{day.day}",
    ):
        assert parse_date(written) == day


@given(day=dates)
def test_year_last_dates_read_by_value_or_by_order(day: date):
    written = f"{day.day:02d}/{day.month:02d}/{day.year}"
    if day.day > 12:
        assert parse_date(written) == day
    elif day.day != day.month:
        message = refusal(parse_date, written)
        assert message.template == AMBIGUOUS
        assert message.params["day_first"] == day.isoformat()
    assert parse_date(written, order=DateOrder.DMY) == day
    month_first = f"{day.month:02d}/{day.day:02d}/{day.year}"
    assert parse_date(month_first, order=DateOrder.MDY) == day


amounts = st.decimals(
    min_value=D("-1000000000000"), max_value=D("1000000000000"), places=2, allow_nan=False
)


@given(amount=amounts)
def test_amounts_read_back_from_each_form(amount: Decimal):
    grouped = f"{amount:,.2f}"
    for written in (grouped, "¥" + grouped, "$" + grouped, f"{amount} USD"):
        assert parse_amount(written) == amount
    if amount < 0:
        assert parse_amount(f"({abs(amount):,.2f})") == amount
    assert parse_amount(f"{amount / 10000:f}万") == amount


def every_parser(value: object) -> None:
    """Run ``value`` through every parser; each returns a value or raises ValueParseError."""
    refusals: list[Message] = []
    for parse in (
        lambda: parse_text(value, max_length=20),
        lambda: parse_int(value),
        lambda: parse_amount(value),
        lambda: parse_bool(value),
        lambda: parse_date(value),
        lambda: parse_date(value, order=DateOrder.DMY),
        lambda: parse_datetime(value, tz=SHANGHAI),
        lambda: parse_datetime(value, tz=NEW_YORK, order=DateOrder.MDY),
        lambda: parse_choice(value, choices=STAGES),
    ):
        try:
            parse()
        except ValueParseError as error:
            refusals.append(error.message)
    for message in refusals:
        assert str(message)  # renders: every template gets its parameters


@settings(max_examples=500)
@given(text=st.text())
def test_arbitrary_text_never_crashes(text: str):
    every_parser(text)


# Text that looks almost right: the pieces of the accepted forms, shuffled together.
almost_dates = st.lists(
    st.sampled_from(
        [
            *"0123456789/-.: TZ+($),",
            *["年", "月", "日", "时", "分", "秒", "万", "Mar", "PM", "2025", "12", "13", "45728"],
        ]
    ),
    max_size=14,
).map("".join)


@settings(max_examples=1000)
@given(text=almost_dates)
def test_text_close_to_the_accepted_forms_never_crashes(text: str):
    every_parser(text)


cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**5000), max_value=10**5000),
    st.floats(),
    st.decimals(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.timezones()),
    st.times(),
)


@settings(max_examples=500)
@given(value=cells)
def test_arbitrary_cells_never_crash(value: object):
    every_parser(value)


@settings(max_examples=300)
@given(
    moment=st.datetimes(
        # Two years short of the ends: a moment at 0001-01-01 in +08:00 has no UTC time.
        min_value=datetime(2, 1, 1),  # noqa: DTZ001 — hypothesis bounds are naive
        max_value=datetime(9998, 12, 31),  # noqa: DTZ001
        timezones=st.timezones(),
    )
)
def test_an_aware_isoformat_round_trips_exactly(moment: datetime):
    written = moment.isoformat()
    result = parse_datetime(written, tz=UTC)
    assert result.isoformat() == written
    assert result.replace(tzinfo=None) == moment.replace(tzinfo=None)
    assert result.utcoffset() == moment.utcoffset()


@given(moment=st.datetimes(min_value=datetime(1900, 3, 2), max_value=datetime(9999, 12, 30)))  # noqa: DTZ001
def test_a_naive_sheet_datetime_is_wall_clock_time(moment: datetime):
    assume(moment.utcoffset() is None)
    result = parse_datetime(moment, tz=SHANGHAI)
    assert result.replace(tzinfo=None) == moment
    assert result.tzinfo is SHANGHAI
