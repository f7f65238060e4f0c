"""Property: for random small orgs and random record ownership, what a user lists (the
records list pages and the API lists) is exactly what the kind's ``*_visible_to`` gives."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesmesh.accounts.selectors import accounts_visible_to
from salesmesh.activities.selectors import activities_visible_to
from salesmesh.activities.services import activity_create
from salesmesh.org.models import Paradigm, Role
from salesmesh.pipeline.selectors import leads_visible_to
from salesmesh.pipeline.services import lead_create
from tests.accounts.factories import make_account, make_line, make_team, make_user, shanghai

pytestmark = pytest.mark.django_db

SELECTORS = {
    "accounts": (accounts_visible_to, "records:account"),
    "leads": (leads_visible_to, "records:lead_edit"),
    "activities": (activities_visible_to, "records:activity_edit"),
}

people = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from([Role.REP, Role.MANAGER])),
    min_size=1,
    max_size=5,
)
owners = st.lists(st.integers(0, 4), max_size=6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=people, owners=owners, viewer=st.integers(0, 4))
def test_lists_equal_the_selector(people, owners, viewer) -> None:
    with transaction.atomic():
        line = make_line("prop", Paradigm.PROBABILITY)
        units = [line, make_team(line, "p1"), make_team(line, "p2")]
        users = [
            make_user(f"p{i}", unit=units[unit], role=role) for i, (unit, role) in enumerate(people)
        ]
        for n, index in enumerate(owners):
            owner = users[index % len(users)]
            account = make_account(line, owner, name=f"客户{n}")
            lead_create(
                line=line,
                source="referral",
                created_on=date(2025, 1, 3),
                name=f"线索{n}",
                owner=owner,
            )
            activity_create(
                person=owner, type="call", occurred_at=shanghai(2025, 1, 5, 10), account=account
            )
        user = users[viewer % len(users)]
        client = Client()
        client.force_login(user)
        for kind, (selector, link) in SELECTORS.items():
            expected = set(selector(user=user).values_list("pk", flat=True))
            html = client.get(reverse("records:list", args=[kind])).content.decode()
            model = selector(user=user).model
            every = set(model._default_manager.values_list("pk", flat=True))
            listed = {pk for pk in every if f'href="{reverse(link, args=[pk])}"' in html}
            assert listed == expected, kind
            body = client.get(f"/api/{kind}", {"page_size": 100}).json()
            assert {item["id"] for item in body["items"]} == expected, kind
        transaction.set_rollback(True)
