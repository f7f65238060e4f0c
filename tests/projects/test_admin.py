"""Milestone dependencies edited in the admin obey the same rules as the services."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from salesmesh.audit.models import AuditEntry
from salesmesh.org.models import Paradigm
from salesmesh.projects.services import milestone_create, milestone_update, project_create
from tests.accounts.admin_forms import admin_form_data
from tests.accounts.factories import make_account, make_line, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    line = make_line("gov", Paradigm.PROJECT)
    project = project_create(line=line, account=make_account(line, make_user()), name="p")
    a = milestone_create(
        project=project, name="a", planned_date=date(2026, 3, 1), owning_role="pmo"
    )
    b = milestone_create(
        project=project, name="b", planned_date=date(2026, 4, 1), owning_role="pmo", depends_on=[a]
    )
    return a, b


def test_a_cycle_is_refused_on_the_admin_form(admin_client, chain):
    a, b = chain
    url = reverse("admin:projects_milestone_change", args=[a.pk])
    data = admin_form_data(admin_client.get(url).content.decode())
    data["depends_on"] = [str(b.pk)]

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["depends_on"]
    assert not a.depends_on.exists()


def test_dependencies_saved_in_the_admin_go_through_the_service(admin_client, chain):
    _a, b = chain
    url = reverse("admin:projects_milestone_change", args=[b.pk])
    data = admin_form_data(admin_client.get(url).content.decode())
    data["depends_on"] = []
    data["name"] = ["b2"]

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    b.refresh_from_db()
    assert b.name == "b2"
    assert not b.depends_on.exists()


def test_a_milestone_changed_since_the_admin_form_opened_is_not_overwritten(admin_client, chain):
    a, _b = chain
    url = reverse("admin:projects_milestone_change", args=[a.pk])
    data = admin_form_data(admin_client.get(url).content.decode())
    milestone_update(milestone=a, expected_version=a.version, planned_date=date(2026, 3, 9))
    data["planned_date"] = ["2026-03-20"]

    response = admin_client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert any("changed by someone else" in str(m) for m in response.context["messages"])
    a.refresh_from_db()
    assert (a.planned_date, a.version) == (date(2026, 3, 9), 2)
    changes = AuditEntry.objects.filter(object_id=a.pk, field="planned_date")
    assert changes.count() == 1
