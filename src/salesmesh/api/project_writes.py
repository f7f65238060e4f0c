"""Projects and their parts: create and update, and project members, as the web does them.

The operations join the read router of ``api.projects`` (``/projects`` and
``/projects/{project_id}`` are the reads' paths too: one URL pattern must answer every
method of a path, so a second router on the same path would shadow them).

- A project, milestone, stakeholder, resource or stage review is validated by the record
  pages' form (accounts and milestones in the caller's scope) and written by the
  projects services. Anyone who sees a project may change it and its parts, as on its
  page; a part of a project out of scope is a 404.
- A milestone is locked optimistically: read its ``version`` (``GET /milestones/{id}``
  or any write's answer) and send it back with a PATCH; a save based on an older one is
  a 409. Its dates and revenue share are audited (source ``api``), as the web's edit.
- Project members are assigned and taken off in the Django admin only, by staff with the
  admin's permissions on projects and project members; the API allows exactly them
  (anyone else gets the 404 of a project they cannot change). Like the admin, it
  records no audit entry for an assignment.
"""

# No `from __future__ import annotations`: ninja reads the schemas at runtime.

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Schema, Status
from pydantic import ConfigDict, Field

from salesmesh.accounts.models import Attitude
from salesmesh.api.common import READ_ERRORS, WRITE_ERRORS, caller, visible_or_404
from salesmesh.api.projects import (
    MemberOut,
    MilestoneOut,
    ProjectDetailOut,
    ResourceOut,
    StageReviewOut,
    StakeholderOut,
    get_project,
    router,
)
from salesmesh.api.writes import through_service, validated_form
from salesmesh.audit.models import AuditSource
from salesmesh.org.models import Role, User
from salesmesh.projects.models import (
    Milestone,
    OwningRole,
    Project,
    ProjectMember,
    Resource,
    ResourceKind,
    RevenueKind,
    StageReview,
    Stakeholder,
)
from salesmesh.projects.selectors import projects_visible_to
from salesmesh.projects.services import (
    milestone_create,
    milestone_edit,
    project_create,
    project_member_assign,
    project_member_unassign,
    project_update,
    resource_create,
    resource_update,
    stage_review_create,
    stage_review_update,
    stakeholder_create,
    stakeholder_update,
)
from salesmesh.records.forms import (
    MilestoneForm,
    ProjectForm,
    ResourceForm,
    StageReviewForm,
    StakeholderForm,
)

# Schemas ---------------------------------------------------------------------------------

# A milestone id in a list: the form looks the list up with ``pk IN (…)``, which (unlike an
# equality) Django hands to the database as is, and a number beyond 64 bits is an error
# there; refused here as invalid input instead.
MilestoneId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ProjectIn(Schema):
    """A new project with an account of its business line."""

    model_config = ConfigDict(extra="forbid")
    line: int
    account: int
    name: str
    customer_goal: str = ""
    contract_value: Decimal = Decimal(0)


class ProjectPatch(Schema):
    """Fields to change; a project's line is fixed once it exists."""

    model_config = ConfigDict(extra="forbid")
    account: int | None = None
    name: str | None = None
    customer_goal: str | None = None
    contract_value: Decimal | None = None


class MilestoneIn(Schema):
    """A new milestone of the project and the milestones (of the same project) it follows."""

    model_config = ConfigDict(extra="forbid")
    name: str
    planned_date: date
    owning_role: OwningRole
    actual_date: date | None = None
    revenue_share: Decimal = Decimal(0)
    revenue_kind: RevenueKind = RevenueKind.NONE
    depends_on: list[MilestoneId] = []


