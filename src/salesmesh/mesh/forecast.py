"""The attainment forecast of a business line, a unit in it or one person, and its back-test.

``forecast_for`` answers "where will this period end?" for an approved plan version as of a
day: closed revenue to date + the open pipeline (each deal with a win probability calibrated
on the line's closed history by stage and age in stage, times the share of past wins that
came within the days left) + new business from the run-rate —
or, for a project line, reached milestones + open milestones that may land in the period
after their project's slippage — as the exact distribution of ``core.forecast``, with a
week-by-week fan. ``backtest_for`` replays the line's history to show how well those
probabilities were calibrated. The model is in ``forecast_model`` and docs/metrics.md
("Forecast"); the reads in ``forecast_inputs``.

Results are cached in Django's cache (a file cache shared by the web and the worker) under
the version, the scope, the day and a stamp of the data (``forecast_inputs.data_stamp``),
so an edit anywhere in what the forecast reads is never answered from a stale entry. A hit
costs one query (the stamp).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.core.cache import cache

from salesmesh.core.calendar import FiscalCalendar, Grain, Period, WorkCalendar
from salesmesh.core.forecast import (
    AttainmentForecast,
    Calibration,
    WinRateModel,
    backtest,
    calibrate_win_rates,
)
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.money import to_money
from salesmesh.mesh.forecast_inputs import (
    HISTORY_DAYS,
    OPEN_STAGES,
    DealState,
    HistoryRows,
    PlanFrame,
    Scope,
    data_stamp,
    deal_state,
    deal_timelines,
    lead_counts,
    line_closed_timelines,
    milestone_facts,
    plan_frame,
    scope_for,
)
from salesmesh.mesh.forecast_model import (
    WON,
    Cutoff,
    DealBook,
    FanMethod,
    FanPoint,
    HorizonModel,
    MilestoneFact,
    MilestoneOutlook,
    WinTiming,
    median_cycle_days,
    milestone_outlooks,
    replay_deals,
    review_history,
)
from salesmesh.org.models import OrgUnit, Paradigm, User
from salesmesh.planning.models import PlanVersion

__all__ = [
    "CACHE_SECONDS",
    "FanMethod",
    "FanPoint",
    "ForecastView",
    "LineHistory",
    "MilestoneView",
    "NewBusinessView",
    "PipelineSummary",
    "StagePipeline",
    "backtest_for",
    "forecast_for",
    "line_history",
]

# Entries are keyed by a data stamp, so they never go stale; the timeout only bounds the
# cache's size on disk.
CACHE_SECONDS = 24 * 3600
# Part of every key: a change to the model's rules must not be answered by old entries.
MODEL_VERSION = 1
_PREFIX = f"salesmesh:forecast:v{MODEL_VERSION}"


# -- views -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StagePipeline:
    """Open deals of one stage counted in the period: how many, their amount, its weight."""

    stage: str
    deals: int
    amount: Decimal
    weighted: Decimal
    mean_probability: float


@dataclass(frozen=True)
class MilestoneView:
    """An open milestone with revenue: where its project's slippage puts it, and its chance."""

    id: int
    name: str
    project_id: int
    project: str
    planned: date
    projected: date
    amount: Decimal
    probability: float


@dataclass(frozen=True)
class PipelineSummary:
    """The random part of the period's revenue as of the day.

    ``deals``/``amount``/``weighted`` count the open deals projected to close in the period
    (and, for a project line, the open milestones with their chance of landing in it);
    ``excluded`` are open deals projected to close after the period — not counted.
    """

    deals: int
    amount: Decimal
    weighted: Decimal
    excluded: int
    excluded_amount: Decimal
    by_stage: tuple[StagePipeline, ...] = ()
    milestones: tuple[MilestoneView, ...] = ()


@dataclass(frozen=True)
class NewBusinessView:
    """The run-rate term: new leads × conversion over the days a new lead can still close."""

    leads_per_working_day: float
    conversion: float
    deal_value: Decimal
    cycle_days: int
    working_days: int
    expected_deals: float
    mean: Decimal


