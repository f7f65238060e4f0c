"""What every object router shares: the caller, paging, the error responses, 422 bodies."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from salesmesh.api.errors import ErrorOut
from salesmesh.org.models import User

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# No list has a millionth page; past it the row offset would overflow the database's integer.
MAX_PAGE = 1_000_000

# What the database's 64-bit integer columns hold. A number past them is refused with a 422
# naming the field before it reaches a query (SQLite's driver cannot even bind it).
MIN_INT = -(2**63)
MAX_INT = 2**63 - 1
# A record's id as an operation reads it from its path, its filters or its body.
Id = Annotated[int, Field(ge=1, le=MAX_INT)]

# The days an operation accepts: far enough either way for any plan or record, near enough
# that a year or two of date arithmetic (windows, back-tests) stays inside Python's dates.
MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(2999, 12, 31)


def out_of_range_message() -> str:
    return _("Enter a date from %(first)s to %(last)s.") % {
        "first": MIN_DAY.isoformat(),
        "last": MAX_DAY.isoformat(),
    }


def _day_in_range(value: date) -> date:
    if not MIN_DAY <= value <= MAX_DAY:
        raise PydanticCustomError("date_range", out_of_range_message())
    return value


def _moment_in_utc(value: datetime) -> datetime:
    """An aware moment in UTC; a time without an offset is on the company's wall clock."""
    _day_in_range(value.date())
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    # Whatever offset was sent (Python allows ±24 h, PostgreSQL only ±16 h), the database
    # gets UTC.
    return value.astimezone(UTC)


def null_character_message() -> str:
    return _("Null characters are not allowed.")


def _without_nul(value: str) -> str:
    # PostgreSQL cannot hold (or compare with) a NUL in text; SQLite would, to no purpose.
    if "\x00" in value:
        raise PydanticCustomError("null_character", null_character_message())
    return value


# A day or a moment as an operation reads it; outside the range a 422 naming the field.
Day = Annotated[date, AfterValidator(_day_in_range)]
Moment = Annotated[datetime, AfterValidator(_moment_in_utc)]
# Free text or a code as an operation reads it from its path or its filters.
Text = Annotated[str, AfterValidator(_without_nul)]

# Keyword arguments of @paginate: 50 a page, at most 500 on request (?page_size=).
PAGING: dict[str, Any] = {"page_size": PAGE_SIZE, "max_page_size": MAX_PAGE_SIZE}


class Paging(PageNumberPagination):
    """``?page=`` and ``?page_size=``; a page number out of range is a 422 naming ``page``."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        # More than the list's maximum is served as the maximum.
        page_size: int | None = Field(None, ge=1)


# The error bodies an operation may answer with, for the OpenAPI schema.
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 409: ErrorOut}


def caller(request: HttpRequest) -> User:
    """The signed-in user (session) or the token's owner; auth= has refused anyone else."""
    if not isinstance(request.user, User):  # pragma: no cover - auth= refuses anyone else
        raise Http404
    return request.user


def visible_or_404[M: Model](queryset: QuerySet[M], pk: object) -> M:
    """One row of a scoped queryset; out of scope is the same 404 as a missing id."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


class InvalidInput(HttpError):
    """A 422 with one entry per field, in the body every API error has."""

    code = "invalid"

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(422, _("The request is not valid."))
        self.errors = errors


class Conflict(HttpError):
    """A 409: the record changed since the caller read it (optimistic locking)."""

    code = "conflict"

    def __init__(self, message: str) -> None:
        super().__init__(409, message)


def field_errors(error: ValidationError | dict[str, Any]) -> list[dict[str, str]]:
    """A service's ValidationError (or a form's errors) as ``[{field, message}]``.

    Errors that name no field get the field ``""`` (Django's ``__all__``).
    """
    if isinstance(error, ValidationError):
        if not hasattr(error, "error_dict"):
            return [{"field": "", "message": str(m)} for m in error.messages]
        items: Any = error.message_dict.items()
    else:
        items = error.items()
    return [
        {"field": "" if name == "__all__" else name, "message": str(message)}
        for name, messages in items
        for message in messages
    ]


def invalid(error: ValidationError | BaseForm) -> InvalidInput:
    """The 422 for a service's ValidationError or an invalid form."""
    if isinstance(error, BaseForm):
        return InvalidInput(field_errors(dict(error.errors)))
    return InvalidInput(field_errors(error))


def install_invalid_handler(api: NinjaAPI) -> None:
    """422 bodies with their field list (the generic HttpError handler has no list)."""

    @api.exception_handler(InvalidInput)
    def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
        return api.create_response(
            request,
            {"code": exc.code, "message": str(exc.message), "errors": exc.errors},
            status=422,
        )
