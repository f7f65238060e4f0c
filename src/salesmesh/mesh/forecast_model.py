"""The forecast's model between the database rows and the exact core (no Django).

``forecast_inputs`` fetches rows, this module turns them into the core's inputs, and
``forecast`` assembles the view. Each rule here is documented in docs/metrics.md
("Forecast") and small enough to be tested without a database:

* **Win rates from weekly reviews.** The line's closed deals are replayed through a weekly
  pipeline review on the weekday of ``as_of``: each review at whose end a deal sat in an
  open stage is one observation (stage, days in that stage, finally won). A deal that sat
  five weeks in a stage is seen five times, as a review would have seen it, so the rates
  describe the open deals a review finds — slow deals included in their true proportion —
  rather than stays counted once each. ``core.forecast.calibrate_win_rates`` bins them by
  age and shrinks them.
* **Win timing.** The same reviews of deals that were won give the days from the review to
  the win, by stage and age bin (the stage's, then the line's when fewer than
  TIMING_MIN_SAMPLES): the share of them within ``h`` days is the chance that a deal that
  will be won is won within the ``h`` days left to the horizon.
* **Which open deals count.** A deal is projected to close on its expected close date, or
  the day after ``as_of`` when that date has passed or is missing (a date in the past can
  no longer be met). Its probability of being won by a horizon is ``win probability ×
  timing share`` when the projected close falls inside the period and on or before the
  horizon, and 0 otherwise: a deal its owner expects after the period is left out.
* **Milestone slippage.** An open milestone's projected date is its planned date shifted by
  its project's drift (the mean lateness of the project's reached milestones, in whole days),
  never before a prerequisite's date plus the planned gap between the two, never before the
  day after ``as_of``. Where it lands is uncertain: the line's slippage history (the lateness
  of every reached milestone, less its project's drift for a project with a drift) is added
  to the projected date, each past case equally likely. ``P(lands in [start, horizon])`` is
  the milestone's Bernoulli probability for the period.
* **New business.** ``expected deals = leads per working day × lead-to-won conversion ×
  working days left in which a new lead can still close`` (the remaining working days up to
  the horizon less the median sales cycle), as a Poisson count at the mean won deal value.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal, localcontext
from enum import StrEnum
from functools import cached_property
from graphlib import TopologicalSorter
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from salesmesh.core.forecast import (
    DEFAULT_AGE_BINS,
    AttainmentForecast,
    ClosedDealObservation,
    NewBusiness,
    OpenDeal,
    WinRateModel,
    attainment_distribution,
    calibrate_win_rates,
)
from salesmesh.core.money import CENT, to_money

__all__ = [
    "CLOSED",
    "FAN_EXACT_ITEMS",
    "FAN_LATTICE_CELLS",
    "FAN_LATTICE_ITEMS",
    "FAN_WHALES",
    "TIMING_MIN_SAMPLES",
    "WON",
    "Cutoff",
    "DealBook",
    "FanMethod",
    "FanPoint",
    "HorizonModel",
    "MilestoneFact",
    "MilestoneOutlook",
    "ReviewHistory",
    "Timeline",
    "WinTiming",
    "median_cycle_days",
    "milestone_outlooks",
    "projected_close",
    "replay_deals",
    "review_history",
    "win_probabilities",
]

WON = "won"
LOST = "lost"
CLOSED = frozenset({WON, LOST})
ONE_DAY = timedelta(days=1)
ONE_WEEK = timedelta(days=7)
# A timing curve needs this many past reviews of won deals; fewer fall back to the stage's,
# then to the line's.
TIMING_MIN_SAMPLES = 20

# The fan: a week between today and the period's end is exact with at most FAN_EXACT_ITEMS
# random items (enumeration always fits the core's 2^16 atoms: milliseconds); up to
# FAN_LATTICE_ITEMS it is exact on amounts rounded to a lattice of FAN_LATTICE_CELLS cells
# (a dense enumeration of a few tens of milliseconds, each amount off by at most half a
# cell: 1/32,768 of what can arise); past that the FAN_WHALES largest deals are enumerated
# exactly and the rest is normal with its exact mean and variance (milliseconds at any
# size). The core's exact method on a pipeline of distinct amounts costs 0.3-0.8 s a call:
# right for the period's end, too much for every week.
FAN_EXACT_ITEMS = 16
FAN_LATTICE_ITEMS = 256
FAN_LATTICE_CELLS = 1 << 15
FAN_WHALES = 8
_QUANTILES = (0.1, 0.5, 0.9)

# A deal's stage history: (stage entered, local day of the move), oldest first.
Timeline = tuple[tuple[str, date], ...]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# -- win rates and timing ----------------------------------------------------------------------


@dataclass(frozen=True)
class WinTiming:
    """Days from a weekly review to the win, for reviews of deals that were won.

    ``by_bin`` holds the sorted samples per (stage, age-bin index), ``by_stage`` per stage,
    ``overall`` all of them. ``curve`` picks the finest level with TIMING_MIN_SAMPLES.
    """

    age_bins: tuple[int, ...]
    by_bin: Mapping[tuple[str, int], tuple[int, ...]]
    by_stage: Mapping[str, tuple[int, ...]]
    overall: tuple[int, ...]

    def curve(self, stage: str, age_days: int) -> tuple[int, ...]:
        """Sorted days-to-win samples for a deal in ``stage`` aged ``age_days`` (may be empty)."""
        index = max(0, bisect_right(self.age_bins, age_days) - 1)
        for samples in (self.by_bin.get((stage, index)), self.by_stage.get(stage)):
            if samples is not None and len(samples) >= TIMING_MIN_SAMPLES:
                return samples
        return self.overall


@dataclass(frozen=True)
class ReviewHistory:
    """Closed deals replayed through weekly reviews: calibration observations and timing."""

    observations: list[ClosedDealObservation]
    timing: WinTiming


@dataclass(frozen=True)
class _Reviews:
    """Every weekly review of some closed deals, one row each, as parallel arrays.

    ``deal`` indexes the timelines given; ``wait`` is the days from the review to the win
    (−1 for a deal that was lost).
    """

    deal: IntArray
    stage: npt.NDArray[np.str_]
    age: IntArray
    won: npt.NDArray[np.bool_]
    wait: IntArray


def _review_rows(timelines: Sequence[Timeline], weekday: int) -> _Reviews:
    """The weekly reviews of the closed timelines (see ``review_history``)."""
    deals: list[int] = []
    stages: list[str] = []
    ages: list[int] = []
    won_flags: list[bool] = []
    waits: list[int] = []
    for index, timeline in enumerate(timelines):
        if not timeline or timeline[-1][0] not in CLOSED:
            continue
        won = timeline[-1][0] == WON
        closed_on = timeline[-1][1]
        for (stage, entered), (_, left) in pairwise(timeline):
            if stage in CLOSED:
                continue
            review = entered + timedelta(days=(weekday - entered.weekday()) % 7)
            while review < left:
                deals.append(index)
                stages.append(stage)
                ages.append((review - entered).days)
                won_flags.append(won)
                waits.append((closed_on - review).days if won else -1)
                review += ONE_WEEK
    return _Reviews(
        deal=np.array(deals, dtype=np.int64),
        stage=np.array(stages, dtype=str),
        age=np.array(ages, dtype=np.int64),
        won=np.array(won_flags, dtype=bool),
        wait=np.array(waits, dtype=np.int64),
    )


def _history_of(reviews: Sequence[_Reviews], edges: tuple[int, ...]) -> ReviewHistory:
    """Observations and timing from review rows (several sets of rows are pooled)."""
    stage = np.concatenate([r.stage for r in reviews]) if reviews else np.zeros(0, dtype=str)
    age = np.concatenate([r.age for r in reviews]) if reviews else np.zeros(0, np.int64)
    won = np.concatenate([r.won for r in reviews]) if reviews else np.zeros(0, bool)
    wait = np.concatenate([r.wait for r in reviews]) if reviews else np.zeros(0, np.int64)
    observations: list[ClosedDealObservation] = []
    by_bin: dict[tuple[str, int], tuple[int, ...]] = {}
    by_stage: dict[str, tuple[int, ...]] = {}
    if len(stage):
        names, codes = np.unique(stage, return_inverse=True)
        span = int(age.max()) + 1
        keys, counts = np.unique((codes * span + age) * 2 + won, return_counts=True)
        for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
            name = str(names[key // 2 // span])
            observation = ClosedDealObservation(
                stage=name, age_days=key // 2 % span, won=bool(key % 2)
            )
            observations.extend([observation] * count)
        bins = np.searchsorted(np.array(edges), age, side="right") - 1
        for code, name in enumerate(names.tolist()):
            in_stage = won & (codes == code)
            if in_stage.any():
                by_stage[name] = tuple(np.sort(wait[in_stage]).tolist())
                for index in np.unique(bins[in_stage]).tolist():
                    chosen = in_stage & (bins == index)
                    by_bin[(name, index)] = tuple(np.sort(wait[chosen]).tolist())
    return ReviewHistory(
        observations=observations,
        timing=WinTiming(
            age_bins=edges,
            by_bin=by_bin,
            by_stage=by_stage,
            overall=tuple(np.sort(wait[won]).tolist()),
        ),
    )


def review_history(
    timelines: Iterable[Timeline],
    *,
    weekday: int,
    age_bins: Sequence[int] = DEFAULT_AGE_BINS,
) -> ReviewHistory:
    """Observations and win timing from closed deals seen at weekly reviews (module docs).

    A review falls on every ``weekday`` (0 Monday … 6 Sunday) and sees, at the end of that
    day, the stage each deal was in and how many days it had been there. A timeline that
    does not end won or lost gives nothing; nor do stays in a closed stage (a deal won and
    reopened). Equal observations are one shared object repeated: the core only reads them.
    """
    return _history_of([_review_rows(list(timelines), weekday)], tuple(age_bins))


def median_cycle_days(timelines: Iterable[Timeline]) -> int | None:
    """Median days from a won deal's first stage to its win (None without won deals)."""
    cycles = [
        (timeline[-1][1] - timeline[0][1]).days
        for timeline in timelines
        if timeline and timeline[-1][0] == WON
    ]
    return int(statistics.median_low(cycles)) if cycles else None


