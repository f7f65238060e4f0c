"""Accounts and contacts: lists, details, and writes through the record forms and services."""

# No `from __future__ import annotations`: ninja reads Query[...] at runtime.

from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from salesmesh.accounts.models import Account, AccountOwnership, Attitude, BuyingRole, Contact
from salesmesh.accounts.selectors import account_ownership_history, accounts_visible_to
from salesmesh.accounts.services import (
    account_create,
    account_update,
    contact_create,
    contact_update,
)
from salesmesh.api.common import (
    PAGING,
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    Paging,
    Text,
    caller,
    visible_or_404,
)
from salesmesh.api.writes import through_service, validated_form
from salesmesh.records.forms import AccountForm, ContactForm
from salesmesh.records.selectors import contacts_visible_to

router = Router()


class AccountOut(Schema):
    id: int
    line: str
    external_id: str | None
    name: str
    is_named: bool
    tier: str
    wallet_potential: Decimal | None
    industry: str
    region: str
    referred_by_id: int | None
    owner_id: int

    @staticmethod
    def resolve_line(account: Account) -> str:
        return account.line.code


class OwnershipOut(Schema):
    owner_id: int
    started_at: datetime
    ended_at: datetime | None
    changed_by_id: int | None


class AccountDetailOut(AccountOut):
    ownerships: list[OwnershipOut]

    @staticmethod
    def resolve_ownerships(account: Account) -> list[AccountOwnership]:
        return list(account_ownership_history(account=account))


class AccountFilters(Schema):
    line: Text | None = None
    owner: Id | None = None
    is_named: bool | None = None
    q: Text | None = None


class AccountIn(Schema):
    """A new account; ``owner`` defaults to the caller (a rep may name only themselves)."""

    model_config = ConfigDict(extra="forbid")
    line: Id
    name: str
    owner: Id | None = None
    external_id: str | None = None
    is_named: bool = False
    tier: str = ""
    wallet_potential: Decimal | None = None
    industry: str = ""
    region: str = ""
    referred_by: Id | None = None


class AccountPatch(Schema):
    """Fields to change; an account's line is fixed once it exists."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    owner: Id | None = None
    external_id: str | None = None
    is_named: bool | None = None
    tier: str | None = None
    wallet_potential: Decimal | None = None
    industry: str | None = None
    region: str | None = None
    referred_by: Id | None = None


class ContactOut(Schema):
    id: int
    account_id: int
    name: str
    title: str
    buying_role: BuyingRole
    influence: int
    attitude: Attitude


class ContactFilters(Schema):
    account: Id | None = None
    q: Text | None = None


class ContactIn(Schema):
    model_config = ConfigDict(extra="forbid")
    account: Id
    name: str
    title: str = ""
    buying_role: BuyingRole = BuyingRole.OTHER
    influence: int = 3
    attitude: Attitude = Attitude.NEUTRAL


class ContactPatch(Schema):
    """Fields to change; a contact stays with its account."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    title: str | None = None
    buying_role: BuyingRole | None = None
    influence: int | None = None
    attitude: Attitude | None = None


def _accounts(request: HttpRequest) -> QuerySet[Account]:
    return accounts_visible_to(user=caller(request)).select_related("line")


@router.get("/accounts", response=list[AccountOut], summary="Accounts", tags=["accounts"])
@paginate(Paging, **PAGING)
def list_accounts(request: HttpRequest, filters: Query[AccountFilters]):  # type: ignore[no-untyped-def]
    """The accounts the caller may see, by name; filter by line code, owner id, named, name."""
    accounts = _accounts(request)
    if filters.line:
        accounts = accounts.filter(line__code=filters.line)
    if filters.owner is not None:
        accounts = accounts.filter(owner_id=filters.owner)
    if filters.is_named is not None:
        accounts = accounts.filter(is_named=filters.is_named)
    if filters.q:
        accounts = accounts.filter(name__icontains=filters.q)
    return accounts.order_by("name", "pk")


@router.get(
    "/accounts/{account_id}",
    response={200: AccountDetailOut, **READ_ERRORS},
    summary="An account with its ownership history",
    tags=["accounts"],
)
def get_account(request: HttpRequest, account_id: Id) -> Account:
    return visible_or_404(_accounts(request), account_id)


@router.post(
    "/accounts",
    response={201: AccountDetailOut, **WRITE_ERRORS},
    summary="Create an account",
    tags=["accounts"],
)
def create_account(request: HttpRequest, body: AccountIn) -> Status[Account]:
    """Validated like the web form (lines and people in the caller's scope), then created."""
    user = caller(request)
    form = validated_form(AccountForm, user=user, body=body.dict())
    account = through_service(lambda: account_create(by=user, **form.cleaned_data))
    return Status(201, visible_or_404(_accounts(request), account.pk))


@router.patch(
    "/accounts/{account_id}",
    response={200: AccountDetailOut, **WRITE_ERRORS},
    summary="Change an account",
    tags=["accounts"],
)
def update_account(request: HttpRequest, account_id: Id, body: AccountPatch) -> Account:
    """Only the fields sent change; a new owner is a hand-over kept in the history."""
    user = caller(request)
    account = visible_or_404(_accounts(request), account_id)
    form = validated_form(
        AccountForm, user=user, body=body.dict(exclude_unset=True), instance=account
    )
    through_service(lambda: account_update(account=account, by=user, **form.changed()))
    return visible_or_404(_accounts(request), account_id)


def _contacts(request: HttpRequest) -> QuerySet[Contact]:
    return contacts_visible_to(user=caller(request))


@router.get("/contacts", response=list[ContactOut], summary="Contacts", tags=["accounts"])
@paginate(Paging, **PAGING)
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]):  # type: ignore[no-untyped-def]
    """Contacts of the accounts the caller may see, by account then name."""
    contacts = _contacts(request)
    if filters.account is not None:
        contacts = contacts.filter(account_id=filters.account)
    if filters.q:
        contacts = contacts.filter(name__icontains=filters.q)
    return contacts.order_by("account_id", "name", "pk")


@router.get(
    "/contacts/{contact_id}",
    response={200: ContactOut, **READ_ERRORS},
    summary="A contact",
    tags=["accounts"],
)
def get_contact(request: HttpRequest, contact_id: Id) -> Contact:
    return visible_or_404(_contacts(request), contact_id)


@router.post(
    "/contacts",
    response={201: ContactOut, **WRITE_ERRORS},
    summary="Add a contact to an account",
    tags=["accounts"],
)
def create_contact(request: HttpRequest, body: ContactIn) -> Status[Contact]:
    form = validated_form(ContactForm, user=caller(request), body=body.dict(), with_account=True)
    return Status(201, through_service(lambda: contact_create(**form.cleaned_data)))


@router.patch(
    "/contacts/{contact_id}",
    response={200: ContactOut, **WRITE_ERRORS},
    summary="Change a contact",
    tags=["accounts"],
)
def update_contact(request: HttpRequest, contact_id: Id, body: ContactPatch) -> Contact:
    contact = visible_or_404(_contacts(request).select_related("account"), contact_id)
    form = validated_form(
        ContactForm, user=caller(request), body=body.dict(exclude_unset=True), instance=contact
    )
    return through_service(lambda: contact_update(contact=contact, **form.changed()))
