"""What a dashboard may show a user: one scoping rule for every dashboard and its API twin.

A business line is in scope when the user manages it (or a unit inside it), belongs to it,
or is an admin. Inside a line the user sees:

- an admin, or the manager of the line (or of a unit above it): the whole line;
- the manager of a team inside the line: that team's subtree, and its people;
- anyone else (a rep, an SDR, a PMO …): their own board only.

A manager of several units inside a line (two teams, say, but not the line) sees each of
them: ``focused_on(code)`` narrows the scope to one of those units and its people (the
dashboards' ``?unit=``, the API's ``unit``); without a choice the first one is shown, and
the overview shows a row for each (``per_unit``).

Out of scope is 404, never 403 (it would confirm the line exists).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
    # (user id, unit path) of every membership behind ``person_ids``: what narrows the
    # scope to one managed unit.
    member_paths: tuple[tuple[int, str], ...] = field(default=(), compare=False, repr=False)
    # The managed unit chosen (``focused_on``), else None: the first one is shown.
    focus: OrgUnit | None = None

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
        if self.focus is not None:
            return self.focus
        return self.managed_units[0] if self.managed_units else None

    @property
    def params(self) -> dict[str, str]:
        """``line`` (and ``unit`` when one is chosen): what a URL carries to show this scope."""
        if self.focus is None:
            return {"line": self.line.code}
        return {"line": self.line.code, "unit": self.focus.code}

    @property
    def unit_choices(self) -> tuple[OrgUnit, ...]:
        """The units the user may switch between (only when they manage more than one)."""
        return self.managed_units if len(self.managed_units) > 1 else ()

    def focused_on(self, code: str) -> LineScope:
        """This scope narrowed to the managed unit with ``code`` and its people; else 404."""
        unit = next((u for u in self.managed_units if u.code == code), None)
        if unit is None:
            raise Http404
        if unit.pk == self.line.pk:
            return replace(self, focus=unit)
        people = frozenset(uid for uid, path in self.member_paths if path.startswith(unit.path))
        return replace(self, focus=unit, person_ids=people)

    def one_unit(self) -> LineScope:
        """Narrowed to the first managed unit when there are several (a mesh shows one)."""
        return self.focused_on(self.unit_choices[0].code) if self.unit_choices else self

    def per_unit(self) -> list[LineScope]:
        """One scope per managed unit when there are several, else this scope alone."""
        if not self.unit_choices:
            return [self]
        return [self.focused_on(unit.code) for unit in self.unit_choices]


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
        paths_in_line = tuple((uid, path) for uid, path in people if path.startswith(line.path))
        person_ids = frozenset(uid for uid, _path in paths_in_line)
        units = managed_units.get(line.pk, ())
        if not units and user.pk not in person_ids:
            continue
        scopes.append(
            LineScope(
                line=line, managed_units=units, person_ids=person_ids, member_paths=paths_in_line
            )
        )
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


def line_scope_or_404(
    *, user: User, code: str, paradigm: str | None = None, unit: str | None = None
) -> LineScope:
    """The user's scope on the line with this code, narrowed to one unit; 404 out of scope.

    The unit is ``unit`` (a code; 404 when it is not one the user manages in the line), else
    the first the user manages there: a mesh or a forecast is of one node.
    """
    for scope in line_scopes(user=user, paradigm=paradigm):
        if scope.line.code == code:
            return scope.focused_on(unit) if unit else scope.one_unit()
    raise Http404