@dataclass(frozen=True)
class ForecastView:
    """The forecast of one scope for one plan period as of a day (see the module docstring).

    ``target`` is the plan's target for the scope (the line's, or the allocation's amount
    for a unit or a person); None when the plan allocates none to the scope, and then
    ``probability_of_target`` is None too. ``fan`` has one point per week of the period.
    """

    version_id: int
    line_id: int
    unit_id: int | None
    person_id: int | None
    paradigm: str
    period: Period
    as_of: date
    target: Decimal | None
    closed: Decimal
    pipeline: PipelineSummary
    new_business: NewBusinessView | None
    attainment: AttainmentForecast
    fan: tuple[FanPoint, ...]
    win_rates: WinRateModel | None
    history_deals: int
    warnings: tuple[Message, ...] = ()

    @property
    def probability_of_target(self) -> float | None:
        """P(revenue ≥ target), or None without a target."""
        return None if self.target is None else self.attainment.probability_of_target


@dataclass(frozen=True)
class LineHistory:
    """What the line's closed deals teach: win rates, run-rate value and the sales cycle."""

    model: WinRateModel
    timing: WinTiming
    closed_deals: int
    won_deals: int
    won_amount: Decimal
    cycle_days: int | None


# -- history ---------------------------------------------------------------------------------


def _history_from(rows: HistoryRows, *, as_of: date) -> LineHistory:
    """Calibrate win rates and timing (reviews on ``as_of``'s weekday) and sum the wins."""
    won = [
        amount
        for timeline, amount in zip(rows.timelines, rows.amounts, strict=True)
        if timeline[-1][0] == WON
    ]
    reviews = review_history(rows.timelines, weekday=as_of.weekday())
    return LineHistory(
        model=calibrate_win_rates(reviews.observations),
        timing=reviews.timing,
        closed_deals=len(rows.timelines),
        won_deals=len(won),
        won_amount=sum(won, Decimal(0)),
        cycle_days=median_cycle_days(rows.timelines),
    )


def line_history(*, line: OrgUnit, as_of: date, stamp: str | None = None) -> LineHistory:
    """The line's win rates, timing and run-rate history on ``as_of`` (cached per data stamp)."""
    stamp = stamp or data_stamp(line=line)
    key = f"{_PREFIX}:history:{line.pk}:{as_of.isoformat()}:{HISTORY_DAYS}:{stamp}"
    cached = cache.get(key)
    if isinstance(cached, LineHistory):
        return cached
    history = _history_from(line_closed_timelines(line=line, as_of=as_of), as_of=as_of)
    cache.set(key, history, CACHE_SECONDS)
    return history


# -- the forecast ----------------------------------------------------------------------------


def forecast_for(
    *,
    version: PlanVersion,
    unit: OrgUnit | None = None,
    person: User | None = None,
    as_of: date,
) -> ForecastView:
    """The forecast of ``version``'s line (or ``unit`` inside it, or ``person``) on ``as_of``.

    ``as_of`` past the period's end counts as its last day (everything is closed then);
    before its start, nothing has closed and the whole period lies ahead. Raises
    ValueError for a unit outside the line or for both a unit and a person.
    """
    line = version.unit
    scope = scope_for(line=line, unit=unit, person=person)
    plan = plan_frame(version)
    stamp = data_stamp(line=line)
    key = (
        f"{_PREFIX}:view:{version.pk}:{plan.fingerprint()}:{scope.key}:{as_of.isoformat()}:{stamp}"
    )
    cached = cache.get(key)
    if isinstance(cached, ForecastView):
        return cached
    view = _forecast(version=version, scope=scope, plan=plan, as_of=as_of, stamp=stamp)
    cache.set(key, view, CACHE_SECONDS)
    return view


def _target(plan: PlanFrame, scope: Scope) -> Decimal | None:
    """The scope's target: the plan's for the line, else the allocation's amount (or None)."""
    node = scope.allocation_key()
    if node is None:
        return plan.target
    amount = plan.allocation.get(node)
    return to_money(amount) if amount is not None else None


