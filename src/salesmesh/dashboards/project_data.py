"""The project dashboard's data: baseline vs actual schedule, stakeholders, resources, reviews.

Everything for the projects on show is read in a fixed number of queries (projects,
milestones, dependency edges, stakeholders, resources, reviews, the approved plan) however
many projects, milestones or people there are; the rest is plain Python over those rows.

The *baseline* of a milestone is its date in the approved plan of the line (the plan
document's computed schedule, matched by project and milestone name or plan id); where the
plan has no such milestone, the milestone's own planned date stands in. Everything is seen
*as of* a day: an actual date, a ready date or a review after it has not happened yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from salesmesh.accounts.models import Attitude
from salesmesh.mesh.choice import approved_plan_for
from salesmesh.org.models import OrgUnit, User
from salesmesh.planning.models import PlanVersion
from salesmesh.projects.models import (
    Milestone,
    Project,
    Resource,
    ResourceKind,
    ScenarioSolution,
    StageReview,
    Stakeholder,
)
from salesmesh.projects.selectors import (
    projects_visible_to,
    scenario_solutions_search,
    scenario_solutions_visible_to,
)

# The attitudes from the most to the least dangerous: the map reads left to right.
ATTITUDE_ORDER = (Attitude.OPPONENT, Attitude.NEUTRAL, Attitude.SUPPORTER)


class Readiness(StrEnum):
    """Where a resource stands against the day its milestone needs it."""

    READY = "ready"  # ready on or before the day it was needed
    LATE = "late"  # ready, but after the day it was needed
    MISSING = "missing"  # needed by today and still not ready
    PENDING = "pending"  # not ready, not needed yet


READINESS_LABELS = {
    Readiness.READY: _("Ready"),
    Readiness.LATE: _("Ready late"),
    Readiness.MISSING: _("Missing"),
    Readiness.PENDING: _("Not due yet"),
}


MILESTONE_STATUS_LABELS = {
    "done": _("Done on time"),
    "done_late": _("Done late"),
    "overdue": _("Overdue"),
    "replanned": _("Planned after the baseline"),
    "open": _("Open, on track"),
}


# -- pure rules (no database) -------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """A milestone seen on ``as_of``: where it ends, whether it is done and whether it is late."""

    end: date
    done: bool
    late: bool
    # end − baseline in calendar days; negative when early.
    slip_days: int


def milestone_schedule(
    *, baseline: date, planned: date, actual: date | None, as_of: date
) -> Schedule:
    """Done milestones end on their actual date; open ones on the planned date, or today if past it.

    A done milestone is late when it finished after its baseline; an open one when it is past
    its planned date or its planned date has moved beyond the baseline.
    """
    if actual is not None and actual <= as_of:
        return Schedule(
            end=actual, done=True, late=actual > baseline, slip_days=(actual - baseline).days
        )
    overdue = as_of > planned
    end = as_of if overdue else planned
    return Schedule(
        end=end,
        done=False,
        late=overdue or planned > baseline,
        slip_days=(end - baseline).days,
    )


def needed_by(*, milestone_date: date, lead_time_days: int) -> date:
    """The day a resource must be ready: its lead time before the milestone's planned date."""
    return milestone_date - timedelta(days=lead_time_days)


def resource_readiness(
    *, ready_date: date | None, milestone_date: date, lead_time_days: int, as_of: date
) -> Readiness:
    """Ready, ready late, missing (due by ``as_of``) or pending (not due yet), seen on ``as_of``.

    The same rule as the project mesh's "resources ready in time" (core.mesh_project): due
    once its needed-by day has come, ready in time when ready on or before that day.
    """
    due = needed_by(milestone_date=milestone_date, lead_time_days=lead_time_days)
    if ready_date is not None and ready_date <= as_of:
        return Readiness.READY if ready_date <= due else Readiness.LATE
    return Readiness.MISSING if due <= as_of else Readiness.PENDING


