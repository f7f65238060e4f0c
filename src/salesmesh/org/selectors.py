"""Reads of the org tree; each loads in a fixed number of queries.

``units_managed_by`` is the one place that decides whose data a person may
see (admins everything, managers their subtrees); ``units_visible_to`` and
``memberships_visible_to`` build on it, and every list, dashboard and export
scopes through them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from salesmesh.core.calendar import tenure_months
from salesmesh.org.models import ExamKind, ExamResult, Membership, OrgUnit, Role, UnitKind, User


def ancestor_paths(path: str) -> list[str]:
    """Materialised paths of every ancestor of the unit at ``path``, root first (no query)."""
    step = OrgUnit.steplen
    return [path[:end] for end in range(step, len(path), step)]


def unit_ancestors(*, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors from the root down, in one query."""
    return list(OrgUnit.objects.get_ancestors(unit))


def unit_descendants(*, unit: OrgUnit, include_self: bool = False) -> QuerySet[OrgUnit]:
    """The unit's whole subtree in path order, as one query."""
    queryset = OrgUnit.objects.filter(path__startswith=unit.path).order_by("path")
    return queryset if include_self else queryset.exclude(pk=unit.pk)


# Cached on the user object, which lives for one request: several selectors ask
# per page, and a role change still applies from the next request on.
_ADMIN_CACHE = "_salesmesh_is_admin"


def user_is_admin(*, user: User) -> bool:
    """Superusers and holders of the admin role see the whole organisation."""
    if user.is_superuser:
        return True
    cached: bool | None = getattr(user, _ADMIN_CACHE, None)
    if cached is None:
        cached = Membership.objects.filter(user=user, role=Role.ADMIN).exists()
        setattr(user, _ADMIN_CACHE, cached)
    return cached


ALL_UNITS = None  # what managed_paths returns for an administrator


def managed_paths(*, user: User) -> list[str] | None:
    """Tree paths of the subtrees the user manages; ``None`` means all (an admin)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user_is_admin(user=user):
        return ALL_UNITS
    return list(
        OrgUnit.objects.filter(
            Q(manager=user) | Q(memberships__user=user, memberships__role=Role.MANAGER)
        ).values_list("path", flat=True)
    )


def _under(paths: list[str] | None) -> QuerySet[OrgUnit]:
    if paths is ALL_UNITS:
        return OrgUnit.objects.all()
    if not paths:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(reduce(or_, (Q(path__startswith=p) for p in paths)))


def units_managed_by(*, user: User) -> QuerySet[OrgUnit]:
    """Units whose people and records the user manages: whole subtrees they lead."""
    return _under(managed_paths(user=user))


def units_visible_to(*, user: User) -> QuerySet[OrgUnit]:
    """Units the user may see on the org tree: managed subtrees plus their own units."""
    if not user.is_authenticated or not user.is_active:
        return OrgUnit.objects.none()
    return _visible(user=user, paths=managed_paths(user=user))


def _visible(*, user: User, paths: list[str] | None) -> QuerySet[OrgUnit]:
    managed = _under(paths).values("pk")
    return OrgUnit.objects.filter(Q(pk__in=managed) | Q(memberships__user=user)).distinct()


def memberships_visible_to(*, user: User) -> QuerySet[Membership]:
    """People rows the user may see: everyone in managed subtrees, else only themselves.

    A rep sees their team on the org tree but not colleagues' exam results or
    capacity; those belong to the people who manage them.
    """
    if not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    managed = units_managed_by(user=user).values("pk")
    return Membership.objects.filter(Q(unit__in=managed) | Q(user=user))


@dataclass
class TreeNode:
    """One unit on the home page's org tree, with its children and headcount."""

    unit: OrgUnit
    visible: bool
    headcount: int = 0
    managed: bool = False
    children: list[TreeNode] = field(default_factory=list)

    @property
    def subtree_headcount(self) -> int:
        return self.headcount + sum(child.subtree_headcount for child in self.children)


