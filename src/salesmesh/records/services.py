"""Edits the record forms need that the process-data apps do not offer yet.

Each locks the row, applies only the fields it may change, validates with the
model's own rules and saves those fields, like the apps' ``*_update`` services.
They belong next to their models' other services (accounts, projects); they
live here until those apps take them over.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from salesmesh.accounts.models import Contact

CONTACT_UPDATABLE = frozenset({"name", "title", "buying_role", "influence", "attitude"})


def _update[RecordT: models.Model](
    record: RecordT, allowed: frozenset[str], fields: dict[str, Any]
) -> RecordT:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"{type(record).__name__} update cannot change {sorted(unknown)}")
    locked = type(record)._default_manager.select_for_update().get(pk=record.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    if fields:
        locked.save(update_fields=list(fields))
    return locked


@transaction.atomic
def contact_update(*, contact: Contact, **fields: Any) -> Contact:
    """Change a contact's name, title, buying role, influence or attitude."""
    return _update(contact, CONTACT_UPDATABLE, fields)
