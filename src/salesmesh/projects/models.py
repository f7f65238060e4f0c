"""The project paradigm (DESIGN.md §1.3): milestones set in advance, stakeholders per
milestone, resources pulled in before each milestone, stage reviews, and the
scenario solutions each project leaves in the knowledge base."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesmesh.accounts.models import Account, Attitude, influence_field, influence_in_range
from salesmesh.audit.locking import version_field
from salesmesh.org.fields import business_line_field
from salesmesh.org.models import Role


class OwningRole(models.TextChoices):
    """The three project roles; one person or three groups (DESIGN.md §1.3)."""

    PMO = "pmo", _("PMO")
    BUSINESS = "business", _("Business")
    SOLUTION = "solution", _("Solution")


class RevenueKind(models.TextChoices):
    """What revenue a milestone releases: the contract, a payment, or acceptance."""

    NONE = "", _("No revenue")
    CONTRACT = "contract", _("Contract")
    PAYMENT = "payment", _("Payment")
    ACCEPTANCE = "acceptance", _("Acceptance")


class ResourceKind(models.TextChoices):
    PRODUCT = "product", _("Product")
    SECONDARY_DEVELOPMENT = "secondary_development", _("Secondary development")
    INTEGRATION = "integration", _("Integration")
    SERVICES = "services", _("Special services")


class Project(models.Model):
    """A project with a customer whose goal is clear and whose path is not."""

    line = business_line_field("projects")
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=200)
    customer_goal = models.TextField(
        _("customer goal"),
        blank=True,
        help_text=_("Growth, brand, cost reduction, supply chain …"),
    )
    contract_value = models.DecimalField(
        _("contract value"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    # The people working on the project besides the account's owner (PMO, business,
    # solution, presales …): each sees the project and its parts (projects_visible_to).
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        through="ProjectMember",
        related_name="assigned_projects",
        blank=True,
    )

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contract_value__gte=0), name="project_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectMember(models.Model):
    """A person assigned to a project, in the role they play on it (once per project).

    Written by ``projects.services.project_member_assign`` / ``project_member_unassign``;
    an assignment is what lets a PMO, business, solution or presales person, who owns no
    account, see the project.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="project_assignments",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    assigned_on = models.DateField(_("assigned on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("project member")
        verbose_name_plural = _("project members")
        ordering = ["project", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="project_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.project}"


class Milestone(models.Model):
    """A milestone of a project; revenue follows it, so slippage moves revenue.

    ``depends_on`` links milestones of the same project; the projects services
    refuse links across projects and any that would close a cycle.
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="milestones"
    )
    name = models.CharField(_("name"), max_length=200)
    planned_date = models.DateField(_("planned date"))
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    revenue_share = models.DecimalField(
        _("revenue share"),
        max_digits=5,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Share of the contract value recognised at this milestone, from 0 to 1."),
    )
    revenue_kind = models.CharField(
        _("revenue kind"),
        max_length=16,
        choices=RevenueKind.choices,
        blank=True,
        default=RevenueKind.NONE,
    )
    owning_role = models.CharField(_("owning role"), max_length=16, choices=OwningRole.choices)
    depends_on = models.ManyToManyField(
        "self",
        verbose_name=_("depends on"),
        symmetrical=False,
        blank=True,
        related_name="dependents",
    )
    version = version_field()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project", "planned_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revenue_share__gte=0, revenue_share__lte=1),
                name="milestone_revenue_share_0_to_1",
            ),
            models.CheckConstraint(
                condition=models.Q(revenue_share=0) | ~models.Q(revenue_kind=""),
                name="milestone_revenue_has_a_kind",
                violation_error_message=_(
                    "A milestone with a revenue share says whether it is a contract, "
                    "payment or acceptance milestone."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.name}"


class Stakeholder(models.Model):
    """A customer-side person who can carry or derail a milestone."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="stakeholders"
    )
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stakeholders",
    )
    name = models.CharField(_("name"), max_length=128)
    title = models.CharField(_("title"), max_length=128, blank=True)
    influence = influence_field()
    attitude = models.CharField(
        _("attitude"), max_length=16, choices=Attitude.choices, default=Attitude.NEUTRAL
    )
    planned_actions = models.TextField(_("planned actions"), blank=True)
    # The project indicators count an action as done once this is set (DESIGN.md §1.3:
    # the business role pre-empts the people who can derail a milestone, and the mesh
    # tracks whether it did).
    handled_on = models.DateField(
        _("actions handled on"),
        null=True,
        blank=True,
        help_text=_("The day the planned actions were done; empty while they are pending."),
    )

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering = ["project", "-influence", "name"]
        constraints = [influence_in_range("stakeholder")]

    def __str__(self) -> str:
        return f"{self.name} · {self.project}"

    def clean(self) -> None:
        super().clean()
        if self.milestone_id is not None and self.milestone.project_id != self.project_id:
            raise ValidationError(
                {"milestone": _("The milestone belongs to another project.")},
                code="milestone_of_other_project",
            )


class Resource(models.Model):
    """Something a milestone needs, pulled in ``lead_time_days`` before it."""

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("milestone"), on_delete=models.CASCADE, related_name="resources"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=ResourceKind.choices)
    description = models.TextField(_("description"), blank=True)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), default=0)
    ready_date = models.DateField(_("ready date"), null=True, blank=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["milestone", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.milestone}"


class StageReview(models.Model):
    """A stage review (复盘): what happened, the gaps, and the actions agreed."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="reviews"
    )
    held_on = models.DateField(_("held on"))
    what_happened = models.TextField(_("what happened"))
    gaps = models.TextField(_("gaps"), blank=True)
    actions = models.TextField(_("actions"), blank=True)

    class Meta:
        verbose_name = _("stage review")
        verbose_name_plural = _("stage reviews")
        ordering = ["project", "-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.project} · {self.held_on}"


class ScenarioSolution(models.Model):
    """A knowledge-base entry made from a project: the scenario and what solved it."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scenario_solutions",
    )
    industry = models.CharField(_("industry"), max_length=64)
    problem = models.TextField(_("problem"))
    components = models.TextField(_("components"), blank=True)
    lessons = models.TextField(_("lessons"), blank=True)

    class Meta:
        verbose_name = _("scenario solution")
        verbose_name_plural = _("scenario solutions")
        ordering = ["industry", "pk"]

    def __str__(self) -> str:
        problem = self.problem if len(self.problem) <= 40 else f"{self.problem[:40]}…"
        return f"{self.industry} · {problem}"
