"""The project report's tables: projects, milestones, revenue, path, resources, actions."""

from __future__ import annotations

from dataclasses import dataclass

from salesmesh.core.calendar import Period
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.project import MilestonePlan, PortfolioPlan, ProjectPlan
from salesmesh.planfile.report import CellValue, ReportTable
from salesmesh.planfile.report_common import yes_no

__all__ = ["MilestoneRef", "overlaps", "tables"]


@dataclass(frozen=True)
class MilestoneRef:
    """A milestone with its project, for lists across projects."""

    project: ProjectPlan
    milestone: MilestonePlan


def overlaps(period: Period, target: Period) -> bool:
    """True when ``period`` shares at least one day with ``target``."""
    return period.start <= target.end and target.start <= period.end


def tables(
    result: PortfolioPlan, milestones: list[MilestoneRef], target_period: Period
) -> tuple[ReportTable, ...]:
    """projects, milestones, revenue_by_period, critical_path, resources, actions."""
    projects = ReportTable(
        key="projects",
        title=Message(gettext_noop("Projects")),
        columns=(
            Message(gettext_noop("Project")),
            Message(gettext_noop("Name")),
            Message(gettext_noop("Goal")),
            Message(gettext_noop("Contract value")),
            Message(gettext_noop("Finish")),
            Message(gettext_noop("Length (working days)")),
            Message(gettext_noop("Critical path")),
            Message(gettext_noop("Warnings")),
        ),
        rows=tuple(
            (
                p.id,
                p.name,
                p.goal,
                p.contract_value,
                p.finish_date,
                p.length_working_days,
                " → ".join(p.critical_path),
                len(p.warnings),
            )
            for p in result.projects
        ),
        kinds=("text", "text", "text", "money", "date", "int", "text", "int"),
    )
    milestone_rows: list[tuple[CellValue, ...]] = [
        (
            i.project.id,
            i.milestone.id,
            i.milestone.name,
            None if i.milestone.owner is None else i.milestone.owner.value,
            i.milestone.revenue_kind.value,
            i.milestone.revenue_share,
            i.milestone.revenue,
            i.milestone.period.label,
            i.milestone.planned_date,
            i.milestone.latest_date,
            i.milestone.duration_working_days,
            i.milestone.slack_working_days,
            yes_no(i.milestone.is_critical),
        )
        for i in milestones
    ]
    milestones_table = ReportTable(
        key="milestones",
        title=Message(gettext_noop("Milestones")),
        columns=(
            Message(gettext_noop("Project")),
            Message(gettext_noop("Milestone")),
            Message(gettext_noop("Name")),
            Message(gettext_noop("Owner")),
            Message(gettext_noop("Revenue kind")),
            Message(gettext_noop("Revenue share")),
            Message(gettext_noop("Revenue")),
            Message(gettext_noop("Period")),
            Message(gettext_noop("Date")),
            Message(gettext_noop("Latest date")),
            Message(gettext_noop("Duration (working days)")),
            Message(gettext_noop("Slack (working days)")),
            Message(gettext_noop("Critical")),
        ),
        rows=tuple(milestone_rows),
        kinds=("text",) * 5 + ("ratio", "money", "text", "date", "date", "int", "int", "text"),
    )
    revenue = ReportTable(
        key="revenue_by_period",
        title=Message(gettext_noop("Revenue by period")),
        columns=(
            Message(gettext_noop("Period")),
            Message(gettext_noop("Start")),
            Message(gettext_noop("End")),
            Message(gettext_noop("In the target period")),
            Message(gettext_noop("Revenue")),
            Message(gettext_noop("Milestones")),
        ),
        rows=tuple(
            (
                p.period.label,
                p.period.start,
                p.period.end,
                yes_no(overlaps(p.period, target_period)),
                p.amount,
                ", ".join(f"{r.project_id}/{r.milestone_id}" for r in p.milestones),
            )
            for p in result.revenue_by_period
        ),
        kinds=("text", "date", "date", "text", "money", "text"),
    )
    return (projects, milestones_table, revenue, *_path_and_dates(result))


def _path_and_dates(result: PortfolioPlan) -> tuple[ReportTable, ...]:
    """critical_path, resources and actions."""
    by_id = {(p.id, m.id): m for p in result.projects for m in p.milestones}
    critical = ReportTable(
        key="critical_path",
        title=Message(gettext_noop("Critical path")),
        columns=(
            Message(gettext_noop("Project")),
            Message(gettext_noop("Step")),
            Message(gettext_noop("Milestone")),
            Message(gettext_noop("Name")),
            Message(gettext_noop("Date")),
            Message(gettext_noop("Duration (working days)")),
        ),
        rows=tuple(
            (
                p.id,
                step,
                mid,
                by_id[(p.id, mid)].name,
                by_id[(p.id, mid)].planned_date,
                by_id[(p.id, mid)].duration_working_days,
            )
            for p in result.projects
            for step, mid in enumerate(p.critical_path, start=1)
        ),
        kinds=("text", "int", "text", "text", "date", "int"),
    )
    resources = ReportTable(
        key="resources",
        title=Message(gettext_noop("Resources to have ready")),
        columns=(
            Message(gettext_noop("Project")),
            Message(gettext_noop("Milestone")),
            Message(gettext_noop("Kind")),
            Message(gettext_noop("Resource")),
            Message(gettext_noop("Lead time (working days)")),
            Message(gettext_noop("Milestone date")),
            Message(gettext_noop("Ready by")),
            Message(gettext_noop("Late")),
        ),
        rows=tuple(
            (
                r.project_id,
                r.milestone_id,
                r.kind.value,
                r.description,
                r.lead_time_working_days,
                r.milestone_date,
                r.ready_by,
                yes_no(r.is_late),
            )
            for p in result.projects
            for r in p.resources
        ),
        kinds=("text", "text", "text", "text", "int", "date", "date", "text"),
    )
    actions = ReportTable(
        key="actions",
        title=Message(gettext_noop("Stakeholder actions")),
        columns=(
            Message(gettext_noop("Project")),
            Message(gettext_noop("Milestone")),
            Message(gettext_noop("Stakeholder")),
            Message(gettext_noop("Title")),
            Message(gettext_noop("Influence")),
            Message(gettext_noop("Attitude")),
            Message(gettext_noop("Action")),
            Message(gettext_noop("Due")),
            Message(gettext_noop("Priority")),
            Message(gettext_noop("Overdue")),
        ),
        rows=tuple(
            (
                a.project_id,
                a.milestone_id,
                a.stakeholder,
                a.title,
                a.influence,
                a.attitude.value,
                a.description,
                a.due_date,
                a.priority.value,
                yes_no(a.is_overdue),
            )
            for p in result.projects
            for a in p.actions
        ),
        kinds=("text", "text", "text", "text", "int", "text", "text", "date", "text", "text"),
    )
    return critical, resources, actions
