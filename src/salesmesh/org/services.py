"""Writes to the org tree and memberships; each validates before it is stored.

Role and team changes (memberships) are written to the audit history on
the person, from the admin and any other caller alike.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from salesmesh.audit.models import AuditSource
from salesmesh.audit.services import record_changes
from salesmesh.org.models import Membership, OrgUnit, User


@transaction.atomic
def unit_create(*, parent: OrgUnit | None, **fields: Any) -> OrgUnit:
    """Add a unit under ``parent`` (or as a root), validated by the model's rules."""
    unit = OrgUnit(**fields)
    # Tree columns (path, depth) are assigned on insert, so skip them here.
    unit.full_clean(exclude=["path", "depth", "numchild"], validate_unique=False)
    if parent is None:
        return OrgUnit.objects.add_root(instance=unit)  # type: ignore[no-any-return]
    # A fresh copy of the parent: its child count may have changed since it was read.
    return OrgUnit.objects.add_child(  # type: ignore[no-any-return]
        OrgUnit.objects.get(pk=parent.pk), instance=unit
    )


# Memberships: a person's roles and teams. Each change is audited on the person.


def _membership_value(membership: Membership | None) -> dict[str, Any] | None:
    """A membership as the audit history keeps it: unit code, role, and a readable label."""
    if membership is None:
        return None
    return {
        "unit": membership.unit.code,
        "role": membership.role,
        "label": f"{membership.unit} · {membership.get_role_display()}",
    }


def _audit_membership(
    user: User,
    before: Membership | None,
    after: Membership | None,
    by: User | None,
    source: str,
) -> None:
    record_changes(
        user,
        {"membership": _membership_value(before)},
        {"membership": _membership_value(after)},
        ["membership"],
        by=by,
        source=source,
    )


@transaction.atomic
def membership_create(
    *, user: User, unit: OrgUnit, role: str, by: User | None = None, source: str = AuditSource.WEB
) -> Membership:
    """Give ``user`` the ``role`` in ``unit``; the history says who did it."""
    membership = Membership(user=user, unit=unit, role=role)
    membership.full_clean()
    membership.save()
    _audit_membership(user, None, membership, by, source)
    return membership


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    by: User | None = None,
    source: str = AuditSource.WEB,
    **fields: Any,
) -> Membership:
    """Move a membership to another unit or role (``fields``: unit, role, user unchanged)."""
    unknown = set(fields) - {"unit", "role"}
    if unknown:
        raise TypeError(f"membership_update cannot change {sorted(unknown)}")
    locked = Membership.objects.select_for_update(of=("self",)).select_related("unit", "user")
    current = locked.get(pk=membership.pk)
    before = Membership(pk=current.pk, user=current.user, unit=current.unit, role=current.role)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.save(update_fields=list(fields) or None)
    if (before.unit_id, before.role) != (current.unit_id, current.role):
        _audit_membership(current.user, before, current, by, source)
    return current


@transaction.atomic
def membership_delete(
    *, membership: Membership, by: User | None = None, source: str = AuditSource.WEB
) -> None:
    """Take a role away; the history keeps what it was."""
    current = Membership.objects.select_related("unit", "user").get(pk=membership.pk)
    _audit_membership(current.user, current, None, by, source)
    current.delete()
