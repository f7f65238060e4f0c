"""Optimistic locking: a save based on a version someone has since changed is refused.

Each locked model has a ``version`` integer that every save through its
service increments. A form (or API call) sends the version it was read at
as ``expected_version``; :func:`claim_version` bumps the row with one
conditional ``UPDATE … SET version = version + 1 WHERE pk = … AND version = N``,
which works alike on SQLite and PostgreSQL and takes the row's write lock
first, so of two saves based on the same version exactly one succeeds and
the other raises :class:`StaleObject` — no lost update.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

VERSION_FIELD = "version"


class StaleObject(ValidationError):
    """The record changed since the caller read it (HTTP 409 in the API).

    A ValidationError, so the web forms show it like any refusal and save nothing.
    """

    def __init__(self, record: models.Model | None = None, message: Any = None) -> None:
        super().__init__(
            message
            or _(
                "This record was changed by someone else since you opened it; "
                "reload it and make your change again."
            ),
            code="stale",
        )
        self.record = record


def version_field() -> models.PositiveIntegerField[Any, Any]:
    """The ``version`` column of a locked model (starts at 1)."""
    return models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("Incremented by every save; a save based on an older version is refused."),
    )


def claim_version(model: type[models.Model], pk: Any, expected_version: int | None = None) -> None:
    """Increment the row's version, only if it is still ``expected_version``.

    Call it first inside the service's transaction. ``expected_version=None``
    means the caller did not read the record first (an import, a script):
    the version is bumped without a check.
    """
    rows = model._default_manager.filter(pk=pk)
    if expected_version is not None:
        rows = rows.filter(**{VERSION_FIELD: expected_version})
    if rows.update(**{VERSION_FIELD: F(VERSION_FIELD) + 1}) != 1:
        if expected_version is not None and model._default_manager.filter(pk=pk).exists():
            raise StaleObject()
        raise model.DoesNotExist  # type: ignore[attr-defined]
