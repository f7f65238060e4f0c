"""The alert list and the acknowledge button (an htmx swap of the row)."""

from __future__ import annotations

from typing import cast

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from salesmesh.alerts.forms import AlertFilterForm
from salesmesh.alerts.selectors import LIST_RELATED, alerts_filtered, alerts_visible_to
from salesmesh.alerts.services import alert_acknowledge, evaluate_alerts_if_due
from salesmesh.org.models import User

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # LoginRequiredMiddleware: never anonymous here


def alert_list(request: HttpRequest) -> HttpResponse:
    """``/alerts/``: the alerts in the user's scope, filtered, 50 a page."""
    evaluate_alerts_if_due()
    user = _user(request)
    form = AlertFilterForm(request.GET, user=user)
    alerts = alerts_filtered(alerts_visible_to(user=user), **form.filters())
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "alerts/list.html",
        {"form": form, "page": page, "alerts": page.object_list, "query": query.urlencode()},
    )


@require_POST
def alert_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge one visible alert; htmx gets the row back, a plain form the list."""
    user = _user(request)
    alert = get_object_or_404(alerts_visible_to(user=user).select_related(*LIST_RELATED), pk=pk)
    alert_acknowledge(alert=alert, user=user)
    if getattr(request, "htmx", False):
        return render(request, "alerts/_row.html", {"alert": alert})
    return redirect("alerts:list")
