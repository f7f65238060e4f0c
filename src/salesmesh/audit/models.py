"""The audit history: one immutable row per changed field of a watched record.

Every change to a target or plan, a deal, an account's owner or a person's
role is written here by the service that makes it, in the same transaction.
A history that can be edited proves nothing, so a row refuses every change
once written: ``save()`` of an existing row, ``delete()``, and the
queryset's ``update()`` and ``delete()`` all raise :class:`AuditImmutable`
(the admin is read-only too, and a database trigger refuses UPDATE).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditImmutable(Exception):
    """Raised on any attempt to change or delete an audit row."""

    def __init__(self) -> None:
        super().__init__("Audit entries are immutable: they cannot be changed or deleted.")


class AuditSource(models.TextChoices):
    """Which door a change came through."""

    WEB = "web", _("Web")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    ADMIN = "admin", _("Admin")
    SYSTEM = "system", _("System")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Reads and inserts only: bulk updates and deletes are refused."""

    def update(self, **kwargs: Any) -> int:
        raise AuditImmutable

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutable

    def _raw_delete(self, using: Any) -> int:
        raise AuditImmutable


class AuditEntry(models.Model):
    """One field of one record changed from ``old`` to ``new`` by ``by`` at ``at`` (UTC)."""

    object_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("object ID"))
    field = models.CharField(_("field"), max_length=64)
    old = models.JSONField(_("old value"), null=True, blank=True)
    new = models.JSONField(_("new value"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        # A person who changed something is deactivated, not deleted: the history keeps them.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("changed at"), default=timezone.now)
    source = models.CharField(
        _("source"), max_length=8, choices=AuditSource.choices, default=AuditSource.WEB
    )
    batch = models.UUIDField(
        _("batch"),
        null=True,
        blank=True,
        help_text=_("The import run (or other batch) the change was part of."),
    )

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object_time"),
            models.Index(fields=["batch"], name="audit_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type_id}:{self.object_id} · {self.field}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutable
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutable
