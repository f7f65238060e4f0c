"""Import runs (read): the caller's own uploads, or everyone's for an administrator."""

# No `from __future__ import annotations`: ninja reads Query[...] at runtime.

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from salesmesh.api.common import PAGING, READ_ERRORS, Paging, caller, visible_or_404
from salesmesh.exchange.models import ImportKind, ImportRun, ImportStatus
from salesmesh.exchange.selectors import import_runs_visible_to

router = Router()


class ImportRunOut(Schema):
    id: UUID
    kind: ImportKind
    filename: str
    size_bytes: int
    status: ImportStatus
    progress: int
    rows: int
    created: int
    updated: int
    unchanged: int
    error_count: int
    created_by_id: int
    created_at: datetime
    finished_at: datetime | None


class ImportRunDetailOut(ImportRunOut):
    mapping: dict[str, Any]
    headers: list[Any]
    # The first errors, each {row, column, value, message}; error_count says how many in all.
    errors: list[dict[str, Any]]


class ImportFilters(Schema):
    kind: ImportKind | None = None
    status: ImportStatus | None = None


def _runs(request: HttpRequest) -> QuerySet[ImportRun]:
    # The detail's mapping, headers and errors stay in the database for lists.
    return import_runs_visible_to(user=caller(request))


@router.get("/imports", response=list[ImportRunOut], summary="Import runs", tags=["imports"])
@paginate(Paging, **PAGING)
def list_imports(request: HttpRequest, filters: Query[ImportFilters]):  # type: ignore[no-untyped-def]
    """Newest first."""
    runs = _runs(request).defer("mapping", "headers", "errors")
    if filters.kind is not None:
        runs = runs.filter(kind=filters.kind)
    if filters.status is not None:
        runs = runs.filter(status=filters.status)
    return runs.order_by("-created_at", "-pk")


@router.get(
    "/imports/{run_id}",
    response={200: ImportRunDetailOut, **READ_ERRORS},
    summary="An import run with its first errors",
    tags=["imports"],
)
def get_import(request: HttpRequest, run_id: UUID) -> ImportRun:
    return visible_or_404(_runs(request), run_id)
