"""Django admin for every org model."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from salesmesh.org.models import ExamResult, Membership, OrgUnit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]


class ExamResultInline(admin.TabularInline):
    model = ExamResult
    extra = 0


@admin.register(User)
class PersonAdmin(UserAdmin):
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
class OrgUnitAdmin(TreeAdmin):
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


@admin.register(ExamResult)
class ExamResultAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "taken_on", "score", "passed"]
    list_filter = ["kind", "passed"]
    search_fields = ["user__username", "user__name_zh", "user__name_en"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
