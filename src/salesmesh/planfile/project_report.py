"""The project paradigm's report: contract value → revenue per period → milestones."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from salesmesh.core.calendar import Period, WorkCalendar
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.money import to_money
from salesmesh.core.project import (
    PeriodRevenue,
    PortfolioPlan,
    ProjectPlanError,
    plan_projects,
)
from salesmesh.planfile.errors import PlanFileError, prefixed
from salesmesh.planfile.project_tables import MilestoneRef, overlaps, tables
from salesmesh.planfile.report import ReportNode
from salesmesh.planfile.report_common import (
    INFEASIBLE,
    OK,
    Section,
    as_data,
    num,
    text,
)
from salesmesh.planfile.schema import ProjectPlanDocument

__all__ = ["plan", "report"]


def plan(document: ProjectPlanDocument, work: WorkCalendar) -> PortfolioPlan:
    """Run the project planner on the document; its problems carry document paths."""
    section = document.project
    try:
        return plan_projects(
            section.to_core(),
            as_of=section.as_of,
            grain=section.grain_value,
            fiscal=document.fiscal_calendar,
            work=work,
            high_influence=section.high_influence,
        )
    except ProjectPlanError as exc:
        raise PlanFileError(prefixed(exc.problems, "project")) from exc


def _in(day: date, target: Period) -> bool:
    """True when ``day`` falls in ``target``."""
    return target.start <= day <= target.end


def report(document: ProjectPlanDocument, result: PortfolioPlan) -> Section:
    """Tree, tables, warnings, fixes and data of a project portfolio plan."""
    target_period = document.plan_period
    milestones = [MilestoneRef(p, m) for p in result.projects for m in p.milestones]
    in_period = sum(
        (m.milestone.revenue for m in milestones if _in(m.milestone.planned_date, target_period)),
        Decimal("0.00"),
    )
    gap = max(Decimal("0.00"), document.target - in_period)
    warnings = [w.message for w in result.warnings]
    fixes: list[Message] = []
    if gap:
        warnings.insert(
            0,
            Message(
                gettext_noop(
                    "Milestones dated in %(period)s bring %(revenue)s, %(gap)s short of the "
                    "target %(target)s."
                ),
                {
                    "period": document.period_label,
                    "revenue": num(in_period),
                    "gap": num(gap),
                    "target": num(to_money(document.target)),
                },
            ),
        )
        fixes = _gap_fixes(document, milestones, gap)
    data = as_data(result)
    data["revenue_in_period"] = in_period
    data["gap"] = gap
    return Section(
        tree=_tree(document, result, milestones, in_period, gap),
        tables=tables(result, milestones, target_period),
        warnings=tuple(warnings),
        fixes=tuple(fixes),
        feasible=not gap,
        data=data,
    )


def _gap_fixes(
    document: ProjectPlanDocument, milestones: list[MilestoneRef], gap: Decimal
) -> list[Message]:
    """The earliest later milestones that, brought into the period, close the gap."""
    later = sorted(
        (
            m
            for m in milestones
            if m.milestone.planned_date > document.plan_period.end and m.milestone.revenue > 0
        ),
        key=lambda m: (m.milestone.planned_date, m.project.id, m.milestone.id),
    )
    fixes: list[Message] = []
    remaining = gap
    for item in later:
        if remaining <= 0:
            break
        fixes.append(
            Message(
                gettext_noop(
                    "Bring milestone %(milestone)s of project %(project)s (%(revenue)s, planned "
                    "%(date)s) forward into %(period)s."
                ),
                {
                    "milestone": item.milestone.id,
                    "project": item.project.id,
                    "revenue": num(item.milestone.revenue),
                    "date": item.milestone.planned_date.isoformat(),
                    "period": document.period_label,
                },
            )
        )
        remaining -= item.milestone.revenue
    if remaining > 0:
        fixes.append(
            Message(
                gettext_noop(
                    "Win new projects with at least %(amount)s of milestone revenue dated in "
                    "%(period)s."
                ),
                {"amount": num(remaining), "period": document.period_label},
            )
        )
    return fixes


# -- the tree ---------------------------------------------------------------------------------


def _milestone_node(item: MilestoneRef, money: Message) -> ReportNode:
    """One milestone's revenue, date and slack."""
    m = item.milestone
    return ReportNode(
        label=text(f"{item.project.name} · {m.name}"),
        value=m.revenue,
        unit=money,
        formula=Message(
            gettext_noop(
                "= %(share)s × contract value %(value)s (%(kind)s, %(date)s, slack %(slack)s "
                "working days)"
            ),
            {
                "share": m.revenue_share,
                "value": num(item.project.contract_value),
                "kind": m.revenue_kind.value,
                "date": m.planned_date.isoformat(),
                "slack": m.slack_working_days,
            },
        ),
    )


def _period_node(
    period: PeriodRevenue, by_key: dict[tuple[str, str], MilestoneRef], money: Message, inside: bool
) -> ReportNode:
    """A period's revenue and the milestones it comes from."""
    return ReportNode(
        label=text(period.period.label),
        value=period.amount,
        unit=money,
        formula=Message(
            gettext_noop("= Σ of %(count)s milestones"),
            {"count": len(period.milestones)},
        ),
        status=OK if inside else "",
        children=tuple(
            _milestone_node(by_key[(r.project_id, r.milestone_id)], money)
            for r in period.milestones
        ),
    )


def _tree(
    document: ProjectPlanDocument,
    result: PortfolioPlan,
    milestones: list[MilestoneRef],
    in_period: Decimal,
    gap: Decimal,
) -> ReportNode:
    """target → contract value → revenue per period → milestones; revenue in the period."""
    money = text(document.currency)
    target_period = document.plan_period
    by_key = {(m.project.id, m.milestone.id): m for m in milestones}
    contract = ReportNode(
        label=Message(gettext_noop("Contract value")),
        value=sum((p.contract_value for p in result.projects), Decimal("0.00")),
        unit=money,
        formula=Message(
            gettext_noop("= Σ over %(count)s projects, split over milestones by revenue share"),
            {"count": len(result.projects)},
        ),
        children=tuple(
            _period_node(p, by_key, money, overlaps(p.period, target_period))
            for p in result.revenue_by_period
        ),
    )
    revenue = ReportNode(
        label=Message(gettext_noop("Revenue in %(period)s"), {"period": document.period_label}),
        value=in_period,
        unit=money,
        formula=Message(gettext_noop("= Σ revenue of the milestones dated in the period")),
        status=OK if not gap else INFEASIBLE,
    )
    gap_node = ReportNode(
        label=Message(gettext_noop("Gap to target")),
        value=gap,
        unit=money,
        formula=Message(
            gettext_noop("= max(0, %(target)s − %(revenue)s)"),
            {"target": num(to_money(document.target)), "revenue": num(in_period)},
        ),
        status=OK if not gap else INFEASIBLE,
    )
    return ReportNode(
        label=Message(gettext_noop("Target %(period)s"), {"period": document.period_label}),
        value=to_money(document.target),
        unit=money,
        formula=Message(gettext_noop("= revenue of the milestones dated in the period")),
        status=OK if not gap else INFEASIBLE,
        children=(contract, revenue, gap_node),
    )
