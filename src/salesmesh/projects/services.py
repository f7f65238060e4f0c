"""Writes of projects and their parts; milestones keep an acyclic dependency graph
and revenue shares that add up to at most the whole contract."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from graphlib import CycleError, TopologicalSorter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from salesmesh.accounts.models import Account
from salesmesh.audit.locking import claim_version
from salesmesh.audit.models import AuditSource
from salesmesh.audit.services import record_changes, snapshot
from salesmesh.org.models import OrgUnit, User
from salesmesh.projects.models import (
    Milestone,
    Project,
    ProjectMember,
    Resource,
    ScenarioSolution,
    StageReview,
    Stakeholder,
)
from salesmesh.projects.selectors import milestone_graph

MILESTONE_UPDATABLE = frozenset(
    {"name", "planned_date", "actual_date", "revenue_share", "revenue_kind", "owning_role"}
)
# Slippage moves revenue: a milestone's dates and share are kept in the audit history.
MILESTONE_AUDITED = ("planned_date", "actual_date", "revenue_share")


@transaction.atomic
def project_create(
    *,
    line: OrgUnit,
    account: Account,
    name: str,
    customer_goal: str = "",
    contract_value: Decimal = Decimal(0),
) -> Project:
    """Start a project with an account of the same business line."""
    if account.line_id != line.pk:
        raise ValidationError(
            {"account": _("The account belongs to another business line.")}, code="other_line"
        )
    project = Project(
        line=line,
        account=account,
        name=name,
        customer_goal=customer_goal,
        contract_value=contract_value,
    )
    project.full_clean()
    project.save()
    return project


def project_member_check(*, user: User) -> None:
    """Only an active person can be assigned: an assignment grants sight of the project."""
    if not user.is_active:
        raise ValidationError(
            {
                "user": _("%(person)s is no longer active and cannot be assigned.")
                % {"person": user}
            },
            code="inactive_member",
        )


def _member_value(member: ProjectMember | None) -> dict[str, Any] | None:
    """An assignment as the project's history keeps it: person, role, a readable label."""
    if member is None:
        return None
    return {
        "user": member.user_id,
        "role": member.role,
        "label": f"{member.user} · {member.get_role_display()}",
    }


def _audit_member(
    project: Project,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    by: User | None,
    source: str,
) -> None:
    # One "member" change per person: joined (— → them), a new role, or left (them → —).
    record_changes(project, {"member": before}, {"member": after}, ["member"], by=by, source=source)


@transaction.atomic
def project_member_assign(
    *,
    project: Project,
    user: User,
    role: str,
    assigned_on: date | None = None,
    by: User | None = None,
    source: str = AuditSource.WEB,
) -> ProjectMember:
    """Assign a person to the project in ``role``; they see it from their next request.

    Assigning someone already on the project changes their role and keeps the day they
    joined (unless ``assigned_on`` is given); ``assigned_on`` defaults to today. The
    project's history records who joined or changed role, by whom.
    """
    project_member_check(user=user)
    # Lock the project so two assignments of the same person cannot race past the check.
    Project.objects.select_for_update().get(pk=project.pk)
    member = ProjectMember.objects.filter(project=project, user=user).select_related("user").first()
    before = _member_value(member)
    if member is None:
        member = ProjectMember(
            project=project,
            user=user,
            role=role,
            assigned_on=assigned_on or timezone.localdate(),
        )
    else:
        member.role = role
        if assigned_on is not None:
            member.assigned_on = assigned_on
    member.full_clean()
    member.save()
    _audit_member(project, before, _member_value(member), by, source)
    return member


@transaction.atomic
def project_member_unassign(
    *, project: Project, user: User, by: User | None = None, source: str = AuditSource.WEB
) -> bool:
    """Take a person off the project; whether they were on it (the history says who did).

    They lose sight of it from their next request, unless another rule still grants it
    (they own its account, or manage its line or the owner).
    """
    member = ProjectMember.objects.filter(project=project, user=user).select_related("user").first()
    if member is None:
        return False
    _audit_member(project, _member_value(member), None, by, source)
    member.delete()
    return True


