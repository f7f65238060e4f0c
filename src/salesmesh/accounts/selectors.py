"""Reads of accounts, scoped through the org app's one rule (``units_managed_by``)."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet

from salesmesh.accounts.models import Account, AccountOwnership
from salesmesh.org.models import Membership, User
from salesmesh.org.selectors import units_managed_by


def owners_managed_by(*, user: User) -> QuerySet[Membership]:
    """Ids of the people in the subtrees the user manages (as a subquery)."""
    return Membership.objects.filter(unit__in=units_managed_by(user=user).values("pk")).values(
        "user_id"
    )


def accounts_visible_to(*, user: User) -> QuerySet[Account]:
    """Accounts the user may see: their own, their people's, and whole managed lines."""
    if not user.is_authenticated or not user.is_active:
        return Account.objects.none()
    managed = units_managed_by(user=user).values("pk")
    return Account.objects.filter(
        Q(owner=user) | Q(owner_id__in=owners_managed_by(user=user)) | Q(line__in=managed)
    )


def account_referrer_ids(*, account_id: int) -> set[int]:
    """Every account up the referral chain of ``account_id``, in one query.

    A recursive CTE (SQLite and PostgreSQL alike); ``UNION`` rather than
    ``UNION ALL`` so the walk ends even on a chain that already loops.
    """
    opts = Account._meta
    table = connection.ops.quote_name(opts.db_table)
    pk = connection.ops.quote_name(opts.pk.column)
    parent = connection.ops.quote_name(opts.get_field("referred_by").column)
    sql = (
        f"WITH RECURSIVE chain(node) AS ("  # noqa: S608 - names come from _meta, values are bound
        f" SELECT {parent} FROM {table} WHERE {pk} = %s"
        f" UNION SELECT a.{parent} FROM {table} a JOIN chain ON a.{pk} = chain.node"
        f") SELECT node FROM chain WHERE node IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [account_id])
        return {row[0] for row in cursor.fetchall()}


def account_ownership_history(*, account: Account) -> QuerySet[AccountOwnership]:
    """The account's owners, newest first, with who made each change."""
    return AccountOwnership.objects.filter(account=account).select_related("owner", "changed_by")
