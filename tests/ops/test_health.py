"""/healthz: open without a login, 200 when healthy, 503 naming the failed check, nothing leaked."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import OperationalError

pytestmark = pytest.mark.django_db

HEALTHY = {"status": "ok", "database": "ok", "migrations": "ok"}


def test_healthy_without_a_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == HEALTHY
    assert "no-cache" in response["Cache-Control"]
    assert client.head("/healthz").status_code == 200


def test_only_reads_are_allowed(client):
    assert client.post("/healthz").status_code == 405


def test_an_unapplied_migration_is_503(client):
    # Forget that the newest migration of one app ran: the plan to the code's leaves is not empty.
    executor = MigrationExecutor(connection)
    app, name = next(
        (app, name) for app, name in sorted(executor.loader.graph.leaf_nodes()) if app == "org"
    )
    MigrationRecorder.Migration.objects.filter(app=app, name=name).delete()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "migrations": "pending"}


def test_a_database_error_is_503_and_its_text_stays_in_the_log(client, caplog):
    secret = "password authentication failed for user salesmesh at 10.0.0.7"
    with mock.patch.object(connection, "ensure_connection", side_effect=OperationalError(secret)):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "migrations": "skipped"}
    assert secret not in response.content.decode()
    assert any(secret in (record.exc_text or "") for record in caplog.records)


def test_a_query_that_fails_is_503(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_the_migration_state_unreadable_is_503(client):
    with mock.patch.object(
        MigrationExecutor, "migration_plan", side_effect=OperationalError("no table")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "migrations": "error"}


def test_the_body_names_no_versions_or_settings(client):
    body = client.get("/healthz").content.decode().lower()
    for word in ("django", "python", "version", "sqlite", "postgres", "debug", "secret"):
        assert word not in body
