"""The probability paradigm's report: target → customers → funnel → leads → calls and visits."""

from __future__ import annotations

import dataclasses
import math
from decimal import ROUND_CEILING, Decimal

from salesmesh.core.calendar import WorkCalendar
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.money import to_money
from salesmesh.core.probability import (
    CalibrationResult,
    ProbabilityPlan,
    ProbabilityPlanError,
    RepPlan,
    calibrate_capability,
    plan_probability,
)
from salesmesh.planfile.behaviour_report import pgettext
from salesmesh.planfile.errors import PlanFileError, prefixed
from salesmesh.planfile.probability_tables import tables
from salesmesh.planfile.report import ReportNode
from salesmesh.planfile.report_common import (
    INFEASIBLE,
    OK,
    Section,
    as_data,
    decimal,
    num,
    text,
)
from salesmesh.planfile.schema import ProbabilityPlanDocument
from salesmesh.planfile.sections import RepSpec

__all__ = ["plan", "report"]

# The planner's target and period are the document's header fields, not the section's.
TOP_LEVEL = frozenset({"target", "period"})


def plan(document: ProbabilityPlanDocument, work: WorkCalendar) -> ProbabilityPlan:
    """Run the probability planner on the document; its problems carry document paths."""
    inputs = document.probability.to_inputs(document.target, document.plan_period, work)
    history = document.probability.capability.history_rows()
    if history:
        # Calibrated from the reps' own history when there is enough of it; the
        # model's weights in the file are then the prior it falls back to.
        calibration = calibrate_capability(history, prior=inputs.capability)
        inputs = dataclasses.replace(inputs, capability=calibration.model)
    try:
        return plan_probability(inputs)
    except ProbabilityPlanError as exc:
        raise PlanFileError(prefixed(exc.problems, "probability", TOP_LEVEL)) from exc


def calibration(document: ProbabilityPlanDocument) -> CalibrationResult | None:
    """The capability calibration the plan used, when the file gives rep history."""
    history = document.probability.capability.history_rows()
    if not history:
        return None
    prior = document.probability.to_capability()
    return calibrate_capability(history, prior=prior)


def report(document: ProbabilityPlanDocument, result: ProbabilityPlan) -> Section:
    """Tree, tables, warnings, fixes and data of a probability plan."""
    fix_messages = [fix.message for fix in result.feasibility.fixes]
    warnings = [m for m in result.feasibility.messages if m not in fix_messages]
    warnings.extend(result.messages)
    calibrated = calibration(document)
    if calibrated is not None:
        warnings.extend(calibrated.messages)
    data = as_data(result)
    if calibrated is not None:
        data["calibration"] = as_data(calibrated)
    data["leads"] = result.leads
    data["leads_before_target"] = result.leads_before_target
    return Section(
        tree=_tree(document, result),
        tables=tables(document, result),
        warnings=tuple(warnings),
        fixes=tuple(fix_messages),
        feasible=result.feasibility.feasible,
        data=data,
    )


# -- the tree ---------------------------------------------------------------------------------


def _tree(document: ProbabilityPlanDocument, result: ProbabilityPlan) -> ReportNode:
    """target → deal value and customers → stages (close first) → leads → behaviours."""
    section = document.probability
    money = text(document.currency)
    feasible = result.feasibility.feasible
    stages = result.stages

    leads = stages[0]
    node = ReportNode(
        label=Message(gettext_noop("Stage %(stage)s"), {"stage": leads.name}),
        value=leads.count,
        unit=pgettext("unit", "leads"),
        formula=_stage_formula(result, 0),
        children=(
            *_source_nodes(result),
            _calls_node(document, result),
            _visits_node(document, result),
        ),
    )
    for k in range(1, len(stages)):
        node = ReportNode(
            label=Message(gettext_noop("Stage %(stage)s"), {"stage": stages[k].name}),
            value=stages[k].count,
            unit=Message(gettext_noop("entrants")),
            formula=_stage_formula(result, k),
            children=(node,),
        )
    customers = ReportNode(
        label=Message(gettext_noop("Customers to win")),
        value=result.customers,
        unit=Message(gettext_noop("customers")),
        formula=Message(
            gettext_noop("= ⌈target %(target)s ÷ deal value %(deal_value)s⌉"),
            {"target": num(document.target), "deal_value": num(result.deal_value)},
        ),
        children=(node,),
    )
    deal_value = ReportNode(
        label=Message(gettext_noop("Expected deal value")),
        value=result.deal_value,
        unit=money,
        formula=Message(
            gettext_noop("= Σ selection probability × price over %(count)s products"),
            {"count": len(section.products)},
        ),
        children=tuple(
            ReportNode(
                label=text(product.name),
                value=(product.price * product.probability).quantize(Decimal("0.01")),
                unit=money,
                formula=Message(
                    gettext_noop("= %(probability)s × %(price)s"),
                    {"probability": product.probability, "price": num(product.price)},
                ),
            )
            for product in section.products
        ),
    )
    return ReportNode(
        label=Message(gettext_noop("Target %(period)s"), {"period": document.period_label}),
        value=to_money(document.target),
        unit=money,
        formula=Message(gettext_noop("= customers × expected deal value")),
        status=OK if feasible else INFEASIBLE,
        children=(deal_value, customers),
    )


