"""What every object router shares: the caller, paging, the error responses, 422 bodies."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination

from salesmesh.api.errors import ErrorOut
from salesmesh.org.models import User

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

# Keyword arguments of @paginate: 50 a page, at most 500 on request (?page_size=).
PAGING: dict[str, Any] = {"page_size": PAGE_SIZE, "max_page_size": MAX_PAGE_SIZE}
Paging = PageNumberPagination

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
