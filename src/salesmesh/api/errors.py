"""One error body for every API failure: a stable code and a message in the caller's language.

``{"code": "not_found", "message": "…"}`` (plus ``"errors"`` for invalid input, one entry
per field: its path and a translated message). Nothing else leaks: no stack trace, no SQL.

The schema declares these bodies on every operation that can answer them
(``DeclaredErrorsAPI``, ``declare_error_responses``), so what a client reads in
/api/openapi.json is what it gets.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from salesmesh.api.field_errors import field_message

# Methods a browser session must send the CSRF token with.
UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
# The messages of the HttpErrors ninja raises itself (ninja/params/models.py, security/apikey.py).
NINJA_UNPARSABLE_BODY = "Cannot parse request body"
NINJA_CSRF_FAILED = "CSRF check Failed"


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[dict[str, Any]] | None = None


class DeclaredErrorsAPI(NinjaAPI):
    """A NinjaAPI whose schema declares the common error body on every operation."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        return declare_error_responses(
            super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        )


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
                "message": field_message(error),
            }
            for error in exc.errors
        ]
        return body(request, 422, "invalid", _("The request is not valid."), errors=errors)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = getattr(exc, "code", None)
        if code is not None:  # one of ours (InvalidInput, Conflict …): its message is translated
            return body(request, exc.status_code, code, str(exc.message))
        # ninja's own two refusals carry an English message; say them in the caller's language.
        text = str(exc.message)
        if exc.status_code == 400 and text.startswith(NINJA_UNPARSABLE_BODY):
            message = _("The request body is not valid JSON.")
            return body(
                request, 400, "malformed", message, errors=[{"field": "body", "message": message}]
            )
        if exc.status_code == 403 and text == NINJA_CSRF_FAILED:
            message = _("Send the CSRF token with this request, or use an API token.")
            return body(request, 403, "csrf_failed", message)
        return body(request, exc.status_code, "error", text)


def possible_errors(method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses the handlers above can give this operation, whatever its code does.

    401 when it needs auth; 422 when it reads a parameter or a body (ninja validates them);
    404 when it names a record in its path; 400 (a body that is not JSON) when it reads a
    body; 403 (no CSRF token with a session) for an unsafe method.
    """
    parameters = operation.get("parameters") or []
    statuses = []
    if operation.get("security"):
        statuses.append(401)
    if parameters or "requestBody" in operation:
        statuses.append(422)
    if any(p.get("in") == "path" for p in parameters):
        statuses.append(404)
    if "requestBody" in operation:
        statuses.append(400)
    if method.lower() in UNSAFE_METHODS and operation.get("security"):
        statuses.append(403)
    return statuses


def declare_error_responses(schema: Any) -> Any:
    """Add the common error body to each operation for the statuses it can answer with."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorOut" not in components:
        components["ErrorOut"] = ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            declared = {str(status) for status in responses}
            for status in possible_errors(method, operation):
                if str(status) not in declared:
                    responses[status] = {
                        "description": HTTPStatus(status).phrase,
                        "content": {"application/json": {"schema": dict(ERROR_REF)}},
                    }
    return schema