def plan_baselines(version: PlanVersion | None) -> dict[str, dict[str, date]]:
    """Plan project (by name and by id) → plan milestone (by name and by id) → planned date.

    The dates come from the plan's computed schedule (milestones given by a duration get a
    date there); a document without one falls back to the dates written in the document.
    """
    if version is None:
        return {}
    computed = _nested(version.result, "data", "plan", "projects")
    written = _nested(version.assumptions, "project", "projects")
    baselines: dict[str, dict[str, date]] = {}
    for projects in (written, computed):  # the computed schedule wins over what was written
        for project in projects if isinstance(projects, list) else []:
            dates: dict[str, date] = {}
            for milestone in project.get("milestones") or []:
                day = _as_date(milestone.get("planned_date"))
                if day is None:
                    continue
                for key in (milestone.get("id"), milestone.get("name")):
                    if key:
                        dates[str(key)] = day
            for key in (project.get("id"), project.get("name")):
                if key:
                    baselines.setdefault(str(key), {}).update(dates)
    return baselines


def _nested(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


# -- the dashboard's rows ------------------------------------------------------------------


@dataclass(frozen=True)
class GanttRow:
    """One milestone: its baseline and actual (or expected) span, and why it is late."""

    milestone: Milestone
    number: int
    baseline: date
    baseline_from_plan: bool
    schedule: Schedule
    # Spans start where the milestone's prerequisites end (baseline and actual alike).
    baseline_start: date
    actual_start: date
    depends_on: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.number}. {self.milestone.name}"

    @property
    def status(self) -> str:
        """done / done_late / overdue / replanned (planned after the baseline) / open."""
        schedule = self.schedule
        if schedule.done:
            return "done_late" if schedule.late else "done"
        if schedule.end > self.milestone.planned_date:
            return "overdue"
        return "replanned" if schedule.late else "open"

    @property
    def status_label(self) -> str:
        return str(MILESTONE_STATUS_LABELS[self.status])


@dataclass(frozen=True)
class StakeholderRow:
    stakeholder: Stakeholder
    # Handled when its planned actions were done (``handled_on``) by ``as_of``.
    handled: bool

    @property
    def has_actions(self) -> bool:
        """Planned actions are written down (the mesh counts only these as actions)."""
        return bool(self.stakeholder.planned_actions.strip())


@dataclass(frozen=True)
class StakeholderGroup:
    """The stakeholders of one milestone (or of the project, with no milestone)."""

    project: Project
    milestone: Milestone | None
    rows: tuple[StakeholderRow, ...]

    @property
    def label(self) -> str:
        name = self.milestone.name if self.milestone is not None else str(_("No milestone"))
        return f"{self.project.name} · {name}"


@dataclass(frozen=True)
class ResourceRow:
    resource: Resource
    project: Project
    milestone: Milestone
    needed_by: date
    status: Readiness

    @property
    def status_label(self) -> str:
        return str(READINESS_LABELS[self.status])


@dataclass(frozen=True)
class ProjectBoard:
    """One project's Gantt rows, stakeholder groups, resources and reviews."""

    project: Project
    gantt: tuple[GanttRow, ...]
    stakeholders: tuple[StakeholderGroup, ...]
    resources: tuple[ResourceRow, ...]
    reviews: tuple[StageReview, ...]

    @property
    def late_count(self) -> int:
        return sum(1 for row in self.gantt if row.schedule.late)


@dataclass(frozen=True)
class ProjectDashboard:
    """Everything the project dashboard shows for the projects in scope on one day."""

    as_of: date
    boards: tuple[ProjectBoard, ...]
    plan: PlanVersion | None

    @property
    def milestones(self) -> list[GanttRow]:
        return [row for board in self.boards for row in board.gantt]

    @property
    def late_milestones(self) -> int:
        return sum(board.late_count for board in self.boards)

    @property
    def done_milestones(self) -> int:
        return sum(1 for row in self.milestones if row.schedule.done)

    @property
    def resources(self) -> list[ResourceRow]:
        return [row for board in self.boards for row in board.resources]

    @property
    def not_ready(self) -> list[ResourceRow]:
        """Resources not ready on time, most urgent (earliest needed) first."""
        rows = [row for row in self.resources if row.status is not Readiness.READY]
        return sorted(rows, key=lambda row: (row.needed_by, row.project.name, row.resource.pk))

    def readiness_count(self, status: Readiness) -> int:
        return sum(1 for row in self.resources if row.status is status)

    @property
    def ready_count(self) -> int:
        return self.readiness_count(Readiness.READY)

    @property
    def settled_count(self) -> int:
        """Resources ready or already due (all but those still pending)."""
        return len(self.resources) - self.readiness_count(Readiness.PENDING)

    @property
    def readiness_by_kind(self) -> dict[str, dict[Readiness, int]]:
        return readiness_by_kind(self.resources)

    @property
    def stakeholder_rows(self) -> list[StakeholderRow]:
        return [row for board in self.boards for group in board.stakeholders for row in group.rows]

    @property
    def actions_count(self) -> int:
        """Stakeholders with planned actions (as the project mesh counts stakeholder actions)."""
        return sum(1 for row in self.stakeholder_rows if row.has_actions)

    @property
    def handled_count(self) -> int:
        """Of those, the ones whose actions were done by ``as_of``."""
        return sum(1 for row in self.stakeholder_rows if row.has_actions and row.handled)

    @property
    def stakeholder_groups(self) -> list[StakeholderGroup]:
        return [group for board in self.boards for group in board.stakeholders]

    @property
    def reviews(self) -> list[tuple[StageReview, Project]]:
        """Every review held by ``as_of`` with its project, in date order."""
        items = [(review, board.project) for board in self.boards for review in board.reviews]
        return sorted(items, key=lambda item: (item[0].held_on, item[0].pk))


