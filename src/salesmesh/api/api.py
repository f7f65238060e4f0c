"""The API object: session auth with CSRF for the browser, the common error body, routers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.security import django_auth

from salesmesh.api.alerts import router as alerts_router
from salesmesh.api.errors import install_error_handlers
from salesmesh.api.forecast import router as forecast_router
from salesmesh.api.mesh import router as mesh_router

api = NinjaAPI(
    title="salesmesh API",
    version="1",
    description="Targets, plans, the mesh, forecasts and alerts. Every operation needs a "
    "signed-in session (with the CSRF token for unsafe methods) and sees only the caller's data.",
    auth=django_auth,
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/mesh", mesh_router, tags=["mesh"])
api.add_router("/forecast", forecast_router, tags=["forecast"])
api.add_router("/alerts", alerts_router, tags=["alerts"])

# The schema and the docs page stay behind the login page like every other page.
DOCS_URL_NAMES = frozenset({"openapi-json", "openapi-view"})


def api_urls() -> tuple[list[Any], str, str]:
    """The API's URL patterns; operations answer 401 in JSON rather than redirecting to login.

    Django's LoginRequiredMiddleware would send an unauthenticated API call to the login
    page; each operation checks the session (or token) itself through ``auth=``, so they
    are exempted from the middleware — and only they.
    """
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        _exempt(pattern)
    return patterns, app_name, namespace


def _exempt(pattern: URLPattern | URLResolver) -> None:
    if isinstance(pattern, URLResolver):
        for child in pattern.url_patterns:
            _exempt(child)
        return
    if pattern.name not in DOCS_URL_NAMES:
        pattern.callback = login_not_required(pattern.callback)
