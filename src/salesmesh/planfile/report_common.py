"""What the three paradigm reports share: number formatting, data export, the target tables.

Every paradigm's report has the monthly (and weekly) breakdown of the target from
``allocation.allocate_period`` with the document's seasonality, and, when the document
gives business indicators, the paradigm advisor's verdict.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

import numpy as np

from salesmesh.core.advisor import PARADIGM_LABELS, AdvisorError, AdvisorResult, Paradigm, advise
from salesmesh.core.allocation import (
    AllocationError,
    PeriodAllocation,
    PeriodAllocationRequest,
    allocate_period,
)
from salesmesh.core.calendar import Period, WorkCalendar
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.planfile.errors import PlanFileError, Problem
from salesmesh.planfile.report import CellValue, ReportNode, ReportTable
from salesmesh.planfile.schema import PlanDocument

__all__ = [
    "INFEASIBLE",
    "OK",
    "WARNING",
    "Section",
    "advisor_section",
    "as_data",
    "decimal",
    "num",
    "ratio",
    "target_section",
    "text",
    "yes_no",
]

# Node statuses (ReportNode.status): they drive colour in the renderers.
OK = "ok"
WARNING = "warning"
INFEASIBLE = "infeasible"

# Rates and per-day averages are shown to these places: a tenth of a call a day is the
# finest difference a manager acts on; ratios keep four places (0.01 %).
PER_DAY_PLACES = Decimal("0.1")
RATIO_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Section:
    """A part of a report: tree, tables, warnings, fixes, feasibility and data."""

    tree: ReportNode | None = None
    tables: tuple[ReportTable, ...] = ()
    warnings: tuple[Message, ...] = ()
    fixes: tuple[Message, ...] = ()
    feasible: bool = True
    data: Mapping[str, Any] = field(default_factory=dict)


def text(value: str) -> Message:
    """Data shown as it is (a name, a week label) where the report expects a Message."""
    # No parameters: the template is never %-formatted, so a "%" in a name is safe.
    return Message(value)


def yes_no(flag: bool) -> Message:
    """Yes or no, translated."""
    return Message(gettext_noop("yes")) if flag else Message(gettext_noop("no"))


def decimal(
    value: float | Fraction | Decimal | int,
    places: Decimal = PER_DAY_PLACES,
    rounding: str = ROUND_HALF_UP,
) -> Decimal:
    """A number as a Decimal rounded to ``places`` (half up by default; floats via repr)."""
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be shown as a decimal")
        exact = Decimal(repr(value))
    else:
        exact = Decimal(value)
    return exact.quantize(places, rounding=rounding)


def num(value: int | Decimal) -> str:
    """A count or an amount for a formula, with thousands separators: 6,500,000.00."""
    return f"{value:,}"


def ratio(value: float | Fraction | Decimal | int) -> Decimal:
    """A ratio (0..1) to four places, for the "ratio" column kind."""
    return decimal(value, RATIO_PLACES)


def as_data(value: Any) -> Any:
    """Planner results as JSON-ready values (``report.to_jsonable`` finishes the job).

    Dataclasses become mappings of their fields, periods their label and dates, enums their
    value, numpy arrays nested lists; Decimal, Fraction, date and Message stay as they are.
    Non-finite floats (an "infinite" utilisation) become None: JSON has no infinity.
    """
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | str | Decimal | Fraction | Message):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, date):
        return value
    if isinstance(value, Period):
        return {
            "label": value.label,
            "grain": value.grain.value,
            "start": value.start,
            "end": value.end,
        }
    if isinstance(value, np.ndarray):
        return as_data(value.tolist())
    if isinstance(value, np.generic):
        return as_data(value.item())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): as_data(item) for key, item in value.items()}
    if isinstance(value, Sequence):
        return [as_data(item) for item in value]
    return str(value)


def allocation_problems(exc: AllocationError) -> list[Problem]:
    """The allocation's problems with document paths (its total is the document's target)."""
    problems: list[Problem] = []
    for path, message in exc.problems:
        if path == "total":
            path = "target"
        elif path.startswith("seasonality.weights["):
            month = int(path.removeprefix("seasonality.weights[").split("]", 1)[0]) + 1
            path = f"seasonality.{month}"
        problems.append((path, message))
    return problems


def _allocate(document: PlanDocument, work: WorkCalendar) -> PeriodAllocation[Decimal]:
    """The target over the period's months (seasonality) and working days."""
    request = PeriodAllocationRequest(
        total=document.target,
        period=document.plan_period,
        work_calendar=work,
        seasonality=document.seasonality_curve,
    )
    try:
        return allocate_period(request)
    except AllocationError as exc:
        raise PlanFileError(allocation_problems(exc)) from exc


