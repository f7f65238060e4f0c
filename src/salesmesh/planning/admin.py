"""Django admin for planning records; history and approved plans are read-only here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from salesmesh.planning.models import ParadigmChange, PlanVersion


@admin.register(ParadigmChange)
class ParadigmChangeAdmin(admin.ModelAdmin):
    list_display = ["unit", "previous", "paradigm", "changed_by", "changed_at"]
    list_filter = ["paradigm"]
    list_select_related = ["unit", "changed_by"]

    # The history of decisions is a record: it is written by the service only.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PlanVersion)
class PlanVersionAdmin(admin.ModelAdmin):
    list_display = ["unit", "period_label", "number", "paradigm", "status", "created_at"]
    list_filter = ["status", "paradigm"]
    list_select_related = ["unit"]

    # Plans are drafted, approved and compared in the app, where the rules live
    # (who may approve, superseding, locking); the admin only shows them.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
