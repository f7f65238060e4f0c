"""Running a plan document: the matching core planner, then the common report shape.

``run_plan(document)`` dispatches on the paradigm to ``probability_report``,
``behaviour_report`` or ``project_report`` (each: ``plan`` runs the core planner,
``report`` turns its result into a tree, tables, warnings, fixes and data), then adds
what every paradigm shares: the target by month (seasonality) and by week, the target
over the org tree when the document has ``allocation`` (``allocation_report``), and the
paradigm advisor's verdict when the document gives business indicators.

``plan_problems(document)`` runs the same planners only to collect their problems with
document paths; the loader calls it so that an invalid plan fails when it is loaded.
The last plan computed is kept for the same document object, so loading and then
running a plan does not plan it twice.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from salesmesh.core.advisor import indicator_problems
from salesmesh.core.allocation import (
    AllocationError,
    PeriodAllocationRequest,
    allocate_period,
)
from salesmesh.core.behaviour import BehaviourPlan
from salesmesh.core.calendar import WorkCalendar
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.probability import ProbabilityPlan
from salesmesh.core.project import PortfolioPlan
from salesmesh.planfile import (
    allocation_report,
    behaviour_report,
    probability_report,
    project_report,
)
from salesmesh.planfile.errors import PlanFileError, Problem
from salesmesh.planfile.report import PlanReport
from salesmesh.planfile.report_common import (
    Section,
    advisor_section,
    allocation_problems,
    target_section,
)
from salesmesh.planfile.schema import (
    BehaviourPlanDocument,
    PlanDocument,
    ProbabilityPlanDocument,
    ProjectPlanDocument,
)

__all__ = ["plan_problems", "run_plan"]

PlanResult = ProbabilityPlan | BehaviourPlan | PortfolioPlan

# (document, work calendar, result) of the last plan: the loader plans to validate, the
# caller then runs the same object. Identity, not equality: a document is immutable, and
# an equal but distinct one is simply planned again.
_last: tuple[PlanDocument, WorkCalendar, PlanResult] | None = None
_last_lock = threading.Lock()


def _plan(document: PlanDocument) -> tuple[WorkCalendar, PlanResult]:
    """The core planner's result for the document (cached for the last document)."""
    global _last  # a one-slot cache, see the module docstring
    with _last_lock:
        cached = _last
    if cached is not None and cached[0] is document:
        return cached[1], cached[2]
    work = document.work_calendar()
    result: PlanResult
    try:
        # numpy would otherwise warn and carry on with NaN-turned-garbage counts;
        # errstate is per thread, so concurrent web requests do not interfere.
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            result = _paradigm_plan(document, work)
    except (ArithmeticError, MemoryError) as exc:
        # Valid values whose combination explodes (a conversion of 1e-20 needs
        # more leads than a machine integer holds): a clear refusal, not a crash.
        raise PlanFileError(
            [
                (
                    "",
                    Message(
                        gettext_noop(
                            "the plan's numbers are too extreme to compute (%(error)s); "
                            "check rates close to zero and very large amounts"
                        ),
                        {"error": type(exc).__name__},
                    ),
                )
            ]
        ) from exc
    with _last_lock:
        _last = (document, work, result)
    return work, result


def _paradigm_plan(document: PlanDocument, work: WorkCalendar) -> PlanResult:
    """Run the core planner of the document's paradigm."""
    if isinstance(document, ProbabilityPlanDocument):
        return probability_report.plan(document, work)
    if isinstance(document, BehaviourPlanDocument):
        return behaviour_report.plan(document, work)
    if isinstance(document, ProjectPlanDocument):
        return project_report.plan(document, work)
    raise TypeError(f"not a plan of a known paradigm: {type(document).__name__}")


def plan_problems(document: PlanDocument) -> list[Problem]:
    """Every problem the core planners find in a well-formed document (empty when valid)."""
    problems: list[Problem] = []
    work: WorkCalendar | None = None
    try:
        work, _ = _plan(document)
    except PlanFileError as exc:
        problems.extend(exc.problems)
    try:
        allocate_period(
            PeriodAllocationRequest(
                total=document.target,
                period=document.plan_period,
                work_calendar=work or document.work_calendar(),
                seasonality=document.seasonality_curve,
            )
        )
    except AllocationError as exc:
        problems.extend(p for p in allocation_problems(exc) if p not in problems)
    problems.extend(allocation_report.problems(document))
    if document.advisor is not None:
        problems.extend(indicator_problems(document.advisor.to_core(), path="advisor"))
    return problems


def _paradigm_section(document: PlanDocument, result: PlanResult) -> Section:
    """The paradigm's own part of the report."""
    if isinstance(document, ProbabilityPlanDocument) and isinstance(result, ProbabilityPlan):
        return probability_report.report(document, result)
    if isinstance(document, BehaviourPlanDocument) and isinstance(result, BehaviourPlan):
        return behaviour_report.report(document, result)
    if isinstance(document, ProjectPlanDocument) and isinstance(result, PortfolioPlan):
        return project_report.report(document, result)
    raise TypeError(f"not a plan of a known paradigm: {type(document).__name__}")


def run_plan(document: PlanDocument) -> PlanReport:
    """Plan the document and build its report; ``PlanFileError`` if the planner refuses it."""
    work, result = _plan(document)
    main = _paradigm_section(document, result)
    target = target_section(document, work)
    advisor = advisor_section(document)
    allocation = allocation_report.section(document)
    if main.tree is None:  # pragma: no cover - every paradigm section has a tree
        raise RuntimeError("the paradigm report has no tree")
    period = document.plan_period
    data: dict[str, Any] = {
        "document": {
            "name": document.name,
            "paradigm": document.paradigm,
            "period": {"label": period.label, "start": period.start, "end": period.end},
            "country": document.country,
            "currency": document.currency,
            "target": document.target,
            "working_days": work.working_days_in(period),
        },
        "feasible": main.feasible,
        "plan": main.data,
        **target.data,
        **allocation.data,
        **advisor.data,
    }
    return PlanReport(
        paradigm=document.paradigm,
        name=document.name,
        period_label=document.period_label,
        tree=allocation_report.with_allocation(main.tree, allocation),
        tables=main.tables + target.tables + allocation.tables + advisor.tables,
        warnings=main.warnings + target.warnings + allocation.warnings + advisor.warnings,
        fixes=main.fixes,
        feasible=main.feasible,
        data=data,
    )
