"""The probability dashboard: funnel plan vs actual, behaviour board, bottlenecks, capability.

One page at ``/dashboards/probability/`` (``?line=``, ``?as_of=``) with four cards. The
behaviour board and the capability panel are cheap and render with the page; the funnel
and the bottlenecks need the mesh report (the approved plan planned again, against the
rollups and the stage history), so they load as htmx partials from their own routes. Every
card has its own route, so any of them can be reloaded alone.

Scope (``dashboards.scope``): a manager sees their line or team and everyone in it; a
front-line member sees only their own row, their own funnel and diagnosis, their own
capability — never a colleague's. An out-of-scope ``?line=`` is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from salesmesh.core.attribution import Attribution
from salesmesh.core.mesh import MeshError, MeshNode
from salesmesh.dashboards.charts_probability import (
    exam_chart,
    funnel_chart,
    tenure_chart,
    waterfall_chart,
)
from salesmesh.dashboards.common import DashboardContext, dashboard_context
from salesmesh.dashboards.probability_data import (
    BehaviourBoard,
    Capability,
    FunnelView,
    behaviour_board,
    board_plan,
    capability_panel,
    funnel_view,
    worst_people,
)
from salesmesh.dashboards.scope import LineScope
from salesmesh.mesh.choice import PlanChoice, approved_plan_for
from salesmesh.mesh.report import MeshReport, PersonMesh
from salesmesh.mesh.services import health_thresholds, mesh_report
from salesmesh.org.models import Membership, Paradigm, Role, User
from salesmesh.planfile.errors import PlanFileError


@dataclass(frozen=True)
class ProbabilityContext:
    """The dashboard context, the approved plan shown, and the reps the user may see."""

    dashboard: DashboardContext
    user: User
    choice: PlanChoice | None
    # The line's reps in scope (only the user themselves for a member), by username.
    reps: tuple[User, ...]

    @property
    def scope(self) -> LineScope | None:
        return self.dashboard.scope

    @property
    def query(self) -> str:
        """``line=…&unit=…&as_of=…`` for the partials' URLs."""
        return self.dashboard.query

    def template_context(self) -> dict[str, Any]:
        return {
            **self.dashboard.template_context(),
            "choice": self.choice,
            "query": self.query,
            "own_board_only": self.scope.own_board_only if self.scope else True,
        }


def _reps_in_scope(scope: LineScope) -> tuple[User, ...]:
    """The line's active reps the user may see (one query)."""
    reps = Membership.objects.filter(
        unit__path__startswith=scope.line.path, role=Role.REP, user_id__in=scope.person_ids
    ).values("user_id")
    return tuple(
        User.objects.filter(pk__in=reps, is_active=True)
        .only("pk", "username", "employee_no")
        .order_by("username")
    )


def probability_context(request: HttpRequest) -> ProbabilityContext:
    """The line in scope (404 when out of scope), its plan for the day, and its reps."""
    ctx = dashboard_context(request, paradigm=Paradigm.PROBABILITY, units="one")
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - dashboard_context refuses them first
        raise Http404
    if ctx.scope is None:
        return ProbabilityContext(dashboard=ctx, user=user, choice=None, reps=())
    choice = approved_plan_for(line=ctx.scope.line, as_of=ctx.as_of)
    return ProbabilityContext(
        dashboard=ctx, user=user, choice=choice, reps=_reps_in_scope(ctx.scope)
    )


# -- the mesh report behind the funnel and the bottlenecks --------------------------------------


@dataclass(frozen=True)
class MeshPart:
    """The report of the user's node, or their own tree for a member, or why there is none."""

    report: MeshReport | None = None
    # The member's own tree (their board only), else None.
    own: PersonMesh | None = None
    error: str = ""

    @property
    def root(self) -> MeshNode | None:
        if self.own is not None:
            return self.own.root
        return self.report.root if self.report is not None else None


def _mesh_part(pctx: ProbabilityContext, *, people: bool) -> MeshPart:
    """The report behind a card; ``people``: the card lists the people the user may see.

    A member's card shows their own tree, so only theirs is built (not the line's
    thousand); a manager's, everyone's in scope when the card lists people, else nobody's.
    """
    scope, choice = pctx.scope, pctx.choice
    if scope is None or choice is None:
        return MeshPart()
    own_only = scope.own_board_only
    wanted: bool | frozenset[int] = scope.person_ids if people else False
    if own_only:
        wanted = frozenset({pctx.user.pk})
    try:
        report = mesh_report(
            version=choice.version,
            as_of=pctx.dashboard.as_of,
            unit=scope.top_unit or scope.line,
            people=wanted,
        )
    except (MeshError, PlanFileError):
        return MeshPart(error=_("The approved plan cannot be compared with this unit."))
    if not own_only:
        return MeshPart(report=report)
    own = next((p for p in report.people if p.person_id == pctx.user.pk), None)
    if own is None:
        return MeshPart(error=_("The approved plan has no part for you in this period."))
    return MeshPart(own=own)


# -- 1. the funnel ----------------------------------------------------------------------------


