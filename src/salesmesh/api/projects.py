"""Projects with their milestones, stakeholders, resources, stage reviews and members (read)."""

# No `from __future__ import annotations`: ninja reads Query[...] at runtime.

from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from salesmesh.accounts.models import Attitude
from salesmesh.api.common import PAGING, READ_ERRORS, Id, Paging, Text, caller, visible_or_404
from salesmesh.org.models import Role
from salesmesh.projects.models import (
    Milestone,
    OwningRole,
    Project,
    ProjectMember,
    Resource,
    ResourceKind,
    StageReview,
    Stakeholder,
)
from salesmesh.projects.selectors import projects_visible_to

router = Router()


class ProjectOut(Schema):
    id: int
    line: str
    account_id: int
    name: str
    customer_goal: str
    contract_value: Decimal

    @staticmethod
    def resolve_line(project: Project) -> str:
        return project.line.code


class MilestoneOut(Schema):
    id: int
    name: str
    planned_date: date
    actual_date: date | None
    revenue_share: Decimal
    revenue_kind: str
    owning_role: OwningRole
    depends_on: list[int]
    # Send it back with a PATCH: a change made meanwhile by someone else answers 409.
    version: int

    @staticmethod
    def resolve_depends_on(milestone: Milestone) -> list[int]:
        return sorted(m.pk for m in milestone.depends_on.all())


class StakeholderOut(Schema):
    id: int
    name: str
    title: str
    influence: int
    attitude: Attitude
    milestone_id: int | None
    planned_actions: str
    handled_on: date | None


class ResourceOut(Schema):
    id: int
    milestone_id: int
    kind: ResourceKind
    description: str
    lead_time_days: int
    ready_date: date | None


class StageReviewOut(Schema):
    id: int
    held_on: date
    what_happened: str
    gaps: str
    actions: str


class MemberOut(Schema):
    user_id: int
    role: Role
    assigned_on: date


class ProjectDetailOut(ProjectOut):
    """The parts come from the prefetches of ``get_project`` (a fixed number of queries)."""

    milestones: list[MilestoneOut]
    stakeholders: list[StakeholderOut]
    resources: list[ResourceOut]
    reviews: list[StageReviewOut]
    members: list[MemberOut]

    @staticmethod
    def resolve_milestones(project: Project) -> list[Milestone]:
        return list(project.milestones.all())

    @staticmethod
    def resolve_stakeholders(project: Project) -> list[Stakeholder]:
        return list(project.stakeholders.all())

    @staticmethod
    def resolve_resources(project: Project) -> list[Resource]:
        return sorted(
            (r for m in project.milestones.all() for r in m.resources.all()),
            key=lambda r: (r.milestone_id, r.pk),
        )

    @staticmethod
    def resolve_reviews(project: Project) -> list[StageReview]:
        return list(project.reviews.all())

    @staticmethod
    def resolve_members(project: Project) -> list[ProjectMember]:
        return list(project.assignments.all())


class ProjectFilters(Schema):
    line: Text | None = None
    account: Id | None = None
    q: Text | None = None


def _projects(request: HttpRequest) -> QuerySet[Project]:
    return projects_visible_to(user=caller(request)).select_related("line")


@router.get("/projects", response=list[ProjectOut], summary="Projects", tags=["projects"])
@paginate(Paging, **PAGING)
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]):  # type: ignore[no-untyped-def]
    """Projects the caller may see (own or their people's accounts, assigned, managed lines)."""
    projects = _projects(request)
    if filters.line:
        projects = projects.filter(line__code=filters.line)
    if filters.account is not None:
        projects = projects.filter(account_id=filters.account)
    if filters.q:
        projects = projects.filter(name__icontains=filters.q)
    return projects.order_by("name", "pk")


@router.get(
    "/projects/{project_id}",
    response={200: ProjectDetailOut, **READ_ERRORS},
    summary="A project with all its parts",
    tags=["projects"],
)
def get_project(request: HttpRequest, project_id: Id) -> Project:
    """The project and its parts in a fixed number of queries, parts in a stable order."""
    return visible_or_404(
        _projects(request).prefetch_related(
            Prefetch(
                "milestones",
                Milestone.objects.order_by("planned_date", "pk").prefetch_related(
                    "depends_on", "resources"
                ),
            ),
            Prefetch("stakeholders", Stakeholder.objects.order_by("name", "pk")),
            Prefetch("reviews", StageReview.objects.order_by("held_on", "pk")),
            Prefetch("assignments", ProjectMember.objects.order_by("assigned_on", "pk")),
        ),
        project_id,
    )
