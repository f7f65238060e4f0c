"""Reads for the planning pages, scoped through the org app's single rule."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from salesmesh.org.models import OrgUnit, UnitKind, User
from salesmesh.org.selectors import ancestor_paths, units_managed_by, user_is_admin
from salesmesh.planning.models import ParadigmChange, PlanVersion


def lines_managed_by(*, user: User) -> QuerySet[OrgUnit]:
    """Business lines the user may plan for: lines inside their managed subtrees."""
    return units_managed_by(user=user).filter(kind=UnitKind.BUSINESS_LINE).order_by("path")


def line_managed_by(*, user: User, code: str) -> OrgUnit | None:
    """The business line ``code`` if the user may plan for it, else None (shown as 404)."""
    return lines_managed_by(user=user).filter(code=code).first()


def line_managed_or_404(*, user: User, code: str) -> OrgUnit:
    """``line_managed_by`` for views: a line out of scope looks exactly like a missing one."""
    line = line_managed_by(user=user, code=code)
    if line is None:
        raise Http404
    return line


def can_approve(*, user: User, line: OrgUnit) -> bool:
    """Approval is for someone above the line: an admin or a manager of an ancestor unit.

    The line's own manager drafts; the head of sales (or an admin) approves, so
    nobody signs off their own target.
    """
    if user_is_admin(user=user):
        return True
    above = ancestor_paths(line.path)
    return units_managed_by(user=user).filter(path__in=above).exists()


def paradigm_history(*, line: OrgUnit) -> QuerySet[ParadigmChange]:
    """The line's paradigm decisions, newest first, with who made them."""
    return ParadigmChange.objects.filter(unit=line).select_related("changed_by")


def plan_versions(*, line: OrgUnit) -> QuerySet[PlanVersion]:
    """Every saved plan of the line, newest period and version first."""
    # Lists show labels only; the documents (hundreds of KB each) stay in the database.
    return (
        PlanVersion.objects.filter(unit=line)
        .select_related("created_by", "approved_by")
        .defer("assumptions", "result")
        .order_by("-period_label", "-number")
    )


def newest_version_id(*, line: OrgUnit) -> int:
    """The id of the line's newest plan version of any period (0 when it has none).

    What a new draft is ``based_on`` (``services.plan_version_save``): a version of the
    draft's period with a larger id was saved after its author started.
    """
    newest = PlanVersion.objects.filter(unit=line).order_by("-pk").values_list("pk", flat=True)
    return newest.first() or 0
