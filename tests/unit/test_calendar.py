"""Tests for salesmesh.core.calendar: fiscal periods, labels and working days.

Expected working-day counts were counted by hand from the State Council's 2025 holiday
schedule (国务院办公厅关于2025年部分节假日安排的通知) and the US federal holiday list.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import itertools
from datetime import date, timedelta
from fractions import Fraction

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesmesh.core.calendar import (
    CalendarError,
    FiscalCalendar,
    Grain,
    Period,
    WorkCalendar,
    tenure_months,
)

D = date
ONE_DAY = timedelta(days=1)

# Shared so the per-year cache is reused across (hypothesis) examples.
CN = WorkCalendar("CN")
US = WorkCalendar("US")


def _days(start: date, end: date) -> list[date]:
    """Every date from start to end inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _assert_exact_cover(parent: Period, parts: list[Period]) -> None:
    """Parts are contiguous, in order, and cover parent with no gap or overlap."""
    assert parts, "a split is never empty"
    assert parts[0].start == parent.start
    assert parts[-1].end == parent.end
    for left, right in itertools.pairwise(parts):
        assert right.start == left.end + ONE_DAY
    assert sum(p.days for p in parts) == parent.days


# --- FiscalCalendar ------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, 13, -1, True, 4.0, "4"])
def test_fiscal_calendar_rejects_bad_start_month(bad: object) -> None:
    with pytest.raises(CalendarError, match="start_month"):
        FiscalCalendar(bad)  # type: ignore[arg-type]


def test_calendar_error_is_a_value_error() -> None:
    assert issubclass(CalendarError, ValueError)


def test_default_fiscal_year_is_the_calendar_year() -> None:
    fy = FiscalCalendar().fiscal_year(2025)
    assert (fy.start, fy.end, fy.label, fy.days) == (D(2025, 1, 1), D(2025, 12, 31), "FY2025", 365)


def test_fiscal_year_starting_in_april_spans_two_calendar_years() -> None:
    cal = FiscalCalendar(4)
    fy = cal.fiscal_year(2025)
    assert (fy.start, fy.end) == (D(2025, 4, 1), D(2026, 3, 31))
    assert fy.label == "FY2025"
    assert fy.days == 365
    # Labelled by the calendar year in which it starts.
    assert cal.period_containing(D(2026, 3, 31), Grain.YEAR) == fy
    assert cal.period_containing(D(2025, 3, 31), Grain.YEAR).label == "FY2024"
    assert cal.period_containing(D(2026, 4, 1), Grain.YEAR).label == "FY2026"
    assert cal.fiscal_year(2023).days == 366  # contains 2024-02-29


@pytest.mark.parametrize(
    ("start_month", "day", "label", "start", "end"),
    [
        (4, D(2025, 4, 1), "FY2025-Q1", D(2025, 4, 1), D(2025, 6, 30)),
        (4, D(2025, 7, 1), "FY2025-Q2", D(2025, 7, 1), D(2025, 9, 30)),
        (4, D(2025, 12, 31), "FY2025-Q3", D(2025, 10, 1), D(2025, 12, 31)),
        (4, D(2026, 1, 15), "FY2025-Q4", D(2026, 1, 1), D(2026, 3, 31)),
        (4, D(2026, 4, 1), "FY2026-Q1", D(2026, 4, 1), D(2026, 6, 30)),
        (1, D(2025, 12, 31), "FY2025-Q4", D(2025, 10, 1), D(2025, 12, 31)),
        (1, D(2025, 2, 14), "FY2025-Q1", D(2025, 1, 1), D(2025, 3, 31)),
        # Quarter straddling the calendar year boundary.
        (11, D(2025, 12, 31), "FY2025-Q1", D(2025, 11, 1), D(2026, 1, 31)),
        (11, D(2026, 1, 31), "FY2025-Q1", D(2025, 11, 1), D(2026, 1, 31)),
        (11, D(2026, 10, 31), "FY2025-Q4", D(2026, 8, 1), D(2026, 10, 31)),
    ],
)
def test_fiscal_quarters(start_month: int, day: date, label: str, start: date, end: date) -> None:
    cal = FiscalCalendar(start_month)
    q = cal.period_containing(day, Grain.QUARTER)
    assert (q.label, q.start, q.end) == (label, start, end)
    fy, number = int(label[2:6]), int(label[-1])
    assert cal.quarter(fy, number) == q


