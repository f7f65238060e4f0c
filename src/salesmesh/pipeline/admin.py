"""Django admin for leads and opportunities; stage moves go through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from salesmesh.accounts.admin_base import ReadOnlyAdmin, ServiceAdmin
from salesmesh.audit.models import AuditSource
from salesmesh.pipeline.models import Lead, Opportunity, OpportunityStageChange
from salesmesh.pipeline.services import (
    lead_create,
    lead_update,
    opportunity_create,
    opportunity_update,
)


@admin.register(Lead)
class LeadAdmin(ServiceAdmin):
    list_display = ["__str__", "line", "source", "status", "owner", "created_on", "qualified_on"]
    list_filter = ["line", "source", "status"]
    search_fields = ["name", "external_id", "account__name"]
    autocomplete_fields = ["line", "account", "owner"]
    list_select_related = ["line", "owner"]
    date_hierarchy = "created_on"

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        return lead_create(**data)

    def service_update(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> None:
        lead_update(lead=obj, **data)


class StageChangeInline(admin.TabularInline):
    model = OpportunityStageChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_stage", "to_stage", "changed_at", "changed_by"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Opportunity)
class OpportunityAdmin(ServiceAdmin):
    list_display = [
        "name",
        "account",
        "line",
        "stage",
        "amount",
        "currency",
        "expected_close",
        "forecast_category",
        "owner",
    ]
    list_filter = ["line", "stage", "forecast_category", "currency"]
    search_fields = ["name", "external_id", "account__name", "product_lines"]
    autocomplete_fields = ["line", "account", "owner"]
    list_select_related = ["line", "account", "owner"]
    date_hierarchy = "expected_close"
    inlines = [StageChangeInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The line is the scope of the external ID and of the stage history.
        return ["line"] if obj is not None else []

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        return opportunity_create(by=request.user, **data)

    def service_update(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> None:
        opportunity_update(opportunity=obj, by=request.user, source=AuditSource.ADMIN, **data)


@admin.register(OpportunityStageChange)
class OpportunityStageChangeAdmin(ReadOnlyAdmin):
    list_display = ["opportunity", "from_stage", "to_stage", "changed_at", "changed_by"]
    list_filter = ["to_stage", "opportunity__line"]
    search_fields = ["opportunity__name", "opportunity__external_id"]
    list_select_related = ["opportunity", "changed_by"]
    date_hierarchy = "changed_at"
