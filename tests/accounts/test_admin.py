"""Changing an account's owner in the admin goes through the service and its history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salesmesh.accounts.models import Account, AccountOwnership
from tests.accounts.admin_forms import admin_form_data
from tests.accounts.factories import make_account, make_line, make_user

pytestmark = pytest.mark.django_db


def test_adding_an_account_in_the_admin_opens_its_ownership(admin_client):
    line, owner = make_line(), make_user("owner")
    url = reverse("admin:accounts_account_add")
    data = admin_form_data(admin_client.get(url).content.decode())
    data.update({"line": [str(line.pk)], "name": ["华东制造"], "owner": [str(owner.pk)]})

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    account = Account.objects.get()
    assert [o.owner for o in AccountOwnership.objects.filter(account=account)] == [owner]


def test_a_new_owner_in_the_admin_closes_the_old_ownership(admin_client):
    first, second = make_user("first"), make_user("second")
    account = make_account(make_line(), first)
    url = reverse("admin:accounts_account_change", args=[account.pk])
    data = admin_form_data(admin_client.get(url).content.decode())
    data["owner"] = [str(second.pk)]

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    history = list(AccountOwnership.objects.filter(account=account).order_by("started_at"))
    assert [(h.owner, h.ended_at is None) for h in history] == [(first, False), (second, True)]
    assert history[1].changed_by.is_superuser


def test_a_referral_loop_is_shown_on_the_admin_form(admin_client):
    line, owner = make_line(), make_user()
    a = make_account(line, owner, "A")
    b = make_account(line, owner, "B", referred_by=a)
    url = reverse("admin:accounts_account_change", args=[a.pk])
    data = admin_form_data(admin_client.get(url).content.decode())
    data["referred_by"] = [str(b.pk)]

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["referred_by"]
    a.refresh_from_db()
    assert a.referred_by is None