def _stage_formula(result: ProbabilityPlan, k: int) -> Message:
    """How stage ``k``'s count follows from the stage after it (or from the customers)."""
    stage = result.stages[k]
    if k == len(result.stages) - 1:
        reference = -(-Decimal(result.customers) // stage.conversion)
        return Message(
            gettext_noop(
                "= ⌈Σ over reps of customers ÷ capability multiplier ÷ close rate "
                "%(conversion)s⌉ (%(reference)s at the reference rep's rate; lag to close "
                "%(lag)s days)"
            ),
            {
                "conversion": stage.conversion,
                "reference": num(int(reference)),
                "lag": stage.lag_days,
            },
        )
    after = result.stages[k + 1]
    if stage.effective_conversion != stage.conversion:
        return Message(
            gettext_noop(
                "= ⌈%(next)s %(next_stage)s ÷ %(effective)s⌉ (conversion %(conversion)s "
                "× lead source mix; lag to close %(lag)s days)"
            ),
            {
                "next": num(after.count),
                "next_stage": after.name,
                "effective": stage.effective_conversion.normalize(),
                "conversion": stage.conversion,
                "lag": stage.lag_days,
            },
        )
    return Message(
        gettext_noop("= ⌈%(next)s %(next_stage)s ÷ %(conversion)s⌉ (lag to close %(lag)s days)"),
        {
            "next": num(after.count),
            "next_stage": after.name,
            "conversion": stage.conversion,
            "lag": stage.lag_days,
        },
    )


def _source_nodes(result: ProbabilityPlan) -> tuple[ReportNode, ...]:
    """Leads per source."""
    return tuple(
        ReportNode(
            label=Message(gettext_noop("Source %(source)s"), {"source": source.name}),
            value=source.leads,
            unit=pgettext("unit", "leads"),
            formula=Message(
                gettext_noop("= share %(share)s of %(leads)s leads; converts at %(conversion)s"),
                {
                    "share": source.share,
                    "leads": num(result.leads),
                    "conversion": source.conversion.normalize(),
                },
            ),
        )
        for source in result.sources
    )


def _peak_rep(
    reps: tuple[RepPlan, ...], specs: tuple[RepSpec, ...], calls: bool
) -> tuple[RepPlan, RepSpec]:
    """The rep whose busiest day of calls (or visits) is largest against their capacity."""

    def utilisation(r: int) -> tuple[float, float]:
        peak = reps[r].peak_calls_per_working_day if calls else reps[r].peak_visits_per_working_day
        capacity = float(specs[r].max_calls_per_day if calls else specs[r].max_visits_per_day)
        return (peak / capacity if capacity else math.inf if peak else 0.0), peak

    index = max(range(len(reps)), key=utilisation)
    return reps[index], specs[index]


def _calls_node(document: ProbabilityPlanDocument, result: ProbabilityPlan) -> ReportNode:
    """Calls in total, per week, per working day and per rep per working day."""
    section = document.probability
    weeks = [w for w in result.weeks if w.calls]
    days = sum(w.working_days for w in weeks)
    over = result.feasibility.reps_over_call_capacity
    status = INFEASIBLE if over else OK
    children: list[ReportNode] = []
    if weeks and days:
        busiest = max(weeks, key=lambda w: (w.calls, -w.start.toordinal()))
        rep, spec = _peak_rep(result.reps, section.reps, calls=True)
        children = [
            ReportNode(
                label=Message(gettext_noop("Calls per week")),
                value=decimal(result.calls / len(weeks)),
                unit=Message(gettext_noop("calls/week")),
                formula=Message(
                    gettext_noop(
                        "= %(calls)s ÷ %(weeks)s weeks with calls; busiest week %(week)s: "
                        "%(busiest)s"
                    ),
                    {
                        "calls": num(result.calls),
                        "weeks": len(weeks),
                        "week": busiest.label,
                        "busiest": num(busiest.calls),
                    },
                ),
            ),
            ReportNode(
                label=Message(gettext_noop("Calls per working day (team)")),
                value=decimal(result.calls / days),
                unit=Message(gettext_noop("calls/day")),
                formula=Message(
                    gettext_noop("= %(calls)s ÷ %(days)s working days"),
                    {"calls": num(result.calls), "days": days},
                ),
            ),
            ReportNode(
                label=Message(gettext_noop("Calls per rep per working day")),
                value=decimal(result.calls / days / len(result.reps)),
                unit=Message(gettext_noop("calls/day")),
                formula=Message(
                    gettext_noop(
                        "= %(calls)s ÷ %(days)s working days ÷ %(reps)s reps; peak: %(rep)s "
                        "%(peak)s a day against a capacity of %(capacity)s (%(over)s reps over)"
                    ),
                    {
                        "calls": num(result.calls),
                        "days": days,
                        "reps": len(result.reps),
                        "rep": rep.rep_id,
                        # Needs round up, as in the planner's own messages.
                        "peak": decimal(rep.peak_calls_per_working_day, rounding=ROUND_CEILING),
                        "capacity": spec.max_calls_per_day,
                        "over": over,
                    },
                ),
                status=status,
            ),
        ]
    return ReportNode(
        label=Message(gettext_noop("Calls")),
        value=result.calls,
        unit=Message(gettext_noop("calls")),
        formula=Message(
            gettext_noop(
                "= ⌈%(leads)s leads × %(attempts)s connected attempts per lead ÷ reach rate "
                "%(reach)s⌉"
            ),
            {
                "leads": num(result.leads),
                "attempts": section.yields.attempts_per_reached_lead,
                "reach": section.yields.reach_rate,
            },
        ),
        status=status,
        children=tuple(children),
    )


def _visits_node(document: ProbabilityPlanDocument, result: ProbabilityPlan) -> ReportNode:
    """Visits in total, per week and per rep per working day."""
    yields = document.probability.yields
    weeks = [w for w in result.weeks if w.visits]
    days = sum(w.working_days for w in weeks)
    over = result.feasibility.reps_over_visit_capacity
    status = INFEASIBLE if over else OK
    stage = result.stages[yields.visit_stage]
    children: list[ReportNode] = []
    if weeks and days:
        children = [
            ReportNode(
                label=Message(gettext_noop("Visits per week")),
                value=decimal(result.visits / len(weeks)),
                unit=Message(gettext_noop("visits/week")),
                formula=Message(
                    gettext_noop("= %(visits)s ÷ %(weeks)s weeks with visits"),
                    {"visits": num(result.visits), "weeks": len(weeks)},
                ),
            ),
            ReportNode(
                label=Message(gettext_noop("Visits per rep per working day")),
                value=decimal(result.visits / days / len(result.reps)),
                unit=Message(gettext_noop("visits/day")),
                formula=Message(
                    gettext_noop(
                        "= %(visits)s ÷ %(days)s working days ÷ %(reps)s reps (%(over)s reps "
                        "over capacity)"
                    ),
                    {
                        "visits": num(result.visits),
                        "days": days,
                        "reps": len(result.reps),
                        "over": over,
                    },
                ),
                status=status,
            ),
        ]
    return ReportNode(
        label=Message(gettext_noop("Visits")),
        value=result.visits,
        unit=Message(gettext_noop("visits")),
        formula=Message(
            gettext_noop("= ⌈%(count)s %(stage)s × %(per)s visits each⌉"),
            {"count": num(stage.count), "stage": stage.name, "per": yields.visits_per_opportunity},
        ),
        status=status,
        children=tuple(children),
    )
