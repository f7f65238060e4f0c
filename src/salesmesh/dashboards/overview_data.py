"""The overview's figures: each visible line's target, attainment to date and pacing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from salesmesh.core.mesh import MeshError, MeshNode
from salesmesh.dashboards.scope import LineScope
from salesmesh.mesh.choice import PlanChoice, approved_plan_for
from salesmesh.mesh.forecast import ForecastView, forecast_for
from salesmesh.mesh.services import mesh_report
from salesmesh.org.models import User


@dataclass(frozen=True)
class LineSummary:
    """One line (or the user's own share of it) on the overview."""

    scope: LineScope
    choice: PlanChoice | None
    # The line's (or team's) root node, or the member's own root; None without a plan.
    root: MeshNode | None
    # True when ``root`` is the user's own share rather than the line's or team's.
    own: bool
    # Where the period will end, for the same scope (None without a plan).
    forecast: ForecastView | None = None

    @property
    def label(self) -> str:
        """The line's name, with the unit's when the row is one of several managed units."""
        focus = self.scope.focus
        if focus is None or focus.pk == self.scope.line.pk:
            return self.scope.line.display_name
        return f"{self.scope.line.display_name} · {focus.display_name}"

    @property
    def key(self) -> str:
        """A code unique among the overview's rows (for element ids)."""
        focus = self.scope.focus
        return self.scope.line.code if focus is None else f"{self.scope.line.code}-{focus.code}"

    @property
    def query(self) -> str:
        """``line=…`` (and ``unit=…``) for links to the row's mesh."""
        return urlencode(self.scope.params)

    @property
    def attainment(self) -> Decimal | None:
        """Actual ÷ the whole period's target (None without a plan or a target)."""
        if self.root is None or not self.root.plan:
            return None
        return self.root.actual / self.root.plan


def line_summaries(*, scopes: list[LineScope], user: User, as_of: date) -> list[LineSummary]:
    """A summary per line in scope, in tree order: the mesh root and the forecast.

    A manager of several units inside a line gets a summary for each of them.
    """
    summaries = []
    for scope in (unit_scope for line_scope in scopes for unit_scope in line_scope.per_unit()):
        choice = approved_plan_for(line=scope.line, as_of=as_of)
        if choice is None:
            summaries.append(LineSummary(scope=scope, choice=None, root=None, own=False))
            continue
        try:
            summaries.append(_summary(scope=scope, choice=choice, user=user, as_of=as_of))
        except MeshError:
            # The plan has no part for this team or person: shown as having no plan.
            summaries.append(LineSummary(scope=scope, choice=None, root=None, own=False))
    return summaries


def _summary(*, scope: LineScope, choice: PlanChoice, user: User, as_of: date) -> LineSummary:
    """One line's summary for ``user``: their own share, or the line's or team's."""
    if scope.own_board_only:
        # Only the member's own tree: the line's other people are not shown.
        report = mesh_report(version=choice.version, as_of=as_of, people={user.pk})
        mine = next((p for p in report.people if p.person_id == user.pk), None)
        return LineSummary(
            scope=scope,
            choice=choice,
            root=mine.root if mine else None,
            own=True,
            forecast=forecast_for(version=choice.version, person=user, as_of=as_of),
        )
    unit = scope.top_unit or scope.line
    report = mesh_report(version=choice.version, as_of=as_of, unit=unit, people=False)
    forecast = forecast_for(
        version=choice.version, unit=None if unit.pk == scope.line.pk else unit, as_of=as_of
    )
    return LineSummary(scope=scope, choice=choice, root=report.root, own=False, forecast=forecast)
