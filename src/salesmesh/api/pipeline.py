"""Leads and opportunities (with stage history): lists, details, writes through the services."""

# No `from __future__ import annotations`: ninja reads Query[...] at runtime.

from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from salesmesh.api.common import (
    MAX_INT,
    PAGING,
    READ_ERRORS,
    WRITE_ERRORS,
    Day,
    Id,
    Moment,
    Paging,
    Text,
    caller,
    visible_or_404,
)
from salesmesh.api.writes import through_service, validated_form
from salesmesh.audit.models import AuditSource
from salesmesh.pipeline.models import (
    ForecastCategory,
    Lead,
    LeadSource,
    LeadStatus,
    Opportunity,
    OpportunityStageChange,
    Stage,
)
from salesmesh.pipeline.selectors import (
    leads_visible_to,
    opportunities_visible_to,
    opportunity_stage_history,
)
from salesmesh.pipeline.services import (
    lead_create,
    lead_update,
    opportunity_create,
    opportunity_update,
)
from salesmesh.records.forms import LeadForm, OpportunityForm

router = Router()


def _line_code(record: Lead | Opportunity) -> str:
    return record.line.code


class LeadOut(Schema):
    id: int
    line: str
    external_id: str | None
    name: str
    source: LeadSource
    status: LeadStatus
    account_id: int | None
    owner_id: int | None
    created_on: date
    qualified_on: date | None

    @staticmethod
    def resolve_line(lead: Lead) -> str:
        return _line_code(lead)


class LeadFilters(Schema):
    line: Text | None = None
    status: LeadStatus | None = None
    source: LeadSource | None = None
    owner: Id | None = None
    account: Id | None = None
    created_from: Day | None = None
    created_to: Day | None = None


class LeadIn(Schema):
    """A new lead; ``owner`` defaults to the caller (a rep may name only themselves)."""

    model_config = ConfigDict(extra="forbid")
    line: Id
    source: LeadSource
    created_on: Day
    name: str = ""
    external_id: str | None = None
    status: LeadStatus = LeadStatus.NEW
    account: Id | None = None
    owner: Id | None = None
    qualified_on: Day | None = None


class LeadPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    line: Id | None = None
    source: LeadSource | None = None
    created_on: Day | None = None
    name: str | None = None
    external_id: str | None = None
    status: LeadStatus | None = None
    account: Id | None = None
    owner: Id | None = None
    qualified_on: Day | None = None


class OpportunityOut(Schema):
    id: int
    line: str
    external_id: str | None
    account_id: int
    name: str
    stage: Stage
    amount: Decimal
    currency: str
    expected_close: date | None
    forecast_category: ForecastCategory
    product_lines: str
    owner_id: int
    # Send it back with a PATCH: a change made meanwhile by someone else answers 409.
    version: int

    @staticmethod
    def resolve_line(opportunity: Opportunity) -> str:
        return _line_code(opportunity)


class StageChangeOut(Schema):
    from_stage: str
    to_stage: Stage
    changed_at: datetime
    changed_by_id: int | None


class OpportunityDetailOut(OpportunityOut):
    stage_history: list[StageChangeOut]

    @staticmethod
    def resolve_stage_history(opportunity: Opportunity) -> list[OpportunityStageChange]:
        return list(opportunity_stage_history(opportunity=opportunity))


class OpportunityFilters(Schema):
    line: Text | None = None
    stage: Stage | None = None
    owner: Id | None = None
    account: Id | None = None
    close_from: Day | None = None
    close_to: Day | None = None
    # Opportunities have no modification stamp: "updated" means created or moved stage.
    updated_since: Moment | None = None


class OpportunityIn(Schema):
    """A new deal; its first stage is recorded in its history."""

    model_config = ConfigDict(extra="forbid")
    line: Id
    account: Id
    name: str
    owner: Id | None = None
    stage: Stage = Stage.LEAD
    amount: Decimal = Decimal(0)
    currency: str = "CNY"
    expected_close: Day | None = None
    forecast_category: ForecastCategory | None = None
    product_lines: str = ""
    external_id: str | None = None


class OpportunityPatch(Schema):
    """Fields to change; a new ``stage`` is recorded in the stage history."""

    model_config = ConfigDict(extra="forbid")
    account: Id | None = None
    name: str | None = None
    owner: Id | None = None
    stage: Stage | None = None
    amount: Decimal | None = None
    currency: str | None = None
    expected_close: Day | None = None
    forecast_category: ForecastCategory | None = None
    product_lines: str | None = None
    external_id: str | None = None
    # The version the caller read (OpportunityOut.version): a save based on an older one is
    # refused with 409 instead of overwriting someone else's change. Omitted: no check.
    version: int | None = Field(default=None, ge=1, le=MAX_INT)


def _leads(request: HttpRequest) -> QuerySet[Lead]:
    return leads_visible_to(user=caller(request)).select_related("line")


def _opportunities(request: HttpRequest) -> QuerySet[Opportunity]:
    return opportunities_visible_to(user=caller(request)).select_related("line")