def milestone_revenue_check(*, milestone: Milestone) -> None:
    """The project's milestones together release at most the whole contract value."""
    others = (
        Milestone.objects.filter(project_id=milestone.project_id)
        .exclude(pk=milestone.pk)
        .aggregate(total=Sum("revenue_share"))["total"]
    ) or Decimal(0)
    if others + Decimal(milestone.revenue_share) > 1:
        raise ValidationError(
            {
                "revenue_share": _(
                    "The project's milestones would release more than the whole contract "
                    "(%(total)s of 1)."
                )
                % {"total": others + Decimal(milestone.revenue_share)}
            },
            code="revenue_share_over_one",
        )


@transaction.atomic
def milestone_create(
    *,
    project: Project,
    name: str,
    planned_date: date,
    owning_role: str,
    actual_date: date | None = None,
    revenue_share: Decimal = Decimal(0),
    revenue_kind: str = "",
    depends_on: Iterable[Milestone] = (),
) -> Milestone:
    """Add a milestone (and what it depends on) to a project."""
    # Lock the project so two milestones added at once cannot both fit the share.
    Project.objects.select_for_update().get(pk=project.pk)
    milestone = Milestone(
        project=project,
        name=name,
        planned_date=planned_date,
        owning_role=owning_role,
        actual_date=actual_date,
        revenue_share=revenue_share,
        revenue_kind=revenue_kind,
    )
    milestone.full_clean()
    milestone_revenue_check(milestone=milestone)
    milestone.save()
    prerequisites = list(depends_on)
    if prerequisites:
        milestone_dependencies_set(milestone=milestone, depends_on=prerequisites)
    return milestone


@transaction.atomic
def milestone_update(
    *,
    milestone: Milestone,
    by: User | None = None,
    expected_version: int | None = None,
    source: str = AuditSource.WEB,
    **fields: Any,
) -> Milestone:
    """Change a milestone's dates, revenue or role (dependencies have their own service).

    Optimistically locked (``expected_version``) and audited (dates and share).
    """
    unknown = set(fields) - MILESTONE_UPDATABLE
    if unknown:
        raise TypeError(f"milestone_update cannot change {sorted(unknown)}")
    Project.objects.select_for_update().get(pk=milestone.project_id)
    claim_version(Milestone, milestone.pk, expected_version)
    locked = Milestone.objects.get(pk=milestone.pk)
    milestone.version = locked.version
    before = snapshot(locked, MILESTONE_AUDITED)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    milestone_revenue_check(milestone=locked)
    if fields:
        locked.save(update_fields=list(fields))
    after = snapshot(locked, MILESTONE_AUDITED)
    record_changes(locked, before, after, MILESTONE_AUDITED, by=by, source=source)
    return locked


def milestone_dependencies_check(*, milestone: Milestone, depends_on: Iterable[Milestone]) -> None:
    """Refuse prerequisites from another project or that would close a cycle (one query)."""
    prerequisites = list(depends_on)
    foreign = [m for m in prerequisites if m.project_id != milestone.project_id]
    if foreign:
        raise ValidationError(
            {
                "depends_on": _("%(milestone)s belongs to another project.")
                % {"milestone": foreign[0]}
            },
            code="dependency_of_other_project",
        )
    graph = milestone_graph(project_id=milestone.project_id)
    graph[milestone.pk] = {m.pk for m in prerequisites}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        cycle = error.args[1]
        names = dict(Milestone.objects.filter(pk__in=set(cycle)).values_list("pk", "name"))
        raise ValidationError(
            {
                "depends_on": _("These dependencies would form a cycle: %(cycle)s.")
                % {"cycle": " → ".join(names.get(pk, str(pk)) for pk in reversed(cycle))}
            },
            code="dependency_cycle",
        ) from error


@transaction.atomic
def milestone_dependencies_set(
    *, milestone: Milestone, depends_on: Iterable[Milestone]
) -> Milestone:
    """Replace what the milestone depends on, keeping the project's graph acyclic."""
    # Lock the project so two edits of its graph cannot together close a cycle.
    Project.objects.select_for_update().get(pk=milestone.project_id)
    prerequisites = list(depends_on)
    milestone_dependencies_check(milestone=milestone, depends_on=prerequisites)
    milestone.depends_on.set(prerequisites)
    return milestone


