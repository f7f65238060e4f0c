"""Reads of the audit history, scoped by the visibility of the record it is about.

``history_for(obj, user)`` answers only for a record the user may see
(through that kind's own ``*_visible_to`` rule): for anything else it is
empty, so a history never confirms that a hidden record exists. A project's
history includes its milestones', since they are shown on its page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from salesmesh.accounts.models import Account
from salesmesh.accounts.selectors import accounts_visible_to
from salesmesh.audit.models import AuditEntry
from salesmesh.org.models import User
from salesmesh.org.selectors import memberships_visible_to, user_is_admin
from salesmesh.pipeline.models import Opportunity
from salesmesh.pipeline.selectors import opportunities_visible_to
from salesmesh.planning.models import PlanVersion
from salesmesh.planning.selectors import lines_managed_by
from salesmesh.projects.models import Milestone, Project
from salesmesh.projects.selectors import projects_visible_to

# Fields recorded that are not model fields of the record (shown with these names).
EXTRA_LABELS: dict[str, Callable[[], str]] = {
    "membership": lambda: _("role and team"),
    "member": lambda: _("project member"),
}


def _plans_visible_to(user: User) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(unit__in=lines_managed_by(user=user))


def _people_visible_to(user: User) -> QuerySet[User]:
    if user_is_admin(user=user):
        return User.objects.all()
    return User.objects.filter(
        Q(pk=user.pk) | Q(pk__in=memberships_visible_to(user=user).values("user_id"))
    )


def _milestones_visible_to(user: User) -> QuerySet[Milestone]:
    return Milestone.objects.filter(project__in=projects_visible_to(user=user))


VISIBLE: dict[type[models.Model], Callable[[User], QuerySet[Any]]] = {
    Opportunity: lambda user: opportunities_visible_to(user=user),
    Account: lambda user: accounts_visible_to(user=user),
    Project: lambda user: projects_visible_to(user=user),
    Milestone: _milestones_visible_to,
    PlanVersion: _plans_visible_to,
    User: _people_visible_to,
}


@dataclass(frozen=True)
class HistoryRow:
    """One change as the pages show it: who, when (aware; shown in local time), field, old → new."""

    at: datetime
    by: User | None
    source: str
    source_label: str
    record: str
    field: str
    old: str
    new: str


def visible(obj: models.Model, user: User) -> bool:
    """Whether ``user`` may see ``obj`` by its kind's own rule (unknown kinds: nobody)."""
    rule = VISIBLE.get(type(obj))
    return rule is not None and rule(user).filter(pk=obj.pk).exists()


def entries_for(obj: models.Model) -> QuerySet[AuditEntry]:
    """The raw history rows of ``obj`` (a project's with its milestones'), newest first."""
    kind = ContentType.objects.get_for_model(obj)
    where = Q(object_type=kind, object_id=obj.pk)
    if isinstance(obj, Project):
        where |= Q(
            object_type=ContentType.objects.get_for_model(Milestone),
            object_id__in=Milestone.objects.filter(project=obj).values("pk"),
        )
    return (
        AuditEntry.objects.filter(where).select_related("by", "object_type").order_by("-at", "-pk")
    )


def history_for(obj: models.Model, user: User, *, limit: int = 200) -> list[HistoryRow]:
    """The record's changes, newest first, if the user may see it; else nothing."""
    if not visible(obj, user):
        return []
    entries = list(entries_for(obj)[:limit])
    names = _record_names(obj, entries)
    return [
        HistoryRow(
            at=entry.at,
            by=entry.by,
            source=entry.source,
            source_label=entry.get_source_display(),
            record=names.get((entry.object_type_id, entry.object_id), ""),
            field=field_label(entry.object_type.model_class(), entry.field),
            old=display_value(entry.object_type.model_class(), entry.field, entry.old),
            new=display_value(entry.object_type.model_class(), entry.field, entry.new),
        )
        for entry in entries
    ]


def _record_names(obj: models.Model, entries: list[AuditEntry]) -> dict[tuple[int, int], str]:
    """Names of the parts (milestones) a history includes besides the record itself."""
    milestone_type = ContentType.objects.get_for_model(Milestone)
    ids = {e.object_id for e in entries if e.object_type_id == milestone_type.pk}
    if not ids or not isinstance(obj, Project):
        return {}
    return {
        (milestone_type.pk, pk): name
        for pk, name in Milestone.objects.filter(pk__in=ids).values_list("pk", "name")
    }


def field_label(model: type[models.Model] | None, name: str) -> str:
    """The field's verbose name in the active language."""
    if name in EXTRA_LABELS:
        return EXTRA_LABELS[name]()
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
        except FieldDoesNotExist:
            pass
    return name


def display_value(model: type[models.Model] | None, name: str, value: Any) -> str:
    """A stored JSON value as text: a choice by its label, a record by its name, none as —."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict) and "label" in value:
        return str(value["label"])
    if isinstance(value, dict):
        return " · ".join(str(item) for item in value.values() if item not in (None, ""))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if model is not None:
        try:
            choices = dict(model._meta.get_field(name).flatchoices)  # type: ignore[union-attr]
        except (FieldDoesNotExist, AttributeError):
            choices = {}
        if value in choices:
            return str(choices[value])
    return str(value)
