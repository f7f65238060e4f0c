"""A URL map for the logging tests: views that log, fail, or read the user, beside the real ones."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

logger = logging.getLogger("tests.ops")


def logs_inside(request: HttpRequest) -> HttpResponse:
    logger.warning("inside the view")
    return HttpResponse("ok")


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the view broke")


urlpatterns = [
    path("logs-inside/", logs_inside),
    path("fails/", fails),
    path("", include("salesmesh.config.urls")),
]
