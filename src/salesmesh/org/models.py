"""People, the org tree, roles and the per-person attributes the paradigms use."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

# Defaults for a rep's daily capacity when nobody has measured it yet: a
# telesales rep sustains roughly 60 call attempts or 4 field visits a day.
DEFAULT_MAX_CALLS_PER_DAY = 60
DEFAULT_MAX_VISITS_PER_DAY = 4


class Paradigm(models.TextChoices):
    """How a business line turns its target into behaviours (DESIGN.md §1)."""

    PROBABILITY = "probability", pgettext_lazy("paradigm", "Probability")
    BEHAVIOUR = "behaviour", pgettext_lazy("paradigm", "Behaviour")
    PROJECT = "project", pgettext_lazy("paradigm", "Project")


class UnitKind(models.TextChoices):
    COMPANY = "company", _("Company")
    BUSINESS_LINE = "business_line", _("Business line")
    TEAM = "team", _("Team")


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")
    SDR = "sdr", _("SDR")
    BD = "bd", _("BD")
    PRESALES = "presales", _("Presales")
    POSTSALES = "postsales", _("Post-sales")
    PMO = "pmo", _("PMO")
    BUSINESS = "business", _("Business")
    SOLUTION = "solution", _("Solution")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


class ExamKind(models.TextChoices):
    PRODUCT = "product", _("Product exam")
    SCENARIO = "scenario", _("Sales-scenario exam")


def bilingual(zh: str, en: str) -> str:
    """Pick the Chinese or English name for the active language, falling back."""
    language = get_language() or ""
    if language.startswith("zh"):
        return zh or en
    return en or zh


class User(AbstractUser):
    """A person: a login plus what the paradigms need to know about them."""

    name_zh = models.CharField(_("Chinese name"), max_length=64, blank=True)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    employee_no = models.CharField(
        _("employee number"), max_length=32, unique=True, null=True, blank=True
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    max_calls_per_day = models.PositiveSmallIntegerField(
        _("max calls per working day"),
        default=DEFAULT_MAX_CALLS_PER_DAY,
        validators=[MaxValueValidator(1000)],
    )
    max_visits_per_day = models.PositiveSmallIntegerField(
        _("max visits per working day"),
        default=DEFAULT_MAX_VISITS_PER_DAY,
        validators=[MaxValueValidator(50)],
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The person's name in the active language, else the username."""
        return bilingual(self.name_zh, self.name_en) or self.username


class OrgUnit(MP_Node):
    """A node of the org tree: company → business line → team (→ sub-team).

    Stored as a materialised path (treebeard), so ancestors and the whole
    subtree each load in one query however deep the tree grows.
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=128)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    paradigm = models.CharField(
        _("paradigm"),
        max_length=16,
        choices=Paradigm.choices,
        blank=True,
        help_text=_("Required on a business line; teams follow their business line."),
    )
    manager = models.ForeignKey(
        User,
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_units",
    )
    calendar_country = models.CharField(
        _("work-calendar country"),
        max_length=8,
        blank=True,
        help_text=_("ISO country code for public holidays; blank inherits from the parent."),
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year start month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="business_line") | ~models.Q(paradigm=""),
                name="business_line_has_paradigm",
                violation_error_message=_("A business line must have a paradigm."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return bilingual(self.name_zh, self.name_en)

    def clean(self) -> None:
        super().clean()
        if self.kind == UnitKind.BUSINESS_LINE and not self.paradigm:
            raise ValidationError({"paradigm": _("A business line must have a paradigm.")})
        if self.kind == UnitKind.COMPANY and self.paradigm:
            raise ValidationError(
                {"paradigm": _("A company has no paradigm; each business line has its own.")}
            )


class Membership(models.Model):
    """A person's role in one org unit; a person may hold several."""

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="unique_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class ExamResult(models.Model):
    """One sitting of the product or sales-scenario exam (a judgement indicator)."""

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="exam_results"
    )
    kind = models.CharField(_("exam"), max_length=16, choices=ExamKind.choices)
    taken_on = models.DateField(_("date"))
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    passed = models.BooleanField(_("passed"))

    class Meta:
        verbose_name = _("exam result")
        verbose_name_plural = _("exam results")
        ordering = ["user", "kind", "-taken_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "taken_on"], name="one_exam_sitting_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.taken_on}"
