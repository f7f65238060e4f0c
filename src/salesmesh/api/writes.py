"""Writes through the record forms and the apps' services, exactly as the web writes.

The API does not keep its own copy of the rules: a JSON body is laid over the record's
current values and validated by the same scoped form the record pages use (a line,
person, account or deal outside the caller's scope is an invalid choice), then the
changed fields go to the app's service. The one difference is deliberate: a field the
form would silently ignore for this caller (the owner, for a rep) is refused with a 422
naming it, since a script that asked for it should know it did not happen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from salesmesh.api.common import (
    MAX_DAY,
    MAX_INT,
    MIN_DAY,
    MIN_INT,
    Conflict,
    InvalidInput,
    invalid,
    out_of_range_message,
)
from salesmesh.audit.locking import StaleObject
from salesmesh.org.models import User
from salesmesh.records.forms import RecordForm


def _initial_data(
    form_class: type[RecordForm], instance: Model, user: User, **extra: Any
) -> dict[str, Any]:
    """The record's current values as form data (what an unchanged web form would post)."""
    blank = form_class(instance=instance, user=user, **extra)
    return {name: blank[name].value() for name in blank.fields}


def _storable(name: str, value: Any) -> tuple[Any, dict[str, str] | None]:
    """The value as the database can hold it, or the error naming its field.

    Integers past 64 bits, days before ``MIN_DAY`` or after ``MAX_DAY``; a moment goes on in UTC
    (an offset PostgreSQL cannot store, up to ±24 h, is as valid as any other).
    """
    values = value if isinstance(value, list | tuple) else [value]
    for item in values:
        if isinstance(item, bool):
            continue
        if isinstance(item, int) and item > MAX_INT:
            message = _("Ensure this value is less than or equal to %(limit_value)s.")
            return value, {"field": name, "message": message % {"limit_value": MAX_INT}}
        if isinstance(item, int) and item < MIN_INT:
            message = _("Ensure this value is greater than or equal to %(limit_value)s.")
            return value, {"field": name, "message": message % {"limit_value": MIN_INT}}
        day = item.date() if isinstance(item, datetime) else item
        if isinstance(day, date) and not MIN_DAY <= day <= MAX_DAY:
            return value, {"field": name, "message": out_of_range_message()}
    if isinstance(value, datetime) and timezone.is_aware(value):
        return value.astimezone(UTC), None
    return value, None


def validated_form(
    form_class: type[RecordForm],
    *,
    user: User,
    body: dict[str, Any],
    instance: Model | None = None,
    **extra: Any,
) -> RecordForm:
    """A bound, valid form of ``body`` over ``instance`` (or a new record); else a 422."""
    if instance is None:
        instance = form_class._meta.model()  # type: ignore[attr-defined]
        current: dict[str, Any] = {}
        owner = form_class.owner_field
        if owner and body.get(owner) is None:
            body = {**body, owner: user.pk}  # the caller, unless they name someone
    else:
        current = _initial_data(form_class, instance, user, **extra)
    probe = form_class(instance=instance, user=user, **extra)
    unknown = [name for name in body if name not in probe.fields]
    refused = [
        name
        for name in body
        if name in probe.fields
        and probe.fields[name].disabled
        and body[name] != probe[name].value()
    ]
    storable = {name: _storable(name, value) for name, value in body.items()}
    body = {name: value for name, (value, _error) in storable.items()}
    too_large = [error for _value, error in storable.values() if error]
    errors = (
        [{"field": name, "message": _("This field cannot be changed here.")} for name in unknown]
        + too_large
        + [
            {
                "field": name,
                "message": _(
                    "You may not change this field: only a manager or an administrator can."
                ),
            }
            for name in refused
        ]
    )
    if errors:
        raise InvalidInput(errors)
    form = form_class({**current, **body}, instance=instance, user=user, **extra)
    if not form.is_valid():
        raise invalid(form)
    return form


def through_service[M: Model](save: Callable[[], M]) -> M:
    """Run one service call; a stale version is a 409, any other refusal a 422 by field."""
    try:
        return save()
    except StaleObject as error:
        raise Conflict(" ".join(error.messages)) from error
    except ValidationError as error:
        raise invalid(error) from error
