"""What a dashboard may show a user: one scoping rule for every dashboard and its API twin.

A business line is in scope when the user manages it (or a unit inside it), belongs to it,
or is an admin. Inside a line the user sees:

- an admin, or the manager of the line (or of a unit above it): the whole line;
- the manager of a team inside the line: that team's subtree, and its people;
- anyone else (a rep, an SDR, a PMO …): their own board only.

Out of scope is 404, never 403 (it would confirm the line exists).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from salesmesh.org.models import Membership, OrgUnit, UnitKind, User
from salesmesh.org.selectors import (
    ALL_UNITS,
    managed_paths,
    memberships_visible_to,
)


@dataclass(frozen=True)
class LineScope:
    """One business line as one user may see it."""

    line: OrgUnit
    # The highest units inside (or at) the line the user manages; empty for their own board.
    managed_units: tuple[OrgUnit, ...]
    # Everyone in the line whose board the user may see (the user included if a member).
    person_ids: frozenset[int]

    @property
    def whole_line(self) -> bool:
        """The user sees the line's totals (an admin or a manager of the line)."""
        return any(unit.pk == self.line.pk for unit in self.managed_units)

    @property
    def own_board_only(self) -> bool:
        return not self.managed_units

    @property
    def top_unit(self) -> OrgUnit | None:
        """The unit whose totals the user sees first: the line, their team, or none."""
        return self.managed_units[0] if self.managed_units else None


def line_scopes(*, user: User, paradigm: str | None = None) -> list[LineScope]:
    """Every business line the user may see (of one paradigm, if given), in tree order."""
    if not user.is_authenticated or not user.is_active:
        return []
    paths = managed_paths(user=user)
    own_paths = list(Membership.objects.filter(user=user).values_list("unit__path", flat=True))
    lines_qs = OrgUnit.objects.filter(kind=UnitKind.BUSINESS_LINE).select_related("manager")
    if paradigm is not None:
        lines_qs = lines_qs.filter(paradigm=paradigm)
    all_lines = list(lines_qs.order_by("path"))
    if paths is ALL_UNITS:
        candidates = all_lines
    else:
        related = [*paths, *own_paths]
        # A line is related when it lies under a managed unit, or holds one of the
        # user's units (managed or their own) at or below it.
        candidates = [
            line
            for line in all_lines
            if any(line.path.startswith(p) for p in paths)
            or any(p.startswith(line.path) for p in related)
        ]
    if not candidates:
        return []
    managed_units = _managed_units_by_line(paths=paths, lines=candidates)
    people = list(memberships_visible_to(user=user).values_list("user_id", "unit__path"))
    scopes = []
    for line in candidates:
        person_ids = frozenset(uid for uid, path in people if path.startswith(line.path))
        units = managed_units.get(line.pk, ())
        if not units and user.pk not in person_ids:
            continue
        scopes.append(LineScope(line=line, managed_units=units, person_ids=person_ids))
    return scopes


def _managed_units_by_line(
    *, paths: list[str] | None, lines: list[OrgUnit]
) -> dict[int, tuple[OrgUnit, ...]]:
    """Per line: the line itself if managed from above, else the top managed units inside."""
    if paths is ALL_UNITS:
        return {line.pk: (line,) for line in lines}
    result: dict[int, tuple[OrgUnit, ...]] = {}
    inside: list[str] = []
    for line in lines:
        if any(line.path.startswith(p) for p in paths):
            result[line.pk] = (line,)
        else:
            inside.extend(p for p in paths if p.startswith(line.path))
    if inside:
        tops = sorted(set(inside))
        tops = [p for p in tops if not any(p != q and p.startswith(q) for q in tops)]
        for unit in OrgUnit.objects.filter(path__in=tops).order_by("path"):
            line = next(line for line in lines if unit.path.startswith(line.path))
            result[line.pk] = (*result.get(line.pk, ()), unit)
    return result


def line_scope_or_404(*, user: User, code: str, paradigm: str | None = None) -> LineScope:
    """The user's scope on the line with this code; 404 when out of scope."""
    for scope in line_scopes(user=user, paradigm=paradigm):
        if scope.line.code == code:
            return scope
    raise Http404
