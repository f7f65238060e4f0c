"""History on the record pages (scoped) and optimistic locking through the edit forms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from salesmesh.audit.models import AuditEntry
from salesmesh.audit.selectors import history_for
from salesmesh.pipeline.models import Opportunity
from salesmesh.pipeline.services import opportunity_update
from salesmesh.projects.models import Milestone
from tests.records.test_forms import submitted, url

pytestmark = pytest.mark.django_db

STALE = "changed by someone else since you opened it"


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_two_clients_edit_one_opportunity_the_second_is_refused(opportunity, rep, boss) -> None:  # type: ignore[no-untyped-def]
    first, second = _client(rep), _client(boss)
    address = url("opportunity_edit", opportunity.pk)
    # Both open the form before either saves.
    first_form = submitted(first, address, amount="150")
    second_form = submitted(second, address, amount="999", name="抢改")
    assert first_form["expected_version"] == second_form["expected_version"] == ["1"]

    assert first.post(address, first_form).status_code == 302
    refused = second.post(address, second_form, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200  # the form again, with the message; nothing saved
    assert STALE in refused.content.decode()

    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.amount, stored.name, stored.version) == (Decimal("150.00"), "甲商机", 2)
    changes = list(AuditEntry.objects.values_list("field", "old", "new", "by", "source"))
    assert changes == [("amount", "100.00", "150.00", rep.pk, "web")]


def test_a_stale_milestone_form_is_refused_and_saves_nothing(milestone, boss) -> None:  # type: ignore[no-untyped-def]
    client = _client(boss)
    address = url("milestone_edit", milestone.pk)
    form = submitted(client, address, planned_date="2025-04-01")
    from salesmesh.projects.services import milestone_update

    milestone_update(milestone=milestone, planned_date=date(2025, 3, 15))  # someone else, meanwhile
    refused = client.post(address, form, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert STALE in refused.content.decode()
    assert Milestone.objects.get(pk=milestone.pk).planned_date == date(2025, 3, 15)
    # A fresh form saves.
    assert (
        client.post(address, submitted(client, address, planned_date="2025-04-01")).status_code
        == 302
    )
    assert list(AuditEntry.objects.order_by("pk").values_list("new", flat=True)) == [
        "2025-03-15",
        "2025-04-01",
    ]


def test_history_shows_on_the_opportunity_page_newest_first_in_local_time(
    opportunity, rep, boss
) -> None:  # type: ignore[no-untyped-def]
    opportunity_update(opportunity=opportunity, by=rep, amount=Decimal(200))
    opportunity_update(opportunity=opportunity, by=boss, stage="qualified")
    client = _client(rep)
    page = client.get(
        url("opportunity", opportunity.pk), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    history = page[page.index('id="history"') :]
    assert history.index("Qualified") < history.index("200.00")  # newest first
    assert "100.00" in history
    entry = AuditEntry.objects.get(field="amount")
    local = entry.at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M") in history


def test_history_is_scoped_by_the_records_own_visibility(opportunity, rep, rep2, outsider) -> None:  # type: ignore[no-untyped-def]
    opportunity_update(opportunity=opportunity, by=rep, amount=Decimal(200))
    assert [row.field for row in history_for(opportunity, rep)]
    assert history_for(opportunity, outsider) == []
    assert history_for(opportunity, rep2) == []  # a colleague's deal
    assert _client(outsider).get(url("opportunity", opportunity.pk)).status_code == 404
    assert _client(rep2).get(url("opportunity", opportunity.pk)).status_code == 404


def test_account_and_project_pages_show_their_history(
    account, project, milestone, rep, rep2, boss
) -> None:  # type: ignore[no-untyped-def]
    from salesmesh.accounts.services import account_owner_change
    from salesmesh.projects.services import milestone_update

    account_owner_change(account=account, owner=rep2, by=boss)
    milestone_update(milestone=milestone, by=boss, actual_date=date(2025, 3, 2))
    client = _client(boss)
    account_page = client.get(url("account", account.pk)).content.decode()
    assert str(rep2) in account_page[account_page.index('id="history"') :]
    project_page = client.get(url("project", project.pk)).content.decode()
    history = project_page[project_page.index('id="history"') :]
    assert "2025-03-02" in history
    assert "立项" in history


def test_the_plan_page_shows_history_and_refuses_a_stale_approval(east, boss, outsider) -> None:  # type: ignore[no-untyped-def]
    from salesmesh.org.models import Membership, OrgUnit, Role
    from salesmesh.planning.models import PlanStatus, PlanVersion
    from salesmesh.planning.services import plan_version_save
    from tests.accounts.factories import make_user

    head = make_user("head", unit=OrgUnit.objects.get(depth=1), role=Role.MANAGER)
    assert Membership.objects.filter(user=head).exists()
    version = plan_version_save(
        line=east,
        period_label="FY2026",
        paradigm="behaviour",
        assumptions={"target": "100"},
        result={},
        by=boss,
    )
    client = _client(head)
    address = reverse("planning:plan_detail", args=[version.pk])
    page = client.get(address, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="expected_version" value="1"' in page
    history = page[page.index('id="history"') :]
    assert "Draft" in history
    assert "100" in history

    approve = reverse("planning:plan_approve", args=[version.pk])
    PlanVersion.objects.filter(pk=version.pk).update(version=2)  # someone else saved meanwhile
    refused = client.post(
        approve, {"expected_version": "1"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert STALE in refused.content.decode()
    assert PlanVersion.objects.get(pk=version.pk).status == PlanStatus.DRAFT
    client.post(approve, {"expected_version": "2"})
    assert PlanVersion.objects.get(pk=version.pk).status == PlanStatus.APPROVED
    # The manager of another line sees neither the page nor its history.
    assert _client(outsider).get(address).status_code == 404
    assert history_for(version, outsider) == []
