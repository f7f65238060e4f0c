"""A stage changed in the admin is recorded in the opportunity's history."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salesmesh.pipeline.models import OpportunityStageChange, Stage
from salesmesh.pipeline.services import opportunity_create, opportunity_update
from tests.accounts.admin_forms import admin_form_data
from tests.accounts.factories import make_account, make_line, make_user, shanghai

pytestmark = pytest.mark.django_db


def test_a_stage_change_in_the_admin_is_recorded(admin_client):
    line, owner = make_line(), make_user()
    deal = opportunity_create(
        line=line,
        account=make_account(line, owner),
        name="deal",
        owner=owner,
        at=shanghai(2026, 1, 5),
    )
    url = reverse("admin:pipeline_opportunity_change", args=[deal.pk])
    data = admin_form_data(admin_client.get(url).content.decode())
    data["stage"] = [Stage.PROPOSAL]

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    history = OpportunityStageChange.objects.filter(opportunity=deal).order_by("changed_at")
    assert [(h.from_stage, h.to_stage) for h in history] == [
        ("", Stage.LEAD),
        (Stage.LEAD, Stage.PROPOSAL),
    ]
    assert history.last().changed_by.is_superuser


def test_a_rule_only_the_service_sees_comes_back_as_a_message(admin_client):
    line, owner = make_line(), make_user()
    deal = opportunity_create(
        line=line, account=make_account(line, owner), name="deal", owner=owner
    )
    other_account = make_account(make_line("other"), owner)
    url = reverse("admin:pipeline_opportunity_change", args=[deal.pk])
    data = admin_form_data(admin_client.get(url).content.decode())
    data["account"] = [str(other_account.pk)]

    response = admin_client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert any("another business line" in str(m) for m in response.context["messages"])
    deal.refresh_from_db()
    assert deal.account_id != other_account.pk


def test_a_change_form_opened_before_someone_else_saved_is_refused(admin_client):
    line, owner = make_line(), make_user()
    deal = opportunity_create(
        line=line, account=make_account(line, owner), name="deal", owner=owner
    )
    url = reverse("admin:pipeline_opportunity_change", args=[deal.pk])
    data = admin_form_data(admin_client.get(url).content.decode())
    assert data["expected_version"] == [str(deal.version)]
    # Someone else moves the deal while the form is open.
    opportunity_update(opportunity=deal, expected_version=deal.version, stage=Stage.PROPOSAL)
    data["stage"] = [Stage.NEGOTIATION]
    data["name"] = ["renamed"]

    response = admin_client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert any("changed by someone else" in str(m) for m in response.context["messages"])
    deal.refresh_from_db()
    assert (deal.stage, deal.name, deal.version) == (Stage.PROPOSAL, "deal", 2)
    stages = OpportunityStageChange.objects.filter(opportunity=deal).values_list(
        "to_stage", flat=True
    )
    assert list(stages.order_by("changed_at")) == [Stage.LEAD, Stage.PROPOSAL]
    # Reloaded, the form carries the new version and the same change goes through.
    data = admin_form_data(admin_client.get(url).content.decode())
    assert data["expected_version"] == ["2"]
    data["stage"] = [Stage.NEGOTIATION]
    assert admin_client.post(url, data).status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == (Stage.NEGOTIATION, 3)
