"""The overview dashboard: targets by line, attainment to date, the forecast fan, top alerts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from salesmesh.dashboards.charts_overview import attainment_chart
from salesmesh.dashboards.common import dashboard_context
from salesmesh.dashboards.overview_data import line_summaries


def overview_page(request: HttpRequest) -> HttpResponse:
    """Every line the user may see (their own share, for a front-line member)."""
    ctx = dashboard_context(request, paradigm=None)
    summaries = line_summaries(scopes=ctx.scopes, user_id=request.user.pk, as_of=ctx.as_of)
    chart = (
        attainment_chart(
            summaries,
            title=_("Attainment to date, % of the period's target"),
            actual=_("Actual"),
            expected=_("Expected by today"),
        )
        if any(s.root is not None for s in summaries)
        else None
    )
    return render(
        request,
        "dashboards/overview.html",
        {**ctx.template_context(), "summaries": summaries, "attainment_chart": chart},
    )