def win_probabilities(
    model: WinRateModel, stages: Sequence[str], ages: Sequence[int]
) -> FloatArray:
    """``model.probability(stage, age)`` for many deals at once (vectorised by stage)."""
    result = np.full(len(stages), model.prior)
    if not stages:
        return result
    stage_array = np.array(stages)
    bins = np.maximum(
        np.searchsorted(np.array(model.age_bins), np.array(ages), side="right") - 1, 0
    )
    for rates in model.stages:
        chosen = stage_array == rates.stage
        if chosen.any():
            table = np.array([rate.probability for rate in rates.bins])
            result[chosen] = table[bins[chosen]]
    return result


# -- deals -------------------------------------------------------------------------------------


def projected_close(expected: date | None, as_of: date) -> date:
    """The day a deal is taken to close: its expected close, but never before tomorrow."""
    tomorrow = as_of + ONE_DAY
    return tomorrow if expected is None or expected < tomorrow else expected


@dataclass(frozen=True)
class DealBook:
    """The open deals on ``as_of`` as parallel arrays (100,000 of them stay cheap).

    ``win`` is each deal's calibrated win probability, ``closes`` its projected close day
    (a proleptic ordinal), ``groups`` the index of its timing curve in ``curves``.
    """

    as_of: date
    amounts: tuple[Decimal, ...]
    win: FloatArray
    closes: IntArray
    groups: IntArray
    curves: tuple[IntArray, ...]

    @classmethod
    def build(
        cls,
        *,
        as_of: date,
        stages: Sequence[str],
        ages: Sequence[int],
        amounts: Sequence[Decimal],
        expected_closes: Sequence[date | None],
        model: WinRateModel,
        timing: WinTiming,
    ) -> DealBook:
        """Calibrate every deal: win probability, projected close, timing curve (vectorised)."""
        stage_array = np.array(stages, dtype=str)
        age_array = np.array(ages, dtype=np.int64)
        edges = np.array(timing.age_bins, dtype=np.int64)
        bins = np.maximum(np.searchsorted(edges, age_array, side="right") - 1, 0)
        names, stage_index = np.unique(stage_array, return_inverse=True)
        keys, key_index = np.unique(stage_index * len(edges) + bins, return_inverse=True)
        curve_index: dict[tuple[int, ...], int] = {}
        key_group = np.zeros(len(keys), dtype=np.int64)
        for position, key in enumerate(keys.tolist()):
            stage, edge = str(names[key // len(edges)]), int(edges[key % len(edges)])
            curve = timing.curve(stage, edge)
            key_group[position] = curve_index.setdefault(curve, len(curve_index))
        tomorrow = (as_of + ONE_DAY).toordinal()
        closes = np.array(
            [0 if day is None else day.toordinal() for day in expected_closes], dtype=np.int64
        )
        return cls(
            as_of=as_of,
            amounts=tuple(amounts),
            win=win_probabilities(model, stages, ages),
            closes=np.maximum(closes, tomorrow),
            groups=key_group[key_index].astype(np.int64) if len(stages) else key_group,
            curves=tuple(np.array(curve, dtype=np.int64) for curve in curve_index),
        )

    @cached_property
    def values(self) -> FloatArray:
        """The amounts as floats (for means, variances and ordering)."""
        return np.array([float(amount) for amount in self.amounts], dtype=np.float64)

    @classmethod
    def empty(cls, as_of: date) -> DealBook:
        return cls(as_of, (), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), ())

    def __len__(self) -> int:
        return len(self.amounts)

    def mask(self, start: date, horizon: date) -> npt.NDArray[np.bool_]:
        """The deals projected to close inside ``start … horizon``."""
        return (self.closes >= start.toordinal()) & (self.closes <= horizon.toordinal())

    def chances(self, start: date, horizon: date) -> FloatArray:
        """P(won by ``horizon``): win probability × share of past wins that came that soon.

        0 for a deal projected to close outside ``start … horizon``.
        """
        days = (horizon - self.as_of).days
        soon = np.ones(len(self))
        for group, curve in enumerate(self.curves):
            if len(curve):
                soon[self.groups == group] = np.searchsorted(curve, days, side="right") / len(curve)
        result: FloatArray = np.where(self.mask(start, horizon), self.win * soon, 0.0)
        return result


# -- milestones --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneFact:
    """A milestone as known on ``as_of``: ``reached`` is its actual date if on or before it."""

    id: int
    project_id: int
    planned: date
    reached: date | None
    amount: Decimal
    depends_on: tuple[int, ...] = ()


@dataclass(frozen=True)
class MilestoneOutlook:
    """An open milestone: its projected date and where it may land, each day with its chance."""

    id: int
    project_id: int
    planned: date
    projected: date
    amount: Decimal
    landings: tuple[tuple[date, float], ...]

    def probability_between(self, start: date, end: date) -> float:
        """P(the milestone lands on a day in ``start … end``)."""
        return min(1.0, sum(chance for day, chance in self.landings if start <= day <= end))


def _drift_days(lateness: Sequence[int]) -> int:
    """Mean lateness rounded half away from zero to whole days."""
    mean = sum(lateness) / len(lateness)
    return int(math.copysign(math.floor(abs(mean) + 0.5), mean))


def milestone_outlooks(
    facts: Sequence[MilestoneFact], *, as_of: date
) -> tuple[MilestoneOutlook, ...]:
    """Projected dates and landing distributions of the open milestones among ``facts``.

    ``facts`` should be every milestone of the line (the slippage history is the line's),
    each with ``reached`` only if on or before ``as_of``. See the module docstring.
    """
    by_id = {fact.id: fact for fact in facts}
    lateness_by_project: dict[int, list[int]] = defaultdict(list)
    for fact in facts:
        if fact.reached is not None:
            lateness_by_project[fact.project_id].append((fact.reached - fact.planned).days)
    drift = {project: _drift_days(values) for project, values in lateness_by_project.items()}
    raw = [value for values in lateness_by_project.values() for value in values]
    residuals = [
        value - drift[project]
        for project, values in lateness_by_project.items()
        for value in values
    ]
    tomorrow = as_of + ONE_DAY
    graph = {fact.id: [q for q in fact.depends_on if q in by_id and q != fact.id] for fact in facts}
    finish: dict[int, date] = {}
    outlooks: list[MilestoneOutlook] = []
    for milestone_id in TopologicalSorter(graph).static_order():
        fact = by_id[milestone_id]
        if fact.reached is not None:
            finish[fact.id] = fact.reached
            continue
        projected = max(fact.planned + timedelta(days=drift.get(fact.project_id, 0)), tomorrow)
        for prerequisite in graph[fact.id]:
            gap = max(0, (fact.planned - by_id[prerequisite].planned).days)
            projected = max(projected, finish[prerequisite] + timedelta(days=gap))
        finish[fact.id] = projected
        spread = residuals if fact.project_id in drift else raw
        outcomes = Counter(max(projected + timedelta(days=shift), tomorrow) for shift in spread)
        total = sum(outcomes.values())
        landings = (
            tuple((day, count / total) for day, count in sorted(outcomes.items()))
            if total
            else ((projected, 1.0),)
        )
        outlooks.append(
            MilestoneOutlook(
                id=fact.id,
                project_id=fact.project_id,
                planned=fact.planned,
                projected=projected,
                amount=fact.amount,
                landings=landings,
            )
        )
    outlooks.sort(key=lambda outlook: (outlook.projected, outlook.id))
    return tuple(outlooks)


# -- the random part at any horizon -----------------------------------------------------------


class FanMethod(StrEnum):
    """How a fan point was computed."""

    CLOSED = "closed"  # the week is over: revenue closed by its end, no spread
    EXACT = "exact"  # the core's exact distribution
    LATTICE = "lattice"  # exact on amounts rounded to a coarse money lattice
    NORMAL = "normal"  # the largest deals exact, the rest normal (exact mean and variance)


@dataclass(frozen=True)
class FanPoint:
    """The period's revenue by the end of one week: closed, or its forecast quantiles."""

    label: str
    start: date
    end: date
    mean: Decimal
    p10: Decimal
    p50: Decimal
    p90: Decimal
    method: FanMethod

    @property
    def actual(self) -> bool:
        """The week has ended by the day: the point is what closed, not a forecast."""
        return self.method is FanMethod.CLOSED


@dataclass(frozen=True)
class HorizonModel:
    """Closed revenue, open deals, open milestones and the run-rate, cut at any horizon.

    ``inputs(horizon)`` gives the core's inputs for the revenue of ``period_start …
    horizon``: the same model at every horizon, so the fan chart and the forecast agree.
    """

    period_start: date
    period_end: date
    as_of: date
    closed: Decimal
    deals: DealBook
    milestones: tuple[MilestoneOutlook, ...]
    # Expected new deals per working day (leads per day × conversion) and their value.
    new_deals_per_day: float
    new_deal_value: Decimal | None
    cycle_days: int
    working_days: Callable[[date, date], int]

    def new_business(self, horizon: date) -> NewBusiness | None:
        """Poisson new deals that can still arrive and close by ``horizon``."""
        if self.new_deal_value is None or self.new_deals_per_day <= 0:
            return None
        first = max(self.as_of + ONE_DAY, self.period_start)
        last = min(horizon, self.period_end) - timedelta(days=self.cycle_days)
        days = self.working_days(first, last)
        if days <= 0:
            return None
        return NewBusiness(
            expected_deals=self.new_deals_per_day * days, deal_value=self.new_deal_value
        )

    def inputs(self, horizon: date) -> tuple[list[OpenDeal], NewBusiness | None]:
        """The open deals and milestones (as Bernoulli items) and new business to ``horizon``."""
        deals: list[OpenDeal] = []
        if horizon > self.as_of:
            chances = self.deals.chances(self.period_start, horizon)
            amounts, listed = self.deals.amounts, chances.tolist()
            deals = [OpenDeal(amounts[i], listed[i]) for i in np.flatnonzero(chances).tolist()]
            for milestone in self.milestones:
                chance = milestone.probability_between(self.period_start, horizon)
                if chance > 0:
                    deals.append(OpenDeal(milestone.amount, chance))
        return deals, (self.new_business(horizon) if horizon > self.as_of else None)

    def forecast(self, horizon: date, target: Decimal) -> AttainmentForecast:
        """The exact attainment distribution of the period's revenue by ``horizon``."""
        deals, new_business = self.inputs(horizon)
        return attainment_distribution(
            closed=self.closed, deals=deals, new_business=new_business, target=target
        )

    def fan(
        self,
        weeks: Sequence[tuple[str, date, date]],
        *,
        closed_by: Callable[[date], Decimal],
        final: AttainmentForecast,
    ) -> tuple[FanPoint, ...]:
        """P10/P50/P90 of the period's revenue by the end of each week, kept cheap.

        Weeks ended by ``as_of`` show what had closed by their end (``closed_by``); the
        period's last week is ``final``, the forecast itself. A week in between is computed
        exactly with at most FAN_EXACT_ITEMS random items, on a coarse lattice with at most
        FAN_LATTICE_ITEMS, else with its largest deals exact and the rest normal
        (``FanPoint.method``). An
        approximated quantile never falls below the week before's: revenue to date only grows.
        """
        points: list[FanPoint] = []
        for label, start, end in weeks:
            if end <= self.as_of:
                amount = closed_by(end)
                points.append(
                    FanPoint(label, start, end, amount, amount, amount, amount, FanMethod.CLOSED)
                )
                continue
            if end >= self.period_end:
                result, method = final, FanMethod.EXACT
            else:
                chances = self.deals.chances(self.period_start, end)
                landing = [
                    (float(m.amount), m.probability_between(self.period_start, end))
                    for m in self.milestones
                ]
                items = int(np.count_nonzero(chances)) + sum(1 for _, p in landing if p > 0)
                if items > FAN_LATTICE_ITEMS:
                    values = np.concatenate([self.deals.values, [a for a, _ in landing]])
                    odds = np.concatenate([chances, [p for _, p in landing]])
                    point = self._normal_point(
                        label, start, end, values, odds, self.new_business(end)
                    )
                    points.append(_raised(point, points))
                    continue
                deals, new_business = self.inputs(end)
                method = FanMethod.EXACT if len(deals) <= FAN_EXACT_ITEMS else FanMethod.LATTICE
                mean = _mean(self.closed, deals, new_business)
                if method is FanMethod.LATTICE:
                    deals, new_business = _coarse(deals, new_business)
                result = attainment_distribution(
                    closed=self.closed, deals=deals, new_business=new_business, target=self.closed
                )
                result = replace(result, mean=mean)
            points.append(
                _raised(
                    FanPoint(
                        label, start, end, result.mean, result.p10, result.p50, result.p90, method
                    ),
                    points,
                )
            )
        return tuple(points)

    def _normal_point(
        self,
        label: str,
        start: date,
        end: date,
        amounts: FloatArray,
        chances: FloatArray,
        new_business: NewBusiness | None,
    ) -> FanPoint:
        """A fan point: the FAN_WHALES largest deals enumerated, the rest normal.

        F(x) = Σ_w P(w) · Φ((x − s_w − m) / sd) over the whales' 2^8 totals s_w, with m and
        sd² the exact mean and variance of the other deals and the new business (and the
        closed revenue in m); each quantile is found by bisection to the cent. The mean is
        summed in floats here (the point may be a cent off the exact Decimal mean).
        """
        live = chances > 0
        amounts, chances = amounts[live], chances[live]
        split = max(0, len(amounts) - FAN_WHALES)
        order = np.argpartition(amounts, split - 1) if 0 < split < len(amounts) else None
        whales = order[split:] if order is not None else np.arange(split, len(amounts))
        rest = order[:split] if order is not None else np.arange(split)
        mean = float(self.closed) + float(amounts[rest] @ chances[rest])
        variance = float((amounts[rest] ** 2) @ (chances[rest] * (1.0 - chances[rest])))
        if new_business is not None:
            value = float(new_business.deal_value)
            mean += new_business.expected_deals * value
            variance += new_business.expected_deals * value**2
        totals, masses = np.zeros(1), np.ones(1)
        for index in whales.tolist():
            totals = np.concatenate([totals, totals + amounts[index]])
            masses = np.concatenate([masses * (1.0 - chances[index]), masses * chances[index]])
        spread = math.sqrt(variance)
        total_mean = mean + float(totals @ masses)

        def cdf(x: float) -> float:
            if spread == 0.0:
                return float(masses[totals + mean <= x].sum())
            z = (x - mean - totals) / (spread * math.sqrt(2.0))
            return float(masses @ (0.5 * (1.0 + np.asarray(_erf(z), dtype=np.float64))))

        low, high = float(self.closed), mean + float(totals.max()) + 10.0 * spread + 1.0
        found = []
        for level in _QUANTILES:
            a, b = low, high
            while b - a > 0.005:
                middle = (a + b) / 2.0
                a, b = (a, middle) if cdf(middle) >= level else (middle, b)
            found.append(max(self.closed, to_money(Decimal(repr(b)))))
        mean_money = to_money(Decimal(repr(total_mean)))
        return FanPoint(
            label, start, end, mean_money, found[0], found[1], found[2], FanMethod.NORMAL
        )


_erf = np.frompyfunc(math.erf, 1, 1)


def _mean(closed: Decimal, deals: Sequence[OpenDeal], new_business: NewBusiness | None) -> Decimal:
    """closed + Σ amount × probability + expected new deals × value, to the cent."""
    with localcontext() as context:
        context.prec = 100
        total = closed + sum(
            (deal.amount * Decimal(deal.win_probability) for deal in deals), Decimal(0)
        )
        if new_business is not None:
            total += new_business.deal_value * Decimal(new_business.expected_deals)
        return to_money(total)


def _raised(point: FanPoint, before: Sequence[FanPoint]) -> FanPoint:
    """An approximated point's quantiles raised to at least the previous point's."""
    if point.method is FanMethod.EXACT or not before:
        return point
    previous = before[-1]
    return replace(
        point,
        p10=max(point.p10, previous.p10),
        p50=max(point.p50, previous.p50),
        p90=max(point.p90, previous.p90),
    )


def _coarse(
    deals: Sequence[OpenDeal], new_business: NewBusiness | None
) -> tuple[list[OpenDeal], NewBusiness | None]:
    """The same items with amounts rounded to a lattice of about FAN_LATTICE_CELLS cells.

    The unit is the total that can arise divided by the cell count, so the core enumerates a
    dense vector of that many cells per item; each amount moves by at most half a unit.
    """
    reach = sum((deal.amount for deal in deals), Decimal(0))
    if new_business is not None:
        count = new_business.expected_deals
        reach += new_business.deal_value * Decimal(repr(count + 10 * math.sqrt(count) + 10))
    unit = max(CENT, (reach / FAN_LATTICE_CELLS).quantize(CENT, rounding=ROUND_CEILING))

    def rounded(amount: Decimal) -> Decimal:
        return (amount / unit).quantize(Decimal(1), rounding=ROUND_HALF_EVEN) * unit

    coarse = [OpenDeal(rounded(deal.amount), deal.win_probability) for deal in deals]
    if new_business is not None:
        new_business = NewBusiness(
            expected_deals=new_business.expected_deals,
            deal_value=max(unit, rounded(new_business.deal_value)),
        )
    return coarse, new_business


# -- the back-test's replay ------------------------------------------------------------------


@dataclass(frozen=True)
class Cutoff:
    """A day the back-test stands on, and the period whose outcome it predicts."""

    day: date
    period_start: date
    period_end: date


def replay_deals(
    timelines: Sequence[Timeline],
    expected_closes: Sequence[date | None],
    cutoffs: Sequence[Cutoff],
    *,
    history_days: int,
    age_bins: Sequence[int] = DEFAULT_AGE_BINS,
) -> tuple[list[float], list[bool]]:
    """Predictions and outcomes of every deal open at each cutoff, as the forecast made them.

    At a cutoff the model learns from the deals closed in the ``history_days`` up to it, as
    known then (weekly reviews on the cutoff's weekday, ``calibrate_win_rates``); every deal
    open at its end is predicted with ``DealBook.chances`` over the cutoff's period, and its
    outcome is whether its stage at the period's end was won. Each closed deal's reviews are
    computed once and selected by its close day; a deal closed and reopened is re-read at
    every cutoff as it stood then. Stages are read per day: a deal's stage at the end of a
    day is the one its last move on or before that day entered.
    """
    edges = tuple(age_bins)
    count = len(timelines)
    # A deal is "simple" when no move follows a close: its history is final once closed.
    simple = np.array(
        [all(stage not in CLOSED for stage, _ in t[:-1]) for t in timelines], dtype=bool
    )
    closed_on = np.array(
        [t[-1][1].toordinal() if t and t[-1][0] in CLOSED else 0 for t in timelines],
        dtype=np.int64,
    )
    reopened = [index for index in range(count) if not simple[index]]
    # Stays as segments [start, end) of local-day ordinals; the last one never ends.
    seg_deal, seg_stage, seg_start, seg_end = [], [], [], []
    for index, timeline in enumerate(timelines):
        for position, (stage, day) in enumerate(timeline):
            start = day.toordinal()
            end = timeline[position + 1][1].toordinal() if position + 1 < len(timeline) else 1 << 40
            if end > start:
                seg_deal.append(index)
                seg_stage.append(stage)
                seg_start.append(start)
                seg_end.append(end)
    deal_of = np.array(seg_deal, dtype=np.int64)
    stage_of = np.array(seg_stage, dtype=str)
    starts = np.array(seg_start, dtype=np.int64)
    ends = np.array(seg_end, dtype=np.int64)
    is_open = ~np.isin(stage_of, sorted(CLOSED))
    is_won = stage_of == WON
    rows_by_weekday: dict[int, _Reviews] = {}
    predictions: list[float] = []
    outcomes: list[bool] = []
    for cutoff in cutoffs:
        today = cutoff.day.toordinal()
        weekday = cutoff.day.weekday()
        rows = rows_by_weekday.get(weekday)
        if rows is None:
            rows = rows_by_weekday[weekday] = _review_rows(
                [t if simple[i] else () for i, t in enumerate(timelines)], weekday
            )
        eligible = simple & (closed_on > today - history_days) & (closed_on <= today)
        chosen = eligible[rows.deal] if len(rows.deal) else np.zeros(0, dtype=bool)
        pooled = [
            _Reviews(
                rows.deal[chosen],
                rows.stage[chosen],
                rows.age[chosen],
                rows.won[chosen],
                rows.wait[chosen],
            )
        ]
        if reopened:
            known = []
            for index in reopened:
                timeline = timelines[index]
                moves = [move for move in timeline if move[1] <= cutoff.day]
                if (
                    moves
                    and moves[-1][0] in CLOSED
                    and moves[-1][1].toordinal() > today - history_days
                ):
                    known.append(tuple(moves))
            pooled.append(_review_rows(known, weekday))
        history = _history_of(pooled, edges)
        model = calibrate_win_rates(history.observations, age_bins=edges)
        live = (starts <= today) & (today < ends) & is_open
        deals = deal_of[live].tolist()
        book = DealBook.build(
            as_of=cutoff.day,
            stages=stage_of[live].tolist(),
            ages=(today - starts[live]).tolist(),
            amounts=[Decimal(0)] * len(deals),
            expected_closes=[expected_closes[index] for index in deals],
            model=model,
            timing=history.timing,
        )
        predictions.extend(book.chances(cutoff.period_start, cutoff.period_end).tolist())
        final = cutoff.period_end.toordinal()
        won_then = np.zeros(count, dtype=bool)
        won_then[deal_of[(starts <= final) & (final < ends) & is_won]] = True
        outcomes.extend(won_then[deals].tolist())
    return predictions, outcomes