def _forecast(
    *, version: PlanVersion, scope: Scope, plan: PlanFrame, as_of: date, stamp: str
) -> ForecastView:
    period = plan.period
    day = min(as_of, period.end)
    calendar = WorkCalendar(plan.country)
    target = _target(plan, scope)
    warnings: list[Message] = []
    if target is None:
        warnings.append(
            Message(
                gettext_noop(
                    "The plan allocates no target to this unit or person: the chance of "
                    "reaching a target is not shown."
                )
            )
        )
    if version.paradigm == Paradigm.PROJECT:
        horizon, pipeline, closed_by = _project_parts(scope=scope, period=period, day=day)
        win_rates: WinRateModel | None = None
        history_deals = 0
        new_business: NewBusinessView | None = None
    else:
        history = line_history(line=scope.line, as_of=day, stamp=stamp)
        if history.closed_deals == 0:
            warnings.append(
                Message(
                    gettext_noop(
                        "No deal of this line closed in the year before %(day)s: every open "
                        "deal gets the same win rate, %(rate)s."
                    ),
                    {"day": day.isoformat(), "rate": f"{history.model.prior:.0%}"},
                )
            )
        state = deal_state(scope=scope, as_of=day, period_start=period.start)
        horizon, pipeline, closed_by, new_business = _deal_parts(
            scope=scope, period=period, day=day, state=state, history=history, calendar=calendar
        )
        win_rates, history_deals = history.model, history.closed_deals
    attainment = horizon.forecast(period.end, target if target is not None else Decimal(0))
    weeks = [
        (week.label, week.start, week.end)
        for week in FiscalCalendar(period.calendar.start_month).split(period, Grain.WEEK)
    ]
    fan = horizon.fan(weeks, closed_by=closed_by, final=attainment)
    return ForecastView(
        version_id=version.pk,
        line_id=scope.line.pk,
        unit_id=scope.unit.pk if scope.unit is not None else None,
        person_id=scope.person.pk if scope.person is not None else None,
        paradigm=version.paradigm,
        period=period,
        as_of=as_of,
        target=target,
        closed=horizon.closed,
        pipeline=pipeline,
        new_business=new_business,
        attainment=attainment,
        fan=fan,
        win_rates=win_rates,
        history_deals=history_deals,
        warnings=tuple(warnings),
    )


class _ClosedBy:
    """Revenue closed in the period by the end of a day, from (day, amount) pairs."""

    def __init__(self, events: Sequence[tuple[date, Decimal]]) -> None:
        ordered = sorted(events)
        self.days = [event_day for event_day, _ in ordered]
        self.totals: list[Decimal] = []
        running = Decimal(0)
        for _, amount in ordered:
            running += amount
            self.totals.append(running)

    def __call__(self, day: date) -> Decimal:
        index = bisect_right(self.days, day)
        return to_money(self.totals[index - 1]) if index else Decimal("0.00")


def _deal_parts(
    *,
    scope: Scope,
    period: Period,
    day: date,
    state: DealState,
    history: LineHistory,
    calendar: WorkCalendar,
) -> tuple[HorizonModel, PipelineSummary, _ClosedBy, NewBusinessView | None]:
    """The horizon model, pipeline summary and run-rate of a probability or behaviour line."""
    closed_by = _ClosedBy(state.won)
    stages = state.stages
    book = DealBook.build(
        as_of=day,
        stages=stages,
        ages=state.ages,
        amounts=state.amounts,
        expected_closes=state.expected_closes,
        model=history.model,
        timing=history.timing,
    )
    counts = lead_counts(scope=scope, as_of=day, calendar=calendar)
    conversion = min(1.0, history.won_deals / counts.history) if counts.history else 0.0
    per_day = counts.recent / counts.recent_working_days if counts.recent_working_days else 0.0
    value = to_money(history.won_amount / history.won_deals) if history.won_deals else None
    horizon = HorizonModel(
        period_start=period.start,
        period_end=period.end,
        as_of=day,
        closed=closed_by(day),
        deals=book,
        milestones=(),
        new_deals_per_day=per_day * conversion,
        new_deal_value=value,
        cycle_days=history.cycle_days or 0,
        working_days=calendar.working_days,
    )
    pipeline = _summary(book, stages, period)
    new_business = _new_business_view(
        horizon, leads_per_day=per_day, conversion=conversion, end=period.end
    )
    return horizon, pipeline, closed_by, new_business