def projects_in_scope(*, user: User, line: OrgUnit) -> QuerySet[Project]:
    """The line's projects the user may see: all for its managers, their own for others.

    ``projects_visible_to`` is the one rule: projects of accounts the user or the people they
    manage own, and every project of a line they manage (admins: all).
    """
    return (
        projects_visible_to(user=user)
        .filter(line=line)
        .select_related("account")
        .order_by("name", "pk")
    )


def project_dashboard(
    *, projects: Sequence[Project], line: OrgUnit, as_of: date
) -> ProjectDashboard:
    """The dashboard's data for ``projects`` (already scoped) on ``as_of``, in fixed queries."""
    ids = [project.pk for project in projects]
    choice = approved_plan_for(line=line, as_of=as_of)
    version = choice.version if choice is not None else None
    baselines = plan_baselines(version)
    milestones = list(Milestone.objects.filter(project_id__in=ids).order_by("planned_date", "pk"))
    edges = Milestone.depends_on.through.objects.filter(
        from_milestone__project_id__in=ids
    ).values_list("from_milestone_id", "to_milestone_id")
    prerequisites: dict[int, list[int]] = defaultdict(list)
    for milestone_id, prerequisite_id in edges:
        prerequisites[milestone_id].append(prerequisite_id)
    stakeholders = list(
        Stakeholder.objects.filter(project_id__in=ids).order_by("-influence", "name", "pk")
    )
    resources = list(Resource.objects.filter(milestone__project_id__in=ids).order_by("kind", "pk"))
    reviews = list(
        StageReview.objects.filter(project_id__in=ids, held_on__lte=as_of).order_by("held_on", "pk")
    )
    by_project: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in milestones:
        by_project[milestone.project_id].append(milestone)
    boards = []
    for project in projects:
        own = by_project.get(project.pk, [])
        gantt = _gantt_rows(project, own, prerequisites, _baselines_of(project, baselines), as_of)
        own_by_id = {m.pk: m for m in own}
        boards.append(
            ProjectBoard(
                project=project,
                gantt=gantt,
                stakeholders=_stakeholder_groups(
                    project,
                    own,
                    [s for s in stakeholders if s.project_id == project.pk],
                    as_of,
                ),
                resources=tuple(
                    _resource_row(r, project, own_by_id[r.milestone_id], as_of)
                    for r in resources
                    if r.milestone_id in own_by_id
                ),
                reviews=tuple(r for r in reviews if r.project_id == project.pk),
            )
        )
    return ProjectDashboard(as_of=as_of, boards=tuple(boards), plan=version)


def readiness_by_kind(rows: Iterable[ResourceRow]) -> dict[str, dict[Readiness, int]]:
    """Resource kind → readiness → count, every kind and status present (zeros included)."""
    counts: dict[str, dict[Readiness, int]] = {
        kind: dict.fromkeys(Readiness, 0) for kind in ResourceKind.values
    }
    for row in rows:
        counts.setdefault(row.resource.kind, dict.fromkeys(Readiness, 0))[row.status] += 1
    return counts


def _baselines_of(project: Project, baselines: dict[str, dict[str, date]]) -> dict[str, date]:
    return baselines.get(project.name, {})


