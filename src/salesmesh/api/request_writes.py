"""Presales solution requests: create and update, as the record pages do.

The operations join the read router of ``api.activities`` (the same paths: one URL
pattern answers GET, POST and PATCH; a second router on the same path would shadow them).
A body is validated by the web's ``SolutionRequestForm`` (accounts and deals in the
caller's scope; the presales owner is the caller unless a manager or an administrator
names someone they see) and written by the activities services, which audit nothing
for requests — neither does the web.
"""

# No `from __future__ import annotations`: ninja reads the schemas at runtime.

from datetime import UTC, datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema, Status
from pydantic import AfterValidator, ConfigDict

from salesmesh.activities.models import SolutionRequest
from salesmesh.activities.selectors import solution_requests_visible_to
from salesmesh.activities.services import solution_request_create, solution_request_update
from salesmesh.api.activities import SolutionRequestOut, router
from salesmesh.api.common import WRITE_ERRORS, caller, visible_or_404
from salesmesh.api.writes import through_service, validated_form
from salesmesh.records.forms import SolutionRequestForm


def _storable(value: datetime) -> datetime:
    """A time the database can hold: within years 1 to 9999 once moved to UTC.

    A time without a zone is the company's wall clock, as in the web form.
    """
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.get_default_timezone())
    try:
        aware.astimezone(UTC)
    except OverflowError:
        raise ValueError(_("This time is out of range.")) from None
    return value


Moment = Annotated[datetime, AfterValidator(_storable)]


class SolutionRequestIn(Schema):
    """A new request; ``presales_owner`` defaults to the caller, ``requested_at`` to now."""

    model_config = ConfigDict(extra="forbid")
    account: int
    opportunity: int | None = None
    presales_owner: int | None = None
    requested_at: Moment | None = None
    responded_at: Moment | None = None
    submitted_at: Moment | None = None
    reviewed_at: Moment | None = None
    passed_first_review: bool | None = None
    completed_at: Moment | None = None


class SolutionRequestPatch(Schema):
    """Fields to change, typically the next step's time; the steps stay in order."""

    model_config = ConfigDict(extra="forbid")
    account: int | None = None
    opportunity: int | None = None
    presales_owner: int | None = None
    requested_at: Moment | None = None
    responded_at: Moment | None = None
    submitted_at: Moment | None = None
    reviewed_at: Moment | None = None
    passed_first_review: bool | None = None
    completed_at: Moment | None = None


def _visible(request: HttpRequest, pk: int) -> SolutionRequest:
    return visible_or_404(solution_requests_visible_to(user=caller(request)), pk)


@router.post(
    "/solution-requests",
    response={201: SolutionRequestOut, **WRITE_ERRORS},
    summary="Open a solution request",
    tags=["activities"],
)
def create_solution_request(
    request: HttpRequest, body: SolutionRequestIn
) -> Status[SolutionRequest]:
    """Validated like the web form (the account and deal in scope, steps in order)."""
    data = body.dict()
    if data["requested_at"] is None:
        data["requested_at"] = timezone.now()  # what the web form offers
    form = validated_form(SolutionRequestForm, user=caller(request), body=data)
    created = through_service(lambda: solution_request_create(**form.cleaned_data))
    return Status(201, _visible(request, created.pk))


@router.patch(
    "/solution-requests/{request_id}",
    response={200: SolutionRequestOut, **WRITE_ERRORS},
    summary="Change a solution request (record its next steps)",
    tags=["activities"],
)
def update_solution_request(
    request: HttpRequest, request_id: int, body: SolutionRequestPatch
) -> SolutionRequest:
    """Only the fields sent change; a presales person may not hand the request to another."""
    found = _visible(request, request_id)
    form = validated_form(
        SolutionRequestForm,
        user=caller(request),
        body=body.dict(exclude_unset=True),
        instance=found,
    )
    through_service(lambda: solution_request_update(solution_request=found, **form.changed()))
    return _visible(request, request_id)
