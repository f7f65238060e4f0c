"""Django admin for the project paradigm; milestones save through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.forms import BaseFormSet, BaseModelFormSet, ModelForm
from django.http import HttpRequest

from salesmesh.accounts.admin_base import ServiceAdmin
from salesmesh.audit.models import AuditSource
from salesmesh.org.models import User
from salesmesh.projects.models import (
    Milestone,
    Project,
    ProjectMember,
    Resource,
    ScenarioSolution,
    StageReview,
    Stakeholder,
)
from salesmesh.projects.services import (
    milestone_create,
    milestone_dependencies_check,
    milestone_dependencies_set,
    milestone_revenue_check,
    milestone_update,
    project_member_assign,
    project_member_check,
    project_member_unassign,
)


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["name", "planned_date", "actual_date", "revenue_share", "revenue_kind", "owning_role"]
    show_change_link = True

    # Milestones carry rules across rows (revenue shares, dependencies): they are
    # added and changed on their own page, through the services.
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StageReviewInline(admin.StackedInline):
    model = StageReview
    extra = 0


class ProjectMemberForm(forms.ModelForm):
    class Meta:
        model = ProjectMember
        fields = ["user", "role", "assigned_on"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = cleaned.get("user")
        if user is not None and "user" in self.changed_data:
            # Said on the row, where it can be fixed; the service checks again.
            project_member_check(user=user)
        return cleaned


class ProjectMemberInline(admin.TabularInline):
    """The people assigned to the project; rows are written by the assignment services."""

    model = ProjectMember
    form = ProjectMemberForm
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "line", "contract_value"]
    list_filter = ["line"]
    search_fields = ["name", "account__name", "customer_goal"]
    autocomplete_fields = ["line", "account"]
    list_select_related = ["account", "line"]
    inlines = [ProjectMemberInline, MilestoneInline, StageReviewInline]

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseModelFormSet, change: bool
    ) -> None:
        if formset.model is not ProjectMember:
            super().save_formset(request, form, formset, change)
            return
        project = form.instance
        rows = formset.save(commit=False)
        by = request.user if isinstance(request.user, User) else None
        audit = {"by": by, "source": AuditSource.ADMIN}
        for removed in formset.deleted_objects:
            project_member_unassign(project=project, user=removed.user, **audit)
        for row in rows:
            if row.pk is not None:
                # A row moved to another person takes the first one off the project.
                before = ProjectMember.objects.select_related("user").get(pk=row.pk)
                if before.user_id != row.user_id:
                    project_member_unassign(project=project, user=before.user, **audit)
            project_member_assign(
                project=project,
                user=row.user,
                role=row.role,
                assigned_on=row.assigned_on,
                **audit,
            )


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = [
            "project",
            "name",
            "planned_date",
            "actual_date",
            "revenue_share",
            "revenue_kind",
            "owning_role",
            "depends_on",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "depends_on" in self.fields:
            # Only milestones of the same project, never itself.
            self.fields["depends_on"].queryset = Milestone.objects.filter(  # type: ignore[attr-defined]
                project_id=self.instance.project_id
            ).exclude(pk=self.instance.pk)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        project = cleaned.get("project") or getattr(self.instance, "project", None)
        if project is None:
            return cleaned
        # Said on the form, where the user can fix it; the services check again.
        probe = Milestone(
            pk=self.instance.pk,
            project=project,
            revenue_share=cleaned.get("revenue_share") or 0,
        )
        milestone_revenue_check(milestone=probe)
        milestone_dependencies_check(milestone=probe, depends_on=cleaned.get("depends_on") or [])
        return cleaned


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0


@admin.register(ProjectMember)
class ProjectMemberAdmin(admin.ModelAdmin):
    """Who is on which project, to look up; assigning happens on the project's page.

    The project page's members section saves through the assign / unassign services, so
    this list offers no add, change or delete of its own.
    """

    list_display = ["project", "user", "role", "assigned_on"]
    list_filter = ["role"]
    search_fields = ["project__name", "user__username", "user__name_zh", "user__name_en"]
    list_select_related = ["project", "user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Milestone)
class MilestoneAdmin(ServiceAdmin):
    form = MilestoneForm
    list_display = [
        "name",
        "project",
        "planned_date",
        "actual_date",
        "revenue_share",
        "revenue_kind",
        "owning_role",
    ]
    list_filter = ["owning_role", "revenue_kind"]
    search_fields = ["name", "project__name"]
    autocomplete_fields = ["project"]
    filter_horizontal = ["depends_on"]
    list_select_related = ["project"]
    date_hierarchy = "planned_date"
    inlines = [ResourceInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["project"] if obj is not None else []

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        return milestone_create(**data)

    def service_update(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> None:
        depends_on = data.pop("depends_on", None)
        milestone_update(milestone=obj, by=request.user, source=AuditSource.ADMIN, **data)
        if depends_on is not None:
            milestone_dependencies_set(milestone=obj, depends_on=depends_on)

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list[BaseFormSet], change: bool
    ) -> None:
        # The dependencies were written by the service; save only the inlines.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "project", "milestone", "influence", "attitude", "handled_on"]
    list_filter = ["attitude", "influence", "handled_on"]
    search_fields = ["name", "title", "project__name"]
    autocomplete_fields = ["project", "milestone"]
    list_select_related = ["project", "milestone"]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["milestone", "kind", "lead_time_days", "ready_date"]
    list_filter = ["kind"]
    search_fields = ["description", "milestone__name", "milestone__project__name"]
    autocomplete_fields = ["milestone"]
    list_select_related = ["milestone", "milestone__project"]


@admin.register(StageReview)
class StageReviewAdmin(admin.ModelAdmin):
    list_display = ["project", "held_on"]
    search_fields = ["project__name", "what_happened", "gaps", "actions"]
    autocomplete_fields = ["project"]
    list_select_related = ["project"]
    date_hierarchy = "held_on"


@admin.register(ScenarioSolution)
class ScenarioSolutionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "industry", "project"]
    list_filter = ["industry"]
    search_fields = ["industry", "problem", "components", "lessons"]
    autocomplete_fields = ["project"]
    list_select_related = ["project"]
