"""Imports: saved column mappings, each run with its outcome, and what each run changed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", _("accounts")
    CONTACTS = "contacts", _("contacts")
    LEADS = "leads", _("leads")
    OPPORTUNITIES = "opportunities", _("opportunities")
    STAGE_HISTORY = "opportunity_stage_history", _("stage changes")
    ACTIVITIES = "activities", _("activities")
    TARGETS = "targets", _("targets")


class ImportPreset(models.Model):
    """A named column mapping for one kind, saved by a user and offered to everyone."""

    kind = models.CharField(_("kind"), max_length=32, choices=ImportKind.choices)
    name = models.CharField(_("name"), max_length=100)
    mapping = models.JSONField(_("mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import preset")
        verbose_name_plural = _("import presets")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="import_preset_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.name}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    VALIDATING = "validating", _("checking")
    VALID = "valid", _("ready to import")
    INVALID = "invalid", _("has errors")
    IMPORTING = "importing", _("importing")
    DONE = "done", _("imported")
    # Not the plain "failed" of an exam (未通过): an import that failed is 失败.
    FAILED = "failed", pgettext_lazy("import status", "failed")


class ImportRun(models.Model):
    """One upload of one file: its checks, its outcome and its progress.

    A run is first checked (a dry run) and, once the user commits, imported
    all or nothing; the counts say what the commit did or would do.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=ImportKind.choices)
    filename = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True, editable=False)
    size_bytes = models.BigIntegerField(_("size (bytes)"), default=0)
    mapping = models.JSONField(_("mapping"), default=dict)
    create_missing = models.BooleanField(
        _("create missing accounts"),
        default=False,
        help_text=_("Create an account named in the file that does not exist yet."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # The first errors, each {row, column, value, message}; the count says how many in all.
    errors = models.JSONField(_("error list"), default=list)
    headers = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="import_runs",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_kind_display()})"


class ImportChange(models.Model):
    """One record an import changed: which, and each field's old and new value."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="changes")
    record_id = models.BigIntegerField(_("record"))
    external_id = models.CharField(_("external ID"), max_length=200, blank=True)
    # {field: [old, new]} as text, as the file and the pages show them.
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("imported change")
        verbose_name_plural = _("imported changes")
        ordering = ["run", "pk"]
        indexes = [models.Index(fields=["record_id"], name="import_change_record")]

    def __str__(self) -> str:
        return f"{self.run_id} · {self.external_id or self.record_id}"
