"""Fields and constraints every process-data model shares with the org."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from salesmesh.org.models import OrgUnit, UnitKind

GENERIC_EXTERNAL_ID_HELP = _(
    "The record's ID in the source system; unique within the business line."
)


def business_line_field(related_name: str) -> models.ForeignKey[OrgUnit, OrgUnit]:
    """The business line a record belongs to (only business-line units qualify)."""
    return models.ForeignKey(
        OrgUnit,
        verbose_name=_("business line"),
        on_delete=models.PROTECT,
        related_name=related_name,
        limit_choices_to={"kind": UnitKind.BUSINESS_LINE},
    )


def external_id_field(help_text: Any = GENERIC_EXTERNAL_ID_HELP) -> models.CharField[Any, Any]:
    """The record's id in the source system, which imports upsert by."""
    # NULL, not "", for "no external ID": NULLs never collide in the unique constraint.
    return models.CharField(
        _("external ID"), max_length=64, null=True, blank=True, help_text=help_text
    )


def external_id_constraints(prefix: str) -> list[models.BaseConstraint]:
    """External ids unique per business line, and never the empty string."""
    return [
        # NULLs are distinct on SQLite and PostgreSQL: records without an
        # external ID never collide; the services store "" as NULL.
        models.UniqueConstraint(
            fields=["line", "external_id"],
            name=f"{prefix}_external_id_unique_per_line",
            violation_error_message=_("This business line already has that external ID."),
        ),
        models.CheckConstraint(
            condition=~models.Q(external_id=""), name=f"{prefix}_external_id_not_empty"
        ),
    ]
