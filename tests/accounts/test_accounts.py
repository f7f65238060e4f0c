"""Accounts: exactly one owner with its history, referral chains without loops, scoping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from salesmesh.accounts.models import Account, AccountOwnership, Contact
from salesmesh.accounts.selectors import account_ownership_history, accounts_visible_to
from salesmesh.accounts.services import (
    account_create,
    account_owner_change,
    account_update,
    contact_create,
)
from salesmesh.org.models import Role
from tests.accounts.factories import make_account, make_line, make_team, make_user, shanghai

pytestmark = pytest.mark.django_db


@pytest.fixture
def line():
    return make_line()


def open_ownerships(account: Account) -> list[AccountOwnership]:
    return list(AccountOwnership.objects.filter(account=account, ended_at__isnull=True))


def test_a_new_account_has_exactly_one_open_ownership(line):
    owner, admin = make_user("owner"), make_user("ops")

    account = make_account(line, owner, by=admin, at=shanghai(2026, 1, 5, 9))

    [ownership] = open_ownerships(account)
    assert ownership.owner == owner
    assert ownership.changed_by == admin
    assert ownership.started_at == datetime(2026, 1, 5, 1, tzinfo=UTC)


def test_changing_the_owner_closes_the_open_ownership_and_opens_the_next(line):
    first, second, third = make_user(), make_user(), make_user()
    account = make_account(line, first, at=shanghai(2026, 1, 1, 9))

    account_owner_change(account=account, owner=second, at=shanghai(2026, 2, 1, 9))
    account_owner_change(account=account, owner=third, by=second, at=shanghai(2026, 3, 1, 9))

    account.refresh_from_db()
    assert account.owner == third
    history = list(account_ownership_history(account=account).order_by("started_at"))
    assert [h.owner for h in history] == [first, second, third]
    assert [h.ended_at for h in history] == [h.started_at for h in history[1:]] + [None]
    assert all(h.started_at.tzinfo is not None for h in history)
    assert open_ownerships(account)[0].changed_by == second


def test_handing_an_account_to_its_owner_changes_nothing(line):
    owner = make_user()
    account = make_account(line, owner)

    ownership = account_owner_change(account=account, owner=owner)

    assert AccountOwnership.objects.filter(account=account).count() == 1
    assert ownership.ended_at is None


def test_the_database_refuses_a_second_open_ownership(line):
    account = make_account(line, make_user())

    with pytest.raises(IntegrityError), transaction.atomic():
        AccountOwnership.objects.create(
            account=account, owner=make_user(), started_at=shanghai(2026, 1, 1)
        )


def test_an_ownership_cannot_start_before_the_current_one(line):
    account = make_account(line, make_user(), at=shanghai(2026, 3, 1))

    with pytest.raises(ValidationError):
        account_owner_change(account=account, owner=make_user(), at=shanghai(2026, 2, 1))

    assert len(open_ownerships(account)) == 1


def test_naive_datetimes_are_refused_not_guessed(line):
    with pytest.raises(ValidationError):
        make_account(line, make_user(), at=datetime(2026, 1, 1, 9))  # noqa: DTZ001 - on purpose
    assert not Account.objects.exists()


def test_changing_the_owner_through_update_records_the_history(line):
    first, second = make_user(), make_user()
    account = make_account(line, first, at=shanghai(2026, 1, 1))

    account_update(account=account, owner=second, tier="A", at=shanghai(2026, 1, 2))

    account.refresh_from_db()
    assert (account.owner, account.tier) == (second, "A")
    assert [o.owner for o in open_ownerships(account)] == [second]
    assert AccountOwnership.objects.filter(account=account).count() == 2


def test_a_referral_chain_may_not_loop(line):
    owner = make_user()
    a = make_account(line, owner, "A")
    b = make_account(line, owner, "B", referred_by=a)
    c = make_account(line, owner, "C", referred_by=b)

    with pytest.raises(ValidationError) as refused:
        account_update(account=a, referred_by=c)
    assert "referred_by" in refused.value.message_dict
    with pytest.raises(ValidationError):
        account_update(account=a, referred_by=a)

    a.refresh_from_db()
    assert a.referred_by is None
    account_update(account=c, referred_by=a)  # a shorter chain, still no loop


@pytest.mark.parametrize("length", [2, 20])
def test_the_referral_check_is_one_query_at_any_chain_length(
    line, length, django_assert_num_queries
):
    owner = make_user()
    chain = [make_account(line, owner, "root")]
    for index in range(length):
        chain.append(make_account(line, owner, f"n{index}", referred_by=chain[-1]))
    from salesmesh.accounts.services import account_referral_check

    with django_assert_num_queries(1), pytest.raises(ValidationError):
        account_referral_check(account=chain[0], referred_by=chain[-1])


def test_external_ids_are_unique_per_line_and_blank_ones_never_collide(line):
    owner, other_line = make_user(), make_line("other")
    make_account(line, owner, external_id="C-1")
    make_account(other_line, owner, external_id="C-1")
    make_account(line, owner, external_id="  ")
    make_account(line, owner, external_id="")

    with pytest.raises(ValidationError):
        make_account(line, owner, external_id="C-1")
    assert Account.objects.filter(external_id__isnull=True).count() == 2


def test_an_account_belongs_to_a_business_line(line):
    team = make_team(line, "t1")

    with pytest.raises(ValidationError):
        account_create(line=team, name="X", owner=make_user())


def test_wallet_potential_is_never_negative(line):
    from decimal import Decimal

    with pytest.raises(ValidationError):
        make_account(line, make_user(), wallet_potential=Decimal("-1.00"))


def test_contacts_have_an_influence_from_one_to_five(line):
    account = make_account(line, make_user())
    contact = contact_create(account=account, name="王总", influence=5, attitude="supporter")
    assert contact.get_attitude_display()

    with pytest.raises(ValidationError):
        contact_create(account=account, name="李工", influence=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(account=account, name="赵", influence=0)


def test_people_see_their_accounts_their_teams_and_their_managed_lines(line):
    east, west = make_team(line, "east"), make_team(line, "west")
    rep, colleague = make_user(unit=east), make_user(unit=west)
    team_lead = make_user(unit=east, role=Role.MANAGER)
    line_head = make_user()
    line.manager = line_head
    line.save()
    mine, theirs = make_account(line, rep), make_account(line, colleague)

    assert set(accounts_visible_to(user=rep)) == {mine}
    assert set(accounts_visible_to(user=team_lead)) == {mine}
    assert set(accounts_visible_to(user=line_head)) == {mine, theirs}


def test_ownership_history_moves_forward_in_time(line):
    owner = make_user()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    account = make_account(line, owner, at=start)
    for step in range(1, 4):
        account_owner_change(account=account, owner=make_user(), at=start + timedelta(days=step))

    rows = list(AccountOwnership.objects.filter(account=account).order_by("started_at"))
    assert all(r.ended_at is None or r.ended_at >= r.started_at for r in rows)
    assert len(open_ownerships(account)) == 1
