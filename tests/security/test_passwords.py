"""Passwords are hashed with Argon2; older PBKDF2 hashes still verify and are upgraded."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.test import override_settings

from salesmesh.config.settings import base
from salesmesh.org.models import User
from tests.security.conftest import PASSWORD, sign_in

ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_is_the_hasher_for_new_passwords() -> None:
    # The test settings swap in a fast hasher; every real environment uses base's list.
    assert base.PASSWORD_HASHERS[0] == ARGON2
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in base.PASSWORD_HASHERS


@override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)
def test_a_new_password_is_stored_as_argon2(db: None) -> None:
    user = User.objects.create_user(username="wen", password=PASSWORD)
    assert user.password.startswith("argon2$argon2id$")
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
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)