@pytest.mark.parametrize("q", [0, 5])
def test_quarter_number_must_be_one_to_four(q: int) -> None:
    with pytest.raises(CalendarError, match="quarter"):
        FiscalCalendar().quarter(2025, q)


def test_month_and_day_labels() -> None:
    cal = FiscalCalendar(4)
    month = cal.period_containing(D(2025, 3, 12), Grain.MONTH)
    assert (month.label, month.start, month.end, month.days) == (
        "2025-03",
        D(2025, 3, 1),
        D(2025, 3, 31),
        31,
    )
    day = cal.period_containing(D(2025, 3, 12), Grain.DAY)
    assert (day.label, day.start, day.end, day.days) == (
        "2025-03-12",
        D(2025, 3, 12),
        D(2025, 3, 12),
        1,
    )
    assert str(day) == "2025-03-12"
    assert cal.period_containing(D(2024, 2, 10), Grain.MONTH).days == 29


def test_period_containing_accepts_grain_strings() -> None:
    assert FiscalCalendar().period_containing(D(2025, 3, 12), "month").grain is Grain.MONTH  # type: ignore[arg-type]


def test_week_spanning_the_year_boundary_uses_the_iso_year() -> None:
    week = FiscalCalendar().period_containing(D(2024, 12, 31), Grain.WEEK)
    assert (week.start, week.end) == (D(2024, 12, 30), D(2025, 1, 5))
    assert week.start.weekday() == 0  # Monday
    assert week.label == "2025-W01"


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2026-W53", D(2026, 12, 28), D(2027, 1, 3)),
        ("2020-W53", D(2020, 12, 28), D(2021, 1, 3)),
    ],
)
def test_iso_week_53(label: str, start: date, end: date) -> None:
    cal = FiscalCalendar()
    week = cal.parse(label)
    assert (week.grain, week.start, week.end) == (Grain.WEEK, start, end)
    assert cal.period_containing(D(end.year, 1, 1), Grain.WEEK) == week
    assert week.label == label


def test_a_year_without_week_53_rejects_it() -> None:
    with pytest.raises(CalendarError, match="ISO week"):
        FiscalCalendar().parse("2025-W53")


def test_contains() -> None:
    month = FiscalCalendar().parse("2025-02")
    assert month.contains(D(2025, 2, 1))
    assert month.contains(D(2025, 2, 28))
    assert not month.contains(D(2025, 1, 31))
    assert not month.contains(D(2025, 3, 1))


def test_period_validation() -> None:
    with pytest.raises(CalendarError, match="before its start"):
        Period(Grain.DAY, D(2025, 1, 2), D(2025, 1, 1))
    with pytest.raises(CalendarError, match="more than one month"):
        Period(Grain.MONTH, D(2025, 1, 15), D(2025, 2, 14))
    with pytest.raises(CalendarError, match="more than one week"):
        Period(Grain.WEEK, D(2025, 1, 5), D(2025, 1, 6))  # Sunday..Monday
    # A clipped piece of a unit is a valid period.
    piece = Period(Grain.WEEK, D(2025, 1, 1), D(2025, 1, 5))
    assert piece.label == "2025-W01"
    assert not piece.is_whole


# --- split ---------------------------------------------------------------------------


def test_split_month_into_weeks_clips_partial_weeks_at_the_edges() -> None:
    cal = FiscalCalendar()
    march = cal.parse("2025-03")  # starts on a Saturday, ends on a Monday
    weeks = cal.split(march, Grain.WEEK)
    _assert_exact_cover(march, weeks)
    assert [w.label for w in weeks] == [f"2025-W{n:02d}" for n in range(9, 15)]
    assert (weeks[0].start, weeks[0].end) == (D(2025, 3, 1), D(2025, 3, 2))
    assert (weeks[-1].start, weeks[-1].end) == (D(2025, 3, 31), D(2025, 3, 31))
    assert not weeks[0].is_whole
    assert all(w.is_whole for w in weeks[1:-1])
    assert not weeks[-1].is_whole


