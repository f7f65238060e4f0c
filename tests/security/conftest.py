"""A user with a known password, signing in through the real login form."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from salesmesh.org.models import User

PASSWORD = "correct horse battery staple"
WRONG = "not the password"


@pytest.fixture
def member(db: None) -> User:
    return User.objects.create_user(username="lin", password=PASSWORD)


def sign_in(
    client: Client, username: str, password: str, *, ip: str = "10.0.0.1", **extra: str
) -> object:
    """POST the login form from a given client address; the response is returned."""
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        **extra,
    )