def _summary(book: DealBook, stages: Sequence[str], period: Period) -> PipelineSummary:
    """Open deals by stage: those projected to close in the period, and those after it.

    Amounts are summed exactly; the weighted amounts in floats (``math.fsum``), to the cent.
    """
    chances = book.chances(period.start, period.end)
    counted = book.mask(period.start, period.end)
    stage_array = np.array(stages, dtype=str)
    rows = []
    for stage in OPEN_STAGES:
        chosen = np.flatnonzero(counted & (stage_array == stage))
        if not len(chosen):
            continue
        picked = chosen.tolist()
        weighted = math.fsum((book.values[chosen] * chances[chosen]).tolist())
        rows.append(
            StagePipeline(
                stage=stage,
                deals=len(picked),
                amount=sum((book.amounts[i] for i in picked), Decimal(0)),
                weighted=to_money(Decimal(repr(weighted))),
                mean_probability=float(chances[chosen].mean()),
            )
        )
    left_out = np.flatnonzero(~counted).tolist()
    return PipelineSummary(
        deals=sum(row.deals for row in rows),
        amount=sum((row.amount for row in rows), Decimal(0)),
        weighted=sum((row.weighted for row in rows), Decimal(0)),
        excluded=len(left_out),
        excluded_amount=sum((book.amounts[i] for i in left_out), Decimal(0)),
        by_stage=tuple(rows),
    )


def _new_business_view(
    horizon: HorizonModel, *, leads_per_day: float, conversion: float, end: date
) -> NewBusinessView | None:
    """The run-rate term as shown beside the forecast (None when there is none)."""
    term = horizon.new_business(end)
    if term is None:
        return None
    return NewBusinessView(
        leads_per_working_day=leads_per_day,
        conversion=conversion,
        deal_value=term.deal_value,
        cycle_days=horizon.cycle_days,
        working_days=round(term.expected_deals / horizon.new_deals_per_day),
        expected_deals=term.expected_deals,
        mean=to_money(term.deal_value * Decimal(repr(term.expected_deals))),
    )


def _project_parts(
    *, scope: Scope, period: Period, day: date
) -> tuple[HorizonModel, PipelineSummary, _ClosedBy]:
    """The horizon model and pipeline summary of a project line (milestones, no deals)."""
    facts, projects, project_names, milestone_names = milestone_facts(scope=scope, as_of=day)
    outlooks = [
        o for o in milestone_outlooks(facts, as_of=day) if o.project_id in projects and o.amount
    ]
    closed_by = _ClosedBy(
        [
            (fact.reached, fact.amount)
            for fact in facts
            if fact.project_id in projects
            and fact.reached is not None
            and period.start <= fact.reached <= period.end
        ]
    )
    horizon = HorizonModel(
        period_start=period.start,
        period_end=period.end,
        as_of=day,
        closed=closed_by(day),
        deals=DealBook.empty(day),
        milestones=tuple(outlooks),
        new_deals_per_day=0.0,
        new_deal_value=None,
        cycle_days=0,
        working_days=lambda first, last: 0,
    )
    views = tuple(
        MilestoneView(
            id=o.id,
            name=milestone_names[o.id],
            project_id=o.project_id,
            project=project_names[o.project_id],
            planned=o.planned,
            projected=o.projected,
            amount=o.amount,
            probability=o.probability_between(period.start, period.end)
            if day < period.end
            else 0.0,
        )
        for o in outlooks
    )
    counted = [v for v in views if v.probability > 0]
    pipeline = PipelineSummary(
        deals=len(counted),
        amount=sum((v.amount for v in counted), Decimal(0)),
        weighted=to_money(
            sum((v.amount * Decimal(repr(v.probability)) for v in counted), Decimal(0))
        ),
        excluded=0,
        excluded_amount=Decimal(0),
        milestones=views,
    )
    return horizon, pipeline, closed_by