@pytest.mark.parametrize("start_month", [1, 4, 10])
@pytest.mark.parametrize(
    ("grain", "count"),
    [(Grain.QUARTER, 4), (Grain.MONTH, 12), (Grain.DAY, 365)],
)
def test_split_fiscal_year_covers_it_exactly(start_month: int, grain: Grain, count: int) -> None:
    cal = FiscalCalendar(start_month)
    fy = cal.fiscal_year(2025)
    assert fy.days == 365  # none of these fiscal years contains Feb 29
    parts = cal.split(fy, grain)
    _assert_exact_cover(fy, parts)
    assert len(parts) == count
    assert all(p.grain is grain and p.is_whole for p in parts)


def test_split_fiscal_year_into_weeks() -> None:
    cal = FiscalCalendar(4)
    fy = cal.fiscal_year(2025)  # Tue 2025-04-01 .. Tue 2026-03-31
    weeks = cal.split(fy, Grain.WEEK)
    _assert_exact_cover(fy, weeks)
    assert len(weeks) == 53  # 51 whole weeks plus a partial week at each end
    assert (weeks[0].label, weeks[0].start, weeks[0].end) == (
        "2025-W14",
        D(2025, 4, 1),
        D(2025, 4, 6),
    )
    assert (weeks[-1].label, weeks[-1].start, weeks[-1].end) == (
        "2026-W14",
        D(2026, 3, 30),
        D(2026, 3, 31),
    )
    assert sum(w.is_whole for w in weeks) == 51


def test_split_into_quarter_labels() -> None:
    cal = FiscalCalendar(4)
    assert [q.label for q in cal.split(cal.fiscal_year(2025), Grain.QUARTER)] == [
        "FY2025-Q1",
        "FY2025-Q2",
        "FY2025-Q3",
        "FY2025-Q4",
    ]


def test_split_into_the_same_grain_returns_the_period() -> None:
    cal = FiscalCalendar()
    month = cal.parse("2025-02")
    assert cal.split(month, Grain.MONTH) == [month]


def test_split_into_a_coarser_grain_is_an_error() -> None:
    cal = FiscalCalendar()
    with pytest.raises(CalendarError, match="coarser"):
        cal.split(cal.parse("2025-02"), Grain.QUARTER)


# --- parse ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label",
    ["FY2025", "FY2025-Q2", "2025-03", "2026-W53", "2025-W01", "2025-03-12", "2024-02-29"],
)
@pytest.mark.parametrize("start_month", [1, 4, 7])
def test_parse_round_trips_labels(label: str, start_month: int) -> None:
    cal = FiscalCalendar(start_month)
    period = cal.parse(label)
    assert period.label == label
    assert Period.parse(label, cal) == period
    assert period.is_whole


def test_parse_fiscal_labels_depend_on_the_calendar() -> None:
    assert Period.parse("FY2025-Q2").start == D(2025, 4, 1)
    assert Period.parse("FY2025-Q2", FiscalCalendar(4)).start == D(2025, 7, 1)


@pytest.mark.parametrize(
    "label",
    ["", "garbage", "FY25", "FY2025-Q5", "2025-13", "2025-00", "2025-W00", "2025-02-30", "2025-3"],
)
def test_parse_rejects_bad_labels(label: str) -> None:
    with pytest.raises(CalendarError):
        FiscalCalendar().parse(label)


# --- WorkCalendar: China -------------------------------------------------------------


def test_china_spring_festival_2025() -> None:
    for d in _days(D(2025, 1, 28), D(2025, 2, 4)):
        assert not CN.is_working_day(d), d
    # 调休: these weekend days are working days.
    assert D(2025, 1, 26).weekday() == 6  # Sunday
    assert D(2025, 2, 8).weekday() == 5  # Saturday
    assert CN.is_working_day(D(2025, 1, 26))
    assert CN.is_working_day(D(2025, 2, 8))
    assert CN.is_working_day(D(2025, 1, 27))
    assert CN.is_working_day(D(2025, 2, 5))
    assert {D(2025, 1, 26), D(2025, 2, 8)} <= CN.makeup_workdays_in(2025)


