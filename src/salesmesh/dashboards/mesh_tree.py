"""The mesh tree page: target → indicators → behaviours, plan against actual, with catch-up.

A manager sees the tree of the line (or their team inside it) and, person by person, each
one's own tree, loaded on demand; a front-line member sees only their own tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from salesmesh.core.mesh import MeshError
from salesmesh.dashboards.common import DashboardContext, dashboard_context
from salesmesh.mesh.choice import PlanChoice, approved_plan_for
from salesmesh.mesh.report import MeshReport, PersonMesh
from salesmesh.mesh.services import mesh_report


@dataclass(frozen=True)
class MeshPage:
    """What the page shows: the plan chosen, the report, and the people the user may open."""

    choice: PlanChoice | None
    report: MeshReport | None
    people: tuple[PersonMesh, ...]
    own: PersonMesh | None


def _mesh_page(ctx: DashboardContext, *, user_id: int, person_id: int | None = None) -> MeshPage:
    """The page for ``user_id``; with ``person_id`` only that person's tree is built.

    Per-person trees cost milliseconds each, so only the ones shown are built: a member's
    own, one person's for the partial, everyone the manager may see for the page's list.
    """
    if ctx.scope is None:
        return MeshPage(choice=None, report=None, people=(), own=None)
    choice = approved_plan_for(line=ctx.scope.line, as_of=ctx.as_of)
    if choice is None:
        return MeshPage(choice=None, report=None, people=(), own=None)
    wanted: frozenset[int]
    if ctx.scope.own_board_only:
        wanted = frozenset({user_id})
    elif person_id is not None:
        wanted = frozenset({person_id})
    else:
        wanted = ctx.scope.person_ids | {user_id}
    try:
        report = mesh_report(
            version=choice.version,
            as_of=ctx.as_of,
            unit=ctx.scope.top_unit or ctx.scope.line,
            people=wanted,
        )
    except MeshError:
        # The plan has no part for this team (none of its people is in the plan): the page
        # says so rather than failing.
        return MeshPage(choice=choice, report=None, people=(), own=None)
    people = tuple(p for p in report.people if p.person_id in ctx.scope.person_ids)
    own = next((p for p in report.people if p.person_id == user_id), None)
    if ctx.scope.own_board_only:
        # A member sees their own tree only: not the line's totals, not colleagues'.
        return MeshPage(choice=choice, report=None, people=(), own=own)
    return MeshPage(choice=choice, report=report, people=people, own=own)


def mesh_page(request: HttpRequest) -> HttpResponse:
    """The mesh tree of the chosen line (``?line=``) as of a day (``?as_of=``)."""
    ctx = dashboard_context(request, paradigm=None, units="one")
    page = _mesh_page(ctx, user_id=request.user.pk)
    return render(
        request,
        "dashboards/mesh.html",
        {**ctx.template_context(), "page": page},
    )


def mesh_person(request: HttpRequest) -> HttpResponse:
    """One person's tree, attribution and diagnosis (an htmx partial of the mesh page)."""
    ctx = dashboard_context(request, paradigm=None, units="one")
    try:
        person_id = int(request.GET.get("person", ""))
    except ValueError:
        raise Http404 from None
    if ctx.scope is None or person_id not in ctx.scope.person_ids:
        raise Http404
    page = _mesh_page(ctx, user_id=request.user.pk, person_id=person_id)
    person = next((p for p in (*page.people, page.own) if p and p.person_id == person_id), None)
    if person is None:
        raise Http404
    return render(request, "dashboards/mesh_person.html", {"person": person})
