"""Give each request an id, stamp it on every log record and the response, log one access line.

A caller (a proxy, a load balancer, another service) may pass ``X-Request-ID``; a sane
value is kept so one id follows the request across systems, anything else is replaced
by a fresh one — the header is client input and must not inject text into the logs.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from salesmesh.ops.logs import ACCESS_LOGGER, RequestContext, current_request, resolved_user_id

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")

access_logger = logging.getLogger(ACCESS_LOGGER)


def request_id_for(request: HttpRequest) -> str:
    """The caller's X-Request-ID when it is 1-64 letters, digits or dashes; else a new one."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    if SANE_REQUEST_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in the chain, so redirects and errors from later middleware are logged too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_for(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        # request.path, never the query string: it may carry tokens.
        context = RequestContext(
            request_id=request_id, method=request.method or "", path=request.path, request=request
        )
        token = current_request.set(context)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response[REQUEST_ID_HEADER] = request_id
            access_logger.info(
                "%s %s %s %sms",
                context.method,
                context.path,
                response.status_code,
                duration_ms,
                extra={
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": resolved_user_id(request),
                },
            )
            return response
        finally:
            current_request.reset(token)
