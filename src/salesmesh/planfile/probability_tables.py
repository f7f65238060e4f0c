"""The probability report's tables: products, funnel, sources, weeks, reps, rep-by-week."""

from __future__ import annotations

from decimal import Decimal

from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.probability import (
    ProbabilityPlan,
)
from salesmesh.planfile.report import CellValue, ReportTable
from salesmesh.planfile.report_common import (
    decimal,
    ratio,
    text,
    yes_no,
)
from salesmesh.planfile.schema import ProbabilityPlanDocument
from salesmesh.planfile.sections import RepSpec

__all__ = ["tables"]


def tables(document: ProbabilityPlanDocument, result: ProbabilityPlan) -> tuple[ReportTable, ...]:
    """products, funnel, sources, weeks, reps and the rep-by-week matrices."""
    section = document.probability
    stage_columns = tuple(text(stage.name) for stage in result.stages)
    products = ReportTable(
        key="products",
        title=Message(gettext_noop("Product mix")),
        columns=(
            Message(gettext_noop("Product")),
            Message(gettext_noop("Price")),
            Message(gettext_noop("Selection probability")),
            Message(gettext_noop("Contribution to deal value")),
        ),
        rows=tuple(
            (p.name, p.price, p.probability, (p.price * p.probability).quantize(Decimal("0.01")))
            for p in section.products
        ),
        kinds=("text", "money", "ratio", "money"),
    )
    funnel = ReportTable(
        key="funnel",
        title=Message(gettext_noop("Funnel")),
        columns=(
            Message(gettext_noop("Stage")),
            Message(gettext_noop("Conversion")),
            Message(gettext_noop("Effective conversion")),
            Message(gettext_noop("Lag to close (days)")),
            Message(gettext_noop("Needed")),
        ),
        rows=tuple(
            (s.name, s.conversion, ratio(s.effective_conversion), s.lag_days, s.count)
            for s in result.stages
        ),
        kinds=("text", "ratio", "ratio", "int", "int"),
    )
    sources = ReportTable(
        key="sources",
        title=Message(gettext_noop("Lead sources")),
        columns=(
            Message(gettext_noop("Source")),
            Message(gettext_noop("Share")),
            Message(gettext_noop("Conversion multiplier")),
            Message(gettext_noop("First-stage conversion")),
            Message(gettext_noop("Leads")),
        ),
        rows=tuple(
            (s.name, s.share, s.conversion_multiplier, ratio(s.conversion), s.leads)
            for s in result.sources
        ),
        kinds=("text", "ratio", "number", "ratio", "int"),
    )
    weeks = ReportTable(
        key="weeks",
        title=Message(gettext_noop("Weekly schedule")),
        columns=(
            Message(gettext_noop("Week")),
            Message(gettext_noop("Start")),
            Message(gettext_noop("End")),
            Message(gettext_noop("Working days")),
            Message(gettext_noop("Before the target period")),
            Message(gettext_noop("Closes")),
            *stage_columns,
            Message(gettext_noop("Calls")),
            Message(gettext_noop("Visits")),
        ),
        rows=tuple(
            (
                w.label,
                w.period.start,
                w.period.end,
                w.working_days,
                yes_no(w.before_target),
                w.closes,
                *(stage.by_week[i] for stage in result.stages),
                w.calls,
                w.visits,
            )
            for i, w in enumerate(result.weeks)
        ),
        kinds=(
            "text",
            "date",
            "date",
            "int",
            "text",
            "int",
            *("int" for _ in result.stages),
            "int",
            "int",
        ),
    )
    return (
        products,
        funnel,
        sources,
        weeks,
        _reps_table(section.reps, result, stage_columns),
        _matrix("rep_weeks_calls", Message(gettext_noop("Calls per rep per week")), result, True),
        _matrix(
            "rep_weeks_visits", Message(gettext_noop("Visits per rep per week")), result, False
        ),
    )


def _reps_table(
    specs: tuple[RepSpec, ...], result: ProbabilityPlan, stage_columns: tuple[Message, ...]
) -> ReportTable:
    """One row per rep: share of the plan, behaviours per day and capacity."""
    rows: list[tuple[CellValue, ...]] = []
    for spec, rep in zip(specs, result.reps, strict=True):
        rows.append(
            (
                rep.rep_id,
                spec.name,
                decimal(rep.multiplier, Decimal("0.001")),
                rep.customers,
                *rep.stage_counts,
                rep.calls,
                rep.visits,
                decimal(rep.average_calls_per_working_day),
                decimal(rep.peak_calls_per_working_day),
                spec.max_calls_per_day,
                decimal(rep.average_visits_per_working_day),
                decimal(rep.peak_visits_per_working_day),
                spec.max_visits_per_day,
                yes_no(rep.feasible),
            )
        )
    return ReportTable(
        key="reps",
        title=Message(gettext_noop("Reps")),
        columns=(
            Message(gettext_noop("Rep")),
            Message(gettext_noop("Name")),
            Message(gettext_noop("Capability multiplier")),
            Message(gettext_noop("Customers")),
            *stage_columns,
            Message(gettext_noop("Calls")),
            Message(gettext_noop("Visits")),
            Message(gettext_noop("Calls per working day")),
            Message(gettext_noop("Peak calls per working day")),
            Message(gettext_noop("Call capacity per day")),
            Message(gettext_noop("Visits per working day")),
            Message(gettext_noop("Peak visits per working day")),
            Message(gettext_noop("Visit capacity per day")),
            Message(gettext_noop("Within capacity")),
        ),
        rows=tuple(rows),
        kinds=(
            "text",
            "text",
            "number",
            "int",
            *("int" for _ in stage_columns),
            "int",
            "int",
            "number",
            "number",
            "number",
            "number",
            "number",
            "number",
            "text",
        ),
    )


def _matrix(key: str, title: Message, result: ProbabilityPlan, calls: bool) -> ReportTable:
    """Rep-by-week behaviours; each row adds up to the rep's total, each column to the week's."""
    matrix = result.calls_by_rep_week if calls else result.visits_by_rep_week
    values = matrix.tolist()
    return ReportTable(
        key=key,
        title=title,
        columns=(
            Message(gettext_noop("Rep")),
            *(text(week.start.isoformat()) for week in result.weeks),
        ),
        rows=tuple((rep.rep_id, *values[r]) for r, rep in enumerate(result.reps)),
        kinds=("text", *("int" for _ in result.weeks)),
    )
