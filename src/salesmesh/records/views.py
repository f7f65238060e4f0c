"""Read-only pages of process records: lists with search and paging, and details.

Every queryset starts from the app's ``*_visible_to`` selector, so a record out
of the user's scope is simply not found (404), never forbidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst

from salesmesh.accounts.models import Account
from salesmesh.accounts.selectors import accounts_visible_to
from salesmesh.activities.models import Activity
from salesmesh.activities.selectors import activities_visible_to
from salesmesh.org.models import User
from salesmesh.pipeline.models import Lead, Opportunity
from salesmesh.pipeline.selectors import (
    leads_visible_to,
    opportunities_visible_to,
    opportunity_stage_history,
)
from salesmesh.projects.models import Project
from salesmesh.projects.selectors import projects_visible_to

PAGE_SIZE = 50
MONEY_FIELDS = frozenset({"wallet_potential", "amount", "contract_value"})

ACCOUNT_FIELDS = (
    "name", "line", "owner", "external_id", "is_named", "tier",
    "wallet_potential", "industry", "region", "referred_by",
)  # fmt: skip
OPPORTUNITY_FIELDS = (
    "name", "line", "account", "owner", "stage", "amount", "currency",
    "expected_close", "forecast_category", "product_lines",
)  # fmt: skip
PROJECT_FIELDS = ("name", "line", "account", "contract_value", "customer_goal")


@dataclass(frozen=True)
class ListSpec:
    """One list page: its model, scoping, joined relations, columns and searched fields."""

    model: type[Model]
    visible: Callable[..., QuerySet[Any]]
    select_related: tuple[str, ...]
    columns: tuple[str, ...]
    search: tuple[str, ...]
    detail: str | None = None


LISTS: dict[str, ListSpec] = {
    "accounts": ListSpec(
        Account,
        accounts_visible_to,
        ("line", "owner"),
        ("name", "line", "owner", "tier", "industry", "region", "wallet_potential"),
        ("name",),
        detail="records:account",
    ),
    "leads": ListSpec(
        Lead,
        leads_visible_to,
        ("line", "owner", "account"),
        ("name", "line", "source", "status", "account", "owner", "created_on"),
        ("name", "account__name"),
    ),
    "opportunities": ListSpec(
        Opportunity,
        opportunities_visible_to,
        ("line", "owner", "account"),
        ("name", "line", "account", "stage", "amount", "expected_close", "owner"),
        ("name", "account__name"),
        detail="records:opportunity",
    ),
    "activities": ListSpec(
        Activity,
        activities_visible_to,
        ("person", "account", "opportunity"),
        ("occurred_at", "type", "person", "account", "opportunity", "reached"),
        ("account__name", "opportunity__name"),
    ),
    "projects": ListSpec(
        Project,
        projects_visible_to,
        ("line", "account"),
        ("name", "line", "account", "contract_value"),
        ("name", "account__name"),
        detail="records:project",
    ),
}


def display(obj: Model, name: str) -> str:
    """One cell as text: choices by label, money with 2 decimals, dates localised."""
    field = obj._meta.get_field(name)
    if getattr(field, "choices", None):
        return str(getattr(obj, f"get_{name}_display")())
    value = getattr(obj, name)
    if value is None:
        return ""
    if isinstance(value, User):
        return value.display_name
    if name in MONEY_FIELDS or isinstance(value, Decimal):
        return formats.number_format(value, 2)
    if isinstance(value, datetime):
        return formats.localize(timezone.localtime(value))
    if isinstance(value, date | bool):
        return formats.localize(value)
    return str(value)


def field_rows(obj: Model, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(label, value) pairs of a detail page's field table."""
    return [
        (capfirst(obj._meta.get_field(name).verbose_name), display(obj, name)) for name in names
    ]


def record_list(request: HttpRequest, kind: str) -> HttpResponse:
    """``/records/<kind>/``: the visible rows of that kind, searched and paged."""
    spec = LISTS.get(kind)
    if spec is None:
        raise Http404
    queryset = spec.visible(user=request.user).select_related(*spec.select_related)
    query = request.GET.get("q", "").strip()
    if query:
        condition = Q()
        for name in spec.search:
            condition |= Q(**{f"{name}__icontains": query})
        queryset = queryset.filter(condition)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "url": reverse(spec.detail, args=[obj.pk]) if spec.detail else None,
            "cells": [display(obj, name) for name in spec.columns],
        }
        for obj in page.object_list
    ]
    meta = spec.model._meta
    headers = [capfirst(meta.get_field(name).verbose_name) for name in spec.columns]
    return render(
        request,
        "records/list.html",
        {
            "kind": kind,
            "model_meta": meta,
            "headers": headers,
            "rows": rows,
            "page": page,
            "q": query,
        },
    )


def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An account with its owner, ownership history, contacts and opportunities."""
    account = get_object_or_404(
        accounts_visible_to(user=request.user).select_related("line", "owner", "referred_by"),
        pk=pk,
    )
    return render(
        request,
        "records/account_detail.html",
        {
            "account": account,
            "fields": field_rows(account, ACCOUNT_FIELDS),
            "model_meta": Account._meta,
            "ownerships": account.ownerships.select_related("owner", "changed_by"),
            "contacts": account.contacts.all(),
            "opportunities": opportunities_visible_to(user=request.user)
            .filter(account=account)
            .select_related("owner"),
        },
    )


def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An opportunity with its fields and stage history."""
    opportunity = get_object_or_404(
        opportunities_visible_to(user=request.user).select_related("line", "account", "owner"),
        pk=pk,
    )
    return render(
        request,
        "records/opportunity_detail.html",
        {
            "opportunity": opportunity,
            "fields": field_rows(opportunity, OPPORTUNITY_FIELDS),
            "model_meta": Opportunity._meta,
            "history": opportunity_stage_history(opportunity=opportunity),
        },
    )


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A project with milestones (and what each depends on), stakeholders and reviews."""
    project = get_object_or_404(
        projects_visible_to(user=request.user).select_related("line", "account"), pk=pk
    )
    return render(
        request,
        "records/project_detail.html",
        {
            "project": project,
            "fields": field_rows(project, PROJECT_FIELDS),
            "model_meta": Project._meta,
            "milestones": project.milestones.prefetch_related("depends_on"),
            "stakeholders": project.stakeholders.select_related("milestone"),
            "reviews": project.reviews.all(),
        },
    )
