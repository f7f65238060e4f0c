"""Django admin for accounts; owners and referrals change through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from salesmesh.accounts.admin_base import ReadOnlyAdmin, ServiceAdmin
from salesmesh.accounts.models import Account, AccountOwnership, Contact
from salesmesh.accounts.services import (
    account_create,
    account_referral_check,
    account_update,
)
from salesmesh.audit.models import AuditSource


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = [
            "line",
            "external_id",
            "name",
            "is_named",
            "tier",
            "wallet_potential",
            "industry",
            "region",
            "referred_by",
            "owner",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Said on the form, where the user can fix it; the service checks again.
        account_referral_check(account=self.instance, referred_by=cleaned.get("referred_by"))
        return cleaned


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


class OwnershipInline(admin.TabularInline):
    model = AccountOwnership
    fk_name = "account"
    extra = 0
    can_delete = False
    readonly_fields = ["owner", "started_at", "ended_at", "changed_by"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ServiceAdmin):
    form = AccountForm
    list_display = ["name", "line", "external_id", "is_named", "tier", "owner", "region"]
    list_filter = ["line", "is_named", "tier", "industry", "region"]
    search_fields = ["name", "external_id", "industry", "region"]
    autocomplete_fields = ["line", "owner", "referred_by"]
    list_select_related = ["line", "owner"]
    inlines = [ContactInline, OwnershipInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The line is fixed: the account's opportunities and projects are of that line.
        return ["line"] if obj is not None else []

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        return account_create(by=request.user, **data)

    def service_update(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> None:
        account_update(account=obj, by=request.user, source=AuditSource.ADMIN, **data)


@admin.register(AccountOwnership)
class AccountOwnershipAdmin(ReadOnlyAdmin):
    list_display = ["account", "owner", "started_at", "ended_at", "changed_by"]
    list_filter = ["account__line"]
    search_fields = ["account__name", "owner__username", "owner__name_zh", "owner__name_en"]
    list_select_related = ["account", "owner", "changed_by"]
    date_hierarchy = "started_at"


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "account", "buying_role", "influence", "attitude"]
    list_filter = ["buying_role", "attitude", "influence"]
    search_fields = ["name", "title", "account__name"]
    autocomplete_fields = ["account"]
    list_select_related = ["account"]
