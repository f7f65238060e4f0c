"""Edits the record forms need that the process-data apps do not offer yet.

Each locks the row, applies only the fields it may change, validates with the
model's own rules and saves those fields, like the apps' ``*_update`` services.
They belong next to their models' other services (accounts, projects); they
live here until those apps take them over.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from salesmesh.accounts.models import Contact
from salesmesh.projects.models import Milestone, Project, Resource, StageReview, Stakeholder
from salesmesh.projects.services import milestone_dependencies_set, milestone_update

CONTACT_UPDATABLE = frozenset({"name", "title", "buying_role", "influence", "attitude"})
# The line is fixed, like an account's: the project's milestones and revenue count there.
PROJECT_UPDATABLE = frozenset({"account", "name", "customer_goal", "contract_value"})
STAKEHOLDER_UPDATABLE = frozenset(
    {"milestone", "name", "title", "influence", "attitude", "planned_actions"}
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
def contact_update(*, contact: Contact, **fields: Any) -> Contact:
    """Change a contact's name, title, buying role, influence or attitude."""
    return _update(contact, CONTACT_UPDATABLE, fields)


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
    """Change a stakeholder; a milestone must be of the same project (the model checks)."""
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
    *, milestone: Milestone, depends_on: Iterable[Milestone] | None = None, **fields: Any
) -> Milestone:
    """Change a milestone and, if given, what it depends on, both or neither."""
    updated = milestone_update(milestone=milestone, **fields)
    if depends_on is not None:
        milestone_dependencies_set(milestone=updated, depends_on=depends_on)
    return updated
