"""Build the mesh of a business line: pick the plan, dispatch on its paradigm.

The builders live one per paradigm (``probability.py``, ``behaviour.py``, ``project.py``),
each ``build(*, version, unit, as_of, thresholds, people) -> MeshReport`` (``people``: whose
own trees to build, ``report.PeopleWanted``). They read the
plan side from the approved ``PlanVersion``'s stored document and the actual side from the
rollup selectors, never from raw activity scans.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date
from decimal import Decimal
from importlib import import_module

from django.conf import settings
from django.db.models import QuerySet

from salesmesh.core.mesh import HealthThresholds
from salesmesh.mesh.report import MeshReport
from salesmesh.org.models import OrgUnit, Paradigm
from salesmesh.planning.models import PlanStatus, PlanVersion

BUILDERS = {
    Paradigm.PROBABILITY: "salesmesh.mesh.probability",
    Paradigm.BEHAVIOUR: "salesmesh.mesh.behaviour",
    Paradigm.PROJECT: "salesmesh.mesh.project",
}


def health_thresholds() -> HealthThresholds:
    """The configured health thresholds (settings SALESMESH_HEALTH_AMBER_BELOW / RED_BELOW)."""
    return HealthThresholds(
        amber_below=Decimal(str(settings.SALESMESH_HEALTH_AMBER_BELOW)),
        red_below=Decimal(str(settings.SALESMESH_HEALTH_RED_BELOW)),
    )


def approved_versions(*, lines: QuerySet[OrgUnit]) -> QuerySet[PlanVersion]:
    """The approved plan versions of the given business lines, newest period first."""
    return (
        PlanVersion.objects.filter(unit__in=lines, status=PlanStatus.APPROVED)
        .select_related("unit")
        .order_by("unit__path", "-period_label")
    )


def mesh_report(
    *,
    version: PlanVersion,
    as_of: date,
    unit: OrgUnit | None = None,
    thresholds: HealthThresholds | None = None,
    people: bool | Collection[int] = True,
) -> MeshReport:
    """The mesh of ``version``'s line (or ``unit`` inside it) as of ``as_of``.

    ``people`` says whose own trees to build: ``True`` everyone's, ``False`` nobody's (the
    overview and the catch-up need only the root), a collection of user ids only theirs —
    one person's page asks for that person alone, and gets the same ``PersonMesh`` the full
    build would give (a thousand reps' trees take seconds). The node's own tree, attribution
    and catch-up are the same whoever is asked for. ``as_of`` past the period's end counts
    as its last day.
    """
    builder: Callable[..., MeshReport] = import_module(BUILDERS[Paradigm(version.paradigm)]).build
    return builder(
        version=version,
        unit=unit or version.unit,
        as_of=as_of,
        thresholds=thresholds or health_thresholds(),
        people=people,
    )
