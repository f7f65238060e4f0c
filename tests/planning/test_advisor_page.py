"""The paradigm advisor page of a business line."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salesmesh.org.models import OrgUnit, Paradigm
from salesmesh.planning.models import ParadigmChange

pytestmark = pytest.mark.django_db

SMB_LIKE = {
    "addressable_customers": "50000",
    "demand_customers": "8000",
    "market_maturity": "5",
    "solution_standardisation": "5",
    "sales_cycle_days": "20",
}
GOV_LIKE = {
    "addressable_customers": "40",
    "demand_customers": "15",
    "market_maturity": "1",
    "solution_standardisation": "1",
    "sales_cycle_days": "540",
}


def url(code: str) -> str:
    return reverse("planning:advisor", args=[code])


def test_line_manager_evaluates_without_changing_anything(client, login_as):
    login_as("manager")

    response = client.post(url("smb"), {**GOV_LIKE, "evaluate": "1"}, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Core paradigm: Project" in html
    assert 'data-plotly="advisor-chart-data"' in html
    assert OrgUnit.objects.get(code="smb").paradigm == Paradigm.PROBABILITY
    assert not ParadigmChange.objects.exists()


def test_applying_the_advice_sets_the_paradigm_and_records_history(client, login_as):
    manager = login_as("manager")

    response = client.post(url("smb"), {**GOV_LIKE, "apply": "1", "note": "pilot"}, follow=True)

    assert response.status_code == 200
    assert OrgUnit.objects.get(code="smb").paradigm == Paradigm.PROJECT
    change = ParadigmChange.objects.get()
    assert (change.previous, change.paradigm, change.changed_by) == (
        Paradigm.PROBABILITY,
        Paradigm.PROJECT,
        manager,
    )
    assert change.indicators["demand_customers"] == 15
    assert change.scores[Paradigm.PROJECT] > change.scores[Paradigm.PROBABILITY]
    assert "pilot" in response.content.decode()

    # The form starts from the last indicators the next time.
    again = client.get(url("smb")).content.decode()
    assert 'value="40"' in again


def test_smb_indicators_advise_probability_in_chinese(client, login_as):
    login_as("head")
    html = client.post(
        url("smb"), {**SMB_LIKE, "evaluate": "1"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "核心范式" in html
    assert "概率范式" in html


def test_demand_above_addressable_names_the_field(client, login_as):
    login_as("manager")
    response = client.post(
        url("smb"),
        {**SMB_LIKE, "demand_customers": "90000", "apply": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert "Cannot exceed the potential customers (50000)." in html
    assert not ParadigmChange.objects.exists()


@pytest.mark.parametrize("username", ["rep", "sdr", "pmo"])
def test_people_who_do_not_manage_the_line_get_404(client, login_as, username):
    login_as(username)
    assert client.get(url("smb")).status_code == 404
    assert client.post(url("smb"), {**GOV_LIKE, "apply": "1"}).status_code == 404
    assert not ParadigmChange.objects.exists()


def test_a_line_manager_cannot_reach_another_line(client, login_as):
    login_as("manager")
    assert client.get(url("ka")).status_code == 404


def test_home_links_to_the_advisor_for_managed_lines_only(client, login_as):
    login_as("manager")
    html = client.get(reverse("home")).content.decode()
    assert url("smb") in html
    assert url("ka") not in html


def test_configured_thresholds_change_the_advice(client, login_as, settings):
    login_as("head")
    borderline = {
        "addressable_customers": "5000",
        "demand_customers": "1500",
        "market_maturity": "4",
        "solution_standardisation": "4",
        "evaluate": "1",
    }
    default = client.post(url("smb"), borderline).context["result"]
    settings.SALESMESH_ADVISOR_THRESHOLDS = {"demand_customers": [200, 2000, 20000]}
    stricter = client.post(url("smb"), borderline).context["result"]
    assert stricter.scores.probability < default.scores.probability