@transaction.atomic
def stakeholder_create(*, project: Project, name: str, **fields: Any) -> Stakeholder:
    """Name a customer-side person of the project (optionally tied to a milestone)."""
    stakeholder = Stakeholder(project=project, name=name, **fields)
    stakeholder.full_clean()
    stakeholder.save()
    return stakeholder


@transaction.atomic
def resource_create(*, milestone: Milestone, kind: str, **fields: Any) -> Resource:
    """Record a resource the milestone needs and its lead time."""
    resource = Resource(milestone=milestone, kind=kind, **fields)
    resource.full_clean()
    resource.save()
    return resource


@transaction.atomic
def stage_review_create(
    *, project: Project, held_on: date, what_happened: str, gaps: str = "", actions: str = ""
) -> StageReview:
    """Record a stage review of the project."""
    review = StageReview(
        project=project, held_on=held_on, what_happened=what_happened, gaps=gaps, actions=actions
    )
    review.full_clean()
    review.save()
    return review


@transaction.atomic
def scenario_solution_create(
    *,
    industry: str,
    problem: str,
    components: str = "",
    lessons: str = "",
    project: Project | None = None,
) -> ScenarioSolution:
    """Add a scenario solution to the knowledge base, usually from a closed project."""
    solution = ScenarioSolution(
        project=project, industry=industry, problem=problem, components=components, lessons=lessons
    )
    solution.full_clean()
    solution.save()
    return solution


# The line is fixed, like an account's: the project's milestones and revenue count there.
PROJECT_UPDATABLE = frozenset({"account", "name", "customer_goal", "contract_value"})
STAKEHOLDER_UPDATABLE = frozenset(
    {"milestone", "name", "title", "influence", "attitude", "planned_actions", "handled_on"}
)
RESOURCE_UPDATABLE = frozenset({"milestone", "kind", "description", "lead_time_days", "ready_date"})
STAGE_REVIEW_UPDATABLE = frozenset({"held_on", "what_happened", "gaps", "actions"})


def _update[RecordT: models.Model](
    record: RecordT, allowed: frozenset[str], fields: dict[str, Any]
) -> RecordT:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"{type(record).__name__} update cannot change {sorted(unknown)}")
    locked = type(record)._default_manager.select_for_update().get(pk=record.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    if fields:
        locked.save(update_fields=list(fields))
    return locked


@transaction.atomic
def project_update(*, project: Project, **fields: Any) -> Project:
    """Change a project's account, name, goal or contract value (the line stays)."""
    account = fields.get("account")
    if account is not None and account.line_id != project.line_id:
        raise ValidationError(
            {"account": _("The account belongs to another business line.")}, code="other_line"
        )
    return _update(project, PROJECT_UPDATABLE, fields)


@transaction.atomic
def stakeholder_update(*, stakeholder: Stakeholder, **fields: Any) -> Stakeholder:
    """Change a stakeholder; a milestone must be of the same project (the model checks).

    ``handled_on`` records the day the planned actions were done (None: still pending);
    the project indicators count the action as done from then on.
    """
    return _update(stakeholder, STAKEHOLDER_UPDATABLE, fields)


@transaction.atomic
def resource_update(*, resource: Resource, **fields: Any) -> Resource:
    """Change a resource; it may move to another milestone of the same project only."""
    milestone = fields.get("milestone")
    if milestone is not None and milestone.project_id != resource.milestone.project_id:
        raise ValidationError(
            {"milestone": _("The milestone belongs to another project.")},
            code="milestone_of_other_project",
        )
    return _update(resource, RESOURCE_UPDATABLE, fields)


@transaction.atomic
def stage_review_update(*, review: StageReview, **fields: Any) -> StageReview:
    """Change a stage review's date or notes."""
    return _update(review, STAGE_REVIEW_UPDATABLE, fields)


@transaction.atomic
def milestone_edit(
    *,
    milestone: Milestone,
    depends_on: Iterable[Milestone] | None = None,
    by: User | None = None,
    expected_version: int | None = None,
    source: str = AuditSource.WEB,
    **fields: Any,
) -> Milestone:
    """Change a milestone and, if given, what it depends on, both or neither."""
    updated = milestone_update(
        milestone=milestone, by=by, expected_version=expected_version, source=source, **fields
    )
    if depends_on is not None:
        milestone_dependencies_set(milestone=updated, depends_on=depends_on)
    return updated
