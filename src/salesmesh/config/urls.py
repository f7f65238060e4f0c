"""The URL map: the web app, Django's auth and admin, and the language switch."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from salesmesh.api.api import api_urls

urlpatterns = [
    path("", include("salesmesh.web.urls")),
    path("planning/", include("salesmesh.planning.urls")),
    path("data/", include("salesmesh.exchange.urls")),
    path("records/", include("salesmesh.records.urls")),
    path("dashboards/", include("salesmesh.dashboards.urls")),
    path("alerts/", include("salesmesh.alerts.urls")),
    path("api/", api_urls()),
    path("accounts/", include("django.contrib.auth.urls")),
    # The login page offers the language switch too, so it must work signed out.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("healthz", include("salesmesh.ops.urls")),  # open to monitors: login_not_required
]
