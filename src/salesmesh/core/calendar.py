"""Calendar maths every sales plan is built on: fiscal periods and working days.

Pure Python (no Django). Two independent calendars live here:

* ``FiscalCalendar`` turns dates into labelled periods (fiscal years and quarters, calendar
  months, ISO weeks, days), splits periods into finer ones and parses labels back.
* ``WorkCalendar`` counts working days from the maintained ``holidays`` library, which
  knows official days off and, for China, the make-up working days (调休).
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, date, timedelta
from enum import StrEnum
from fractions import Fraction

import holidays

__all__ = [
    "CalendarError",
    "FiscalCalendar",
    "Grain",
    "Period",
    "WorkCalendar",
    "tenure_months",
]

_ONE_DAY = timedelta(days=1)


class CalendarError(ValueError):
    """Raised for invalid calendar input: bad months, labels, periods or countries."""


class Grain(StrEnum):
    """Granularity of a period, coarsest first."""

    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"
    WEEK = "week"
    DAY = "day"

    @property
    def rank(self) -> int:
        """Position from coarsest (0, year) to finest (4, day)."""
        return _GRAIN_ORDER.index(self)


# Declared after the enum because members cannot be referenced inside its body.
_GRAIN_ORDER: tuple[Grain, ...] = tuple(Grain)


def _safe_date(year: int, month: int, day: int) -> date:
    """Build a date, reporting out-of-range values as CalendarError."""
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise CalendarError(f"date {year:04d}-{month:02d}-{day:02d} is out of range") from exc


def _month_end(year: int, month: int) -> date:
    """Last day of a calendar month."""
    return date(year, month, _stdlib_calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    """(year, month) shifted by a number of months."""
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class FiscalCalendar:
    """Fiscal year layout; a fiscal year is labelled by the calendar year in which it STARTS.

    With ``start_month=4``, FY2025 runs 2025-04-01..2026-03-31 and FY2025-Q1 is
    April..June 2025. With the default ``start_month=1`` fiscal years are calendar years.
    Months are always calendar months and weeks are ISO weeks (Monday..Sunday).
    """

    start_month: int = 1

    def __post_init__(self) -> None:
        """Reject start months outside 1..12."""
        # bool is an int subclass; FiscalCalendar(True) is certainly a mistake.
        if (
            isinstance(self.start_month, bool)
            or not isinstance(self.start_month, int)
            or not 1 <= self.start_month <= 12
        ):
            raise CalendarError(
                f"fiscal start_month must be an integer 1..12, got {self.start_month!r}"
            )

    # -- fiscal arithmetic -------------------------------------------------------------

    def fiscal_year_of(self, d: date) -> int:
        """Label year of the fiscal year containing ``d``."""
        return d.year if d.month >= self.start_month else d.year - 1

    def fiscal_quarter_of(self, d: date) -> int:
        """Fiscal quarter (1..4) containing ``d``."""
        return (d.month - self.start_month) % 12 // 3 + 1

    def _fiscal_year_bounds(self, fy: int) -> tuple[date, date]:
        """First and last day of fiscal year ``fy``."""
        start = _safe_date(fy, self.start_month, 1)
        end_year, end_month = _add_months(fy, self.start_month, 11)
        if end_year > MAXYEAR:
            raise CalendarError(f"fiscal year FY{fy} ends after {MAXYEAR}")
        return start, _month_end(end_year, end_month)

    def _quarter_bounds(self, fy: int, q: int) -> tuple[date, date]:
        """First and last day of fiscal quarter ``q`` of fiscal year ``fy``."""
        if isinstance(q, bool) or not 1 <= q <= 4:
            raise CalendarError(f"quarter must be 1..4, got {q!r}")
        start_year, start_month = _add_months(fy, self.start_month, 3 * (q - 1))
        end_year, end_month = _add_months(start_year, start_month, 2)
        if not MINYEAR <= start_year <= end_year <= MAXYEAR:
            raise CalendarError(f"fiscal quarter FY{fy}-Q{q} is out of the supported date range")
        return date(start_year, start_month, 1), _month_end(end_year, end_month)

    def _unit_bounds(self, d: date, grain: Grain) -> tuple[date, date]:
        """Full (unclipped) bounds of the ``grain`` unit containing ``d``."""
        # Period.__post_init__ validates through this helper, so it must not build Periods.
        match grain:
            case Grain.YEAR:
                return self._fiscal_year_bounds(self.fiscal_year_of(d))
            case Grain.QUARTER:
                return self._quarter_bounds(self.fiscal_year_of(d), self.fiscal_quarter_of(d))
            case Grain.MONTH:
                return d.replace(day=1), _month_end(d.year, d.month)
            case Grain.WEEK:
                try:
                    monday = d - timedelta(days=d.weekday())
                    return monday, monday + timedelta(days=6)
                except OverflowError as exc:
                    raise CalendarError(f"the ISO week of {d} is out of range") from exc
            case Grain.DAY:
                return d, d

    # -- period constructors -----------------------------------------------------------

    def period_containing(self, d: date, grain: Grain) -> Period:
        """The whole ``grain`` period that contains ``d``."""
        start, end = self._unit_bounds(d, Grain(grain))
        return Period(Grain(grain), start, end, self)

    def fiscal_year(self, year: int) -> Period:
        """Fiscal year FY``year`` (starts in calendar year ``year``)."""
        start, end = self._fiscal_year_bounds(year)
        return Period(Grain.YEAR, start, end, self)

    def quarter(self, fy: int, q: int) -> Period:
        """Fiscal quarter ``q`` (1..4) of fiscal year FY``fy``."""
        start, end = self._quarter_bounds(fy, q)
        return Period(Grain.QUARTER, start, end, self)

    def split(self, period: Period, grain: Grain) -> list[Period]:
        """Contiguous ``grain`` sub-periods covering ``period`` exactly, clipped to its bounds."""
        grain = Grain(grain)
        if grain.rank < period.grain.rank:
            raise CalendarError(
                f"cannot split a {period.grain} into coarser {grain} periods; "
                "split only into the same or a finer grain"
            )
        parts: list[Period] = []
        cursor = period.start
        while True:
            _, unit_end = self._unit_bounds(cursor, grain)
            # Clipping keeps edge pieces (e.g. partial ISO weeks) inside the parent.
            end = min(unit_end, period.end)
            parts.append(Period(grain, cursor, end, self))
            if end >= period.end:
                return parts
            cursor = end + _ONE_DAY

    # -- labels ------------------------------------------------------------------------

    def label(self, period: Period) -> str:
        """Label of ``period`` under this calendar (see ``Period.label``)."""
        start = period.start
        match period.grain:
            case Grain.YEAR:
                return f"FY{self.fiscal_year_of(start):04d}"
            case Grain.QUARTER:
                return f"FY{self.fiscal_year_of(start):04d}-Q{self.fiscal_quarter_of(start)}"
            case Grain.MONTH:
                return f"{start.year:04d}-{start.month:02d}"
            case Grain.WEEK:
                iso = start.isocalendar()
                return f"{iso.year:04d}-W{iso.week:02d}"
            case Grain.DAY:
                return start.isoformat()

    def parse(self, label: str) -> Period:
        """The whole period named by ``label`` (inverse of ``Period.label``)."""
        text = label.strip()
        if m := _YEAR_RE.fullmatch(text):
            return self.fiscal_year(int(m["fy"]))
        if m := _QUARTER_RE.fullmatch(text):
            return self.quarter(int(m["fy"]), int(m["q"]))
        if m := _WEEK_RE.fullmatch(text):
            try:
                monday = date.fromisocalendar(int(m["year"]), int(m["week"]), 1)
            except ValueError as exc:
                raise CalendarError(f"{label!r} is not a valid ISO week") from exc
            return self.period_containing(monday, Grain.WEEK)
        if m := _MONTH_RE.fullmatch(text):
            first = _safe_date(int(m["year"]), int(m["month"]), 1)
            return self.period_containing(first, Grain.MONTH)
        if m := _DAY_RE.fullmatch(text):
            day = _safe_date(int(m["year"]), int(m["month"]), int(m["day"]))
            return self.period_containing(day, Grain.DAY)
        raise CalendarError(
            f"unrecognised period label {label!r}; expected FY2025, FY2025-Q2, 2025-03, "
            "2025-W07 or 2025-03-12"
        )


# [0-9] rather than \d, which would also accept non-ASCII (e.g. full-width) digits.
_YEAR_RE = re.compile(r"FY(?P<fy>[0-9]{4})")
_QUARTER_RE = re.compile(r"FY(?P<fy>[0-9]{4})-Q(?P<q>[1-4])")
_WEEK_RE = re.compile(r"(?P<year>[0-9]{4})-W(?P<week>[0-9]{2})")
_MONTH_RE = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})")
_DAY_RE = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})")


@dataclass(frozen=True)
class Period:
    """Inclusive date range of one grain; may be a clipped piece of its grain's unit."""

    grain: Grain
    start: date
    end: date
    # Needed for fiscal labels (which quarter is Q1); months/weeks/days ignore it.
    calendar: FiscalCalendar = field(default_factory=FiscalCalendar)

    def __post_init__(self) -> None:
        """Ensure start <= end and both fall within a single unit of the grain."""
        object.__setattr__(self, "grain", Grain(self.grain))
        if self.end < self.start:
            raise CalendarError(f"period end {self.end} is before its start {self.start}")
        _, unit_end = self.calendar._unit_bounds(self.start, self.grain)
        # Otherwise the label would name only part of the range.
        if self.end > unit_end:
            raise CalendarError(
                f"{self.start}..{self.end} spans more than one {self.grain}; "
                f"a {self.grain} starting {self.start} ends by {unit_end}"
            )

    @classmethod
    def parse(cls, label: str, calendar: FiscalCalendar | None = None) -> Period:
        """The whole period named by ``label`` under ``calendar`` (default: calendar years)."""
        return (calendar or FiscalCalendar()).parse(label)

    @property
    def label(self) -> str:
        """Human label: FY2025, FY2025-Q2, 2025-03, 2026-W53 (ISO year-week) or 2025-03-12."""
        return self.calendar.label(self)

    @property
    def days(self) -> int:
        """Number of calendar days, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def is_whole(self) -> bool:
        """True unless this period was clipped to a parent's bounds."""
        return (self.start, self.end) == self.calendar._unit_bounds(self.start, self.grain)

    def contains(self, d: date) -> bool:
        """True if ``d`` lies within the period (inclusive)."""
        return self.start <= d <= self.end

    def __str__(self) -> str:
        """The label."""
        return self.label


