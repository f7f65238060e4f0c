"""Every view declares its permission: the allow-list of open views and the scoping registry.

The rule (docs/security.md): every URL pattern is exactly one of

1. **open** — in ``OPEN`` with a reason; the only views LoginRequiredMiddleware lets through
   signed out (``login_not_required``), and no others may be;
2. **an admin view** — under the admin site, which lets only active staff in;
3. **an API operation** — a django-ninja operation with ``auth=`` (401 without it);
4. **a scoped view** — in ``SCOPED`` with the scoping rule (``*_visible_to`` selector or
   its equivalent) its code must reach, checked by reading the code it calls.

A new view in none of them fails ``test_every_view_declares_its_permission``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Open:
    """A view anyone may request signed out, and why."""

    reason: str
    # What a signed-out GET answers: the page itself (200) or a redirect (302).
    statuses: frozenset[int] = frozenset({200})


# Keyed by the view's dotted name (walker.view_key): a URL may move, the code stays.
OPEN: dict[str, Open] = {
    "django.contrib.auth.views.LoginView": Open("signing in is how one stops being anonymous"),
    "django.views.i18n.set_language": Open(
        "the login page offers the language switch; it only sets a cookie/session language",
        frozenset({302}),
    ),
    "django.contrib.admin.sites.AdminSite.login": Open(
        "the admin site's own sign-in page (it only lets active staff through)",
    ),
    "django.contrib.auth.views.PasswordResetView": Open(
        "requesting a reset mail needs no sign-in; it never says whether the address exists",
    ),
    "django.contrib.auth.views.PasswordResetDoneView": Open("a static 'mail sent' page"),
    "django.contrib.auth.views.PasswordResetConfirmView": Open(
        "reached from the mailed link; the signed token is the credential",
    ),
    "django.contrib.auth.views.PasswordResetCompleteView": Open("a static 'password set' page"),
    "ninja.openapi.views.default_home": Open(
        "the API root: a 404 (or a redirect to /api/docs, which itself requires sign-in)",
        frozenset({302, 404}),
    ),
}
# Open by URL name: views another slice adds whose code path is not known here yet.
OPEN_BY_NAME: dict[str, Open] = {
    "healthz": Open(
        "liveness/readiness probe for the load balancer; says up/down and nothing else",
        frozenset({200, 503}),
    ),
}


@dataclass(frozen=True)
class Scoped:
    """A signed-in view and the scoping functions its code must reach (any one of them)."""

    rule: tuple[str, ...]
    note: str = ""


_RECORDS = "salesmesh.records"
SCOPED: dict[str, Scoped] = {
    # The HTML shell: the org tree and people, through the org app's one rule.
    "salesmesh.web.views.home": Scoped(("org_tree_for",)),
    "salesmesh.web.views.paradigm_page": Scoped(("business_lines_for",)),
    "salesmesh.web.views.data_page": Scoped(("memberships_visible_to",)),
    # Planning: lines the user manages (admins all).
    "salesmesh.planning.views.advisor": Scoped(("line_managed_by",)),
    "salesmesh.planning.plan_views.plan_list": Scoped(("line_managed_by",)),
    "salesmesh.planning.plan_views.plan_edit": Scoped(("line_managed_by",)),
    "salesmesh.planning.plan_views.plan_detail": Scoped(("line_managed_by",)),
    "salesmesh.planning.plan_views.plan_download": Scoped(("line_managed_by",)),
    "salesmesh.planning.plan_views.plan_approve": Scoped(("line_managed_by",)),
    "salesmesh.planning.plan_views.plan_compare": Scoped(("line_managed_by",)),
    # Exports: each kind's ExportSpec.visible_to is its *_visible_to selector.
    "salesmesh.exchange.views.export": Scoped(("visible_to",)),
    # Imports: a run is its uploader's; rows resolve only what the uploader sees.
    "salesmesh.exchange.import_views.import_upload": Scoped(
        ("import_run_create",), "the run is created for the uploader (created_by)"
    ),
    "salesmesh.exchange.import_views.import_run_list": Scoped(("import_runs_visible_to",)),
    "salesmesh.exchange.import_views.import_run_detail": Scoped(("_run_or_404",)),
    "salesmesh.exchange.import_views.import_run_progress": Scoped(("_run_or_404",)),
    "salesmesh.exchange.import_views.import_run_mapping": Scoped(("_run_or_404",)),
    "salesmesh.exchange.import_views.import_run_commit": Scoped(("_run_or_404",)),
    # Records: every list and detail starts from the kind's *_visible_to selector.
    f"{_RECORDS}.views.records_index": Scoped(
        ("LISTS",), "links to the lists only; each list is scoped"
    ),
    f"{_RECORDS}.views.record_list": Scoped(("visible",), "ListSpec.visible: *_visible_to"),
    f"{_RECORDS}.views.account_detail": Scoped(("accounts_visible_to",)),
    f"{_RECORDS}.views.opportunity_detail": Scoped(("opportunities_visible_to",)),
    f"{_RECORDS}.views.project_detail": Scoped(("projects_visible_to",)),
    f"{_RECORDS}.views.solution_request_detail": Scoped(("solution_requests_visible_to",)),
    f"{_RECORDS}.edit_views.account_new": Scoped(("lines_to_work_in",), "the form's choices"),
    f"{_RECORDS}.edit_views.account_edit": Scoped(("accounts_visible_to",)),
    f"{_RECORDS}.edit_views.account_contact_new": Scoped(("accounts_visible_to",)),
    f"{_RECORDS}.edit_views.contact_new": Scoped(("accounts_visible_to",), "the form's choices"),
    f"{_RECORDS}.edit_views.contact_edit": Scoped(("contacts_visible_to",)),
    f"{_RECORDS}.edit_views.lead_new": Scoped(("lines_to_work_in",), "the form's choices"),
    f"{_RECORDS}.edit_views.lead_edit": Scoped(("leads_visible_to",)),
    f"{_RECORDS}.edit_views.opportunity_new": Scoped(("accounts_visible_to",), "the form"),
    f"{_RECORDS}.edit_views.opportunity_edit": Scoped(("opportunities_visible_to",)),
    f"{_RECORDS}.edit_views.activity_new": Scoped(("accounts_visible_to",), "the form"),
    f"{_RECORDS}.edit_views.activity_edit": Scoped(("activities_visible_to",)),
    f"{_RECORDS}.edit_views.activity_remove": Scoped(("activities_visible_to",)),
    f"{_RECORDS}.edit_views.solution_request_new": Scoped(("accounts_visible_to",), "the form"),
    f"{_RECORDS}.edit_views.solution_request_edit": Scoped(("solution_requests_visible_to",)),
    f"{_RECORDS}.edit_views.project_new": Scoped(("accounts_visible_to",), "the form"),
    f"{_RECORDS}.edit_views.project_edit": Scoped(("projects_visible_to",)),
    f"{_RECORDS}.edit_views.milestone_new": Scoped(("projects_visible_to",)),
    f"{_RECORDS}.edit_views.milestone_change": Scoped(("projects_visible_to",)),
    f"{_RECORDS}.edit_views.stakeholder_new": Scoped(("projects_visible_to",)),
    f"{_RECORDS}.edit_views.stakeholder_edit": Scoped(("projects_visible_to",)),
    f"{_RECORDS}.edit_views.resource_new": Scoped(("projects_visible_to",)),
    f"{_RECORDS}.edit_views.resource_edit": Scoped(("projects_visible_to",)),
    f"{_RECORDS}.edit_views.review_new": Scoped(("projects_visible_to",)),
    f"{_RECORDS}.edit_views.review_edit": Scoped(("projects_visible_to",)),
    # Dashboards: dashboards.scope.line_scopes is the one rule (404 for another ?line=).
    "salesmesh.dashboards.overview.overview_page": Scoped(("line_scopes",)),
    "salesmesh.dashboards.mesh_tree.mesh_page": Scoped(("line_scopes",)),
    "salesmesh.dashboards.mesh_tree.mesh_person": Scoped(("line_scopes",)),
    "salesmesh.dashboards.behaviour.behaviour_page": Scoped(("line_scopes",)),
    "salesmesh.dashboards.behaviour.calendar_partial": Scoped(("line_scopes",)),
    "salesmesh.dashboards.probability.probability_page": Scoped(("line_scopes",)),
    "salesmesh.dashboards.probability.funnel_partial": Scoped(("line_scopes",)),
    "salesmesh.dashboards.probability.board_partial": Scoped(("line_scopes",)),
    "salesmesh.dashboards.probability.bottlenecks_partial": Scoped(("line_scopes",)),
    "salesmesh.dashboards.probability.capability_partial": Scoped(("line_scopes",)),
    "salesmesh.dashboards.project.project_page": Scoped(("line_scopes",)),
    "salesmesh.dashboards.project.project_knowledge": Scoped(
        ("projects_visible_to",), "entries for all; their projects only when visible"
    ),
    # Alerts.
    "salesmesh.alerts.views.alert_list": Scoped(("alerts_visible_to",)),
    "salesmesh.alerts.views.alert_acknowledge_view": Scoped(("alerts_visible_to",)),
    # Personal API tokens: one's own only (tokens_of filters by owner; admins neither).
    "salesmesh.api.token_views.token_list": Scoped(("tokens_of",)),
    "salesmesh.api.token_views.token_revoke_view": Scoped(("tokens_of",)),
    # The signed-in person's own account only: nothing of anyone else's to scope.
    "django.contrib.auth.views.LogoutView": Scoped((), "ends one's own session (POST)"),
    "django.contrib.auth.views.PasswordChangeView": Scoped((), "one's own password"),
    "django.contrib.auth.views.PasswordChangeDoneView": Scoped((), "a static page"),
    # The API's schema and docs: describe operations, hold no data.
    "ninja.openapi.views.openapi_json": Scoped((), "the schema, no data"),
    "ninja.openapi.views.openapi_view": Scoped((), "the docs page, no data"),
}