def _funnel(pctx: ProbabilityContext) -> dict[str, Any]:
    part = _mesh_part(pctx, people=False)
    root, scope, choice = part.root, pctx.scope, pctx.choice
    if root is None or scope is None or choice is None:
        return {"mesh": part}
    funnel: FunnelView = funnel_view(
        root=root,
        version=choice.version,
        unit=scope.top_unit or scope.line,
        as_of=pctx.dashboard.as_of,
        person=pctx.user if part.own is not None else None,
    )
    chart = funnel_chart(
        funnel,
        labels={
            "title": _("Funnel to date: planned and actual entrants"),
            "planned": _("planned to date"),
            "actual": _("actual"),
        },
    )
    return {"mesh": part, "funnel": funnel, "funnel_chart": chart}


def funnel_partial(request: HttpRequest) -> HttpResponse:
    """The funnel card (an htmx partial: it needs the mesh report)."""
    pctx = probability_context(request)
    return render(
        request,
        "dashboards/probability_funnel.html",
        {**pctx.template_context(), **_funnel(pctx)},
    )


# -- 2. the behaviour board -------------------------------------------------------------------


def _board(pctx: ProbabilityContext) -> BehaviourBoard | None:
    scope, choice = pctx.scope, pctx.choice
    if scope is None or choice is None:
        return None
    try:
        plan = board_plan(version=choice.version, people=pctx.reps, thresholds=health_thresholds())
    except (MeshError, PlanFileError, TypeError):
        return None
    return behaviour_board(
        line=scope.line,
        people_ids=[rep.pk for rep in pctx.reps],
        as_of=pctx.dashboard.as_of,
        plan=plan,
    )


def board_partial(request: HttpRequest) -> HttpResponse:
    """The behaviour board card alone (an htmx partial)."""
    pctx = probability_context(request)
    return render(
        request,
        "dashboards/probability_board.html",
        {**pctx.template_context(), "board": _board(pctx)},
    )


# -- 3. bottlenecks ---------------------------------------------------------------------------


def factor_labels(attribution: Attribution) -> dict[str, str]:
    """Each funnel factor's name in the active language (the core's own msgids)."""
    names = {
        "calls": _("Calls"),
        "reach_rate": _("Reach rate"),
        "leads_per_reached_call": _("Leads per reached call"),
        "deal_value": _("Deal value"),
    }
    labels = {}
    for share in attribution.shares:
        if share.key.startswith("conversion/"):
            stage = share.key.removeprefix("conversion/")
            labels[share.key] = _("Conversion from %(stage)s") % {"stage": stage}
        else:
            labels[share.key] = names.get(share.key, share.key)
    return labels


def _bottlenecks(pctx: ProbabilityContext) -> dict[str, Any]:
    part = _mesh_part(pctx, people=True)
    if part.own is not None:
        attribution, diagnosis, people = part.own.attribution, part.own.diagnosis, []
    elif part.report is not None:
        scope = pctx.scope
        visible = [
            p for p in part.report.people if scope is not None and p.person_id in scope.person_ids
        ]
        attribution, diagnosis = part.report.attribution, part.report.diagnosis
        people = worst_people(visible)
    else:
        return {"mesh": part}
    context: dict[str, Any] = {
        "mesh": part,
        "attribution": attribution,
        "diagnosis": diagnosis,
        "worst": people,
    }
    if attribution is not None:
        context["waterfall_chart"] = waterfall_chart(
            attribution,
            factor_labels(attribution),
            labels={
                "title": _("Revenue gap to date, by factor"),
                "gap": _("gap"),
                "amount": _("revenue against plan"),
            },
        )
    return context


def bottlenecks_partial(request: HttpRequest) -> HttpResponse:
    """The bottlenecks card (an htmx partial: it needs everyone's mesh)."""
    pctx = probability_context(request)
    return render(
        request,
        "dashboards/probability_bottlenecks.html",
        {**pctx.template_context(), **_bottlenecks(pctx)},
    )


# -- 4. the capability panel ------------------------------------------------------------------


def _capability(pctx: ProbabilityContext) -> tuple[Capability | None, dict[str, Any]]:
    if pctx.scope is None:
        return None, {}
    capability = capability_panel(
        people_ids=[rep.pk for rep in pctx.reps], as_of=pctx.dashboard.as_of
    )
    if not capability.rows:
        return capability, {}
    charts = {
        "exam_chart": exam_chart(
            capability,
            labels={
                "title": _("Latest exam scores"),
                "product": _("Product exam"),
                "scenario": _("Sales-scenario exam"),
                "score": _("score"),
                "passed": _("passed"),
                "failed": _("failed"),
            },
        ),
        "tenure_chart": tenure_chart(
            capability,
            labels={
                "title": _("Tenure and lead→won conversion (last 12 months)"),
                "tenure": _("tenure (months)"),
                "conversion": _("lead→won conversion"),
            },
        ),
    }
    return capability, charts


def capability_partial(request: HttpRequest) -> HttpResponse:
    """The capability card alone (an htmx partial)."""
    pctx = probability_context(request)
    capability, charts = _capability(pctx)
    return render(
        request,
        "dashboards/probability_capability.html",
        {**pctx.template_context(), "capability": capability, **charts},
    )


# -- the page ---------------------------------------------------------------------------------


def probability_page(request: HttpRequest) -> HttpResponse:
    """The dashboard: board and capability inline, funnel and bottlenecks as partials."""
    pctx = probability_context(request)
    capability, charts = _capability(pctx)
    return render(
        request,
        "dashboards/probability.html",
        {
            **pctx.template_context(),
            "board": _board(pctx),
            "capability": capability,
            **charts,
        },
    )