class MilestonePatch(Schema):
    """Fields to change; ``depends_on`` replaces the whole list when sent."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    planned_date: date | None = None
    actual_date: date | None = None
    revenue_share: Decimal | None = None
    revenue_kind: RevenueKind | None = None
    owning_role: OwningRole | None = None
    depends_on: list[MilestoneId] | None = None
    # The version the caller read (MilestoneOut.version): a save based on an older
    # one is refused with 409 instead of overwriting someone else's change. Omitted: no check.
    version: int | None = Field(default=None, ge=1)


class StakeholderIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str
    title: str = ""
    influence: int = 3
    attitude: Attitude = Attitude.NEUTRAL
    milestone: int | None = None
    planned_actions: str = ""
    handled_on: date | None = None


class StakeholderPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    title: str | None = None
    influence: int | None = None
    attitude: Attitude | None = None
    milestone: int | None = None
    planned_actions: str | None = None
    handled_on: date | None = None


class ResourceIn(Schema):
    """A resource one of the project's milestones needs."""

    model_config = ConfigDict(extra="forbid")
    milestone: int
    kind: ResourceKind
    description: str = ""
    lead_time_days: int = 0
    ready_date: date | None = None


class ResourcePatch(Schema):
    model_config = ConfigDict(extra="forbid")
    milestone: int | None = None
    kind: ResourceKind | None = None
    description: str | None = None
    lead_time_days: int | None = None
    ready_date: date | None = None


class StageReviewIn(Schema):
    """A stage review (复盘); ``held_on`` defaults to today."""

    model_config = ConfigDict(extra="forbid")
    what_happened: str
    held_on: date | None = None
    gaps: str = ""
    actions: str = ""


class StageReviewPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    held_on: date | None = None
    what_happened: str | None = None
    gaps: str | None = None
    actions: str | None = None


class MemberIn(Schema):
    """The person's role on the project; ``assigned_on`` defaults to today for a newcomer
    and stays as it was for someone already on it."""

    model_config = ConfigDict(extra="forbid")
    role: Role
    assigned_on: date | None = None


# Lookups ---------------------------------------------------------------------------------


def _visible_projects(request: HttpRequest) -> QuerySet[Project]:
    return projects_visible_to(user=caller(request))


def _project(request: HttpRequest, project_id: int) -> Project:
    return visible_or_404(_visible_projects(request), project_id)


def _part[M: Model](request: HttpRequest, model: type[M], pk: int, via: str) -> M:
    """A part of a visible project (``via``: the path from the part to its project)."""
    visible = _visible_projects(request).values("pk")
    parts = model._default_manager.filter(**{f"{via}__in": visible}).select_related(via)
    return visible_or_404(parts, pk)


def _milestone_out(request: HttpRequest, milestone_id: int) -> Milestone:
    visible = _visible_projects(request).values("pk")
    return visible_or_404(
        Milestone.objects.filter(project__in=visible).prefetch_related("depends_on"),
        milestone_id,
    )


# Projects --------------------------------------------------------------------------------


@router.post(
    "/projects",
    response={201: ProjectDetailOut, **WRITE_ERRORS},
    summary="Create a project",
    tags=["projects"],
)
def create_project(request: HttpRequest, body: ProjectIn) -> Status[Project]:
    """Validated like the web form: a line one works in, an account in scope of that line."""
    form = validated_form(ProjectForm, user=caller(request), body=body.dict())
    project = through_service(lambda: project_create(**form.cleaned_data))
    return Status(201, get_project(request, project.pk))


@router.patch(
    "/projects/{project_id}",
    response={200: ProjectDetailOut, **WRITE_ERRORS},
    summary="Change a project",
    tags=["projects"],
)
def update_project(request: HttpRequest, project_id: int, body: ProjectPatch) -> Project:
    """Only the fields sent change; the account stays of the project's line."""
    project = _project(request, project_id)
    form = validated_form(
        ProjectForm, user=caller(request), body=body.dict(exclude_unset=True), instance=project
    )
    through_service(lambda: project_update(project=project, **form.changed()))
    return get_project(request, project_id)


# Milestones ------------------------------------------------------------------------------


@router.get(
    "/milestones/{milestone_id}",
    response={200: MilestoneOut, **READ_ERRORS},
    summary="A milestone with its version (for a locked update)",
    tags=["projects"],
)
def get_milestone(request: HttpRequest, milestone_id: int) -> Milestone:
    return _milestone_out(request, milestone_id)


