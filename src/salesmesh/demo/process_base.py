"""What the demo process-data generators share: the clock, the people, the plans, the log.

Every generator draws from its own ``random.Random`` with a fixed seed and
computes every date from ``until``, never from today, so the same ``until``
gives the same rows; a change to one business line's generator leaves the
other lines' rows as they were.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from salesmesh.activities.models import Activity
from salesmesh.activities.services import activities_bulk_create
from salesmesh.core.calendar import WorkCalendar
from salesmesh.org.models import OrgUnit, User
from salesmesh.planning.models import PlanStatus, PlanVersion

# The demo company works on Shanghai time whatever TIME_ZONE says, so the rows
# do not move with an installation's settings.
DEMO_ZONE = ZoneInfo("Asia/Shanghai")
# 52 whole weeks ending ``until``: about twelve months, and every weekday as
# often as every other.
WINDOW_DAYS = 52 * 7
# Activities are written this many at a time: one rollup apply per batch, and
# never more than one batch of unsaved rows in memory.
ACTIVITY_BATCH = 5_000
# A working day's selling hours (lunch 12:00-13:30 off), in minutes after midnight.
SELLING_MINUTES = ((9 * 60, 12 * 60), (13 * 60 + 30, 18 * 60))


class ActivityLog:
    """Collects activities and writes them in batches through ``activities_bulk_create``.

    External ids run in the order the generators log, which is fixed, so an
    activity keeps its id from one seeding to the next.
    """

    def __init__(self) -> None:
        self._rows: list[Activity] = []
        self._next = 1

    def add(
        self,
        *,
        person_id: int,
        type: str,
        occurred_at: datetime,
        reached: bool,
        minutes: int,
        account_id: int | None = None,
        opportunity_id: int | None = None,
    ) -> None:
        """Queue one activity; it is written with the next full batch."""
        self._rows.append(
            Activity(
                person_id=person_id,
                type=type,
                occurred_at=occurred_at,
                reached=reached,
                duration_minutes=minutes,
                account_id=account_id,
                opportunity_id=opportunity_id,
                external_id=f"ACT-{self._next:07d}",
            )
        )
        self._next += 1
        if len(self._rows) >= ACTIVITY_BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the queued activities (the rollups follow in the same statement set)."""
        if self._rows:
            activities_bulk_create(rows=self._rows)
            self._rows = []


@dataclass
class Demo:
    """The seeding run's clock and calendar, shared by the three generators."""

    until: date
    calendar: WorkCalendar
    log: ActivityLog = field(default_factory=ActivityLog)

    @property
    def start(self) -> date:
        """The first day of the seeded year."""
        return self.until - timedelta(days=WINDOW_DAYS - 1)

    def working_days(self, start: date, end: date) -> list[date]:
        """Working days in start..end, both inclusive (weekends and holidays skipped)."""
        days = []
        day = start
        while day <= end:
            if self.calendar.is_working_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def working_day_on_or_after(self, day: date) -> date:
        """``day`` if people work then, else the next day they do."""
        while not self.calendar.is_working_day(day):
            day += timedelta(days=1)
        return day

    def at(self, day: date, minute: int) -> datetime:
        """The aware moment ``minute`` minutes after midnight of ``day``, Shanghai time."""
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=DEMO_ZONE)

    def selling_moment(self, rng: random.Random, day: date) -> datetime:
        """A random moment within the selling hours of ``day``."""
        (a_start, a_end), (b_start, b_end) = SELLING_MINUTES
        offset = rng.randrange((a_end - a_start) + (b_end - b_start))
        minute = (
            a_start + offset if offset < a_end - a_start else b_start + offset - (a_end - a_start)
        )
        return self.at(day, minute)

    @property
    def end(self) -> datetime:
        """The last moment that may carry data: the end of ``until``."""
        return self.at(self.until, 23 * 60 + 59)


def line_and_plan(code: str) -> tuple[OrgUnit, PlanVersion]:
    """The demo business line ``code`` and its approved plan."""
    line = OrgUnit.objects.filter(code=code).first()
    plan = (
        PlanVersion.objects.filter(unit=line, status=PlanStatus.APPROVED).order_by("-pk").first()
        if line is not None
        else None
    )
    if line is None or plan is None:
        raise ValueError(
            _(
                "The demo business line %(code)s or its approved plan is missing: "
                "seed the demo company first."
            )
            % {"code": code}
        )
    return line, plan


def people(unit_code: str, *roles: str) -> list[User]:
    """The people of a unit with one of ``roles``, in employee-number order (stable)."""
    return list(
        User.objects.filter(memberships__unit__code=unit_code, memberships__role__in=roles)
        .distinct()
        .order_by("employee_no", "pk")
    )


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method for small means, a rounded normal for large ones)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def clipped_gauss(rng: random.Random, mean: float, sd: float, low: float, high: float) -> float:
    """A normal draw kept within [low, high]."""
    return min(high, max(low, rng.gauss(mean, sd)))


def money(value: float | Decimal, *, step: int = 100) -> Decimal:
    """An amount rounded to ``step`` yuan, as quoted prices are."""
    return Decimal(round(float(value) / step) * step)


def plan_decimal(value: Any) -> Decimal:
    """A plan figure (stored as text or a number in the plan's JSON) as a Decimal."""
    return Decimal(str(value))


def weighted[T](rng: random.Random, choices: list[tuple[T, float]]) -> T:
    """One of ``choices`` drawn with the given weights."""
    values = [value for value, _ in choices]
    return rng.choices(values, weights=[weight for _, weight in choices])[0]
