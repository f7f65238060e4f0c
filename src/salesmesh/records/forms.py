"""Forms of the record pages: they validate input, scope every choice, and nothing else.

Labels come from the models' verbose names. Every choice of a business line,
a person, an account, an opportunity or a milestone is limited to what the
user may see, so a forged id fails as an invalid choice. The views pass the
cleaned data to the apps' services, which hold the business rules.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from salesmesh.accounts.models import Account, Contact
from salesmesh.accounts.selectors import accounts_visible_to
from salesmesh.activities.models import Activity, SolutionRequest
from salesmesh.org.models import User
from salesmesh.pipeline.models import Lead, Opportunity
from salesmesh.pipeline.selectors import opportunities_visible_to
from salesmesh.planfile.amounts import AmountError, parse_amount
from salesmesh.projects.models import Milestone, Project, Resource, StageReview, Stakeholder
from salesmesh.records.selectors import can_assign_people, lines_to_work_in, people_to_assign

DATE_FORMAT = "%Y-%m-%d"  # what <input type="date"> sends and shows
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows
AMOUNT_FIELDS = frozenset({"wallet_potential", "amount", "contract_value"})


def clean_amount(value: Any) -> Decimal | None:
    """An amount as people type it (``12,000``, ``1.2万``, ``¥3,000``) as an exact Decimal."""
    if value in forms.Field.empty_values:
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return parse_amount(str(value))
    except AmountError as error:
        raise ValidationError(error.message.render(gettext), code="invalid") from error


class AmountField(forms.DecimalField):
    """Money typed as text: thousands separators and 万/亿 scales are welcome."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def to_python(self, value: Any) -> Decimal | None:
        return clean_amount(value)


class LocalDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input read and shown on the project's wall clock (TIME_ZONE)."""

    widget = forms.DateTimeInput(format=DATETIME_FORMAT, attrs={"type": "datetime-local"})

    def to_python(self, value: Any) -> datetime | None:
        # The browser sends a wall-clock time with no zone: it is the company's time.
        with timezone.override(timezone.get_default_timezone()):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime) and timezone.is_aware(value):
            return timezone.localtime(value, timezone.get_default_timezone())
        return value


def formfield(db_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """Model fields as form fields with browser date pickers and typed amounts."""
    if isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("form_class", LocalDateTimeField)
    elif isinstance(db_field, models.DateField):
        kwargs.setdefault("widget", forms.DateInput(format=DATE_FORMAT, attrs={"type": "date"}))
    elif isinstance(db_field, models.DecimalField) and db_field.name in AMOUNT_FIELDS:
        kwargs.setdefault("form_class", AmountField)
    return db_field.formfield(**kwargs)


class RecordMeta:
    """Meta options every record form shares (each form's Meta inherits them)."""

    formfield_callback = staticmethod(formfield)


VERSION_FIELD = "expected_version"


class RecordForm(forms.ModelForm):  # type: ignore[type-arg]
    """A model form whose choices are scoped to ``user``; it never saves by itself.

    Editing a record of a locked model (one with a ``version``) carries the
    version it was read at in a hidden field; the update service refuses the
    save if someone else saved in between (optimistic locking).
    """

    # Fields a record's line fixes once it exists: shown on creation only.
    create_only: tuple[str, ...] = ()
    # Fields naming the person responsible: only admins and managers pick someone else.
    owner_field: str | None = None

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk is not None:
            for name in self.create_only:
                self.fields.pop(name, None)
        if "line" in self.fields:
            self.choices("line", lines_to_work_in(user=user))
        if self.owner_field:
            self._scope_owner(self.owner_field)
        if self.instance.pk is not None and hasattr(self.instance, "version"):
            self.fields[VERSION_FIELD] = forms.IntegerField(
                widget=forms.HiddenInput, initial=self.instance.version, min_value=1
            )

    def choices(self, name: str, queryset: QuerySet[Any]) -> None:
        """Offer only ``queryset`` in the choice field ``name`` (ids outside are invalid).

        A record being edited keeps its current value choosable: the user sees
        the record, so its account or owner is no secret, and saving must not
        fail because, say, the owner has since moved to another team.
        """
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - a programming error
        current = getattr(self.instance, f"{name}_id", None)
        if current is not None:
            queryset = queryset | queryset.model._default_manager.filter(pk=current)
        field.queryset = queryset

    def _scope_owner(self, name: str) -> None:
        current = getattr(self.instance, f"{name}_id")
        self.choices(name, people_to_assign(user=self.user))
        if not can_assign_people(user=self.user):
            # Disabled fields are not read from the POST: a forged owner is ignored.
            self.fields[name].disabled = True
            if current is None:
                self.initial[name] = self.user.pk

    def changed(self) -> dict[str, Any]:
        """The cleaned values of the fields the user changed (for the update services)."""
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in self.cleaned_data
            and not self.fields[name].disabled
            and name != VERSION_FIELD
        }

    def expected_version(self) -> int | None:
        """The version the record had when the form was opened (None for a new record)."""
        value = self.cleaned_data.get(VERSION_FIELD)
        return int(value) if value is not None else None


