"""The project dashboard: Gantt with baseline vs actual, stakeholder map, resource readiness,
review log and the knowledge-base search.

A manager of the line (or the head, or an admin) sees every project of the line; a PMO,
business or solution person the projects assigned to them (``projects_visible_to``);
``?project=`` narrows the page to one of those, and any other id is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from salesmesh.dashboards.charts_project import gantt_chart, readiness_chart, stakeholder_chart
from salesmesh.dashboards.common import dashboard_context
from salesmesh.dashboards.project_data import (
    ProjectBoard,
    Readiness,
    knowledge_search,
    project_dashboard,
    projects_in_scope,
)
from salesmesh.org.models import Paradigm, User
from salesmesh.projects.models import Project


@dataclass(frozen=True)
class GanttView:
    """One project's board with its chart and the chart's element ids."""

    board: ProjectBoard
    chart: dict[str, Any] | None
    chart_id: str

    @property
    def data_id(self) -> str:
        return f"{self.chart_id}-data"


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware sends them away
        raise Http404
    return user


def _focus(request: HttpRequest, projects: list[Project]) -> Project | None:
    """The project named by ``?project=``; 404 for one the user may not see (or no number)."""
    raw = request.GET.get("project")
    if not raw:
        return None
    try:
        wanted = int(raw)
    except ValueError:
        raise Http404 from None
    focus = next((p for p in projects if p.pk == wanted), None)
    if focus is None:
        raise Http404
    return focus


def project_page(request: HttpRequest) -> HttpResponse:
    """The project line in scope (``?line=``) as of a day (``?as_of=``)."""
    ctx = dashboard_context(request, paradigm=Paradigm.PROJECT)
    user = _user(request)
    context: dict[str, Any] = {
        **ctx.template_context(),
        "knowledge": knowledge_search(user=user, query=request.GET.get("q", "")),
    }
    if ctx.scope is None:
        return render(request, "dashboards/project.html", context)
    projects = list(projects_in_scope(user=user, line=ctx.scope.line))
    focus = _focus(request, projects)
    data = project_dashboard(
        projects=[focus] if focus else projects, line=ctx.scope.line, as_of=ctx.as_of
    )
    gantts = [
        GanttView(
            board=board,
            chart=gantt_chart(board.gantt, as_of=ctx.as_of) if board.gantt else None,
            chart_id=f"gantt-{board.project.pk}",
        )
        for board in data.boards
    ]
    groups = data.stakeholder_groups
    context.update(
        {
            "projects": projects,
            "focus": focus,
            "data": data,
            "gantts": gantts,
            "stakeholder_chart": stakeholder_chart(
                groups, title=_("Stakeholders by attitude and milestone")
            )
            if groups
            else None,
            "readiness_chart": readiness_chart(
                data.readiness_by_kind, title=_("Resources by kind and readiness")
            )
            if data.resources
            else None,
            "readiness": {status.value: data.readiness_count(status) for status in Readiness},
        }
    )
    return render(request, "dashboards/project.html", context)


def project_knowledge(request: HttpRequest) -> HttpResponse:
    """The knowledge-base results for ``?q=`` (an htmx partial of the project page)."""
    results = knowledge_search(user=_user(request), query=request.GET.get("q", ""))
    return render(request, "dashboards/project_knowledge.html", {"knowledge": results})
