"""Pacing: a key indicator of a current plan behind the pace the plan expects.

For every business line with an approved plan whose period holds ``as_of``
(``mesh.choice.approved_plan_for``; among several, the shortest period), the mesh is built
as of that day (``mesh.services.mesh_report``) with the configured health thresholds
(``SALESMESH_HEALTH_AMBER_BELOW`` / ``SALESMESH_HEALTH_RED_BELOW``). The *key indicators*
are the tree's root and its direct children — the line's, and each person's own tree:
a node whose health is amber raises a warning, red a critical alert. A node with nothing to
measure yet (``measured=False``) or nothing expected yet is green, so it raises nothing.

Health is the mesh's own: pacing = actual ÷ expected to date (by working days elapsed) for
a higher-is-better indicator, its inverse for a lower-is-better one (docs/metrics.md).
The queries are the mesh builder's, a fixed number per line with a current plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import QuerySet

from salesmesh.alerts.conditions import Condition, RuleContext
from salesmesh.alerts.models import AlertKind, Severity
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.mesh import Health, MeshNode, Unit
from salesmesh.mesh.choice import approved_plan_for
from salesmesh.mesh.report import MeshReport
from salesmesh.mesh.services import mesh_report
from salesmesh.org.models import OrgUnit, UnitKind

SEVERITY = {Health.AMBER: Severity.WARNING, Health.RED: Severity.CRITICAL}


def conditions(context: RuleContext) -> list[Condition]:
    """An alert condition per amber or red key indicator of every line's current plan."""
    found: list[Condition] = []
    for line in business_lines():
        choice = approved_plan_for(line=line, as_of=context.as_of)
        if choice is None or not choice.current:
            continue
        report = mesh_report(version=choice.version, as_of=context.as_of, people=True)
        found.extend(report_conditions(report, period_label=choice.version.period_label))
    return found


def business_lines() -> QuerySet[OrgUnit]:
    """Every business line, in tree order."""
    return OrgUnit.objects.filter(kind=UnitKind.BUSINESS_LINE).order_by("path")


def _key_nodes(root: MeshNode) -> Iterator[MeshNode]:
    yield root
    yield from root.children


def _figure(value: Decimal, unit: Unit) -> str:
    """A node's value as the alert shows it: money and counts with separators, rates in %."""
    if unit is Unit.RATE:
        return f"{value * 100:.1f}%"
    if unit is Unit.MONEY:
        return f"{value:,.2f}"
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _message(node: MeshNode, period_label: str) -> Message:
    return Message(
        gettext_noop(
            "%(indicator)s is off pace: %(actual)s against %(expected)s expected to date "
            "(%(pacing)s of plan pace, %(period)s)."
        ),
        {
            "indicator": node.label,
            "actual": _figure(node.actual, node.unit),
            "expected": _figure(node.expected_to_date, node.unit),
            # None only for a lower-is-better indicator with nothing allowed yet.
            "pacing": "—" if node.pacing is None else f"{node.pacing * 100:.1f}%",
            "period": period_label,
        },
    )


def report_conditions(report: MeshReport, *, period_label: str) -> list[Condition]:
    """The amber and red key indicators of one mesh report: the line's and each person's."""
    base = f"plan:{report.unit_id}:{period_label}"
    found = [
        Condition(
            kind=AlertKind.PACING,
            subject_key=f"{base}:node:{node.key}",
            severity=SEVERITY[node.health],
            message=_message(node, period_label),
            unit_id=report.unit_id,
        )
        for node in _key_nodes(report.root)
        if node.health in SEVERITY
    ]
    for person in report.people:
        found.extend(
            Condition(
                kind=AlertKind.PACING,
                subject_key=f"{base}:person:{person.person_id}:node:{node.key}",
                severity=SEVERITY[node.health],
                message=_message(node, period_label),
                unit_id=report.unit_id,
                person_id=person.person_id,
            )
            for node in _key_nodes(person.root)
            if node.health in SEVERITY
        )
    return found
