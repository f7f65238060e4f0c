"""Mesh and catch-up operations: the same tree and scope as the mesh dashboard."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Router, Schema

from salesmesh.core.attribution import Attribution
from salesmesh.core.mesh import MeshError, MeshNode
from salesmesh.dashboards.scope import LineScope, line_scope_or_404
from salesmesh.mesh.choice import approved_plan_for
from salesmesh.mesh.report import CatchUpView, MeshReport, PersonMesh
from salesmesh.mesh.services import mesh_report

router = Router()


class NodeOut(Schema):
    key: str
    label: str
    formula: str
    plan: Decimal
    actual: Decimal
    expected_to_date: Decimal
    gap: Decimal
    pacing: Decimal | None
    health: str
    unit: str
    accrual: str
    direction: str
    measured: bool
    children: list[NodeOut]


class FactorOut(Schema):
    key: str
    plan: Decimal
    actual: Decimal
    log_ratio: Decimal | None
    share: Decimal


class AttributionOut(Schema):
    plan_total: Decimal
    actual_total: Decimal
    gap: Decimal
    factors: list[FactorOut]


class PersonOut(Schema):
    person_id: int
    name: str
    root: NodeOut
    attribution: AttributionOut | None
    diagnosis: list[str]


class CatchUpRowOut(Schema):
    key: str
    label: str
    baseline: Decimal | None
    catch_up: Decimal
    per: str


class CatchUpOut(Schema):
    remaining_target: Decimal
    remaining_working_days: int
    feasible: bool
    rows: list[CatchUpRowOut]
    messages: list[str]
    fixes: list[str]


class MeshOut(Schema):
    line: str
    unit: str
    paradigm: str
    plan_version: int
    period: str
    period_start: date
    period_end: date
    as_of: date
    # Null for a front-line member: they see their own tree in ``people`` only.
    root: NodeOut | None
    attribution: AttributionOut | None
    diagnosis: list[str]
    people: list[PersonOut]
    catch_up: CatchUpOut | None


def node_out(node: MeshNode) -> NodeOut:
    return NodeOut(
        key=node.key,
        label=node.label.render(gettext),
        formula=node.formula.render(gettext),
        plan=node.plan,
        actual=node.actual,
        expected_to_date=node.expected_to_date,
        gap=node.gap,
        pacing=node.pacing,
        health=str(node.health),
        unit=str(node.unit),
        accrual=str(node.accrual),
        direction=str(node.direction),
        measured=node.measured,
        children=[node_out(child) for child in node.children],
    )


def attribution_out(attribution: Attribution | None) -> AttributionOut | None:
    if attribution is None:
        return None
    return AttributionOut(
        plan_total=attribution.plan_total,
        actual_total=attribution.actual_total,
        gap=attribution.gap,
        factors=[
            FactorOut(key=s.key, plan=s.plan, actual=s.actual, log_ratio=s.log_ratio, share=s.share)
            for s in attribution.shares
        ],
    )


def person_out(person: PersonMesh) -> PersonOut:
    return PersonOut(
        person_id=person.person_id,
        name=person.name,
        root=node_out(person.root),
        attribution=attribution_out(person.attribution),
        diagnosis=[m.render(gettext) for m in person.diagnosis],
    )


def catch_up_out(catch: CatchUpView | None) -> CatchUpOut | None:
    if catch is None:
        return None
    return CatchUpOut(
        remaining_target=catch.remaining_target,
        remaining_working_days=catch.remaining_working_days,
        feasible=catch.feasible,
        rows=[
            CatchUpRowOut(
                key=r.key,
                label=r.label.render(gettext),
                baseline=r.baseline,
                catch_up=r.catch_up,
                per=r.per,
            )
            for r in catch.rows
        ],
        messages=[m.render(gettext) for m in catch.messages],
        fixes=[m.render(gettext) for m in catch.fixes],
    )


def _report(
    request: HttpRequest,
    line: str,
    as_of: date | None,
    *,
    unit: str | None = None,
    people: bool = True,
) -> tuple[LineScope, MeshReport]:
    """The caller's scope (narrowed to ``unit``) and mesh; with ``people``, the visible trees.

    Only those trees are built: a member's own, or everyone's in the manager's scope.
    """
    scope = line_scope_or_404(user=request.user, code=line, unit=unit)  # type: ignore[arg-type]
    day = as_of or timezone.localdate()
    choice = approved_plan_for(line=scope.line, as_of=day)
    if choice is None:
        raise Http404
    wanted: bool | frozenset[int] = False
    if people:
        wanted = frozenset({request.user.pk}) if scope.own_board_only else scope.person_ids
    try:
        report = mesh_report(
            version=choice.version, as_of=day, unit=scope.top_unit or scope.line, people=wanted
        )
    except MeshError:
        raise Http404 from None  # the plan has no part for the caller's team
    return scope, report


@router.get("/{line}", response=MeshOut, summary="The mesh tree of a business line")
def get_mesh(
    request: HttpRequest, line: str, as_of: date | None = None, unit: str | None = None
) -> MeshOut:
    """Plan against actual at every node, the gap attribution and each visible person's tree.

    A manager gets the line (or their team) and its people; a front-line member only their
    own tree. A manager of several teams in the line picks one with ``unit`` (its code; the
    first by default, any other unit is a 404). Numbers are decimal strings; ``as_of``
    defaults to today.
    """
    scope, report = _report(request, line, as_of, unit=unit)
    own_only = scope.own_board_only
    people = [
        p
        for p in report.people
        if (p.person_id == request.user.pk if own_only else p.person_id in scope.person_ids)
    ]
    return MeshOut(
        line=scope.line.code,
        unit=report.unit_name,
        paradigm=report.paradigm,
        plan_version=report.version_id,
        period=report.period.label,
        period_start=report.period.start,
        period_end=report.period.end,
        as_of=report.as_of,
        root=None if own_only else node_out(report.root),
        attribution=None if own_only else attribution_out(report.attribution),
        diagnosis=[] if own_only else [m.render(gettext) for m in report.diagnosis],
        people=[person_out(p) for p in people],
        catch_up=None if own_only else catch_up_out(report.catch_up),
    )


@router.get("/{line}/catch-up", response=CatchUpOut, summary="The catch-up plan of a line")
def get_catch_up(
    request: HttpRequest, line: str, as_of: date | None = None, unit: str | None = None
) -> CatchUpOut:
    """The remaining target re-planned over the remaining working days (managers only).

    ``unit`` picks one of the caller's teams, as for the mesh.
    """
    scope, report = _report(request, line, as_of, unit=unit, people=False)
    result = None if scope.own_board_only else catch_up_out(report.catch_up)
    if result is None:
        raise Http404
    return result
