"""Structured logs: the request context every record carries, and the two formatters.

The request-id middleware opens a context for each request; ``RequestContextFilter``
(installed on the handlers by ``logging_config``) copies it onto every record logged
while the request runs, whichever logger wrote it. Production writes one JSON object
per line for a log shipper; development a readable line. Only the fields listed here
are ever written — never headers, cookies, query strings or arbitrary ``extra``
values — so passwords, session ids and tokens cannot leak through the log.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.utils.functional import empty

if TYPE_CHECKING:  # settings import this module: keep it free of django.http at runtime
    from django.http import HttpRequest

ACCESS_LOGGER = "salesmesh.access"


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What every log record of one request is stamped with."""

    request_id: str
    method: str
    path: str
    request: HttpRequest


current_request: ContextVar[RequestContext | None] = ContextVar(
    "salesmesh_current_request", default=None
)


def resolved_user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id if the request already loaded its user, else None.

    Never loads it: the log must not add a session query to a page (query counts are
    asserted) nor touch the database for /healthz when the database is down.
    """
    user = getattr(request, "user", None)
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)  # the lazy object, or a real user in tests
    if wrapped is empty:
        return None
    try:
        if not wrapped.is_authenticated:
            return None
        pk = wrapped.pk
    except Exception:  # a half-loaded user must not break logging
        return None
    return pk if isinstance(pk, int) else None


class RequestContextFilter(logging.Filter):
    """Stamp each record with the current request's id, method, path and user id."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current_request.get() or context_of_record(record)
        if context is None:
            record.__dict__.setdefault("request_id", None)
            record.__dict__.setdefault("method", None)
            record.__dict__.setdefault("path", None)
            record.__dict__.setdefault("user_id", None)
            return True
        record.__dict__.setdefault("request_id", context.request_id)
        record.__dict__.setdefault("method", context.method)
        record.__dict__.setdefault("path", context.path)
        if record.__dict__.get("user_id") is None:
            record.user_id = resolved_user_id(context.request)
        return True


def context_of_record(record: logging.LogRecord) -> RequestContext | None:
    """The context of a record Django logs after the middleware returned.

    ``django.request`` reports a 4xx/5xx response once the whole middleware chain has
    finished (so outside our context), passing the request along; it carries its id.
    """
    request = record.__dict__.get("request")
    request_id = getattr(request, "request_id", None)
    if request is None or not isinstance(request_id, str):
        return None
    return RequestContext(
        request_id=request_id, method=request.method or "", path=request.path, request=request
    )


# The fields a JSON line may carry besides time, level, logger and message.
CONTEXT_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")


def utc_timestamp(created: float) -> str:
    """A record's time in UTC, ISO 8601 with milliseconds and a ``Z``."""
    moment = datetime.fromtimestamp(created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message and the request fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in CONTEXT_FIELDS:
            value = record.__dict__.get(field)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The readable development line: time, level, logger, [request id], message."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            defaults={"request_id": "-"},
        )

    def format(self, record: logging.LogRecord) -> str:
        request_id = record.__dict__.get("request_id")
        if request_id is not None:
            return super().format(record)
        # The record is shared with every other handler: show a dash, then put it back.
        record.__dict__["request_id"] = "-"
        try:
            return super().format(record)
        finally:
            record.__dict__["request_id"] = request_id


def logging_config(*, json_lines: bool) -> dict[str, Any]:
    """The LOGGING setting: JSON lines in production, readable lines in development."""
    formatter = "json" if json_lines else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "salesmesh.ops.logs.RequestContextFilter"}},
        "formatters": {
            "json": {"()": "salesmesh.ops.logs.JsonFormatter"},
            "text": {"()": "salesmesh.ops.logs.TextFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["request_context"],
            }
        },
        "root": {"handlers": ["console"], "level": "INFO"},
        "loggers": {
            # Django's default config gives "django" a console handler of its own;
            # ours replaces it so each record is printed once.
            "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "django.db.backends": {"level": "WARNING"},
            # runserver's own request line repeats our access line; keep its warnings.
            "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }
