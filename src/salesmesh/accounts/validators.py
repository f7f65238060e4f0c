"""Small checks shared by the process-data services (accounts, pipeline, activities)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def require_aware(value: datetime, *, field: str) -> datetime:
    """``value`` if it carries a time zone; a naive datetime is refused, never guessed."""
    if timezone.is_naive(value):
        raise ValidationError(
            {field: _("A date and time must carry its time zone.")}, code="naive_datetime"
        )
    return value


def moment(at: datetime | None, *, field: str = "at") -> datetime:
    """When a change happened: the given aware ``at``, or now."""
    return timezone.now() if at is None else require_aware(at, field=field)


def external_id_or_none(value: str | None) -> str | None:
    """External IDs are stripped; an empty one is stored as NULL so it never collides."""
    value = (value or "").strip()
    return value or None
