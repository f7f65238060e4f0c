"""Django admin for every org model; membership changes go through the audited services."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model, QuerySet
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from salesmesh.audit.models import AuditSource
from salesmesh.org.models import ExamResult, Membership, OrgUnit, User
from salesmesh.org.services import membership_create, membership_delete, membership_update


def _save_membership(request: HttpRequest, obj: Membership, change: bool) -> Membership:
    """Save an admin-edited membership through the services, so the change is audited."""
    by = request.user if isinstance(request.user, User) else None
    if change:
        return membership_update(
            membership=obj, by=by, source=AuditSource.ADMIN, unit=obj.unit, role=obj.role
        )
    saved = membership_create(
        user=obj.user, unit=obj.unit, role=obj.role, by=by, source=AuditSource.ADMIN
    )
    obj.pk = saved.pk
    return saved


def _delete_membership(request: HttpRequest, obj: Membership) -> None:
    by = request.user if isinstance(request.user, User) else None
    membership_delete(membership=obj, by=by, source=AuditSource.ADMIN)


class MembershipFormsetMixin:
    """For admins with a membership inline: its rows are saved through the services."""

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseModelFormSet, change: bool
    ) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            return
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            _delete_membership(request, obj)
        for obj in formset.new_objects:
            _save_membership(request, obj, change=False)
        for obj, _fields in formset.changed_objects:
            _save_membership(request, obj, change=True)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]


class ExamResultInline(admin.TabularInline):
    model = ExamResult
    extra = 0


@admin.register(User)
class PersonAdmin(MembershipFormsetMixin, UserAdmin):
    list_display = ["username", "name_zh", "name_en", "employee_no", "hire_date", "is_active"]
    search_fields = ["username", "name_zh", "name_en", "employee_no", "email"]
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            _("Sales profile"),
            {
                "fields": (
                    "name_zh",
                    "name_en",
                    "employee_no",
                    "hire_date",
                    "max_calls_per_day",
                    "max_visits_per_day",
                )
            },
        ),
    )
    inlines = [MembershipInline, ExamResultInline]


@admin.register(OrgUnit)
class OrgUnitAdmin(MembershipFormsetMixin, TreeAdmin):
    form = movenodeform_factory(OrgUnit)
    list_display = ["name_zh", "name_en", "code", "kind", "paradigm", "manager"]
    list_filter = ["kind", "paradigm"]
    search_fields = ["code", "name_zh", "name_en"]
    autocomplete_fields = ["manager"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__name_zh", "user__name_en", "unit__name_zh"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        assert isinstance(obj, Membership)  # noqa: S101 - this admin's model
        _save_membership(request, obj, change)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        assert isinstance(obj, Membership)  # noqa: S101 - this admin's model
        _delete_membership(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset.select_related("unit", "user"):
            _delete_membership(request, obj)


@admin.register(ExamResult)
class ExamResultAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "taken_on", "score", "passed"]
    list_filter = ["kind", "passed"]
    search_fields = ["user__username", "user__name_zh", "user__name_en"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
