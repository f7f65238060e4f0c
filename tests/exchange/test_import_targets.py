"""Targets import: each line and period's numbers become the next draft version of its plan."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from salesmesh.exchange.importer import import_path
from salesmesh.org.models import User
from salesmesh.planning.documents import locked_amounts
from salesmesh.planning.models import PlanStatus, PlanVersion

pytestmark = pytest.mark.django_db


def run(path: Path, username: str):  # type: ignore[no-untyped-def]
    with translation.override("en"):
        return import_path(
            kind="targets",
            path=path,
            filename=path.name,
            user=User.objects.get(username=username),
            commit=True,
        )


def smb_period() -> str:
    return PlanVersion.objects.get(unit__code="smb", status=PlanStatus.APPROVED).period_label


def targets_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "targets.csv"
    path.write_text("业务线,期间,团队或个人,目标\n" + body, encoding="utf-8")
    return path


def test_targets_become_a_new_draft_version_and_a_second_import_saves_nothing(
    demo_company, tmp_path
):
    period = smb_period()
    path = targets_file(tmp_path, f"smb,{period},,500万\nsmb,{period},smb-east,200万\n")
    before = PlanVersion.objects.filter(unit__code="smb").count()

    outcome = run(path, "manager")
    assert outcome.ok, outcome.errors.items
    assert (outcome.updated, outcome.unchanged) == (2, 0)
    draft = PlanVersion.objects.filter(unit__code="smb").order_by("-number").first()
    assert draft.status == PlanStatus.DRAFT
    assert PlanVersion.objects.filter(unit__code="smb").count() == before + 1
    assert Decimal(str(draft.assumptions["target"])) == Decimal(5_000_000)
    locked = dict(locked_amounts(draft.assumptions["allocation"]["org"]))
    assert Decimal(str(locked["smb-east"])) == Decimal(2_000_000)
    # The planner ran: the stored result is for the new target.
    assert draft.result["period"] == period

    again = run(path, "manager")
    assert (again.updated, again.unchanged) == (0, 2)
    assert PlanVersion.objects.filter(unit__code="smb").count() == before + 1


def test_a_rep_may_not_set_targets_and_unknown_assignees_are_reported(demo_company, tmp_path):
    period = smb_period()
    before = PlanVersion.objects.count()
    rep = run(targets_file(tmp_path, f"smb,{period},,500万\n"), "rep")
    assert not rep.ok
    assert "managers" in rep.errors.items[0].message

    bad = run(targets_file(tmp_path, f"smb,{period},nobody,5万\n"), "manager")
    assert [(e.row, e.column, e.value) for e in bad.errors.items] == [(2, "团队或个人", "nobody")]
    assert PlanVersion.objects.count() == before
