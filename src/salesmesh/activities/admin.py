"""Django admin for activities and solution requests; the rollups are read-only.

Adding, changing and deleting activities here goes through the services, so
the admin is one more write path that keeps the rollups exact.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from salesmesh.accounts.admin_base import ReadOnlyAdmin, ServiceAdmin
from salesmesh.activities.models import (
    AccountWeeklyTouch,
    Activity,
    ActivityDailyRollup,
    SolutionRequest,
)
from salesmesh.activities.services import (
    activities_bulk_delete,
    activity_create,
    activity_delete,
    activity_update,
    solution_request_create,
    solution_request_update,
)


@admin.register(Activity)
class ActivityAdmin(ServiceAdmin):
    list_display = ["occurred_at", "type", "person", "account", "reached", "duration_minutes"]
    list_filter = ["type", "reached"]
    search_fields = ["person__username", "person__name_zh", "person__name_en", "account__name"]
    autocomplete_fields = ["person", "account", "opportunity"]
    list_select_related = ["person", "account"]
    date_hierarchy = "occurred_at"

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        return activity_create(**data)

    def service_update(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> None:
        activity_update(activity=obj, **data)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        activity_delete(activity=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Activity]) -> None:
        activities_bulk_delete(queryset=queryset)


@admin.register(SolutionRequest)
class SolutionRequestAdmin(ServiceAdmin):
    list_display = [
        "account",
        "presales_owner",
        "requested_at",
        "responded_at",
        "submitted_at",
        "reviewed_at",
        "passed_first_review",
        "completed_at",
    ]
    list_filter = ["passed_first_review"]
    search_fields = ["account__name", "presales_owner__username", "presales_owner__name_zh"]
    autocomplete_fields = ["account", "opportunity", "presales_owner"]
    list_select_related = ["account", "presales_owner"]
    date_hierarchy = "requested_at"

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        return solution_request_create(**data)

    def service_update(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> None:
        solution_request_update(solution_request=obj, **data)


@admin.register(ActivityDailyRollup)
class ActivityDailyRollupAdmin(ReadOnlyAdmin):
    list_display = ["day", "person", "type", "attempts", "reached"]
    list_filter = ["type"]
    search_fields = ["person__username", "person__name_zh", "person__name_en"]
    list_select_related = ["person"]
    date_hierarchy = "day"


@admin.register(AccountWeeklyTouch)
class AccountWeeklyTouchAdmin(ReadOnlyAdmin):
    list_display = ["week_start", "account", "touches", "reached"]
    search_fields = ["account__name"]
    list_select_related = ["account"]
    date_hierarchy = "week_start"