def org_tree_for(*, user: User) -> list[TreeNode]:
    """The visible part of the org tree, ancestors included as context (fixed queries)."""
    if not user.is_authenticated or not user.is_active:
        return []
    paths = managed_paths(user=user)
    visible = list(_visible(user=user, paths=paths).select_related("manager").order_by("path"))
    if not visible:
        return []
    visible_paths = {unit.path for unit in visible}
    steplen = OrgUnit.steplen
    context_paths = {p for unit in visible for p in ancestor_paths(unit.path)} - visible_paths
    context = (
        list(OrgUnit.objects.filter(path__in=context_paths).select_related("manager"))
        if context_paths
        else []
    )
    # A person with two roles in one unit counts once.
    headcounts = Counter(
        unit_id
        for unit_id, _user_id in Membership.objects.filter(unit__in=visible)
        .values_list("unit_id", "user_id")
        .distinct()
    )

    def is_managed(unit: OrgUnit) -> bool:
        return paths is ALL_UNITS or any(unit.path.startswith(p) for p in paths)

    nodes = {
        unit.path: TreeNode(
            managed=is_managed(unit),
            unit=unit,
            visible=unit.path in visible_paths,
            headcount=headcounts.get(unit.pk, 0),
        )
        for unit in sorted([*visible, *context], key=lambda u: u.path)
    }
    roots: list[TreeNode] = []
    for path, node in nodes.items():
        parent = nodes.get(path[:-steplen])
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots


@dataclass(frozen=True)
class PersonRow:
    """A person's role in a unit with the attributes the paradigms use."""

    membership: Membership
    tenure_months: int | None
    product_exam: ExamResult | None
    scenario_exam: ExamResult | None

    @property
    def user(self) -> User:
        return self.membership.user

    @property
    def unit(self) -> OrgUnit:
        return self.membership.unit


def people_rows(*, memberships: QuerySet[Membership], as_of: date) -> list[PersonRow]:
    """The given memberships with tenure and latest exams (2 queries)."""
    memberships = list(
        memberships.select_related("user", "unit").order_by("unit__path", "role", "user__username")
    )
    latest: dict[tuple[int, str], ExamResult] = {}
    exams = ExamResult.objects.filter(user_id__in={m.user_id for m in memberships}).order_by(
        "user_id", "kind", "taken_on"
    )
    for exam in exams:
        latest[(exam.user_id, exam.kind)] = exam  # ascending date: the last one wins
    return [
        PersonRow(
            membership=m,
            tenure_months=(tenure_months(m.user.hire_date, as_of) if m.user.hire_date else None),
            product_exam=latest.get((m.user_id, ExamKind.PRODUCT)),
            scenario_exam=latest.get((m.user_id, ExamKind.SCENARIO)),
        )
        for m in memberships
    ]


@dataclass(frozen=True)
class BusinessLineView:
    """A business line of one paradigm with its visible people."""

    line: OrgUnit
    people: list[PersonRow]

    @property
    def headcount(self) -> int:
        return len({row.user.pk for row in self.people})


def business_lines_for(*, user: User, paradigm: str, as_of: date) -> list[BusinessLineView]:
    """The visible business lines of a paradigm and the people in them (fixed queries)."""
    visible = list(units_visible_to(user=user).order_by("path"))
    lines = [
        unit
        for unit in visible
        if unit.kind == UnitKind.BUSINESS_LINE and unit.paradigm == paradigm
    ]
    # A rep sees their own team's line by its team: include lines above visible teams.
    line_paths = {unit.path for unit in lines}
    ancestor_lines = OrgUnit.objects.filter(
        kind=UnitKind.BUSINESS_LINE,
        paradigm=paradigm,
        path__in={p for unit in visible for p in ancestor_paths(unit.path)} - line_paths,
    )
    lines = sorted([*lines, *ancestor_lines], key=lambda unit: unit.path)
    in_lines = reduce(or_, (Q(unit__path__startswith=line.path) for line in lines), Q(pk=None))
    rows = people_rows(memberships=memberships_visible_to(user=user).filter(in_lines), as_of=as_of)
    return [
        BusinessLineView(
            line=line, people=[row for row in rows if row.unit.path.startswith(line.path)]
        )
        for line in lines
    ]
