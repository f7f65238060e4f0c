"""Actual indicators of one project-paradigm business line (DESIGN.md §1.3), in fixed queries.

Fetch, then compute (DESIGN.md §3): :func:`project_records` loads what the project mesh needs
— the line's milestones with their revenue, dependencies, resources, stakeholder actions and
stage reviews — in five queries whatever the number of projects; ``core.mesh_project``
computes the indicators from them (:func:`project_actuals`), for the line or, restricted to
the milestones a role owns, for a team or a person.

Which records a window ``start`` … ``end`` as of ``as_of`` needs:

- milestones planned in the window (due, on time, slippage), reached in it (revenue
  recognised, reviews expected), and every milestone still open as of ``as_of`` whatever its
  date — a late one from an earlier period brings its revenue when it lands, a later one may
  be pulled into the period by the catch-up;
- the resources and stakeholders of those milestones. A stakeholder counts as one action when
  it is tied to a milestone and has planned actions (not blank), done once ``handled_on`` is
  set; its milestone's planned date is the due date;
- the stage reviews held in the window, each with the owning role of the milestone whose
  stage it closes: the latest milestone of its project reached on or before the review.

The definitions of every indicator (due, on time, slippage, ready-by date, reviews expected,
revenue recognised) are ``core.mesh_project``'s module docstring; docs/metrics.md has the
table. Days are calendar days; a resource's ``lead_time_days`` counts back from its
milestone's planned date.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import OuterRef, Q, QuerySet, Subquery

from salesmesh.core.mesh_project import (
    DEFAULT_REVIEW_WITHIN_DAYS,
    ActionRecord,
    MilestoneRecord,
    ProjectActuals,
    ProjectRecords,
    ResourceRecord,
    ReviewRecord,
    milestone_revenue,
    project_actuals_of,
)
from salesmesh.org.models import OrgUnit
from salesmesh.projects.models import Milestone, Resource, ResourceKind, StageReview, Stakeholder

__all__ = ["line_milestones", "project_actuals", "project_records"]


def line_milestones(*, line: OrgUnit, start: date, end: date, as_of: date) -> QuerySet[Milestone]:
    """The line's milestones a window needs (see the module docstring); not evaluated."""
    if end < start:
        raise ValueError("the window must not end before it starts")
    return Milestone.objects.filter(project__line=line).filter(
        Q(planned_date__range=(start, end))
        | Q(actual_date__range=(start, end))
        | Q(actual_date__isnull=True)
        | Q(actual_date__gt=as_of)
    )


def project_records(*, line: OrgUnit, start: date, end: date, as_of: date) -> ProjectRecords:
    """The line's project records for the window ``start`` … ``end`` as of ``as_of``.

    Five queries: milestones (with their project's name and contract value), dependencies,
    resources, stakeholders and stage reviews.
    """
    milestones = line_milestones(line=line, start=start, end=end, as_of=as_of)
    rows = list(
        milestones.order_by("project_id", "planned_date", "pk").values_list(
            "pk",
            "project_id",
            "project__name",
            "project__contract_value",
            "name",
            "owning_role",
            "planned_date",
            "actual_date",
            "revenue_share",
        )
    )
    ids = milestones.values("pk")
    prerequisites: dict[int, list[int]] = defaultdict(list)
    for milestone_id, prerequisite_id in (
        Milestone.depends_on.through.objects.filter(from_milestone_id__in=ids)
        .order_by("to_milestone_id")
        .values_list("from_milestone_id", "to_milestone_id")
    ):
        prerequisites[milestone_id].append(prerequisite_id)
    resources = tuple(
        ResourceRecord(
            id=str(pk),
            milestone_id=str(milestone_id),
            description=description or ResourceKind(kind).label,
            lead_time_days=lead_time_days,
            ready_date=ready_date,
        )
        for pk, milestone_id, kind, description, lead_time_days, ready_date in (
            Resource.objects.filter(milestone_id__in=ids)
            .order_by("milestone_id", "pk")
            .values_list(
                "pk", "milestone_id", "kind", "description", "lead_time_days", "ready_date"
            )
        )
    )
    actions = tuple(
        ActionRecord(
            id=str(pk), milestone_id=str(milestone_id), stakeholder=name, handled_on=handled_on
        )
        for pk, milestone_id, name, planned_actions, handled_on in (
            Stakeholder.objects.filter(milestone_id__in=ids)
            .exclude(planned_actions="")
            .order_by("milestone_id", "pk")
            .values_list("pk", "milestone_id", "name", "planned_actions", "handled_on")
        )
        if planned_actions.strip()
    )
    closed_stage = Subquery(
        Milestone.objects.filter(
            project_id=OuterRef("project_id"), actual_date__lte=OuterRef("held_on")
        )
        .order_by("-actual_date", "-pk")
        .values("owning_role")[:1]
    )
    reviews = tuple(
        ReviewRecord(id=str(pk), project_id=str(project_id), held_on=held_on, owning_role=role)
        for pk, project_id, held_on, role in (
            StageReview.objects.filter(project__line=line, held_on__range=(start, end))
            .annotate(stage_role=closed_stage)
            .order_by("held_on", "pk")
            .values_list("pk", "project_id", "held_on", "stage_role")
        )
    )
    return ProjectRecords(
        milestones=tuple(
            MilestoneRecord(
                id=str(pk),
                project_id=str(project_id),
                project=project,
                name=name,
                owning_role=role,
                planned_date=planned,
                actual_date=actual,
                revenue=milestone_revenue(contract_value, share),
                depends_on=tuple(str(p) for p in prerequisites.get(pk, ())),
            )
            for pk, project_id, project, contract_value, name, role, planned, actual, share in rows
        ),
        resources=resources,
        actions=actions,
        reviews=reviews,
    )


def project_actuals(
    *,
    line: OrgUnit,
    start: date,
    end: date,
    as_of: date,
    review_within_days: int = DEFAULT_REVIEW_WITHIN_DAYS,
) -> ProjectActuals:
    """A project line's indicators over ``start`` … ``end`` as of ``as_of`` (five queries)."""
    records = project_records(line=line, start=start, end=end, as_of=as_of)
    return project_actuals_of(
        records, start=start, end=end, as_of=as_of, review_within_days=review_within_days
    )