@router.post(
    "/projects/{project_id}/milestones",
    response={201: MilestoneOut, **WRITE_ERRORS},
    summary="Add a milestone to a project",
    tags=["projects"],
)
def create_milestone(request: HttpRequest, project_id: int, body: MilestoneIn) -> Status[Milestone]:
    """Revenue shares of the project add up to at most 1; dependencies stay acyclic."""
    project = _project(request, project_id)
    form = validated_form(
        MilestoneForm,
        user=caller(request),
        body=body.dict(),
        instance=Milestone(project=project),
        project=project,
    )
    milestone = through_service(lambda: milestone_create(project=project, **form.cleaned_data))
    return Status(201, _milestone_out(request, milestone.pk))


@router.patch(
    "/milestones/{milestone_id}",
    response={200: MilestoneOut, **WRITE_ERRORS},
    summary="Change a milestone (locked by its version; dates and share audited)",
    tags=["projects"],
)
def update_milestone(request: HttpRequest, milestone_id: int, body: MilestonePatch) -> Milestone:
    """The milestone and its dependencies change together or not at all."""
    user = caller(request)
    milestone = _part(request, Milestone, milestone_id, "project")
    fields = body.dict(exclude_unset=True)
    expected = fields.pop("version", None)
    form = validated_form(
        MilestoneForm, user=user, body=fields, instance=milestone, project=milestone.project
    )
    changes: dict[str, Any] = form.changed()
    depends_on = changes.pop("depends_on", None)
    through_service(
        lambda: milestone_edit(
            milestone=milestone,
            depends_on=depends_on,
            by=user,
            expected_version=expected,
            source=AuditSource.API,
            **changes,
        )
    )
    return _milestone_out(request, milestone_id)


# Stakeholders, resources, stage reviews --------------------------------------------------


@router.post(
    "/projects/{project_id}/stakeholders",
    response={201: StakeholderOut, **WRITE_ERRORS},
    summary="Add a stakeholder to a project",
    tags=["projects"],
)
def create_stakeholder(
    request: HttpRequest, project_id: int, body: StakeholderIn
) -> Status[Stakeholder]:
    project = _project(request, project_id)
    form = validated_form(
        StakeholderForm,
        user=caller(request),
        body=body.dict(),
        instance=Stakeholder(project=project),
        project=project,
    )
    stakeholder = through_service(lambda: stakeholder_create(project=project, **form.cleaned_data))
    return Status(201, _part(request, Stakeholder, stakeholder.pk, "project"))


@router.patch(
    "/stakeholders/{stakeholder_id}",
    response={200: StakeholderOut, **WRITE_ERRORS},
    summary="Change a stakeholder (set handled_on when the planned actions are done)",
    tags=["projects"],
)
def update_stakeholder(
    request: HttpRequest, stakeholder_id: int, body: StakeholderPatch
) -> Stakeholder:
    stakeholder = _part(request, Stakeholder, stakeholder_id, "project")
    form = validated_form(
        StakeholderForm,
        user=caller(request),
        body=body.dict(exclude_unset=True),
        instance=stakeholder,
        project=stakeholder.project,
    )
    through_service(lambda: stakeholder_update(stakeholder=stakeholder, **form.changed()))
    return _part(request, Stakeholder, stakeholder_id, "project")


@router.post(
    "/projects/{project_id}/resources",
    response={201: ResourceOut, **WRITE_ERRORS},
    summary="Add a resource a milestone of the project needs",
    tags=["projects"],
)
def create_resource(request: HttpRequest, project_id: int, body: ResourceIn) -> Status[Resource]:
    project = _project(request, project_id)
    form = validated_form(ResourceForm, user=caller(request), body=body.dict(), project=project)
    resource = through_service(lambda: resource_create(**form.cleaned_data))
    return Status(201, _part(request, Resource, resource.pk, "milestone__project"))


