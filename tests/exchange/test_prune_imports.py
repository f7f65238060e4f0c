"""`salesmesh prune-imports`: old uploads go, runs whose worker died stop waiting."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from salesmesh.exchange.models import ImportRun, ImportStatus
from salesmesh.org.models import User

pytestmark = pytest.mark.django_db


def test_old_uploads_are_removed_and_stuck_runs_marked_failed(demo_company, tmp_path):
    admin = User.objects.get(username="admin")
    old_file, new_file = tmp_path / "old.csv", tmp_path / "new.csv"
    old_file.write_text("x")
    new_file.write_text("x")
    old = ImportRun.objects.create(
        kind="accounts", filename="old.csv", stored_path=str(old_file), created_by=admin,
        status=ImportStatus.VALID,
    )  # fmt: skip
    recent = ImportRun.objects.create(
        kind="accounts", filename="new.csv", stored_path=str(new_file), created_by=admin,
        status=ImportStatus.VALID,
    )  # fmt: skip
    stuck = ImportRun.objects.create(
        kind="activities", filename="big.csv", created_by=admin, status=ImportStatus.IMPORTING
    )
    ImportRun.objects.filter(pk__in=[old.pk, stuck.pk]).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    out = io.StringIO()
    with translation.override("en"):
        call_command("prune_imports", stdout=out)

    assert "1 old uploads removed, 1 stuck runs marked failed" in out.getvalue()
    assert not old_file.exists()
    assert new_file.exists()
    old.refresh_from_db()
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, old.stored_path) == (ImportStatus.FAILED, "")
    assert stuck.status == ImportStatus.FAILED
    assert recent.status == ImportStatus.VALID
