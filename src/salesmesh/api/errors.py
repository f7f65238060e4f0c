"""One error body for every API failure: a stable code and a message in the caller's language.

``{"code": "not_found", "message": "…"}`` (plus ``"errors"`` for invalid input, one entry
per field). Nothing else leaks: no stack trace, no SQL.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[dict[str, Any]] | None = None


def install_error_handlers(api: NinjaAPI) -> None:
    """Route ninja's and Django's exceptions to the common body."""

    def body(
        request: HttpRequest, status: int, code: str, message: str, **extra: Any
    ) -> HttpResponse:
        return api.create_response(
            request, {"code": code, "message": message, **extra}, status=status
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return body(request, 404, "not_found", _("Not found, or not yours to see."))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return body(request, 401, "unauthenticated", _("Sign in, or send a valid API token."))

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {
                "field": ".".join(str(part) for part in error.get("loc", ())),
                "message": error.get("msg", ""),
            }
            for error in exc.errors
        ]
        return body(request, 422, "invalid", _("The request is not valid."), errors=errors)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return body(request, exc.status_code, getattr(exc, "code", "error"), str(exc.message))
