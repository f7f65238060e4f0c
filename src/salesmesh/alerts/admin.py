"""Django admin for alerts: read-only, since the rules write them and the list acknowledges."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from salesmesh.alerts.models import Alert


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["kind", "severity", "subject_key", "unit", "person", "fired_at", "cleared_at"]
    list_filter = ["kind", "severity", "cleared_at", "acknowledged_at"]
    search_fields = ["subject_key", "fingerprint", "message_template"]
    list_select_related = ["unit", "person"]
    date_hierarchy = "fired_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
