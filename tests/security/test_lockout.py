"""Login lockout: N failures for one username from one address lock that pair out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import RequestFactory, override_settings
from django.utils import timezone, translation

from salesmesh.org.models import User
from salesmesh.security.lockout import client_ip, lockout_message
from tests.security.conftest import PASSWORD, WRONG, sign_in

pytestmark = pytest.mark.django_db


def fail(client, times: int, *, username: str = "lin", ip: str = "10.0.0.1") -> list[int]:
    return [sign_in(client, username, WRONG, ip=ip).status_code for _ in range(times)]


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def test_the_limit_and_cool_off_come_from_the_environment_defaults() -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_under_the_limit_a_wrong_password_is_just_refused(client, member) -> None:
    assert fail(client, 4) == [200, 200, 200, 200]
    response = sign_in(client, "lin", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_fifth_failure_locks_the_username_from_that_address(client, member) -> None:
    assert fail(client, 5) == [200, 200, 200, 200, 429]

    # Even the right password is refused during the cool-off, with the reason shown.
    response = sign_in(client, "lin", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert not signed_in(client)
    page = response.content.decode()
    assert "Too many failed sign-ins for this username from your address" in page
    assert "blocked for 15 minutes after the last attempt" in page
    assert 'value="lin"' in page  # the form is still there, filled in
    assert "didn&#x27;t match" not in page  # not the wrong-password message


def test_the_lock_is_per_username_and_address(client, member) -> None:
    User.objects.create_user(username="mei", password=PASSWORD)
    fail(client, 5)

    assert (
        sign_in(client, "lin", PASSWORD, ip="10.0.0.2").status_code == 302
    )  # same user, elsewhere
    client.logout()
    assert sign_in(client, "mei", PASSWORD).status_code == 302  # same address, another user


def test_after_the_cool_off_the_user_signs_in_again(client, member) -> None:
    fail(client, 5)
    assert sign_in(client, "lin", PASSWORD).status_code == 429

    # Every attempt so far is now older than the cool-off.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    response = sign_in(client, "lin", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_a_success_resets_the_count(client, member) -> None:
    fail(client, 4)
    assert sign_in(client, "lin", PASSWORD).status_code == 302
    client.logout()

    assert fail(client, 4) == [200, 200, 200, 200]  # counting starts again
    assert fail(client, 1) == [429]


@override_settings(AXES_FAILURE_LIMIT=2)
def test_the_limit_is_configurable(client, member) -> None:
    assert fail(client, 2) == [200, 429]


def test_the_message_is_translated(client, member) -> None:
    with translation.override("en"):
        english = lockout_message()
    with translation.override("zh-hans"):
        chinese = lockout_message()
    assert "15 minutes" in english
    assert "15" in chinese


def test_the_test_clients_login_without_a_request_still_works(client, member) -> None:
    # authenticate() without a request (the test client, management commands)
    # has no address to count against: the lockout backend stands aside.
    assert client.login(username="lin", password=PASSWORD)


def test_the_client_address_is_the_peer_unless_behind_the_proxy() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7"
    )
    assert client_ip(request) == "10.9.9.9"  # a client-supplied header is not trusted
    with override_settings(SALESMESH_BEHIND_PROXY=True):
        # The right-most entry is the one our proxy appended; earlier ones are forgeable.
        assert client_ip(request) == "203.0.113.7"
        bare = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9")
        assert client_ip(bare) == "10.9.9.9"