@router.patch(
    "/resources/{resource_id}",
    response={200: ResourceOut, **WRITE_ERRORS},
    summary="Change a resource (it may move to another milestone of the same project)",
    tags=["projects"],
)
def update_resource(request: HttpRequest, resource_id: int, body: ResourcePatch) -> Resource:
    resource = _part(request, Resource, resource_id, "milestone__project")
    form = validated_form(
        ResourceForm,
        user=caller(request),
        body=body.dict(exclude_unset=True),
        instance=resource,
        project=resource.milestone.project,
    )
    through_service(lambda: resource_update(resource=resource, **form.changed()))
    return _part(request, Resource, resource_id, "milestone__project")


@router.post(
    "/projects/{project_id}/reviews",
    response={201: StageReviewOut, **WRITE_ERRORS},
    summary="Record a stage review of a project",
    tags=["projects"],
)
def create_stage_review(
    request: HttpRequest, project_id: int, body: StageReviewIn
) -> Status[StageReview]:
    project = _project(request, project_id)
    data = body.dict()
    if data["held_on"] is None:
        data["held_on"] = timezone.localdate()  # what the web form offers
    form = validated_form(
        StageReviewForm,
        user=caller(request),
        body=data,
        instance=StageReview(project=project),
        project=project,
    )
    review = through_service(lambda: stage_review_create(project=project, **form.cleaned_data))
    return Status(201, _part(request, StageReview, review.pk, "project"))


@router.patch(
    "/reviews/{review_id}",
    response={200: StageReviewOut, **WRITE_ERRORS},
    summary="Change a stage review",
    tags=["projects"],
)
def update_stage_review(
    request: HttpRequest, review_id: int, body: StageReviewPatch
) -> StageReview:
    review = _part(request, StageReview, review_id, "project")
    form = validated_form(
        StageReviewForm,
        user=caller(request),
        body=body.dict(exclude_unset=True),
        instance=review,
        project=review.project,
    )
    through_service(lambda: stage_review_update(review=review, **form.changed()))
    return _part(request, StageReview, review_id, "project")


# Members ---------------------------------------------------------------------------------


def _may_change_members(user: User, action: str) -> bool:
    """What the project page of the Django admin asks: active staff who may change the
    project and ``action`` (add, change, delete) its member rows."""
    return (
        user.is_active
        and user.is_staff
        and user.has_perms(["projects.change_project", f"projects.{action}_projectmember"])
    )


def _person(user_id: int) -> User:
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        raise Http404
    return person


@router.put(
    "/projects/{project_id}/members/{user_id}",
    response={200: MemberOut, 201: MemberOut, **WRITE_ERRORS},
    summary="Assign a person to a project, or change their role on it (staff)",
    tags=["projects"],
)
def assign_project_member(
    request: HttpRequest, project_id: int, user_id: int, body: MemberIn
) -> Status[ProjectMember]:
    """201 for a newcomer, 200 for a new role; they see the project from their next request."""
    user = caller(request)
    project = _project(request, project_id)
    person = _person(user_id)
    joining = not ProjectMember.objects.filter(project=project, user=person).exists()
    if not _may_change_members(user, "add" if joining else "change"):
        raise Http404
    member = through_service(
        lambda: project_member_assign(
            project=project,
            user=person,
            role=body.role,
            assigned_on=body.assigned_on,
            by=user,
            source=AuditSource.API,
        )
    )
    return Status(201 if joining else 200, member)


@router.delete(
    "/projects/{project_id}/members/{user_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Take a person off a project (staff)",
    tags=["projects"],
)
def unassign_project_member(request: HttpRequest, project_id: int, user_id: int) -> Status[None]:
    """They lose sight of it from their next request, unless another rule still grants it."""
    project = _project(request, project_id)
    user = caller(request)
    if not _may_change_members(user, "delete"):
        raise Http404
    if not project_member_unassign(
        project=project, user=_person(user_id), by=user, source=AuditSource.API
    ):
        raise Http404
    return Status(204, None)