def _gantt_rows(
    project: Project,
    milestones: list[Milestone],
    prerequisites: Mapping[int, list[int]],
    baselines: Mapping[str, date],
    as_of: date,
) -> tuple[GanttRow, ...]:
    """Each milestone's schedule; a span starts where its last prerequisite ends."""
    base: dict[int, date] = {}
    from_plan: dict[int, bool] = {}
    schedules: dict[int, Schedule] = {}
    for milestone in milestones:
        planned_in_plan = baselines.get(milestone.name)
        from_plan[milestone.pk] = planned_in_plan is not None
        base[milestone.pk] = planned_in_plan or milestone.planned_date
        schedules[milestone.pk] = milestone_schedule(
            baseline=base[milestone.pk],
            planned=milestone.planned_date,
            actual=milestone.actual_date,
            as_of=as_of,
        )
    names = {m.pk: m.name for m in milestones}
    rows = []
    for number, milestone in enumerate(milestones, start=1):
        before = [p for p in prerequisites.get(milestone.pk, []) if p in base]
        schedule = schedules[milestone.pk]
        baseline_start = max((base[p] for p in before), default=base[milestone.pk])
        actual_start = max((schedules[p].end for p in before), default=schedule.end)
        rows.append(
            GanttRow(
                milestone=milestone,
                number=number,
                baseline=base[milestone.pk],
                baseline_from_plan=from_plan[milestone.pk],
                schedule=schedule,
                baseline_start=min(baseline_start, base[milestone.pk]),
                actual_start=min(actual_start, schedule.end),
                depends_on=tuple(sorted(names[p] for p in before)),
            )
        )
    return tuple(rows)


def _stakeholder_groups(
    project: Project,
    milestones: list[Milestone],
    stakeholders: list[Stakeholder],
    as_of: date,
) -> tuple[StakeholderGroup, ...]:
    """Stakeholders grouped by milestone in schedule order; those without one come last."""
    by_milestone: dict[int | None, list[StakeholderRow]] = defaultdict(list)
    for stakeholder in stakeholders:
        handled_on = stakeholder.handled_on
        by_milestone[stakeholder.milestone_id].append(
            StakeholderRow(
                stakeholder=stakeholder, handled=handled_on is not None and handled_on <= as_of
            )
        )
    groups = [
        StakeholderGroup(project=project, milestone=m, rows=tuple(by_milestone[m.pk]))
        for m in milestones
        if by_milestone.get(m.pk)
    ]
    if by_milestone.get(None):
        groups.append(
            StakeholderGroup(project=project, milestone=None, rows=tuple(by_milestone[None]))
        )
    return tuple(groups)


def _resource_row(
    resource: Resource, project: Project, milestone: Milestone, as_of: date
) -> ResourceRow:
    return ResourceRow(
        resource=resource,
        project=project,
        milestone=milestone,
        needed_by=needed_by(
            milestone_date=milestone.planned_date, lead_time_days=resource.lead_time_days
        ),
        status=resource_readiness(
            ready_date=resource.ready_date,
            milestone_date=milestone.planned_date,
            lead_time_days=resource.lead_time_days,
            as_of=as_of,
        ),
    )


# -- the knowledge base --------------------------------------------------------------------

KNOWLEDGE_LIMIT = 20


@dataclass(frozen=True)
class KnowledgeHit:
    """A scenario solution; its project is named only when the user may see that project."""

    solution: ScenarioSolution
    project: Project | None


@dataclass(frozen=True)
class KnowledgeResults:
    query: str
    hits: tuple[KnowledgeHit, ...]
    # More entries matched than are shown.
    more: bool


def knowledge_search(*, user: User, query: str, limit: int = KNOWLEDGE_LIMIT) -> KnowledgeResults:
    """Scenario solutions containing every word of ``query`` (all of them for an empty one).

    Two queries: the entries, and which of their projects the user may see.
    """
    query = query.strip()
    entries = list(
        (scenario_solutions_visible_to(user=user) & scenario_solutions_search(query=query))
        .select_related("project")
        .order_by("industry", "pk")[: limit + 1]
    )
    project_ids = {e.project_id for e in entries[:limit] if e.project_id is not None}
    visible = (
        set(projects_visible_to(user=user).filter(pk__in=project_ids).values_list("pk", flat=True))
        if project_ids
        else set()
    )
    hits = tuple(
        KnowledgeHit(solution=e, project=e.project if e.project_id in visible else None)
        for e in entries[:limit]
    )
    return KnowledgeResults(query=query, hits=hits, more=len(entries) > limit)
