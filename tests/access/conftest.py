"""The crafted company (tests/access/world.py), built once per test module.

``build_world()`` costs a few hundred queries; the matrix asks for it in a few hundred
tests. So each module that uses the ``world`` fixture builds it once, inside a transaction
opened for the module and rolled back after its last test. Every test still runs in its own
transaction (pytest-django's, here a savepoint inside the module's), rolled back when the
test ends: what a test writes — an update, a delete, an import, a new record — is gone
before the next test starts, and each test sees the world exactly as built, on SQLite and
PostgreSQL alike. (A ``transaction=True`` test would flush the tables instead: such a test
must not use this fixture.)
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.db.models import Model
from pytest_django import DjangoDbBlocker

from salesmesh.org.models import User
from tests.access.world import World, build_world


def _counts(world: World) -> dict[str, int]:
    """Rows of every kind of record the world holds, and of people."""
    models: set[type[Model]] = {User}
    models.update(type(obj) for group in world.records.values() for obj in group.values())
    return {m._meta.label: m._default_manager.count() for m in models}


@pytest.fixture(scope="module")
def shared_world(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[tuple[World, dict[str, int]]]:
    """The world of one test module, in a transaction rolled back after the module."""
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            world = build_world()
            counts = _counts(world)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield world, counts
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(shared_world: tuple[World, dict[str, int]], db: None) -> World:
    """The module's world for one test: its rows as built (the test before rolled back what
    it wrote), and a copy of its Python objects of the test's own (one a test refreshes or
    changes leaves the next test's untouched)."""
    built, counts = shared_world
    assert _counts(built) == counts, "a test before this one left rows behind"
    return copy.deepcopy(built)
