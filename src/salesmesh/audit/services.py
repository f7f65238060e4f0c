"""Write the audit history: the services that change watched records call these.

``record_changes(obj, before, after, fields, by, source)`` compares two
snapshots of a record and writes one :class:`AuditEntry` per field that
differs, inside the caller's transaction (so a write that rolls back leaves
no history). Bulk paths (imports) pass an :class:`AuditBatch`, which
collects the rows and inserts them with one ``bulk_create`` when flushed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from salesmesh.audit.models import AuditEntry, AuditSource


def audit_value(value: Any) -> Any:
    """A field's value as JSON: exact amounts as text, datetimes in UTC, records by id and name."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, Mapping):
        return {str(key): audit_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [audit_value(item) for item in value]
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The JSON values of ``fields`` of ``obj`` now (a foreign key as id and name).

    An amount is written at its column's scale, so 150 typed in a form and
    150.00 read back from the database are the same value.
    """
    values = {}
    for name in fields:
        value = getattr(obj, name)
        field_ = obj._meta.get_field(name)
        if isinstance(value, Decimal) and isinstance(field_, models.DecimalField):
            value = value.quantize(Decimal(1).scaleb(-(field_.decimal_places or 0)))
        values[name] = audit_value(value)
    return values


def _same(old: Any, new: Any) -> bool:
    # A foreign key is the same record whatever its name was when read.
    if isinstance(old, dict) and isinstance(new, dict) and "id" in old and "id" in new:
        return bool(old["id"] == new["id"])
    return bool(old == new)


@dataclass
class AuditBatch:
    """Audit rows collected by a bulk write, inserted together by :meth:`flush`."""

    batch: UUID | None = None
    entries: list[AuditEntry] = field(default_factory=list)

    def flush(self) -> list[AuditEntry]:
        """Insert the collected rows (one query per 2,000) and start afresh."""
        written = AuditEntry.objects.bulk_create(self.entries, batch_size=2000)
        self.entries = []
        return written


def changes_of(
    obj: models.Model,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    fields: Iterable[str],
    *,
    by: Any,
    source: str,
    batch: UUID | None = None,
    at: datetime | None = None,
) -> list[AuditEntry]:
    """Unsaved audit rows for the ``fields`` whose JSON values differ between the snapshots."""
    kind = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    when = at or timezone.now()
    by_id = getattr(by, "pk", None)
    entries = []
    for name in fields:
        old, new = audit_value(before.get(name)), audit_value(after.get(name))
        if _same(old, new):
            continue
        entries.append(
            AuditEntry(
                object_type=kind,
                object_id=obj.pk,
                field=name,
                old=old,
                new=new,
                by_id=by_id,
                at=when,
                source=source,
                batch=batch,
            )
        )
    return entries


def record_changes(
    obj: models.Model,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    fields: Iterable[str],
    *,
    by: Any = None,
    source: str = AuditSource.WEB,
    batch: AuditBatch | None = None,
    at: datetime | None = None,
) -> list[AuditEntry]:
    """Record what changed in ``obj`` (old → new per field); call it inside the write's transaction.

    With ``batch`` the rows are collected for one bulk insert later; without,
    they are inserted now. ``by`` is None for system and unattended changes.
    """
    entries = changes_of(
        obj,
        before,
        after,
        fields,
        by=by,
        source=source,
        batch=batch.batch if batch is not None else None,
        at=at,
    )
    if batch is not None:
        batch.entries.extend(entries)
        return entries
    if entries:
        return AuditEntry.objects.bulk_create(entries)
    return entries


def record_changes_bulk(
    changes: Iterable[tuple[models.Model, Mapping[str, Any], Mapping[str, Any]]],
    fields: Iterable[str],
    *,
    by: Any = None,
    source: str = AuditSource.SYSTEM,
    batch: UUID | None = None,
) -> list[AuditEntry]:
    """Record the changes of many records at once: one insert for all their rows."""
    names = tuple(fields)
    collected = AuditBatch(batch=batch)
    for obj, before, after in changes:
        record_changes(obj, before, after, names, by=by, source=source, batch=collected)
    return collected.flush()