class AccountForm(RecordForm):
    """An account; its owner changes through the services, so the history is kept."""

    create_only = ("line",)
    owner_field = "owner"

    class Meta(RecordMeta):
        model = Account
        fields = (
            "line", "name", "external_id", "owner", "is_named", "tier",
            "wallet_potential", "industry", "region", "referred_by",
        )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        referrers = accounts_visible_to(user=self.user)
        if self.instance.pk is not None:
            referrers = referrers.exclude(pk=self.instance.pk)
        self.choices("referred_by", referrers)


class ContactForm(RecordForm):
    """A customer-side person of an account; the account is chosen only on the contact list."""

    class Meta(RecordMeta):
        model = Contact
        fields = ("account", "name", "title", "buying_role", "influence", "attitude")

    def __init__(self, *args: Any, with_account: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_account:
            self.choices("account", accounts_visible_to(user=self.user))
        else:
            del self.fields["account"]


class LeadForm(RecordForm):
    """A lead of a business line, optionally tied to a visible account."""

    owner_field = "owner"

    class Meta(RecordMeta):
        model = Lead
        fields = (
            "line", "name", "external_id", "source", "status", "account", "owner",
            "created_on", "qualified_on",
        )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices("account", accounts_visible_to(user=self.user))
        if self.instance.pk is None:
            self.initial.setdefault("created_on", timezone.localdate())


class OpportunityForm(RecordForm):
    """A deal; a new stage is recorded in its history by the services."""

    create_only = ("line",)
    owner_field = "owner"

    class Meta(RecordMeta):
        model = Opportunity
        fields = (
            "line", "account", "name", "owner", "stage", "amount", "currency",
            "expected_close", "forecast_category", "product_lines", "external_id",
        )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices("account", accounts_visible_to(user=self.user))


class ActivityForm(RecordForm):
    """One sales behaviour; the services keep the rollups exact."""

    owner_field = "person"

    class Meta(RecordMeta):
        model = Activity
        fields = (
            "type", "person", "occurred_at", "account", "opportunity", "reached",
            "duration_minutes", "external_id",
        )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices("account", accounts_visible_to(user=self.user))
        self.choices("opportunity", opportunities_visible_to(user=self.user))
        if self.instance.pk is None:
            self.initial.setdefault("occurred_at", timezone.now())


class SolutionRequestForm(RecordForm):
    """A presales solution request and the dates of its steps."""

    owner_field = "presales_owner"

    class Meta(RecordMeta):
        model = SolutionRequest
        fields = (
            "account", "opportunity", "presales_owner", "requested_at", "responded_at",
            "submitted_at", "reviewed_at", "passed_first_review", "completed_at",
        )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices("account", accounts_visible_to(user=self.user))
        self.choices("opportunity", opportunities_visible_to(user=self.user))
        if self.instance.pk is None:
            self.initial.setdefault("requested_at", timezone.now())


class ProjectForm(RecordForm):
    """A project with an account of its business line."""

    create_only = ("line",)

    class Meta(RecordMeta):
        model = Project
        fields = ("line", "account", "name", "customer_goal", "contract_value")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices("account", accounts_visible_to(user=self.user))


class ProjectPartForm(RecordForm):
    """A part of one project; milestone choices are that project's milestones."""

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        for name in ("milestone", "depends_on"):
            if name in self.fields:
                milestones = Milestone.objects.filter(project=project)
                if isinstance(self.instance, Milestone) and self.instance.pk is not None:
                    milestones = milestones.exclude(pk=self.instance.pk)  # not its own prerequisite
                self.choices(name, milestones)
                field = self.fields[name]
                assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - set just above
                field.label_from_instance = milestone_name


def milestone_name(milestone: Milestone) -> str:
    """A milestone by its name alone: the project is the page's."""
    return milestone.name


class MilestoneForm(ProjectPartForm):
    """A milestone, its revenue and what it depends on."""

    class Meta(RecordMeta):
        model = Milestone
        fields = (
            "name", "planned_date", "actual_date", "revenue_share", "revenue_kind",
            "owning_role", "depends_on",
        )  # fmt: skip


class StakeholderForm(ProjectPartForm):
    """A customer-side person who can carry or derail a milestone."""

    class Meta(RecordMeta):
        model = Stakeholder
        fields = (
            "name", "title", "influence", "attitude", "milestone", "planned_actions",
            "handled_on",
        )  # fmt: skip


class ResourceForm(ProjectPartForm):
    """A resource a milestone needs and its lead time."""

    class Meta(RecordMeta):
        model = Resource
        fields = ("milestone", "kind", "description", "lead_time_days", "ready_date")


class StageReviewForm(ProjectPartForm):
    """A stage review (复盘) of the project."""

    class Meta(RecordMeta):
        model = StageReview
        fields = ("held_on", "what_happened", "gaps", "actions")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial.setdefault("held_on", timezone.localdate())


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the fields it names, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        field = form.fields.get(name)
        shown = field is not None and not field.disabled
        form.add_error(name if shown else None, errors)
