"""Accounts of each business line, their ownership history and their contacts."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesmesh.org.fields import business_line_field, external_id_constraints, external_id_field

# Influence of a person on a buying decision, from 1 (none) to 5 (decides).
INFLUENCE_MIN = 1
INFLUENCE_MAX = 5


class Attitude(models.TextChoices):
    """Where a customer-side person stands towards us (contacts and stakeholders)."""

    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    OPPONENT = "opponent", _("Opponent")


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
    TECHNICAL_EVALUATOR = "technical_evaluator", _("Technical evaluator")
    USER = "user", _("User")
    INFLUENCER = "influencer", _("Influencer")
    CHAMPION = "champion", _("Champion")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    OTHER = "other", _("Other")


def influence_field() -> models.PositiveSmallIntegerField:
    """The 1 to 5 influence scale shared by contacts and project stakeholders."""
    return models.PositiveSmallIntegerField(
        _("influence"),
        default=3,
        validators=[MinValueValidator(INFLUENCE_MIN), MaxValueValidator(INFLUENCE_MAX)],
        help_text=_("1 = none, 5 = decides."),
    )


def influence_in_range(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(influence__gte=INFLUENCE_MIN, influence__lte=INFLUENCE_MAX),
        name=f"{prefix}_influence_1_to_5",
        violation_error_message=_("Influence is between 1 and 5."),
    )


class Account(models.Model):
    """A customer of one business line, owned by exactly one person at a time.

    ``owner`` is the current owner; the ownership history (and the rule that
    exactly one ownership is open) lives in :class:`AccountOwnership`, and
    ``accounts.services.account_owner_change`` keeps the two in step.
    """

    line = business_line_field("accounts")
    external_id = external_id_field(
        _("The account's ID in the source system; unique within the business line.")
    )
    name = models.CharField(_("name"), max_length=200)
    is_named = models.BooleanField(
        _("named account"),
        default=False,
        help_text=_("On the business line's named-account list: no such account may be dropped."),
    )
    tier = models.CharField(_("tier"), max_length=16, blank=True)
    wallet_potential = models.DecimalField(
        _("wallet potential"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    industry = models.CharField(_("industry"), max_length=64, blank=True)
    region = models.CharField(_("region"), max_length=64, blank=True)
    referred_by = models.ForeignKey(
        "self",
        verbose_name=_("referred by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_accounts",
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["name", "pk"]
        constraints = [
            *external_id_constraints("account"),
            models.CheckConstraint(
                condition=models.Q(wallet_potential__gte=0)
                | models.Q(wallet_potential__isnull=True),
                name="account_wallet_potential_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["line", "is_named"], name="account_line_named"),
            models.Index(fields=["owner", "line"], name="account_owner_line"),
        ]

    def __str__(self) -> str:
        return self.name


class AccountOwnership(models.Model):
    """One person's ownership of an account from ``started_at`` until ``ended_at``.

    The open row (``ended_at`` empty) is the current owner; a partial unique
    constraint lets an account have at most one, and the services always
    leave exactly one.
    """

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="ownerships"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="account_ownerships",
    )
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("account ownership")
        verbose_name_plural = _("account ownerships")
        ordering = ["account", "-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(ended_at__isnull=True),
                name="one_current_owner_per_account",
                violation_error_message=_("An account has exactly one current owner."),
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="ownership_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.owner}"


class Contact(models.Model):
    """A person on the customer's side of an account."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=128)
    title = models.CharField(_("title"), max_length=128, blank=True)
    buying_role = models.CharField(
        _("buying role"), max_length=24, choices=BuyingRole.choices, default=BuyingRole.OTHER
    )
    influence = influence_field()
    attitude = models.CharField(
        _("attitude"), max_length=16, choices=Attitude.choices, default=Attitude.NEUTRAL
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["account", "name", "pk"]
        constraints = [influence_in_range("contact")]

    def __str__(self) -> str:
        return f"{self.name} · {self.account}"
