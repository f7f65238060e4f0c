"""Reads of projects: visibility, the milestone dependency graph, knowledge-base search."""

from __future__ import annotations

from collections import defaultdict
from functools import reduce
from operator import and_, or_

from django.db.models import Q, QuerySet

from salesmesh.accounts.selectors import owners_managed_by
from salesmesh.org.models import User
from salesmesh.org.selectors import units_managed_by
from salesmesh.projects.models import Milestone, Project, ProjectMember, ScenarioSolution

SEARCHED_FIELDS = ("industry", "problem", "components", "lessons")


def projects_visible_to(*, user: User) -> QuerySet[Project]:
    """The one rule for projects: lists, details, parts, exports and dashboards use it.

    Projects of accounts the user or their people own, the projects the user is
    assigned to (a PMO, business, solution or presales person owns no account), and
    every project of a line they manage (admins: all). Assignments are read as a
    subquery, not a join, so a project with several members is listed once; and
    nothing is cached, so an unassignment takes effect on the next request.
    """
    if not user.is_authenticated or not user.is_active:
        return Project.objects.none()
    return Project.objects.filter(
        Q(account__owner=user)
        | Q(account__owner_id__in=owners_managed_by(user=user))
        | Q(pk__in=ProjectMember.objects.filter(user=user).values("project_id"))
        | Q(line__in=units_managed_by(user=user).values("pk"))
    )


def milestone_graph(*, project_id: int) -> dict[int, set[int]]:
    """Each milestone of the project → the milestones it depends on (one query)."""
    edges = Milestone.depends_on.through.objects.filter(
        from_milestone__project_id=project_id
    ).values_list("from_milestone_id", "to_milestone_id")
    graph: dict[int, set[int]] = defaultdict(set)
    for milestone_id, prerequisite_id in edges:
        graph[milestone_id].add(prerequisite_id)
    return dict(graph)


def scenario_solutions_search(*, query: str) -> QuerySet[ScenarioSolution]:
    """Knowledge-base entries containing every word of ``query`` in any searched field.

    Case-insensitive ``icontains`` (``LIKE`` with escaping on SQLite,
    ``UPPER … LIKE`` on PostgreSQL); Chinese text matches as substrings.
    """
    terms = query.split()
    if not terms:
        return ScenarioSolution.objects.all()
    each_term = (
        reduce(or_, (Q(**{f"{field}__icontains": term}) for field in SEARCHED_FIELDS))
        for term in terms
    )
    return ScenarioSolution.objects.filter(reduce(and_, each_term))


def scenario_solutions_visible_to(*, user: User) -> QuerySet[ScenarioSolution]:
    """The knowledge base: every signed-in person may search it (that is its purpose).

    Entries carry the scenario and its lessons, not the customer's deal; the
    project they came from stays behind ``projects_visible_to``.
    """
    if not user.is_authenticated or not user.is_active:
        return ScenarioSolution.objects.none()
    return ScenarioSolution.objects.all()
