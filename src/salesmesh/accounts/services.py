"""Writes of accounts and contacts; each validates, then writes atomically.

The rule "exactly one owner at a time" is held here and in the database
together: the database allows at most one open ownership row per account,
and every service that creates an account or changes its owner leaves
exactly one open. A change of owner is also written to the audit history
(who, when, old → new owner), from every path: pages, admin, API, imports.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from salesmesh.accounts.models import Account, AccountOwnership, Contact
from salesmesh.accounts.selectors import account_referrer_ids
from salesmesh.accounts.validators import external_id_or_none, moment
from salesmesh.audit.models import AuditSource
from salesmesh.audit.services import AuditBatch, record_changes, snapshot
from salesmesh.org.models import OrgUnit, User

# Fields account_update may change; a new owner goes through account_owner_change.
# The line is fixed: the account's opportunities and projects are of that line.
ACCOUNT_UPDATABLE = frozenset(
    {
        "external_id",
        "name",
        "is_named",
        "tier",
        "wallet_potential",
        "industry",
        "region",
        "referred_by",
        "owner",
    }
)


def account_referral_check(*, account: Account, referred_by: Account | None) -> None:
    """Refuse a referral that would make the referral chain a loop (one query)."""
    if referred_by is None or account.pk is None:
        return  # a new account is in nobody's chain yet
    if referred_by.pk == account.pk or account.pk in account_referrer_ids(
        account_id=referred_by.pk
    ):
        raise ValidationError(
            {
                "referred_by": _(
                    "%(referrer)s cannot refer %(account)s: the referral chain would loop."
                )
                % {"referrer": referred_by, "account": account}
            },
            code="referral_cycle",
        )


@transaction.atomic
def account_create(
    *,
    line: OrgUnit,
    name: str,
    owner: User,
    by: User | None = None,
    at: datetime | None = None,
    external_id: str | None = None,
    is_named: bool = False,
    tier: str = "",
    wallet_potential: Decimal | None = None,
    industry: str = "",
    region: str = "",
    referred_by: Account | None = None,
) -> Account:
    """Create an account with its first (open) ownership."""
    started = moment(at)
    account = Account(
        line=line,
        external_id=external_id_or_none(external_id),
        name=name,
        is_named=is_named,
        tier=tier,
        wallet_potential=wallet_potential,
        industry=industry,
        region=region,
        referred_by=referred_by,
        owner=owner,
    )
    account.full_clean()
    account.save()
    AccountOwnership.objects.create(account=account, owner=owner, started_at=started, changed_by=by)
    return account


@transaction.atomic
def account_update(
    *,
    account: Account,
    by: User | None = None,
    at: datetime | None = None,
    source: str = AuditSource.WEB,
    audit_batch: AuditBatch | None = None,
    **fields: Any,
) -> Account:
    """Change an account's fields; a new owner or referrer goes through its rule."""
    unknown = set(fields) - ACCOUNT_UPDATABLE
    if unknown:
        raise TypeError(f"account_update cannot change {sorted(unknown)}")
    locked = Account.objects.select_for_update().get(pk=account.pk)
    owner = fields.pop("owner", locked.owner)
    if owner is None:
        raise ValidationError({"owner": _("An account always has an owner.")}, code="no_owner")
    if "external_id" in fields:
        fields["external_id"] = external_id_or_none(fields["external_id"])
    if "referred_by" in fields:
        account_referral_check(account=locked, referred_by=fields["referred_by"])
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    if fields:
        locked.save(update_fields=list(fields))
    if owner.pk != locked.owner_id:
        account_owner_change(
            account=locked, owner=owner, by=by, at=at, source=source, audit_batch=audit_batch
        )
    return locked


@transaction.atomic
def account_owner_change(
    *,
    account: Account,
    owner: User,
    by: User | None = None,
    at: datetime | None = None,
    source: str = AuditSource.WEB,
    audit_batch: AuditBatch | None = None,
) -> AccountOwnership:
    """Hand the account to ``owner``: close the open ownership, open the next.

    The account row is locked first, so two hand-overs of one account queue
    instead of both closing the same row. Handing it to its current owner
    changes nothing and returns the open ownership.
    """
    when = moment(at)
    locked = (
        Account.objects.select_for_update(of=("self",)).select_related("owner").get(pk=account.pk)
    )
    current = AccountOwnership.objects.filter(account=locked, ended_at__isnull=True).first()
    if current is not None and locked.owner_id == owner.pk:
        return current
    if current is not None:
        if when < current.started_at:
            raise ValidationError(
                _("The new ownership cannot start before the current one (%(start)s).")
                % {"start": current.started_at.isoformat()},
                code="ownership_before_current",
            )
        current.ended_at = when
        current.save(update_fields=["ended_at"])
    ownership = AccountOwnership.objects.create(
        account=locked, owner=owner, started_at=when, changed_by=by
    )
    before = snapshot(locked, ["owner"])
    locked.owner = owner
    locked.save(update_fields=["owner"])
    record_changes(
        locked, before, {"owner": owner}, ["owner"], by=by, source=source, batch=audit_batch
    )
    account.owner = owner
    return ownership


@transaction.atomic
def contact_create(*, account: Account, name: str, **fields: Any) -> Contact:
    """Add a customer-side person to an account, validated by the model's rules."""
    contact = Contact(account=account, name=name, **fields)
    contact.full_clean()
    contact.save()
    return contact


CONTACT_UPDATABLE = frozenset({"name", "title", "buying_role", "influence", "attitude"})


@transaction.atomic
def contact_update(*, contact: Contact, **fields: Any) -> Contact:
    """Change a contact's fields, validated by the model's rules."""
    unknown = set(fields) - CONTACT_UPDATABLE
    if unknown:
        raise TypeError(f"contact_update cannot change {sorted(unknown)}")
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    if fields:
        locked.save(update_fields=list(fields))
    return locked
