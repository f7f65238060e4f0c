"""The API object: session auth with CSRF for the browser, the common error body, routers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, path
from ninja.security import django_auth

from salesmesh.api import plan_writes, project_writes, request_writes, token_views
from salesmesh.api.accounts import router as accounts_router
from salesmesh.api.activities import router as activities_router
from salesmesh.api.alerts import router as alerts_router
from salesmesh.api.common import install_invalid_handler
from salesmesh.api.errors import DeclaredErrorsAPI, install_error_handlers
from salesmesh.api.forecast import router as forecast_router
from salesmesh.api.history import router as history_router
from salesmesh.api.imports import router as imports_router
from salesmesh.api.mesh import router as mesh_router
from salesmesh.api.org import router as org_router
from salesmesh.api.pipeline import router as pipeline_router
from salesmesh.api.plans import router as plans_router
from salesmesh.api.projects import router as projects_router
from salesmesh.api.tokens import token_auth

api = DeclaredErrorsAPI(
    title="salesmesh API",
    version="1",
    description="Targets, plans, the mesh, forecasts, alerts and every record. Every operation "
    "needs a personal API token (`Authorization: Bearer smt_…`, made on /api/tokens/) or a "
    "signed-in session (with the CSRF token for unsafe methods), and sees only the caller's data.",
    # A token first: a call that sends one is judged by it alone (no cookie, so no CSRF).
    auth=[token_auth, django_auth],
    urls_namespace="api",
)
install_error_handlers(api)
install_invalid_handler(api)
api.add_router("/mesh", mesh_router, tags=["mesh"])
api.add_router("/forecast", forecast_router, tags=["forecast"])
api.add_router("/alerts", alerts_router, tags=["alerts"])
api.add_router("", org_router)
api.add_router("", plans_router)
api.add_router("", accounts_router)
api.add_router("", pipeline_router)
api.add_router("", activities_router)
api.add_router("", projects_router)
api.add_router("", imports_router)
api.add_router("", history_router)
# These add their operations to the plans, projects and activities routers above when
# imported (a path's methods must share one router: one URL pattern answers them all).
WRITES_ON_READ_ROUTERS = (plan_writes, project_writes, request_writes)

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
    # The token page is an ordinary page behind the login (added after the exemption).
    pages = [
        path("tokens/", token_views.token_list, name="tokens"),
        path("tokens/<int:pk>/revoke", token_views.token_revoke_view, name="token_revoke"),
    ]
    return [*pages, *patterns], app_name, namespace


def _exempt(pattern: URLPattern | URLResolver) -> None:
    if isinstance(pattern, URLResolver):
        for child in pattern.url_patterns:
            _exempt(child)
        return
    if pattern.name not in DOCS_URL_NAMES:
        pattern.callback = login_not_required(pattern.callback)
