"""The audit history in the admin: listed and searchable, never added, changed or deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from salesmesh.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "at",
        "object_type",
        "object_id",
        "field",
        "old",
        "new",
        "by",
        "source",
        "batch",
    ]
    list_filter = ["source", "object_type", "field"]
    search_fields = ["by__username", "field", "=object_id"]
    list_select_related = ["object_type", "by"]
    date_hierarchy = "at"
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