def target_section(document: PlanDocument, work: WorkCalendar) -> Section:
    """The target by month (seasonality) and by ISO week, both adding up to the target."""
    allocation = _allocate(document, work)
    monthly = ReportTable(
        key="monthly_target",
        title=Message(gettext_noop("Target by month")),
        columns=(
            Message(gettext_noop("Month")),
            Message(gettext_noop("Working days")),
            Message(gettext_noop("Seasonality weight")),
            Message(gettext_noop("Target")),
        ),
        rows=tuple(
            (m.period.label, m.working_days, decimal(m.weight, RATIO_PLACES), m.amount)
            for m in allocation.months
        ),
        kinds=("text", "int", "number", "money"),
    )
    weeks = allocation.weeks()
    weekly = ReportTable(
        key="weekly_target",
        title=Message(gettext_noop("Target by week")),
        columns=(
            Message(gettext_noop("Week")),
            Message(gettext_noop("Start")),
            Message(gettext_noop("End")),
            Message(gettext_noop("Working days")),
            Message(gettext_noop("Target")),
        ),
        rows=tuple(
            (w.period.label, w.period.start, w.period.end, w.working_days, w.amount) for w in weeks
        ),
        kinds=("text", "date", "date", "int", "money"),
    )
    return Section(
        tables=(monthly, weekly),
        warnings=tuple(message for _, message in allocation.warnings),
        data={
            "monthly_target": [
                {
                    "month": m.period.label,
                    "working_days": m.working_days,
                    "weight": m.weight,
                    "amount": m.amount,
                }
                for m in allocation.months
            ],
            "weekly_target": [
                {
                    "week": w.period.label,
                    "start": w.period.start,
                    "end": w.period.end,
                    "working_days": w.working_days,
                    "amount": w.amount,
                }
                for w in weeks
            ],
        },
    )


def advise_document(document: PlanDocument) -> AdvisorResult | None:
    """The advisor's verdict on the document's business indicators, if it gives them."""
    if document.advisor is None:
        return None
    try:
        return advise(document.advisor.to_core())
    except AdvisorError as exc:
        raise PlanFileError(advisor_problems(exc)) from exc


def advisor_problems(exc: AdvisorError) -> list[Problem]:
    """The advisor's problems under the document's ``advisor`` key."""
    return [
        (f"advisor.{path.removeprefix('indicators.')}", message) for path, message in exc.problems
    ]


def advisor_section(document: PlanDocument) -> Section:
    """The advisor's scores and explanation; a warning when it advises another paradigm."""
    result = advise_document(document)
    if result is None:
        return Section()
    rows: list[tuple[CellValue, ...]] = [
        (
            e.factor.value,
            decimal(e.value, Decimal("0.01")),
            decimal(e.weight, Decimal("0.01")),
            decimal(e.points.probability),
            decimal(e.points.behaviour),
            decimal(e.points.project),
            e.message,
        )
        for e in result.factors
    ]
    rows.append(
        (
            Message(gettext_noop("score")),
            None,
            None,
            decimal(result.scores.probability),
            decimal(result.scores.behaviour),
            decimal(result.scores.project),
            Message(PARADIGM_LABELS[result.core]),
        )
    )
    table = ReportTable(
        key="advisor",
        title=Message(gettext_noop("Paradigm advisor")),
        columns=(
            Message(gettext_noop("Indicator")),
            Message(gettext_noop("Value")),
            Message(gettext_noop("Weight")),
            Message(gettext_noop("Probability points")),
            Message(gettext_noop("Behaviour points")),
            Message(gettext_noop("Project points")),
            Message(gettext_noop("Explanation")),
        ),
        rows=tuple(rows),
        kinds=("text", "number", "number", "number", "number", "number", "text"),
    )
    warnings = [w.message for w in result.warnings]
    if result.core.value != document.paradigm:
        warnings.insert(
            0,
            Message(
                gettext_noop(
                    "The advisor names the %(advised)s as the core paradigm for these "
                    "business indicators (%(score)s of 100 points), but this plan uses the "
                    "%(paradigm)s; see the advisor table."
                ),
                {
                    "advised": Message(PARADIGM_LABELS[result.core]),
                    "score": decimal(result.scores.of(result.core)),
                    "paradigm": Message(PARADIGM_LABELS[Paradigm(document.paradigm)]),
                },
            ),
        )
    return Section(tables=(table,), warnings=tuple(warnings), data={"advisor": as_data(result)})
