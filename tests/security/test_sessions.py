"""Sessions: a new key at login; an end at logout, deactivation, password change, idleness."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from salesmesh.config.settings import base
from salesmesh.org.models import User
from salesmesh.security.sessions import LAST_SEEN, REFRESH_SECONDS
from tests.security.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

HOME = "/"


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def age_session(client: Client, seconds: int) -> None:
    """Pretend the session was last active `seconds` ago."""
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def stored(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


# --- login and logout --------------------------------------------------------------------


def test_the_session_key_changes_at_login(client, member) -> None:
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key

    assert sign_in(client, "lin", PASSWORD).status_code == 302

    after = client.session.session_key
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()  # the old key is gone
    assert client.session[SESSION_KEY] == str(member.pk)


def test_logout_deletes_the_session(client, member) -> None:
    client.force_login(member)
    key = client.session.session_key

    client.post(reverse("logout"))

    assert not Session.objects.filter(session_key=key).exists()
    replay = Client()
    replay.cookies["sessionid"] = key  # the old cookie, replayed
    assert is_login_redirect(replay.get(HOME))


# --- deactivation and password change ----------------------------------------------------


def test_a_deactivated_users_session_is_refused_on_the_next_request(client, member) -> None:
    client.force_login(member)
    assert client.get(HOME).status_code == 200

    member.is_active = False
    member.save(update_fields=["is_active"])

    assert is_login_redirect(client.get(HOME))


def test_a_password_set_elsewhere_ends_existing_sessions(client, member) -> None:
    client.force_login(member)
    assert client.get(HOME).status_code == 200

    member.set_password("a brand new passphrase 2026")
    member.save()

    assert is_login_redirect(client.get(HOME))


def test_changing_ones_password_keeps_this_session_and_ends_the_others(member) -> None:
    here, elsewhere = Client(), Client()
    here.force_login(member)
    elsewhere.force_login(member)

    response = here.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase 2026",
            "new_password2": "a brand new passphrase 2026",
        },
    )

    assert response.status_code == 302, response.content[:500]
    assert here.get(HOME).status_code == 200
    assert is_login_redirect(elsewhere.get(HOME))


# --- idle timeout --------------------------------------------------------------------


def test_the_idle_timeout_defaults_to_30_minutes_and_sets_the_session_age() -> None:
    assert base.SALESMESH_SESSION_IDLE_MINUTES == 30
    assert base.SESSION_COOKIE_AGE == 30 * 60


def test_the_store_expires_a_session_the_idle_timeout_after_its_last_save(client, member) -> None:
    client.force_login(member)
    expires = stored(client).expire_date
    assert abs(expires - (timezone.now() + timedelta(minutes=30))) < timedelta(seconds=30)


def test_a_session_idle_past_the_timeout_is_signed_out(client, member) -> None:
    client.force_login(member)
    key = client.session.session_key
    age_session(client, 31 * 60)

    # The sign-out message is written in the language of the request that expired.
    response = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en")

    assert is_login_redirect(response)
    assert not Session.objects.filter(session_key=key).exists()
    login_page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "signed out after 30 minutes without activity" in login_page.content.decode()


def test_a_session_the_store_has_expired_is_refused(client, member) -> None:
    client.force_login(member)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert is_login_redirect(client.get(HOME))


def test_activity_keeps_the_session_alive(client, member) -> None:
    client.force_login(member)
    age_session(client, 29 * 60)
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))

    assert client.get(HOME).status_code == 200

    assert int(time.time()) - client.session[LAST_SEEN] < REFRESH_SECONDS
    expires = stored(client).expire_date
    assert expires > timezone.now() + timedelta(minutes=29)  # pushed back by the save
    assert client.get(HOME).status_code == 200


def test_an_active_session_is_not_written_on_every_request(client, member) -> None:
    client.force_login(member)
    client.get(HOME)
    with CaptureQueriesContext(connection) as queries:
        client.get(HOME)
    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert writes == []


def test_a_session_from_before_the_rule_is_stamped_once(client, member) -> None:
    client.force_login(member)
    session = client.session
    del session[LAST_SEEN]
    session.save()

    assert client.get(HOME).status_code == 200
    assert LAST_SEEN in client.session


@override_settings(SALESMESH_SESSION_IDLE_MINUTES=5, SESSION_COOKIE_AGE=5 * 60)
def test_the_timeout_is_configurable(client, member) -> None:
    client.force_login(member)
    age_session(client, 4 * 60)
    assert client.get(HOME).status_code == 200
    age_session(client, 6 * 60)
    assert is_login_redirect(client.get(HOME))


def test_an_idle_api_call_answers_401_not_a_redirect(client, member) -> None:
    client.force_login(member)
    age_session(client, 31 * 60)
    response = client.get("/api/alerts")
    assert response.status_code == 401


def test_a_fresh_user_is_stamped_at_login(client, member) -> None:
    client.force_login(member)
    assert abs(int(time.time()) - client.session[LAST_SEEN]) <= 2
    User.objects.filter(pk=member.pk).update(is_active=True)  # nothing else changes
