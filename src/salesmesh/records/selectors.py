"""What a user may pick in a record form: business lines, people, accounts, contacts.

Built on the org app's one scoping rule (``managed_paths``), so a form never
offers a line, a person or an account the user could not see on a list.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from salesmesh.accounts.models import Contact
from salesmesh.accounts.selectors import accounts_visible_to
from salesmesh.org.models import Membership, OrgUnit, UnitKind, User
from salesmesh.org.selectors import (
    ALL_UNITS,
    ancestor_paths,
    managed_paths,
    memberships_visible_to,
)


def lines_to_work_in(*, user: User) -> QuerySet[OrgUnit]:
    """Business lines the user may create records in (fixed number of queries).

    Admins: every line. Others: the lines their memberships and managed units
    sit in, plus every line inside a subtree they manage.
    """
    lines = OrgUnit.objects.filter(kind=UnitKind.BUSINESS_LINE)
    if not user.is_authenticated or not user.is_active:
        return lines.none()
    paths = managed_paths(user=user)
    if paths is ALL_UNITS:
        return lines
    own = list(Membership.objects.filter(user=user).values_list("unit__path", flat=True))
    # A team sits under its line: the line is one of the team's ancestors.
    around = {p for path in [*own, *paths] for p in [*ancestor_paths(path), path]}
    condition = Q(path__in=around)
    for path in paths:
        condition |= Q(path__startswith=path)
    return lines.filter(condition)


def can_assign_people(*, user: User) -> bool:
    """Whether the user may choose another person as owner: admins and managers only."""
    return managed_paths(user=user) != []


def people_to_assign(*, user: User) -> QuerySet[User]:
    """Active people the user may make owner of a record: the people they see, and themselves."""
    if not user.is_authenticated or not user.is_active:
        return User.objects.none()
    visible = memberships_visible_to(user=user).values("user_id")
    return User.objects.filter(Q(pk__in=visible) | Q(pk=user.pk), is_active=True)


def contacts_visible_to(*, user: User) -> QuerySet[Contact]:
    """Contacts of the accounts the user may see."""
    return Contact.objects.filter(account__in=accounts_visible_to(user=user).values("pk"))
