"""The overview dashboard: targets by line, attainment to date, the forecast fan, top alerts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from salesmesh.alerts.selectors import top_alerts_for
from salesmesh.alerts.services import evaluate_alerts_if_due
from salesmesh.dashboards.charts_overview import attainment_chart, forecast_fan
from salesmesh.dashboards.common import dashboard_context
from salesmesh.dashboards.overview_data import line_summaries
from salesmesh.org.models import User

TOP_ALERTS = 5


def overview_page(request: HttpRequest) -> HttpResponse:
    """Every line the user may see (their own share, for a front-line member)."""
    ctx = dashboard_context(request, paradigm=None)
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - dashboard_context refused anyone else
    summaries = line_summaries(scopes=ctx.scopes, user=user, as_of=ctx.as_of)
    fans = [
        (
            summary,
            forecast_fan(
                summary,
                title=_("%(line)s: revenue by week, forecast") % {"line": summary.label},
                band=_("P10 to P90"),
                median=_("P50"),
                closed=_("Closed"),
                target=_("Target"),
            ),
        )
        for summary in summaries
    ]
    evaluate_alerts_if_due()
    alerts = top_alerts_for(user, limit=TOP_ALERTS)
    chart = (
        attainment_chart(
            summaries,
            title=_("Attainment to date as a share of the period's target"),
            actual=_("Actual"),
            expected=_("Expected by today"),
        )
        if any(s.root is not None for s in summaries)
        else None
    )
    return render(
        request,
        "dashboards/overview.html",
        {
            **ctx.template_context(),
            "summaries": summaries,
            "attainment_chart": chart,
            "fans": [
                {"summary": s, "figure": fan, "id": f"fan-{s.key}"}
                for s, fan in fans
                if fan is not None
            ],
            "alerts": alerts,
        },
    )
