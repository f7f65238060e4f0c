"""The behaviour dashboard: named-account coverage, the teams' scorecards, visits, referrals.

One page at ``/dashboards/behaviour/`` (``?line=``, ``?as_of=``) for the lines of the
behaviour paradigm, with four cards: the coverage heatmap by stage with the accounts left
untouched, the SDR / BD / presales scorecards, the BD visit calendar (its span reloads as an
htmx partial from ``behaviour/calendar/?weeks=``) and the referral graph.

Scope (``dashboards.scope``): a manager sees the line or their team — everyone's rows and
the accounts those people own or touch; an SDR, BD or presales member sees only their own
row, their own accounts and their own visits, never a colleague's. The line's totals are
shown to whoever sees the whole line. An out-of-scope ``?line=`` is a 404.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from salesmesh.activities.behaviour_indicators import behaviour_actuals
from salesmesh.core.behaviour import Stage as FunnelStage
from salesmesh.dashboards.behaviour_data import (
    DEFAULT_CALENDAR_WEEKS,
    VisitCalendar,
    behaviour_dashboard,
    visit_calendar,
)
from salesmesh.dashboards.behaviour_team import line_team
from salesmesh.dashboards.charts_behaviour import (
    coverage_heatmap_chart,
    referral_chart,
    visit_calendar_chart,
)
from salesmesh.dashboards.common import dashboard_context
from salesmesh.org.models import Paradigm

# The spans the visit calendar offers, in weeks.
CALENDAR_WEEKS = (4, DEFAULT_CALENDAR_WEEKS, 13, 26)


def stage_labels() -> dict[FunnelStage, str]:
    """The funnel stages in the active language."""
    return {
        FunnelStage.UNTOUCHED: _("Untouched"),
        FunnelStage.TOUCHED: _("Touched"),
        FunnelStage.ENGAGED: _("Engaged"),
        FunnelStage.VQL: _("VQL"),
        FunnelStage.SIGNED: _("Signed"),
    }


def _calendar_weeks(request: HttpRequest) -> int:
    """``?weeks=`` when it is one of the offered spans, else the default."""
    try:
        weeks = int(request.GET.get("weeks", DEFAULT_CALENDAR_WEEKS))
    except ValueError:
        return DEFAULT_CALENDAR_WEEKS
    return weeks if weeks in CALENDAR_WEEKS else DEFAULT_CALENDAR_WEEKS


def _calendar_context(calendar: VisitCalendar, weeks: int) -> dict[str, Any]:
    chart = (
        visit_calendar_chart(
            calendar,
            title=ngettext(
                "BD visits per day, last %(weeks)s week",
                "BD visits per day, last %(weeks)s weeks",
                weeks,
            )
            % {"weeks": weeks},
            hover=_("%{y}, %{x}: %{z} visits"),
        )
        if calendar.rows
        else None
    )
    return {
        "calendar": calendar,
        "calendar_chart": chart,
        "calendar_weeks": weeks,
        "calendar_choices": CALENDAR_WEEKS,
    }


def behaviour_page(request: HttpRequest) -> HttpResponse:
    """The dashboard of the chosen behaviour line (``?line=``) as of a day (``?as_of=``)."""
    ctx = dashboard_context(request, paradigm=Paradigm.BEHAVIOUR, units="any")
    context: dict[str, Any] = {**ctx.template_context(), "query": ctx.query}
    scope = ctx.scope
    if scope is None:
        return render(request, "dashboards/behaviour.html", context)
    weeks = _calendar_weeks(request)
    dash = behaviour_dashboard(
        line=scope.line,
        people_ids=scope.person_ids,
        whole_line=scope.whole_line,
        as_of=ctx.as_of,
        calendar_weeks=weeks,
    )
    untouched_days = settings.SALESMESH_UNTOUCHED_DAYS
    actuals = behaviour_actuals(
        line=scope.line,
        start=dash.start,
        end=ctx.as_of,
        as_of=ctx.as_of,
        untouched_days=untouched_days,
    )
    labels = stage_labels()
    context.update(
        {
            "dash": dash,
            # The line's totals are the line's managers' (and admins') to see.
            "line_actuals": actuals if scope.whole_line else None,
            "untouched": [
                row
                for row in actuals.untouched_accounts
                if row.account_id in dash.scoped_account_ids
            ],
            "untouched_days": untouched_days,
            "own_board_only": scope.own_board_only,
            "show_team_plan": not scope.own_board_only,
            "heatmap_chart": coverage_heatmap_chart(
                dash.heatmap,
                title=_("Named accounts touched, by stage and week"),
                stage_labels=labels,
                hover=_("%{y}, %{x}: %{customdata[0]} of %{customdata[1]} touched (%{z:.0f}%)"),
            )
            if dash.heatmap.accounts
            else None,
            "referral_chart": referral_chart(
                dash.referrals,
                title=_("Referrals: accounts referring accounts"),
                stage_labels=labels,
                other_label=_("Outside your accounts"),
                signed_label=_("Signed"),
            )
            if dash.referrals.edges
            else None,
            **_calendar_context(dash.calendar, weeks),
        }
    )
    return render(request, "dashboards/behaviour.html", context)


def calendar_partial(request: HttpRequest) -> HttpResponse:
    """The BD visit calendar alone, over ``?weeks=`` (an htmx partial)."""
    ctx = dashboard_context(request, paradigm=Paradigm.BEHAVIOUR, units="any")
    if ctx.scope is None:
        raise Http404
    weeks = _calendar_weeks(request)
    calendar = visit_calendar(
        people_ids=ctx.scope.person_ids,
        team=line_team(line=ctx.scope.line),
        as_of=ctx.as_of,
        weeks=weeks,
    )
    return render(
        request,
        "dashboards/behaviour_calendar.html",
        {**ctx.template_context(), "query": ctx.query, **_calendar_context(calendar, weeks)},
    )