@dataclass(frozen=True)
class _YearTable:
    """Working-day facts for one calendar year, precomputed once."""

    year: int
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    off_days: frozenset[date]
    # cumulative[i] = working days among the first i days of the year (prefix sums).
    cumulative: tuple[int, ...]

    def count(self, start: date, end: date) -> int:
        """Working days in start..end inclusive; both must be in this year."""
        first = date(self.year, 1, 1).toordinal()
        return (
            self.cumulative[end.toordinal() - first + 1]
            - self.cumulative[start.toordinal() - first]
        )


@dataclass(frozen=True)
class WorkCalendar:
    """Working days of a country (and optional subdivision) from the ``holidays`` library."""

    country: str = "CN"
    subdivision: str | None = None
    _years: dict[int, _YearTable] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        """Normalise the country code and fail fast on unknown countries or subdivisions."""
        country = self.country.strip().upper()
        object.__setattr__(self, "country", country)
        if country not in holidays.list_supported_countries():
            raise CalendarError(
                f"unknown country {self.country!r}: the holidays library has no calendar for it "
                "(use an ISO 3166-1 alpha-2 code such as 'CN' or 'US')"
            )
        try:
            holidays.country_holidays(country, subdiv=self.subdivision, years=())
        except NotImplementedError as exc:
            raise CalendarError(
                f"unknown subdivision {self.subdivision!r} for country {country!r}: {exc}"
            ) from exc

    # -- per-year cache ----------------------------------------------------------------

    def _table(self, year: int) -> _YearTable:
        """The cached working-day table for ``year``, built on first use."""
        table = self._years.get(year)
        if table is None:
            table = self._build_table(year)
            # A race between threads only builds the same immutable table twice.
            self._years[year] = table
        return table

    def _build_table(self, year: int) -> _YearTable:
        """Query the holidays library once for ``year`` and precompute its facts."""
        # Neighbouring years too: a make-up workday can be declared by the next year's
        # schedule (e.g. Sat 2001-12-29 for New Year 2002) and observed holidays can
        # cross the year boundary.
        years = range(max(MINYEAR, year - 1), min(MAXYEAR, year + 1) + 1)
        source = holidays.country_holidays(self.country, subdiv=self.subdivision, years=years)
        first = date(year, 1, 1)
        n_days = 366 if _stdlib_calendar.isleap(year) else 365
        dates = [first + timedelta(days=i) for i in range(n_days)]
        # The library's is_working_day is authoritative (some countries' weekends change
        # by date, e.g. Saudi Arabia in 2013); asking it once per day here, at build time,
        # keeps every later query a set lookup or a prefix-sum subtraction.
        off_days = frozenset(d for d in dates if not source.is_working_day(d))
        cumulative = [0]
        for d in dates:
            cumulative.append(cumulative[-1] + (d not in off_days))
        return _YearTable(
            year=year,
            holidays=frozenset(d for d in source if d.year == year),
            # The library's set can hold other years' dates; keep only this year's.
            makeup_workdays=frozenset(d for d in source.weekend_workdays if d.year == year),
            off_days=off_days,
            cumulative=tuple(cumulative),
        )

    # -- queries -----------------------------------------------------------------------

    def holidays_in(self, year: int) -> frozenset[date]:
        """Official days off (holidays, including observed/substituted ones) in ``year``."""
        return self._table(year).holidays

    def makeup_workdays_in(self, year: int) -> frozenset[date]:
        """Weekend dates that are working days in ``year`` (China's 调休 make-up days)."""
        return self._table(year).makeup_workdays

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` is a working day."""
        return d not in self._table(d.year).off_days

    def working_days(self, start: date, end: date) -> int:
        """Working days in start..end, both inclusive; 0 if end < start."""
        if end < start:
            return 0
        total = 0
        for year in range(start.year, end.year + 1):
            lo = start if year == start.year else date(year, 1, 1)
            hi = end if year == end.year else date(year, 12, 31)
            total += self._table(year).count(lo, hi)
        return total

    def working_dates(self, start: date, end: date) -> list[date]:
        """Working dates in start..end, both inclusive, ascending; empty if end < start."""
        result: list[date] = []
        for year in range(start.year, end.year + 1):
            off_days = self._table(year).off_days
            d = start if year == start.year else date(year, 1, 1)
            hi = end if year == end.year else date(year, 12, 31)
            while d <= hi:
                if d not in off_days:
                    result.append(d)
                if d == hi:
                    break
                d += _ONE_DAY
        return result

    def working_days_in(self, period: Period) -> int:
        """Working days in ``period``."""
        return self.working_days(period.start, period.end)

    def elapsed_share(self, period: Period, as_of: date) -> Fraction:
        """Share of ``period``'s working days on or before ``as_of``, in [0, 1].

        0 before the period, 1 on or after its last day. A period with no working days
        falls back to elapsed calendar days so the share still moves through it.
        """
        if as_of < period.start:
            return Fraction(0)
        if as_of >= period.end:
            return Fraction(1)
        total = self.working_days_in(period)
        if total == 0:
            return Fraction((as_of - period.start).days + 1, period.days)
        return Fraction(self.working_days(period.start, as_of), total)

    def remaining_working_days(self, period: Period, as_of: date) -> int:
        """Working days of ``period`` strictly after ``as_of``."""
        if as_of >= period.end:
            return 0
        # as_of < period.end <= date.max, so adding a day cannot overflow.
        return self.working_days(max(period.start, as_of + _ONE_DAY), period.end)


def tenure_months(hire_date: date, as_of: date) -> int:
    """Whole months completed from ``hire_date`` to ``as_of``; 0 if hired after ``as_of``.

    A month completes on the same day of a later month, or on that month's last day when
    it is shorter (hired Jan 31 -> one month on Feb 28/29).
    """
    if as_of <= hire_date:
        return 0
    months = (as_of.year - hire_date.year) * 12 + (as_of.month - hire_date.month)
    anniversary_day = min(hire_date.day, _stdlib_calendar.monthrange(as_of.year, as_of.month)[1])
    if as_of.day < anniversary_day:
        months -= 1
    return months
