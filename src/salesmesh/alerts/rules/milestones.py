"""Milestones at risk: a late resource, an unhandled stakeholder or a late predecessor.

Judged as of a day ``D`` for every *open* milestone (no actual date, or one after ``D``):

- **late resource**: a resource of the milestone is not ready (no ready date, or one after
  ``D``) although its needed-by day — the milestone's planned date minus the resource's
  lead time in days — is before ``D``;
- **unhandled stakeholder**: the milestone is planned within ``STAKEHOLDER_HORIZON_DAYS``
  days of ``D`` (or is overdue) and a stakeholder of it has planned actions that are not
  handled (``handled_on`` empty or after ``D``);
- **late predecessor**: a milestone it depends on is open and its planned date is before
  ``D``.

One alert per milestone lists every reason; it clears when none holds any more (the
resource is ready, the actions are handled, the predecessor is done — or the milestone
itself is done). Severity: critical when the milestone is planned within
``CRITICAL_WITHIN_DAYS`` days of ``D`` or is overdue, else warning. The alert concerns the
owner of the project's account, on the project's line. Four queries, whatever the number of
projects.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Q

from salesmesh.alerts.conditions import Condition, RuleContext
from salesmesh.alerts.messages import joined, label_message
from salesmesh.alerts.models import AlertKind, Severity
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.projects.models import Milestone, Resource, ResourceKind, Stakeholder

# Pending stakeholder actions put a milestone at risk once it is this close.
STAKEHOLDER_HORIZON_DAYS = 14
# A milestone at risk this close to its planned date (or past it) is critical.
CRITICAL_WITHIN_DAYS = 7


def conditions(context: RuleContext) -> list[Condition]:
    """An alert condition per open milestone with at least one reason to be at risk."""
    as_of = context.as_of
    open_milestone = Q(actual_date__isnull=True) | Q(actual_date__gt=as_of)
    reasons: dict[int, list[Message]] = defaultdict(list)

    # 1. Resources not ready, of open milestones; the needed-by day is computed here.
    resources = (
        Resource.objects.filter(
            Q(ready_date__isnull=True) | Q(ready_date__gt=as_of),
            Q(milestone__actual_date__isnull=True) | Q(milestone__actual_date__gt=as_of),
        )
        .order_by("milestone_id", "kind", "pk")
        .values_list("milestone_id", "kind", "lead_time_days", "milestone__planned_date")
    )
    for milestone_id, kind, lead_days, planned in resources:
        needed_by = planned - timedelta(days=lead_days)
        if needed_by < as_of:
            reasons[milestone_id].append(
                Message(
                    gettext_noop("resource “%(resource)s” not ready (needed by %(date)s)"),
                    {"resource": label_message(ResourceKind(kind).label), "date": needed_by},
                )
            )

    # 2. Stakeholders with pending actions on milestones close at hand.
    stakeholders = (
        Stakeholder.objects.filter(
            Q(handled_on__isnull=True) | Q(handled_on__gt=as_of),
            Q(milestone__actual_date__isnull=True) | Q(milestone__actual_date__gt=as_of),
            milestone__planned_date__lte=as_of + timedelta(days=STAKEHOLDER_HORIZON_DAYS),
        )
        .exclude(planned_actions="")
        .order_by("milestone_id", "-influence", "name", "pk")
        .values_list("milestone_id", "name")
    )
    for milestone_id, name in stakeholders:
        reasons[milestone_id].append(
            Message(gettext_noop("stakeholder %(name)s not handled"), {"name": name})
        )

    # 3. Predecessors still open after their planned date.
    edges = (
        Milestone.depends_on.through.objects.filter(
            Q(from_milestone__actual_date__isnull=True) | Q(from_milestone__actual_date__gt=as_of),
            Q(to_milestone__actual_date__isnull=True) | Q(to_milestone__actual_date__gt=as_of),
            to_milestone__planned_date__lt=as_of,
        )
        .order_by("from_milestone_id", "to_milestone__planned_date", "to_milestone_id")
        .values_list("from_milestone_id", "to_milestone__name", "to_milestone__planned_date")
    )
    for milestone_id, name, planned in edges:
        reasons[milestone_id].append(
            Message(
                gettext_noop("predecessor %(name)s late (planned %(date)s)"),
                {"name": name, "date": planned},
            )
        )

    if not reasons:
        return []
    # 4. What the alerts need to know of the milestones at risk.
    milestones = (
        Milestone.objects.filter(open_milestone, pk__in=list(reasons))
        .order_by("pk")
        .values_list(
            "pk",
            "name",
            "planned_date",
            "project__name",
            "project__line_id",
            "project__account_id",
            "project__account__owner_id",
        )
    )
    found = []
    for pk, name, planned, project, line_id, account_id, owner_id in milestones:
        critical = planned <= as_of + timedelta(days=CRITICAL_WITHIN_DAYS)
        found.append(
            Condition(
                kind=AlertKind.MILESTONE_AT_RISK,
                subject_key=f"milestone:{pk}",
                severity=Severity.CRITICAL if critical else Severity.WARNING,
                message=Message(
                    gettext_noop(
                        "Milestone %(milestone)s of %(project)s (planned %(date)s) is at risk: "
                        "%(reasons)s."
                    ),
                    {
                        "milestone": name,
                        "project": project,
                        "date": planned,
                        "reasons": joined(reasons[pk]),
                    },
                ),
                unit_id=line_id,
                person_id=owner_id,
                account_id=account_id,
                milestone_id=pk,
            )
        )
    return found
