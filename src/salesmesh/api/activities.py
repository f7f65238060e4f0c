"""Activities (read and write, the rollups follow) and presales solution requests (read)."""

# No `from __future__ import annotations`: ninja reads Query[...] at runtime.

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from salesmesh.activities.models import Activity, ActivityType, SolutionRequest
from salesmesh.activities.selectors import activities_visible_to, solution_requests_visible_to
from salesmesh.activities.services import activity_create, activity_update
from salesmesh.api.common import (
    PAGING,
    READ_ERRORS,
    WRITE_ERRORS,
    Day,
    Id,
    Moment,
    Paging,
    caller,
    visible_or_404,
)
from salesmesh.api.writes import through_service, validated_form
from salesmesh.records.forms import ActivityForm

router = Router()


class ActivityOut(Schema):
    id: int
    type: ActivityType
    person_id: int
    account_id: int | None
    opportunity_id: int | None
    occurred_at: datetime
    reached: bool
    duration_minutes: int
    external_id: str | None


class ActivityFilters(Schema):
    person: Id | None = None
    type: ActivityType | None = None
    account: Id | None = None
    opportunity: Id | None = None
    # Days on the company's wall clock (TIME_ZONE), both ends included.
    date_from: Day | None = None
    date_to: Day | None = None


class ActivityIn(Schema):
    """A new activity; ``person`` defaults to the caller (a rep logs only their own)."""

    model_config = ConfigDict(extra="forbid")
    type: ActivityType
    occurred_at: Moment
    person: Id | None = None
    account: Id | None = None
    opportunity: Id | None = None
    reached: bool = False
    duration_minutes: int = 0
    external_id: str | None = None


class ActivityPatch(Schema):
    model_config = ConfigDict(extra="forbid")
    type: ActivityType | None = None
    occurred_at: Moment | None = None
    person: Id | None = None
    account: Id | None = None
    opportunity: Id | None = None
    reached: bool | None = None
    duration_minutes: int | None = None
    external_id: str | None = None


class SolutionRequestOut(Schema):
    id: int
    account_id: int
    opportunity_id: int | None
    presales_owner_id: int
    requested_at: datetime
    responded_at: datetime | None
    submitted_at: datetime | None
    reviewed_at: datetime | None
    passed_first_review: bool | None
    completed_at: datetime | None


class SolutionRequestFilters(Schema):
    presales_owner: Id | None = None
    account: Id | None = None
    opportunity: Id | None = None
    open: bool | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _activities(request: HttpRequest) -> QuerySet[Activity]:
    return activities_visible_to(user=caller(request))


@router.get("/activities", response=list[ActivityOut], summary="Activities", tags=["activities"])
@paginate(Paging, **PAGING)
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]):  # type: ignore[no-untyped-def]
    """The caller's and their people's activities, newest first."""
    activities = _activities(request)
    for field, value in (
        ("person_id", filters.person),
        ("type", filters.type),
        ("account_id", filters.account),
        ("opportunity_id", filters.opportunity),
    ):
        if value is not None:
            activities = activities.filter(**{field: value})
    if filters.date_from is not None:
        activities = activities.filter(occurred_at__gte=_start_of(filters.date_from))
    if filters.date_to is not None:
        activities = activities.filter(
            occurred_at__lt=_start_of(filters.date_to + timedelta(days=1))
        )
    return activities.order_by("-occurred_at", "-pk")


@router.get(
    "/activities/{activity_id}",
    response={200: ActivityOut, **READ_ERRORS},
    summary="An activity",
    tags=["activities"],
)
def get_activity(request: HttpRequest, activity_id: Id) -> Activity:
    return visible_or_404(_activities(request), activity_id)


@router.post(
    "/activities",
    response={201: ActivityOut, **WRITE_ERRORS},
    summary="Log an activity",
    tags=["activities"],
)
def create_activity(request: HttpRequest, body: ActivityIn) -> Status[Activity]:
    """Validated like the web form, then counted in the daily and weekly rollups."""
    form = validated_form(ActivityForm, user=caller(request), body=body.dict())
    return Status(201, through_service(lambda: activity_create(**form.cleaned_data)))


@router.patch(
    "/activities/{activity_id}",
    response={200: ActivityOut, **WRITE_ERRORS},
    summary="Change an activity",
    tags=["activities"],
)
def update_activity(request: HttpRequest, activity_id: Id, body: ActivityPatch) -> Activity:
    activity = visible_or_404(_activities(request), activity_id)
    form = validated_form(
        ActivityForm, user=caller(request), body=body.dict(exclude_unset=True), instance=activity
    )
    return through_service(lambda: activity_update(activity=activity, **form.changed()))


def _solution_requests(request: HttpRequest) -> QuerySet[SolutionRequest]:
    return solution_requests_visible_to(user=caller(request))


@router.get(
    "/solution-requests",
    response=list[SolutionRequestOut],
    summary="Presales solution requests",
    tags=["activities"],
)
@paginate(Paging, **PAGING)
def list_solution_requests(request: HttpRequest, filters: Query[SolutionRequestFilters]):  # type: ignore[no-untyped-def]
    """Requests the caller owns or whose presales owner they manage, newest first."""
    found = _solution_requests(request)
    for field, value in (
        ("presales_owner_id", filters.presales_owner),
        ("account_id", filters.account),
        ("opportunity_id", filters.opportunity),
    ):
        if value is not None:
            found = found.filter(**{field: value})
    if filters.open is not None:
        found = found.filter(completed_at__isnull=filters.open)
    return found.order_by("-requested_at", "-pk")


@router.get(
    "/solution-requests/{request_id}",
    response={200: SolutionRequestOut, **READ_ERRORS},
    summary="A solution request",
    tags=["activities"],
)
def get_solution_request(request: HttpRequest, request_id: Id) -> SolutionRequest:
    return visible_or_404(_solution_requests(request), request_id)
