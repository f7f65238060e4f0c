"""The alert list: scope, filters, paging, acknowledge (htmx), both languages, query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from salesmesh.alerts.models import Alert, AlertKind, Severity
from salesmesh.alerts.selectors import top_alerts_for
from salesmesh.alerts.services import EVALUATED_KEY, evaluate_alerts
from salesmesh.org.models import User
from tests.accounts.factories import make_account, make_user
from tests.alerts.world import AS_OF, World, build_world

pytestmark = pytest.mark.django_db
URL = "/alerts/"


@pytest.fixture
def world() -> World:
    world = build_world()
    evaluate_alerts(as_of=AS_OF)
    # The page evaluates lazily at most every ten minutes: mark it as just done, so the
    # page shows the world as of AS_OF.
    cache.set(EVALUATED_KEY, "test", 600)
    yield world
    cache.delete(EVALUATED_KEY)


def shown(client, user: User, **params: str) -> set[str]:  # type: ignore[no-untyped-def]
    """The subject keys of the alert rows the user's page shows (in the page's order)."""
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return {alert.subject_key for alert in response.context["alerts"]}


def keys(world: World, *names: str) -> set[str]:
    result = set()
    for name in names:
        if name in world.accounts:
            result.add(f"account:{world.accounts[name].pk}")
        elif name in world.requests:
            result.add(f"solution_request:{world.requests[name].pk}")
        else:
            result.add(f"milestone:{world.milestones[name].pk}")
    return result


ALL = ("Bravo", "Charlie", "Delta", "R1", "R2", "R4", "M1", "M2", "M3")


def test_each_user_sees_their_scope(client, world):
    users = world.users
    admin = User.objects.create(username="root", is_superuser=True)
    assert shown(client, admin) == keys(world, *ALL)
    assert shown(client, users["boss"]) == keys(
        world, "Bravo", "Charlie", "Delta", "R1", "R2", "R4"
    )
    # The team lead: their rep's untouched account and the breaches on the rep's accounts.
    assert shown(client, users["lead"]) == keys(world, "Bravo", "R1", "R4")
    assert shown(client, users["rep"]) == keys(world, "Bravo", "R1", "R4")
    assert shown(client, users["other"]) == keys(world, "Charlie", "Delta", "R2")
    assert shown(client, users["presales"]) == keys(world, "R1", "R2", "R4")
    assert shown(client, users["pm"]) == keys(world, "M1", "M2", "M3")
    assert shown(client, make_user("nobody")) == set()


def test_a_rep_sees_no_colleague_on_the_page(client, world):
    client.force_login(world.users["rep"])
    with translation.override("en"):
        page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bravo" in page
    for name in ("Charlie", "Delta", "Bridge", "other"):
        assert name not in page


def test_filters(client, world):
    boss = world.users["boss"]
    assert shown(client, boss, kind=AlertKind.PRESALES_SLA) == keys(world, "R1", "R2", "R4")
    assert shown(client, boss, severity=Severity.CRITICAL) == keys(world, "Charlie", "Delta", "R1")
    assert shown(client, boss, unit=str(world.team_b.pk)) == keys(world, "Charlie", "Delta", "R2")
    assert shown(client, boss, kind=AlertKind.UNTOUCHED_ACCOUNT, unit=str(world.team_a.pk)) == (
        keys(world, "Bravo")
    )
    # A unit out of the user's sight is not a choice: the filter is ignored, scope holds.
    rep = world.users["rep"]
    assert shown(client, rep, unit=str(world.team_b.pk)) == keys(world, "Bravo", "R1", "R4")
    charlie = Alert.objects.get(subject_key=f"account:{world.accounts['Charlie'].pk}")
    charlie.acknowledged_at = timezone.now()
    charlie.save()
    assert shown(client, boss, acknowledged="yes") == keys(world, "Charlie")
    assert len(shown(client, boss, acknowledged="no")) == 5
    Alert.objects.filter(pk=charlie.pk).update(cleared_at=timezone.now())
    assert shown(client, boss, state="cleared") == keys(world, "Charlie")
    assert len(shown(client, boss)) == 5  # open by default
    assert len(shown(client, boss, state="all")) == 6
    assert len(shown(client, boss, kind="nonsense")) == 5  # a bad value is no filter


def test_critical_first_then_newest(client, world):
    client.force_login(world.users["boss"])
    alerts = list(client.get(URL).context["alerts"])
    severities = [a.severity for a in alerts]
    assert severities == sorted(severities)  # "critical" < "warning"
    assert severities[0] == Severity.CRITICAL


def test_acknowledge_swaps_the_row(client, world):
    rep = world.users["rep"]
    client.force_login(rep)
    alert = Alert.objects.get(subject_key=f"account:{world.accounts['Bravo'].pk}")
    url = reverse("alerts:acknowledge", args=[alert.pk])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="alert-{alert.pk}"')
    assert "hx-post" not in body  # the button is gone
    alert.refresh_from_db()
    assert alert.acknowledged_by == rep
    assert alert.acknowledged_at is not None
    assert alert.cleared_at is None
    # Without htmx: back to the list.
    other = Alert.objects.get(subject_key=f"solution_request:{world.requests['R1'].pk}")
    response = client.post(reverse("alerts:acknowledge", args=[other.pk]))
    assert response.status_code == 302
    assert response.url == URL


def test_acknowledge_out_of_scope_is_404_and_get_is_refused(client, world):
    client.force_login(world.users["rep"])
    charlie = Alert.objects.get(subject_key=f"account:{world.accounts['Charlie'].pk}")
    url = reverse("alerts:acknowledge", args=[charlie.pk])
    assert client.post(url).status_code == 404
    assert client.post(reverse("alerts:acknowledge", args=[999999])).status_code == 404
    charlie.refresh_from_db()
    assert charlie.acknowledged_at is None
    mine = Alert.objects.get(subject_key=f"account:{world.accounts['Bravo'].pk}")
    assert client.get(reverse("alerts:acknowledge", args=[mine.pk])).status_code == 405


def test_acknowledge_needs_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["rep"])
    mine = Alert.objects.get(subject_key=f"account:{world.accounts['Bravo'].pk}")
    assert client.post(reverse("alerts:acknowledge", args=[mine.pk])).status_code == 403


def test_signed_out_goes_to_the_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_page_in_english_and_chinese(client, world):
    client.force_login(world.users["boss"])
    english = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Alerts</h1>" in english
    assert "Named account Charlie has never been touched." in english
    assert "Acknowledge" in english
    chinese = client.get(URL).content.decode()
    assert 'lang="zh-hans"' in chinese
    assert "业务线ka" in chinese  # the unit's Chinese name


def test_paging_fifty_a_page(client, world):
    many_alerts(world, 60)
    client.force_login(world.users["boss"])
    first = client.get(URL)
    assert len(first.context["alerts"]) == 50
    assert first.context["page"].paginator.count == 66
    second = client.get(URL, {"page": "2", "kind": ""})
    assert len(second.context["alerts"]) == 16
    assert "kind=&amp;page=1" in second.content.decode()


def many_alerts(world: World, count: int) -> None:
    """``count`` open alerts on the key-account line, each about its own person and account."""
    now = timezone.now()
    alerts = []
    for index in range(count):
        person = make_user(unit=world.team_b)
        account = make_account(world.ka, person, f"Extra {index}", is_named=True)
        alerts.append(
            Alert(
                kind=AlertKind.UNTOUCHED_ACCOUNT,
                severity=Severity.WARNING,
                unit=world.ka,
                person=person,
                account=account,
                subject_key=f"account:{account.pk}",
                fingerprint=f"untouched_account:account:{account.pk}",
                message_template="Named account %(account)s has never been touched.",
                message_params={"account": account.name},
                fired_at=now - timedelta(minutes=index),
                last_seen_at=now,
            )
        )
    Alert.objects.bulk_create(alerts)


def test_query_count_does_not_grow_with_the_alerts(client, world):
    client.force_login(world.users["boss"])
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(URL).context["alerts"]) == 6
    many_alerts(world, 44)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(URL).context["alerts"]) == 50
    assert len(few) == len(many)


def test_the_page_evaluates_when_due(client, world):
    cache.delete(EVALUATED_KEY)
    Alert.objects.all().delete()
    client.force_login(world.users["boss"])
    assert client.get(URL).context["page"].paginator.count > 0  # evaluated as of now
    assert cache.get(EVALUATED_KEY) is not None
    Alert.objects.all().delete()
    assert client.get(URL).context["page"].paginator.count == 0  # not again within 10 min


def test_top_alerts_for(world, django_assert_num_queries):
    boss = world.users["boss"]
    with django_assert_num_queries(3):  # admin check, managed units, the alerts
        top = top_alerts_for(boss)
    assert [a.severity for a in top] == [Severity.CRITICAL] * 3 + [Severity.WARNING] * 2
    assert {a.subject_key for a in top[:3]} == keys(world, "Charlie", "Delta", "R1")
    with translation.override("en"):
        assert top[0].unit.display_name
        assert top[0].text.endswith(".")
    assert len(top_alerts_for(boss, limit=2)) == 2
    assert {a.subject_key for a in top_alerts_for(world.users["rep"])} == keys(
        world, "Bravo", "R1", "R4"
    )


def test_a_failing_evaluation_does_not_take_the_page_down(client, world, monkeypatch, caplog):
    from salesmesh.alerts import services

    def broken(as_of=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("a plan the mesh cannot build")

    monkeypatch.setattr(services, "evaluate_alerts", broken)
    cache.delete(EVALUATED_KEY)
    client.force_login(world.users["boss"])
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 6  # the stored alerts
    assert "evaluating the alerts failed" in caplog.text