def test_china_national_day_2025() -> None:
    for d in _days(D(2025, 10, 1), D(2025, 10, 8)):
        assert not CN.is_working_day(d), d
    assert CN.is_working_day(D(2025, 9, 28))  # Sunday
    assert CN.is_working_day(D(2025, 10, 11))  # Saturday
    assert CN.is_working_day(D(2025, 10, 9))
    assert not CN.is_working_day(D(2025, 10, 12))  # an ordinary Sunday


def test_china_2025_make_up_workdays_are_exactly_the_official_ones() -> None:
    assert CN.makeup_workdays_in(2025) == {
        D(2025, 1, 26),
        D(2025, 2, 8),
        D(2025, 4, 27),
        D(2025, 9, 28),
        D(2025, 10, 11),
    }


def test_china_working_days_per_month_2025() -> None:
    # Jan: 23 weekdays - Jan 1, 28, 29, 30, 31 + Sun Jan 26 = 19.
    assert CN.working_days(D(2025, 1, 1), D(2025, 1, 31)) == 19
    # Feb: 20 weekdays - Feb 3, 4 + Sat Feb 8 = 19.
    assert CN.working_days(D(2025, 2, 1), D(2025, 2, 28)) == 19
    # Oct: 23 weekdays - Oct 1, 2, 3, 6, 7, 8 + Sat Oct 11 = 18.
    assert CN.working_days_in(Period.parse("2025-10")) == 18


def test_china_working_days_2025_total() -> None:
    # 261 weekdays - 13 weekday holidays + 5 make-up days (official total: 248).
    assert CN.working_days_in(FiscalCalendar().fiscal_year(2025)) == 248


def test_working_dates_matches_working_days() -> None:
    dates = CN.working_dates(D(2025, 1, 25), D(2025, 2, 9))
    assert dates == [
        D(2025, 1, 26),
        D(2025, 1, 27),
        D(2025, 2, 5),
        D(2025, 2, 6),
        D(2025, 2, 7),
        D(2025, 2, 8),
    ]
    assert CN.working_days(D(2025, 1, 25), D(2025, 2, 9)) == 6


def test_empty_and_single_day_ranges() -> None:
    assert CN.working_days(D(2025, 2, 1), D(2025, 1, 31)) == 0
    assert CN.working_dates(D(2025, 2, 1), D(2025, 1, 31)) == []
    assert CN.working_days(D(2025, 1, 26), D(2025, 1, 26)) == 1
    assert CN.working_days(D(2025, 1, 28), D(2025, 1, 28)) == 0


def test_working_days_across_several_years() -> None:
    # China: 2024 has 251 working days, 2025 has 248.
    assert CN.working_days(D(2024, 1, 1), D(2025, 12, 31)) == 251 + 248
    assert len(CN.working_dates(D(2024, 1, 1), D(2025, 12, 31))) == 251 + 248


@pytest.mark.parametrize("country", ["CN", "US"])
def test_agrees_with_the_holidays_library_day_by_day(country: str) -> None:
    work = WorkCalendar(country)
    # Neighbouring years populated so cross-year make-up days are known to the reference.
    reference = holidays.country_holidays(country, years=range(2017, 2029))
    for d in _days(D(2018, 1, 1), D(2027, 12, 31)):
        assert work.is_working_day(d) == reference.is_working_day(d), d


