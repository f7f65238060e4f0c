"""Alerts: a condition the rules found true, from when it fired until it cleared.

One row is one episode of one condition. ``fingerprint`` (the rule's kind and its subject)
identifies the condition: at most one *open* row (``cleared_at`` empty) per fingerprint, so
re-evaluating refreshes the open row instead of adding one, and a condition that comes back
after it cleared starts a new row — the history of every episode is kept.

The message is stored as an English template plus parameters (``core.i18n.Message``) and
rendered in the reader's language when shown, so one alert reads in Chinese for one manager
and in English for another.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesmesh.accounts.models import Account
from salesmesh.activities.models import SolutionRequest
from salesmesh.alerts.messages import alert_text
from salesmesh.org.models import OrgUnit
from salesmesh.projects.models import Milestone


class AlertKind(models.TextChoices):
    PACING = "pacing", _("Pacing behind plan")
    UNTOUCHED_ACCOUNT = "untouched_account", _("Named account untouched")
    MILESTONE_AT_RISK = "milestone_at_risk", _("Milestone at risk")
    PRESALES_SLA = "presales_sla", _("Presales SLA breached")


class Severity(models.TextChoices):
    # The values sort critical first: list pages order by severity, then by age.
    CRITICAL = "critical", _("Critical")
    WARNING = "warning", _("Warning")


class Alert(models.Model):
    """One episode of one alert condition: fired, refreshed while true, cleared when gone."""

    kind = models.CharField(_("kind"), max_length=24, choices=AlertKind.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
    )
    # What the alert is about, as a key every rule can make (``account:12``,
    # ``plan:3:2026-Q1:person:7:node:revenue`` …), plus links to the records that have one.
    subject_key = models.CharField(_("subject"), max_length=200)
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    solution_request = models.ForeignKey(
        SolutionRequest,
        verbose_name=_("solution request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=255)
    message_template = models.TextField(_("message"))
    message_params = models.JSONField(_("message parameters"), default=dict, blank=True)
    fired_at = models.DateTimeField(_("fired at"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["severity", "-fired_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=models.Q(cleared_at__isnull=True),
                name="one_open_alert_per_fingerprint",
            ),
            models.CheckConstraint(
                condition=models.Q(last_seen_at__gte=models.F("fired_at")),
                name="alert_seen_after_it_fired",
            ),
            models.CheckConstraint(
                condition=models.Q(cleared_at__isnull=True)
                | models.Q(cleared_at__gte=models.F("fired_at")),
                name="alert_clears_after_it_fired",
            ),
        ]
        indexes = [
            # The list's filters, each led by what narrows most, open alerts first.
            models.Index(fields=["cleared_at", "severity", "fired_at"], name="alert_state"),
            models.Index(fields=["kind", "cleared_at"], name="alert_kind"),
            models.Index(fields=["unit", "cleared_at"], name="alert_unit"),
            models.Index(fields=["person", "cleared_at"], name="alert_person"),
            models.Index(fields=["acknowledged_at"], name="alert_acknowledged"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject_key}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None

    @property
    def text(self) -> str:
        """The message in the active language."""
        return alert_text(self.message_template, self.message_params)
