"""Leads, opportunities and the stage history funnel conversions are measured from."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from salesmesh.accounts.models import Account
from salesmesh.audit.locking import version_field
from salesmesh.org.fields import business_line_field, external_id_constraints, external_id_field

DEFAULT_CURRENCY = "CNY"


class LeadSource(models.TextChoices):
    """Where a lead came from (DESIGN.md §1.1): each source has its own share and conversion."""

    MARKET_COVERAGE = "market_coverage", _("Market coverage")
    BRAND = "brand", _("Brand")
    PRIVATE_DOMAIN = "private_domain", _("Private domain")
    REFERRAL = "referral", _("Referral")
    OTHER = "other", _("Other")


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    WORKING = "working", _("Working")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")


class Stage(models.TextChoices):
    """An opportunity's stage; won and lost are final."""

    LEAD = "lead", _("Lead")
    QUALIFIED = "qualified", _("Qualified")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


CLOSED_STAGES = frozenset({Stage.WON, Stage.LOST})


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", _("Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMIT = "commit", _("Commit")
    CLOSED = "closed", _("Closed")
    OMITTED = "omitted", _("Omitted")


class Lead(models.Model):
    """A potential customer's expressed interest, before it is an opportunity."""

    line = business_line_field("leads")
    external_id = external_id_field()
    name = models.CharField(_("name"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=24, choices=LeadSource.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
    )
    created_on = models.DateField(_("created on"))
    qualified_on = models.DateField(_("qualified on"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_on", "-pk"]
        constraints = [
            *external_id_constraints("lead"),
            models.CheckConstraint(
                condition=models.Q(qualified_on__isnull=True)
                | models.Q(qualified_on__gte=models.F("created_on")),
                name="lead_qualified_after_created",
                violation_error_message=_("A lead cannot be qualified before it was created."),
            ),
        ]
        indexes = [
            models.Index(fields=["line", "source", "created_on"], name="lead_line_source_day"),
            # A rep's (or a whole line's reps') leads in the line, created and qualified in a
            # window: the mesh counts both by source, each half one range of an owner index
            # that holds every column it reads (activities.indicators.probability_actuals_by_rep).
            models.Index(
                fields=["owner", "line", "created_on", "source", "qualified_on"],
                name="lead_owner_day",
            ),
            models.Index(
                fields=["owner", "line", "qualified_on", "created_on", "source"],
                name="lead_owner_qualified",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.external_id or f"#{self.pk}"


class Opportunity(models.Model):
    """A deal with an account. Its stage changes only through the pipeline services,
    which write one :class:`OpportunityStageChange` per change."""

    line = business_line_field("opportunities")
    external_id = external_id_field()
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    name = models.CharField(_("name"), max_length=200)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.LEAD)
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default=DEFAULT_CURRENCY,
        validators=[
            RegexValidator(r"^[A-Z]{3}\Z", _("Use a three-letter ISO code such as CNY or USD."))
        ],
    )
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=16,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
    )
    product_lines = models.CharField(
        _("product lines"),
        max_length=255,
        blank=True,
        help_text=_("The products in the deal, separated by commas."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    version = version_field()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["expected_close", "pk"]
        constraints = [
            *external_id_constraints("opportunity"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="opportunity_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Exact(Length("currency"), 3), name="opportunity_currency_three_letters"
            ),
        ]
        indexes = [
            models.Index(fields=["line", "stage", "expected_close"], name="opp_line_stage_close"),
            models.Index(fields=["owner", "stage"], name="opp_owner_stage"),
        ]

    def __str__(self) -> str:
        return self.name


class OpportunityStageChange(models.Model):
    """One move of an opportunity between stages; creation is a move from no stage."""

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="stage_changes",
    )
    from_stage = models.CharField(_("from stage"), max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to stage"), max_length=16, choices=Stage.choices)
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["opportunity", "changed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_stage=models.F("to_stage")),
                name="stage_change_changes_the_stage",
            ),
        ]
        indexes = [
            models.Index(fields=["opportunity", "changed_at"], name="stage_change_opp_time"),
            models.Index(fields=["to_stage", "changed_at"], name="stage_change_stage_time"),
            # Every stage move of a window (the mesh's stage entries, whatever the stage):
            # read by time, then joined to the deals' owners.
            models.Index(fields=["changed_at"], name="stage_change_time"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity} · {self.from_stage or '—'} → {self.to_stage}"
