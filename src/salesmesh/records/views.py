"""Pages of process records: lists with search and paging, and details.

Every queryset starts from the app's ``*_visible_to`` selector, so a record out
of the user's scope is simply not found (404), never forbidden. Detail pages
carry the forms of their child records; those post to ``edit_views``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from salesmesh.accounts.models import Account, Contact
from salesmesh.accounts.selectors import accounts_visible_to
from salesmesh.activities.models import Activity, SolutionRequest
from salesmesh.activities.selectors import activities_visible_to, solution_requests_visible_to
from salesmesh.audit.selectors import history_for
from salesmesh.org.models import User
from salesmesh.pipeline.models import Lead, Opportunity
from salesmesh.pipeline.selectors import (
    leads_visible_to,
    opportunities_visible_to,
    opportunity_stage_history,
)
from salesmesh.projects.models import (
    Milestone,
    Project,
    Resource,
    ScenarioSolution,
    StageReview,
    Stakeholder,
)
from salesmesh.projects.selectors import projects_visible_to, scenario_solutions_visible_to
from salesmesh.records.forms import (
    ActivityForm,
    ContactForm,
    MilestoneForm,
    ResourceForm,
    StageReviewForm,
    StakeholderForm,
)
from salesmesh.records.selectors import contacts_visible_to

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
SOLUTION_REQUEST_COLUMNS = (
    "requested_at", "account", "opportunity", "presales_owner", "responded_at",
    "passed_first_review", "completed_at",
)  # fmt: skip
SOLUTION_REQUEST_FIELDS = (
    "account", "opportunity", "presales_owner", "requested_at", "responded_at",
    "submitted_at", "reviewed_at", "passed_first_review", "completed_at",
)  # fmt: skip


@dataclass(frozen=True)
class ListSpec:
    """One list page: its model, scoping, joined relations, columns and searched fields.

    ``link`` names the page (taking the row's pk) its first cell links to, a
    detail page or, for kinds without one, the edit page; ``create`` the new-record page.
    """

    model: type[Model]
    visible: Callable[..., QuerySet[Any]]
    select_related: tuple[str, ...]
    columns: tuple[str, ...]
    search: tuple[str, ...]
    link: str | None = None
    create: str | None = None


LISTS: dict[str, ListSpec] = {
    "accounts": ListSpec(
        Account,
        accounts_visible_to,
        ("line", "owner"),
        ("name", "line", "owner", "tier", "industry", "region", "wallet_potential"),
        ("name",),
        link="records:account",
        create="records:account_new",
    ),
    "contacts": ListSpec(
        Contact,
        contacts_visible_to,
        ("account",),
        ("name", "account", "title", "buying_role", "influence", "attitude"),
        ("name", "account__name"),
        link="records:contact_edit",
        create="records:contact_new",
    ),
    "leads": ListSpec(
        Lead,
        leads_visible_to,
        ("line", "owner", "account"),
        ("name", "line", "source", "status", "account", "owner", "created_on"),
        ("name", "account__name"),
        link="records:lead_edit",
        create="records:lead_new",
    ),
    "opportunities": ListSpec(
        Opportunity,
        opportunities_visible_to,
        ("line", "owner", "account"),
        ("name", "line", "account", "stage", "amount", "expected_close", "owner"),
        ("name", "account__name"),
        link="records:opportunity",
        create="records:opportunity_new",
    ),
    "activities": ListSpec(
        Activity,
        activities_visible_to,
        ("person", "account", "opportunity"),
        ("occurred_at", "type", "person", "account", "opportunity", "reached"),
        ("account__name", "opportunity__name"),
        link="records:activity_edit",
        create="records:activity_new",
    ),
    "solution_requests": ListSpec(
        SolutionRequest,
        solution_requests_visible_to,
        ("account", "opportunity", "presales_owner"),
        SOLUTION_REQUEST_COLUMNS,
        ("account__name", "opportunity__name"),
        link="records:solution_request",
        create="records:solution_request_new",
    ),
    "projects": ListSpec(
        Project,
        projects_visible_to,
        ("line", "account"),
        ("name", "line", "account", "contract_value"),
        ("name", "account__name"),
        link="records:project",
        create="records:project_new",
    ),
    # The knowledge base: searched across industry, problem, components and lessons.
    "scenario_solutions": ListSpec(
        ScenarioSolution,
        scenario_solutions_visible_to,
        (),
        ("industry", "problem", "components", "lessons"),
        ("industry", "problem", "components", "lessons"),
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
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
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


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # login_required: never anonymous here


def new_title(model: type[Model]) -> str:
    """ "New account" in the active language."""
    return _("New %(kind)s") % {"kind": model._meta.verbose_name}


@login_required
def records_index(request: HttpRequest) -> HttpResponse:
    """``/records/``: every kind of record, with its list and its new-record page."""
    kinds = [
        {
            "label": capfirst(spec.model._meta.verbose_name_plural),
            "url": reverse("records:list", args=[kind]),
            "create": reverse(spec.create) if spec.create else None,
            "create_label": new_title(spec.model),
        }
        for kind, spec in LISTS.items()
    ]
    return render(request, "records/index.html", {"kinds": kinds})


@login_required
def record_list(request: HttpRequest, kind: str) -> HttpResponse:
    """``/records/<kind>/``: the visible rows of that kind, searched and paged."""
    spec = LISTS.get(kind)
    if spec is None:
        raise Http404
    queryset = spec.visible(user=request.user)
    if spec.select_related:
        queryset = queryset.select_related(*spec.select_related)
    query = request.GET.get("q", "").strip()
    if query:
        condition = Q()
        for name in spec.search:
            condition |= Q(**{f"{name}__icontains": query})
        queryset = queryset.filter(condition)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "url": reverse(spec.link, args=[obj.pk]) if spec.link else None,
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
            "create_url": reverse(spec.create) if spec.create else None,
        },
    )


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An account with its owner, ownership history, contacts and opportunities."""
    user = _user(request)
    account = get_object_or_404(
        accounts_visible_to(user=user).select_related("line", "owner", "referred_by"),
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
            "changes": history_for(account, user),
            "contacts": account.contacts.all(),
            "opportunities": opportunities_visible_to(user=user)
            .filter(account=account)
            .select_related("owner"),
            "contact_form": ContactForm(
                instance=Contact(account=account), user=user, auto_id="contact_%s"
            ),
            "new": {
                "contact": new_title(Contact),
                "opportunity": new_title(Opportunity),
                "project": new_title(Project),
            },
        },
    )


