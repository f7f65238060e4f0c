"""The audit history of a record, as its page shows it (read only: entries are immutable).

``GET /api/history/{kind}/{id}`` — the same rows as the History section of the record's page
(``audit.selectors``): who, when (UTC), the field, the stored old and new values and their
labels in the caller's language, where the change came from. A project's history holds its
milestones'. A record the caller may not see is the same 404 as one that does not exist.
"""

# No `from __future__ import annotations`: ninja reads the signature at runtime.

from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import models
from django.http import Http404, HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from salesmesh.accounts.models import Account
from salesmesh.api.common import PAGING, READ_ERRORS, Id, Paging, caller
from salesmesh.audit.models import AuditEntry
from salesmesh.audit.selectors import display_value, entries_for, field_label, visible
from salesmesh.org.models import User
from salesmesh.pipeline.models import Opportunity
from salesmesh.planning.models import PlanVersion
from salesmesh.projects.models import Milestone, Project

router = Router()


class HistoryKind(StrEnum):
    """The kinds of record whose changes are kept (issue #6: targets and plans, deals,
    account ownership, milestones, people's role and team)."""

    OPPORTUNITIES = "opportunities"
    ACCOUNTS = "accounts"
    PROJECTS = "projects"
    MILESTONES = "milestones"
    PLANS = "plans"
    PEOPLE = "people"


MODELS: dict[HistoryKind, type[models.Model]] = {
    HistoryKind.OPPORTUNITIES: Opportunity,
    HistoryKind.ACCOUNTS: Account,
    HistoryKind.PROJECTS: Project,
    HistoryKind.MILESTONES: Milestone,
    HistoryKind.PLANS: PlanVersion,
    HistoryKind.PEOPLE: User,
}


class ChangeOut(Schema):
    id: int
    at: datetime
    by_id: int | None
    by: str
    source: str
    source_label: str
    # The record changed: the one asked for, or (in a project's history) one of its milestones.
    record_kind: str
    record_id: int
    field: str
    field_label: str
    old: Any
    new: Any
    old_label: str
    new_label: str

    @staticmethod
    def resolve_by(entry: AuditEntry) -> str:
        return entry.by.display_name if entry.by else ""

    @staticmethod
    def resolve_source_label(entry: AuditEntry) -> str:
        return str(entry.get_source_display())

    @staticmethod
    def resolve_record_kind(entry: AuditEntry) -> str:
        model = entry.object_type.model_class()
        kind = next((k for k, m in MODELS.items() if m is model), None)
        return kind.value if kind is not None else entry.object_type.model

    @staticmethod
    def resolve_record_id(entry: AuditEntry) -> int:
        return entry.object_id

    @staticmethod
    def resolve_field_label(entry: AuditEntry) -> str:
        return field_label(entry.object_type.model_class(), entry.field)

    @staticmethod
    def resolve_old_label(entry: AuditEntry) -> str:
        return display_value(entry.object_type.model_class(), entry.field, entry.old)

    @staticmethod
    def resolve_new_label(entry: AuditEntry) -> str:
        return display_value(entry.object_type.model_class(), entry.field, entry.new)


@router.get(
    "/history/{kind}/{record_id}",
    response={200: list[ChangeOut], **READ_ERRORS},
    summary="A record's change history",
    tags=["history"],
)
@paginate(Paging, **PAGING)
def record_history(request: HttpRequest, kind: HistoryKind, record_id: Id):  # type: ignore[no-untyped-def]
    """Newest first; only for a record the caller may see (else 404)."""
    record = MODELS[kind]._default_manager.filter(pk=record_id).first()
    if record is None or not visible(record, caller(request)):
        raise Http404
    return entries_for(record)
