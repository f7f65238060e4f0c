"""The real URL map plus one view that fails, to see what a failure shows."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from salesmesh.config.urls import urlpatterns as real_urlpatterns

SECRET_DETAIL = "boom: the secret internals of a failure"


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET_DETAIL)


def bad_sql(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_column FROM no_such_table_at_all")
    return HttpResponse("unreachable")


urlpatterns = [
    path("boom/", boom),
    path("bad-sql/", bad_sql),
    *real_urlpatterns,
]
