"""Paradigm decisions and plan versions of each business line."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesmesh.audit.locking import version_field
from salesmesh.org.models import OrgUnit, Paradigm


class ParadigmChange(models.Model):
    """One decision about a business line's core paradigm, with the advice behind it."""

    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("business line"),
        on_delete=models.CASCADE,
        related_name="paradigm_changes",
    )
    previous = models.CharField(
        _("previous paradigm"), max_length=16, choices=Paradigm.choices, blank=True
    )
    paradigm = models.CharField(_("paradigm"), max_length=16, choices=Paradigm.choices)
    indicators = models.JSONField(_("business indicators"), default=dict)
    scores = models.JSONField(_("advisor scores"), default=dict)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("paradigm change")
        verbose_name_plural = _("paradigm changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.previous or '—'} → {self.paradigm}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class PlanVersion(models.Model):
    """A saved plan of one business line for one period.

    ``assumptions`` holds the plan document (the same format as a plan file,
    docs/plan-file.md); ``result`` the decomposition computed from it when it
    was saved. An approved version is locked: changing it means a new draft.
    """

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("business line"), on_delete=models.CASCADE, related_name="plans"
    )
    period_label = models.CharField(_("period"), max_length=16)
    number = models.PositiveIntegerField(_("version"))
    paradigm = models.CharField(_("paradigm"), max_length=16, choices=Paradigm.choices)
    assumptions = models.JSONField(_("assumptions"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    version = version_field()

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["unit", "period_label", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period_label", "number"], name="unique_plan_version_number"
            ),
            models.UniqueConstraint(
                fields=["unit", "period_label"],
                condition=models.Q(status="approved"),
                name="one_approved_plan_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.period_label} · v{self.number}"