@login_required
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An opportunity with its fields, stage history, activities and solution requests."""
    user = _user(request)
    opportunity = get_object_or_404(
        opportunities_visible_to(user=user).select_related("line", "account", "owner"),
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
            "changes": history_for(opportunity, user),
            "activities": activities_visible_to(user=user)
            .filter(opportunity=opportunity)
            .select_related("person"),
            "solution_requests": solution_requests_visible_to(user=user)
            .filter(opportunity=opportunity)
            .select_related("presales_owner"),
            "activity_form": _activity_form_for(opportunity, user),
            "new": {
                "activity": new_title(Activity),
                "solution_request": new_title(SolutionRequest),
            },
        },
    )


def _activity_form_for(opportunity: Opportunity, user: User) -> ActivityForm:
    """The opportunity page's "new activity" form: for this deal and its account only.

    Offering every account and deal the user may see (thousands each for a manager) made
    the page 600 KB and took most of its time; the activity's own new-record page still
    offers them all.
    """
    form = ActivityForm(
        user=user,
        initial={"opportunity": opportunity.pk, "account": opportunity.account_id},
        auto_id="activity_%s",
    )
    form.choices("account", accounts_visible_to(user=user).filter(pk=opportunity.account_id))
    form.choices("opportunity", opportunities_visible_to(user=user).filter(pk=opportunity.pk))
    return form


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A project with milestones (and what each depends on), stakeholders, resources, reviews."""
    user = _user(request)
    project = get_object_or_404(
        projects_visible_to(user=user).select_related("line", "account"), pk=pk
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
            "resources": Resource.objects.filter(milestone__project=project).select_related(
                "milestone"
            ),
            "reviews": project.reviews.all(),
            "changes": history_for(project, user),
            "milestone_form": MilestoneForm(
                instance=Milestone(project=project),
                project=project,
                user=user,
                auto_id="milestone_%s",
            ),
            "stakeholder_form": StakeholderForm(
                instance=Stakeholder(project=project),
                project=project,
                user=user,
                auto_id="stakeholder_%s",
            ),
            "resource_form": ResourceForm(project=project, user=user, auto_id="resource_%s"),
            "review_form": StageReviewForm(
                instance=StageReview(project=project),
                project=project,
                user=user,
                auto_id="review_%s",
            ),
            "new": {
                "milestone": new_title(Milestone),
                "stakeholder": new_title(Stakeholder),
                "resource": new_title(Resource),
                "review": new_title(StageReview),
            },
        },
    )


@login_required
def solution_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A presales solution request and the dates of its steps."""
    solution_request = get_object_or_404(
        solution_requests_visible_to(user=_user(request)).select_related(
            "account", "opportunity", "presales_owner"
        ),
        pk=pk,
    )
    return render(
        request,
        "records/solution_request_detail.html",
        {
            "solution_request": solution_request,
            "fields": field_rows(solution_request, SOLUTION_REQUEST_FIELDS),
            "model_meta": SolutionRequest._meta,
        },
    )
