"""Fixtures shared across the suite."""

from __future__ import annotations

import pytest
from django.utils import translation

from salesmesh.demo.seed import DEMO_PASSWORD, seed_demo_company
from salesmesh.org.models import User


@pytest.fixture
def demo_company(db: None) -> None:
    """The seeded demo company (three business lines, one login per role)."""
    seed_demo_company()


@pytest.fixture
def demo_password() -> str:
    return DEMO_PASSWORD


@pytest.fixture
def login_as(client, demo_company):  # type: ignore[no-untyped-def]
    """Log the Django test client in as a demo login and return that user."""

    def _login(username: str) -> User:
        user = User.objects.get(username=username)
        client.force_login(user)
        return user

    return _login


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language; nothing leaks from the test before."""
    translation.deactivate()
    yield
    translation.deactivate()
