"""Writes to the org tree; each validates the unit before it is stored."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from salesmesh.org.models import OrgUnit


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