# -- the back-test ---------------------------------------------------------------------------


def backtest_for(
    *,
    line: OrgUnit,
    as_of: date,
    grain: Grain = Grain.QUARTER,
    lookback_days: int = 365,
    step_days: int = 7,
) -> Calibration | None:
    """How well the forecast's probabilities came true on the line's history up to ``as_of``.

    Replay: every ``step_days`` going back ``lookback_days`` from ``as_of`` is a cutoff; its
    period is the fiscal ``grain`` period holding it (the line's fiscal calendar), and only
    periods over by ``as_of`` are replayed, so every outcome is known. At a cutoff, with the
    model fitted on what was known by then (deals closed in the year before it; milestones
    reached by it):

    * each deal open at the cutoff is a prediction — its chance of being won by the
      period's end exactly as the forecast computes it (win rate × timing share, 0 when its
      projected close falls after the period) — and its outcome is whether it was won by
      the period's end;
    * on a project line, each open milestone with revenue is a prediction — its chance of
      landing in the period — and its outcome is whether it was reached in the period.

    Returns the Brier score and reliability table (``core.forecast.backtest``), or None when
    the history holds nothing to replay. Cached per data stamp like the forecast.
    """
    stamp = data_stamp(line=line)
    key = (
        f"{_PREFIX}:backtest:{line.pk}:{as_of.isoformat()}:{grain}:{lookback_days}:"
        f"{step_days}:{HISTORY_DAYS}:{stamp}"
    )
    cached = cache.get(key)
    if isinstance(cached, Calibration):
        return cached
    if cached == "none":
        return None
    fiscal = FiscalCalendar(line.fiscal_year_start_month or 1)
    cutoffs: list[tuple[date, Period]] = []
    for step in range(lookback_days // step_days, 0, -1):
        cutoff = as_of - timedelta(days=step * step_days)
        period = fiscal.period_containing(cutoff, grain)
        if period.end <= as_of:
            cutoffs.append((cutoff, period))
    if line.paradigm == Paradigm.PROJECT:
        predictions, outcomes = _replay_milestones(line=line, as_of=as_of, cutoffs=cutoffs)
    else:
        predictions, outcomes = _replay_deals(line=line, as_of=as_of, cutoffs=cutoffs)
    result = backtest(predictions, outcomes) if predictions else None
    cache.set(key, result if result is not None else "none", CACHE_SECONDS)
    return result


def _replay_deals(
    *, line: OrgUnit, as_of: date, cutoffs: Sequence[tuple[date, Period]]
) -> tuple[list[float], list[bool]]:
    """Predictions and outcomes of the deals open at each cutoff (one query in all)."""
    history, closes = deal_timelines(line=line, as_of=as_of)
    return replay_deals(
        history.timelines,
        closes,
        [Cutoff(day, period.start, period.end) for day, period in cutoffs],
        history_days=HISTORY_DAYS,
    )


def _replay_milestones(
    *, line: OrgUnit, as_of: date, cutoffs: Sequence[tuple[date, Period]]
) -> tuple[list[float], list[bool]]:
    """Predictions and outcomes of the open milestones with revenue at each cutoff."""
    facts, _, _, _ = milestone_facts(
        scope=scope_for(line=line, unit=None, person=None), as_of=as_of
    )
    predictions: list[float] = []
    outcomes: list[bool] = []
    for cutoff, period in cutoffs:
        known: list[MilestoneFact] = [
            replace(fact, reached=fact.reached if fact.reached and fact.reached <= cutoff else None)
            for fact in facts
        ]
        reached = {fact.id: fact.reached for fact in facts}
        outlook: MilestoneOutlook
        for outlook in milestone_outlooks(known, as_of=cutoff):
            if not outlook.amount:
                continue
            actual = reached[outlook.id]
            predictions.append(outlook.probability_between(period.start, period.end))
            outcomes.append(actual is not None and period.start <= actual <= period.end)
    return predictions, outcomes