def test_years_are_queried_once_and_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    work = WorkCalendar("CN")
    calls: list[object] = []
    real = holidays.country_holidays

    def counting(*args: object, **kwargs: object) -> holidays.HolidayBase:
        calls.append(kwargs.get("years"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(holidays, "country_holidays", counting)
    assert work.working_days(D(2020, 1, 1), D(2024, 12, 31)) > 0
    assert len(calls) == 5  # one query per calendar year
    work.working_days(D(2020, 1, 1), D(2024, 12, 31))
    work.working_dates(D(2021, 3, 1), D(2023, 3, 1))
    work.is_working_day(D(2022, 6, 1))
    assert len(calls) == 5


# --- WorkCalendar: other countries and errors ----------------------------------------


def test_us_federal_holidays_2025() -> None:
    assert not US.is_working_day(D(2025, 7, 4))  # Independence Day, a Friday
    assert not US.is_working_day(D(2025, 11, 27))  # Thanksgiving
    assert US.is_working_day(D(2025, 11, 28))  # the day after is not federal
    # Jan: 23 weekdays - New Year's Day - MLK Day (Jan 20) = 21.
    assert US.working_days(D(2025, 1, 1), D(2025, 1, 31)) == 21
    assert US.makeup_workdays_in(2025) == frozenset()
    assert D(2025, 12, 25) in US.holidays_in(2025)


def test_us_observed_holiday_crosses_the_year_boundary() -> None:
    # New Year's Day 2022 fell on a Saturday and was observed on Friday 2021-12-31.
    assert not US.is_working_day(D(2021, 12, 31))


def test_us_subdivision() -> None:
    california = WorkCalendar("US", "CA")
    assert not california.is_working_day(D(2025, 3, 31))  # Cesar Chavez Day
    assert US.is_working_day(D(2025, 3, 31))


def test_country_code_is_normalised() -> None:
    assert WorkCalendar("cn") == WorkCalendar("CN")
    assert WorkCalendar("cn").country == "CN"
    assert WorkCalendar() == CN


def test_unknown_country_is_a_clear_error() -> None:
    with pytest.raises(CalendarError, match="unknown country 'XX'"):
        WorkCalendar("XX")


def test_unknown_subdivision_is_a_clear_error() -> None:
    with pytest.raises(CalendarError, match="unknown subdivision 'ZZ' for country 'US'"):
        WorkCalendar("US", "ZZ")


# --- elapsed_share / remaining_working_days ------------------------------------------

FEB_2025 = Period.parse("2025-02")


@pytest.mark.parametrize(
    ("as_of", "share"),
    [
        (D(2025, 1, 15), Fraction(0)),  # before the period
        (D(2025, 1, 31), Fraction(0)),
        (D(2025, 2, 1), Fraction(0)),  # first day is a Saturday
        (D(2025, 2, 4), Fraction(0)),  # still Spring Festival
        (D(2025, 2, 5), Fraction(1, 19)),
        # Feb 5, 6, 7, 8 (make-up Saturday), 10, 11, 12, 13, 14.
        (D(2025, 2, 14), Fraction(9, 19)),
        (D(2025, 2, 27), Fraction(18, 19)),
        (D(2025, 2, 28), Fraction(1)),  # end
        (D(2025, 6, 1), Fraction(1)),  # after
    ],
)
def test_elapsed_share(as_of: date, share: Fraction) -> None:
    assert CN.elapsed_share(FEB_2025, as_of) == share


def test_elapsed_share_falls_back_to_calendar_days_without_working_days() -> None:
    golden_week = Period(Grain.WEEK, D(2025, 10, 1), D(2025, 10, 5))  # clipped 2025-W40
    assert CN.working_days_in(golden_week) == 0
    assert CN.elapsed_share(golden_week, D(2025, 9, 30)) == 0
    assert CN.elapsed_share(golden_week, D(2025, 10, 2)) == Fraction(2, 5)
    assert CN.elapsed_share(golden_week, D(2025, 10, 5)) == 1


@pytest.mark.parametrize(
    ("as_of", "remaining"),
    [
        (D(2025, 1, 31), 19),
        (D(2025, 2, 1), 19),
        (D(2025, 2, 14), 10),
        (D(2025, 2, 27), 1),
        (D(2025, 2, 28), 0),
        (D(2025, 3, 5), 0),
    ],
)
def test_remaining_working_days(as_of: date, remaining: int) -> None:
    assert CN.remaining_working_days(FEB_2025, as_of) == remaining


# --- tenure_months -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hire", "as_of", "months"),
    [
        (D(2024, 3, 15), D(2024, 3, 15), 0),
        (D(2024, 3, 15), D(2024, 4, 14), 0),
        (D(2024, 3, 15), D(2024, 4, 15), 1),
        (D(2024, 3, 15), D(2025, 3, 14), 11),
        (D(2024, 3, 15), D(2025, 3, 15), 12),
        (D(2024, 1, 31), D(2024, 2, 28), 0),
        (D(2024, 1, 31), D(2024, 2, 29), 1),  # shorter month: its last day completes it
        (D(2023, 1, 31), D(2023, 2, 28), 1),
        (D(2024, 1, 31), D(2024, 3, 30), 1),
        (D(2024, 1, 31), D(2024, 3, 31), 2),
        (D(2025, 6, 1), D(2025, 5, 31), 0),  # hired after as_of
    ],
)
def test_tenure_months(hire: date, as_of: date, months: int) -> None:
    assert tenure_months(hire, as_of) == months


# --- property tests ------------------------------------------------------------------

dates = st.dates(min_value=D(2015, 1, 1), max_value=D(2030, 12, 31))
grains = st.sampled_from(list(Grain))
fiscal_calendars = st.builds(FiscalCalendar, st.integers(min_value=1, max_value=12))
work_calendars = st.sampled_from([CN, US])


@given(work_calendars, dates, dates, dates)
def test_working_days_is_additive(work: WorkCalendar, x: date, y: date, z: date) -> None:
    a, b, c = sorted((x, y, z))
    assert work.working_days(a, c) == work.working_days(a, b) + work.working_days(b + ONE_DAY, c)
    assert work.working_days(a, c) == len(work.working_dates(a, c))


@given(work_calendars, dates, st.integers(min_value=0, max_value=60))
def test_working_days_matches_a_day_by_day_count(work: WorkCalendar, a: date, span: int) -> None:
    c = a + timedelta(days=span)
    assert work.working_days(a, c) == sum(work.is_working_day(d) for d in _days(a, c))


@given(fiscal_calendars, dates, grains, grains)
def test_split_covers_the_parent_exactly(
    cal: FiscalCalendar, d: date, g1: Grain, g2: Grain
) -> None:
    parent_grain, child_grain = sorted((g1, g2), key=lambda g: g.rank)
    parent = cal.period_containing(d, parent_grain)
    parts = cal.split(parent, child_grain)
    _assert_exact_cover(parent, parts)
    for part in parts:
        assert part.grain is child_grain
        assert parent.contains(part.start)
        assert parent.contains(part.end)
        # A clipped piece still carries the label of the whole unit it came from.
        whole = cal.parse(part.label)
        assert whole.contains(part.start)
        assert whole.contains(part.end)


@given(work_calendars, fiscal_calendars, dates, grains, dates, dates)
def test_elapsed_share_is_monotone_and_bounded(
    work: WorkCalendar, cal: FiscalCalendar, d: date, grain: Grain, x: date, y: date
) -> None:
    period = cal.period_containing(d, grain)
    early, late = sorted((x, y))
    share_early = work.elapsed_share(period, early)
    share_late = work.elapsed_share(period, late)
    assert 0 <= share_early <= share_late <= 1
    assert work.elapsed_share(period, period.start - ONE_DAY) == 0
    assert work.elapsed_share(period, period.end) == 1
    remaining = work.remaining_working_days(period, early)
    assert 0 <= remaining <= work.working_days_in(period)


@given(fiscal_calendars, dates, grains)
def test_parse_round_trips(cal: FiscalCalendar, d: date, grain: Grain) -> None:
    period = cal.period_containing(d, grain)
    assert period.contains(d)
    assert cal.parse(period.label) == period
    assert Period.parse(period.label, cal) == period


def _add_months(d: date, months: int) -> date:
    """Reference: d plus whole months, clamped to the end of shorter months."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return D(year, month, min(d.day, stdlib_calendar.monthrange(year, month)[1]))


@given(dates, dates)
def test_tenure_months_brackets_as_of(hire: date, as_of: date) -> None:
    n = tenure_months(hire, as_of)
    if as_of < hire:
        assert n == 0
    else:
        assert _add_months(hire, n) <= as_of < _add_months(hire, n + 1)
