"""The admin is a write path too: adding, changing and deleting activities keeps rollups exact."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from salesmesh.activities.models import Activity, ActivityDailyRollup
from salesmesh.activities.rollup_audit import rollups_verify
from salesmesh.activities.services import activity_create
from tests.accounts.admin_forms import admin_form_data
from tests.accounts.factories import make_account, make_line, make_user, shanghai

pytestmark = pytest.mark.django_db


def test_adding_changing_and_deleting_in_the_admin_maintains_the_rollups(admin_client):
    rep = make_user("rep")
    account = make_account(make_line(), rep)

    response = admin_client.post(
        reverse("admin:activities_activity_add"),
        {
            "type": "visit",
            "person": rep.pk,
            "account": account.pk,
            "occurred_at_0": "2026-01-11",
            "occurred_at_1": "23:30:00",  # Shanghai wall clock, the project's time zone
            "reached": "on",
            "duration_minutes": "45",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    activity = Activity.objects.get()
    assert activity.occurred_at == shanghai(2026, 1, 11, 23, 30)
    assert ActivityDailyRollup.objects.get().day == date(2026, 1, 11)

    change = reverse("admin:activities_activity_change", args=[activity.pk])
    data = admin_form_data(admin_client.get(change).content.decode())
    data.update({"occurred_at_0": ["2026-01-12"], "type": ["call"]})
    assert admin_client.post(change, data).status_code == 302
    assert [(r.day, r.type) for r in ActivityDailyRollup.objects.all()] == [
        (date(2026, 1, 12), "call")
    ]
    assert rollups_verify() == []

    delete = reverse("admin:activities_activity_delete", args=[activity.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not ActivityDailyRollup.objects.exists()


def test_the_delete_action_takes_the_selected_activities_out_of_the_rollups(admin_client):
    rep = make_user("rep")
    kept, *gone = [
        activity_create(person=rep, type="call", occurred_at=shanghai(2026, 1, 5, hour))
        for hour in (9, 10, 11)
    ]

    response = admin_client.post(
        reverse("admin:activities_activity_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [activity.pk for activity in gone],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert list(Activity.objects.all()) == [kept]
    assert ActivityDailyRollup.objects.get().attempts == 1
    assert rollups_verify() == []


def test_rollups_cannot_be_edited_in_the_admin(admin_client):
    activity_create(person=make_user(), type="call", occurred_at=shanghai(2026, 1, 5, 9))
    rollup = ActivityDailyRollup.objects.get()

    url = reverse("admin:activities_activitydailyrollup_change", args=[rollup.pk])
    admin_client.post(url, {"attempts": "99"})

    rollup.refresh_from_db()
    assert rollup.attempts == 1
