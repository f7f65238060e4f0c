"""Forecast and back-test operations: the same model and scope as the overview's forecast."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Router, Schema

from salesmesh.api.common import Day, Text
from salesmesh.dashboards.scope import line_scope_or_404
from salesmesh.mesh.choice import approved_plan_for
from salesmesh.mesh.forecast import backtest_for, forecast_for
from salesmesh.org.models import User

router = Router()


class StageOut(Schema):
    stage: str
    deals: int
    amount: Decimal
    weighted: Decimal
    mean_probability: float


class PipelineOut(Schema):
    deals: int
    amount: Decimal
    weighted: Decimal
    excluded: int
    excluded_amount: Decimal
    by_stage: list[StageOut]


class FanPointOut(Schema):
    label: str
    start: date
    end: date
    mean: Decimal
    p10: Decimal
    p50: Decimal
    p90: Decimal
    # True for a week already over: the point is what closed, not a forecast.
    actual: bool


class ForecastOut(Schema):
    line: str
    plan_version: int
    period: str
    as_of: date
    # Null when the plan allocates no target to the scope asked for.
    target: Decimal | None
    closed: Decimal
    mean: Decimal
    p10: Decimal
    p50: Decimal
    p90: Decimal
    probability_of_target: float | None
    method: str
    error_bound: float | None
    pipeline: PipelineOut
    new_business_mean: Decimal | None
    fan: list[FanPointOut]
    warnings: list[str]


class ReliabilityBinOut(Schema):
    lower: float
    upper: float
    count: int
    mean_predicted: float | None
    observed_rate: float | None


class CalibrationOut(Schema):
    brier: float
    reliability: list[ReliabilityBinOut]


@router.get("/{line}", response=ForecastOut, summary="Where the period will end")
def get_forecast(
    request: HttpRequest, line: Text, as_of: Day | None = None, unit: Text | None = None
) -> ForecastOut:
    """The attainment distribution of the line (a manager), their team, or the caller's share.

    A manager of several teams in the line picks one with ``unit`` (its code; the first by
    default, any other unit is a 404).

    Closed revenue + open deals with calibrated win rates + run-rate new business (for a
    project line: milestones that may land in the period). Quantiles are money; the chance of
    reaching the target is null when no target is allocated to the scope.
    """
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - auth= refuses anyone else
        raise Http404
    scope = line_scope_or_404(user=user, code=line, unit=unit)
    day = as_of or timezone.localdate()
    choice = approved_plan_for(line=scope.line, as_of=day)
    if choice is None:
        raise Http404
    if scope.own_board_only:
        view = forecast_for(version=choice.version, person=user, as_of=day)
    else:
        unit = scope.top_unit
        inside = unit if unit is not None and unit.pk != scope.line.pk else None
        view = forecast_for(version=choice.version, unit=inside, as_of=day)
    pipeline = view.pipeline
    attainment = view.attainment
    return ForecastOut(
        line=scope.line.code,
        plan_version=view.version_id,
        period=view.period.label,
        as_of=view.as_of,
        target=view.target,
        closed=view.closed,
        mean=attainment.mean,
        p10=attainment.p10,
        p50=attainment.p50,
        p90=attainment.p90,
        probability_of_target=(
            attainment.probability_of_target if view.target is not None else None
        ),
        method=str(attainment.method),
        error_bound=attainment.error_bound,
        pipeline=PipelineOut(
            deals=pipeline.deals,
            amount=pipeline.amount,
            weighted=pipeline.weighted,
            excluded=pipeline.excluded,
            excluded_amount=pipeline.excluded_amount,
            by_stage=[
                StageOut(
                    stage=s.stage,
                    deals=s.deals,
                    amount=s.amount,
                    weighted=s.weighted,
                    mean_probability=s.mean_probability,
                )
                for s in pipeline.by_stage
            ],
        ),
        new_business_mean=view.new_business.mean if view.new_business else None,
        fan=[
            FanPointOut(
                label=p.label,
                start=p.start,
                end=p.end,
                mean=p.mean,
                p10=p.p10,
                p50=p.p50,
                p90=p.p90,
                actual=p.actual,
            )
            for p in view.fan
        ],
        warnings=[m.render(gettext) for m in view.warnings],
    )


@router.get("/{line}/backtest", response=CalibrationOut, summary="How well the forecast did")
def get_backtest(request: HttpRequest, line: Text, as_of: Day | None = None) -> CalibrationOut:
    """Brier score and reliability by decile of the line's replayed history (managers only)."""
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - auth= refuses anyone else
        raise Http404
    scope = line_scope_or_404(user=user, code=line)
    if scope.own_board_only:
        raise Http404
    calibration = backtest_for(line=scope.line, as_of=as_of or timezone.localdate())
    if calibration is None:
        raise Http404
    return CalibrationOut(
        brier=calibration.brier,
        reliability=[
            ReliabilityBinOut(
                lower=b.lower,
                upper=b.upper,
                count=b.count,
                mean_predicted=b.mean_predicted,
                observed_rate=b.observed_rate,
            )
            for b in calibration.reliability
        ],
    )