@router.get("/leads", response=list[LeadOut], summary="Leads", tags=["pipeline"])
@paginate(Paging, **PAGING)
def list_leads(request: HttpRequest, filters: Query[LeadFilters]):  # type: ignore[no-untyped-def]
    """The caller's visible leads, newest first."""
    leads = _leads(request)
    if filters.line:
        leads = leads.filter(line__code=filters.line)
    for field, value in (
        ("status", filters.status),
        ("source", filters.source),
        ("owner_id", filters.owner),
        ("account_id", filters.account),
        ("created_on__gte", filters.created_from),
        ("created_on__lte", filters.created_to),
    ):
        if value is not None:
            leads = leads.filter(**{field: value})
    return leads.order_by("-created_on", "-pk")


@router.get(
    "/leads/{lead_id}", response={200: LeadOut, **READ_ERRORS}, summary="A lead", tags=["pipeline"]
)
def get_lead(request: HttpRequest, lead_id: Id) -> Lead:
    return visible_or_404(_leads(request), lead_id)


@router.post(
    "/leads", response={201: LeadOut, **WRITE_ERRORS}, summary="Create a lead", tags=["pipeline"]
)
def create_lead(request: HttpRequest, body: LeadIn) -> Status[Lead]:
    form = validated_form(LeadForm, user=caller(request), body=body.dict())
    lead = through_service(lambda: lead_create(**form.cleaned_data))
    return Status(201, visible_or_404(_leads(request), lead.pk))


@router.patch(
    "/leads/{lead_id}",
    response={200: LeadOut, **WRITE_ERRORS},
    summary="Change a lead",
    tags=["pipeline"],
)
def update_lead(request: HttpRequest, lead_id: Id, body: LeadPatch) -> Lead:
    lead = visible_or_404(_leads(request), lead_id)
    form = validated_form(
        LeadForm, user=caller(request), body=body.dict(exclude_unset=True), instance=lead
    )
    through_service(lambda: lead_update(lead=lead, **form.changed()))
    return visible_or_404(_leads(request), lead_id)


@router.get(
    "/opportunities", response=list[OpportunityOut], summary="Opportunities", tags=["pipeline"]
)
@paginate(Paging, **PAGING)
def list_opportunities(request: HttpRequest, filters: Query[OpportunityFilters]):  # type: ignore[no-untyped-def]
    """The caller's visible deals by expected close date; filter by line, stage, owner, dates."""
    deals = _opportunities(request)
    if filters.line:
        deals = deals.filter(line__code=filters.line)
    for field, value in (
        ("stage", filters.stage),
        ("owner_id", filters.owner),
        ("account_id", filters.account),
        ("expected_close__gte", filters.close_from),
        ("expected_close__lte", filters.close_to),
    ):
        if value is not None:
            deals = deals.filter(**{field: value})
    if filters.updated_since is not None:
        moved = OpportunityStageChange.objects.filter(changed_at__gte=filters.updated_since)
        deals = deals.filter(pk__in=moved.values("opportunity_id"))
    return deals.order_by("expected_close", "pk")


@router.get(
    "/opportunities/{opportunity_id}",
    response={200: OpportunityDetailOut, **READ_ERRORS},
    summary="An opportunity with its stage history",
    tags=["pipeline"],
)
def get_opportunity(request: HttpRequest, opportunity_id: Id) -> Opportunity:
    return visible_or_404(_opportunities(request), opportunity_id)


@router.post(
    "/opportunities",
    response={201: OpportunityDetailOut, **WRITE_ERRORS},
    summary="Create an opportunity",
    tags=["pipeline"],
)
def create_opportunity(request: HttpRequest, body: OpportunityIn) -> Status[Opportunity]:
    """Validated like the web form; without ``forecast_category`` it follows the stage."""
    user = caller(request)
    data = body.dict()
    derive = data["forecast_category"] is None
    if derive:
        data["forecast_category"] = ForecastCategory.PIPELINE  # replaced below
    form = validated_form(OpportunityForm, user=user, body=data)
    fields = dict(form.cleaned_data)
    if derive:
        fields["forecast_category"] = None  # the service derives it from the stage
    deal = through_service(lambda: opportunity_create(by=user, **fields))
    return Status(201, visible_or_404(_opportunities(request), deal.pk))


@router.patch(
    "/opportunities/{opportunity_id}",
    response={200: OpportunityDetailOut, **WRITE_ERRORS},
    summary="Change an opportunity (a new stage is recorded)",
    tags=["pipeline"],
)
def update_opportunity(
    request: HttpRequest, opportunity_id: Id, body: OpportunityPatch
) -> Opportunity:
    user = caller(request)
    deal = visible_or_404(_opportunities(request), opportunity_id)
    fields = body.dict(exclude_unset=True)
    expected = fields.pop("version", None)
    form = validated_form(OpportunityForm, user=user, body=fields, instance=deal)
    through_service(
        lambda: opportunity_update(
            opportunity=deal,
            by=user,
            expected_version=expected,
            source=AuditSource.API,
            **form.changed(),
        )
    )
    return visible_or_404(_opportunities(request), opportunity_id)
