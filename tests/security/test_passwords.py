"""Passwords are hashed with Argon2id at OWASP's cost; older hashes (PBKDF2, Argon2 with
Django's own settings) still verify and are upgraded at the next sign-in."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher
from django.contrib.auth.hashers import make_password
from django.test import override_settings

from salesmesh.config.settings import base
from salesmesh.org.models import User
from tests.security.conftest import PASSWORD, sign_in

ARGON2 = "salesmesh.accounts.hashers.Argon2PasswordHasher"
# OWASP's Password Storage Cheat Sheet: Argon2id, 46 MiB, one pass, one lane.
OWASP_PARAMETERS = "argon2$argon2id$v=19$m=47104,t=1,p=1$"


def test_argon2_is_the_hasher_for_new_passwords() -> None:
    # The test settings swap in a fast hasher; every real environment uses base's list.
    assert base.PASSWORD_HASHERS[0] == ARGON2
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in base.PASSWORD_HASHERS


@override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)
def test_a_new_password_is_stored_as_argon2id_at_owasps_cost(db: None) -> None:
    user = User.objects.create_user(username="wen", password=PASSWORD)
    assert user.password.startswith(OWASP_PARAMETERS)
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD + "x")


@override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)
@pytest.mark.django_db
def test_an_argon2_hash_with_djangos_settings_signs_in_and_is_resized(client) -> None:
    # Hashes made before salesmesh chose its cost (Django's 100 MiB, t=2, p=8).
    older = DjangoArgon2PasswordHasher().encode(PASSWORD, DjangoArgon2PasswordHasher().salt())
    assert older.startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$")
    User.objects.create(username="early", password=older)

    assert sign_in(client, "early", "not-" + PASSWORD).status_code == 200  # refused
    assert User.objects.get(username="early").password == older  # a wrong one changes nothing
    response = sign_in(client, "early", PASSWORD)

    assert response.status_code == 302
    user = User.objects.get(username="early")
    assert user.password.startswith(OWASP_PARAMETERS)
    assert user.check_password(PASSWORD)


@override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)
@pytest.mark.django_db
def test_a_pbkdf2_password_still_signs_in_and_is_upgraded_to_argon2(client) -> None:
    legacy = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user = User.objects.create(username="old-timer", password=legacy)
    assert user.password.startswith("pbkdf2_sha256$")

    response = sign_in(client, "old-timer", PASSWORD)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith(OWASP_PARAMETERS)
    assert user.check_password(PASSWORD)
