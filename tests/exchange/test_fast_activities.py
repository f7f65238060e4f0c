"""The vectorised activity path gives exactly what the ordinary path gives, or steps aside."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesmesh.activities.models import AccountWeeklyTouch, Activity, ActivityDailyRollup
from salesmesh.activities.rollup_audit import rollups_verify
from salesmesh.exchange import fast_activities
from salesmesh.exchange.importer import import_path
from salesmesh.org.models import User

pytestmark = pytest.mark.django_db

HEADER = ["external_id", "type", "person", "account", "occurred_at", "reached", "duration_minutes"]
# Kept before any test wraps it: hypothesis reuses one monkeypatch for all its examples.
REAL_ATTEMPT = fast_activities.attempt
OFFSETS = [timezone(timedelta(hours=8)), UTC, timezone(timedelta(hours=-5))]


@pytest.fixture
def accounts(demo_company):  # type: ignore[no-untyped-def]
    from salesmesh.accounts.services import account_create
    from salesmesh.org.models import OrgUnit

    line = OrgUnit.objects.get(code="ka")
    owner = User.objects.get(username="bd")
    return [
        account_create(line=line, name=f"客户{i}", owner=owner, external_id=f"FA-{i}").external_id
        for i in range(4)
    ]


def _state() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]]:
    activities = list(
        Activity.objects.order_by("external_id").values_list(
            "external_id", "type", "person_id", "account_id", "occurred_at", "reached",
            "duration_minutes",
        )
    )  # fmt: skip
    daily = list(
        ActivityDailyRollup.objects.order_by("person", "day", "type").values_list(
            "person_id", "day", "type", "attempts", "reached"
        )
    )
    weekly = list(
        AccountWeeklyTouch.objects.order_by("account", "week_start").values_list(
            "account_id", "week_start", "touches", "reached"
        )
    )
    return activities, daily, weekly


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _import(path: Path, *, fast: bool, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    used: list[bool] = []

    def spy(**kwargs):  # type: ignore[no-untyped-def]
        result = REAL_ATTEMPT(**kwargs) if fast else None
        used.append(result is not None)
        return result

    monkeypatch.setattr(fast_activities, "attempt", spy)
    outcome = import_path(
        kind="activities",
        path=path,
        filename=path.name,
        user=User.objects.get(username="admin"),
        commit=True,
    )
    return outcome, used == [True]


row_strategy = st.tuples(
    st.sampled_from(["call", "visit", "wecom", "电话"]),
    st.sampled_from(["sdr", "bd", "presales"]),
    st.sampled_from(["", "0", "1", "2", "3"]),
    st.datetimes(min_value=datetime(2025, 12, 25), max_value=datetime(2026, 1, 10)),  # noqa: DTZ001
    st.sampled_from(OFFSETS),
    st.booleans(),
    st.integers(min_value=0, max_value=90),
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(row_strategy, min_size=1, max_size=40), changed=st.integers(0, 40))
def test_fast_and_ordinary_paths_store_the_same_rows_and_rollups(
    accounts, tmp_path, monkeypatch, rows, changed
):
    def as_cells(index, row, shift=timedelta(0)):  # type: ignore[no-untyped-def]
        kind, person, account, moment, offset, reached, minutes = row
        account_id = accounts[int(account)] if account else ""
        when = (moment + shift).replace(tzinfo=offset).isoformat()
        return [f"X-{index}", kind, person, account_id, when, str(reached).lower(), str(minutes)]

    first = _write(tmp_path / "first.csv", [as_cells(i, row) for i, row in enumerate(rows)])
    second = _write(
        tmp_path / "second.csv",
        [
            as_cells(i, row, timedelta(hours=30) if i < changed else timedelta(0))
            for i, row in enumerate(rows)
        ],
    )
    states = []
    for fast in (True, False):
        with transaction.atomic():
            one, used_one = _import(first, fast=fast, monkeypatch=monkeypatch)
            two, used_two = _import(second, fast=fast, monkeypatch=monkeypatch)
            assert (used_one, used_two) == (fast, fast)
            assert one.ok
            assert two.ok
            assert rollups_verify() == []
            states.append((_state(), (one.created, two.created, two.updated, two.unchanged)))
            transaction.set_rollback(True)
    assert states[0] == states[1]


def test_a_doubtful_file_steps_aside_and_the_ordinary_path_reports_the_row(
    accounts, tmp_path, monkeypatch
):
    path = _write(
        tmp_path / "bad.csv",
        [
            ["Y-1", "call", "sdr", accounts[0], "2026-01-05T09:00:00+08:00", "true", "3"],
            ["Y-2", "call", "sdr", accounts[0], "2026/1/5 9:00", "maybe", "3"],
        ],
    )
    outcome, used = _import(path, fast=True, monkeypatch=monkeypatch)
    assert not used
    assert [(e.row, e.column) for e in outcome.errors.items] == [(3, "reached")]
    assert not Activity.objects.filter(external_id__startswith="Y-").exists()


def test_blocks_end_between_records_even_inside_quoted_line_breaks(tmp_path, monkeypatch):
    monkeypatch.setattr(fast_activities, "BLOCK_BYTES", 64)
    records = [[f"id-{i}", f'line one\nline "two", {i}', "x" * (i % 50)] for i in range(200)]
    path = tmp_path / "quoted.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["a", "b", "c"])
        writer.writerows(records)
    blocks = list(fast_activities._blocks(path))
    assert len(blocks) > 10
    parsed = [row for block in blocks for row in csv.reader(block.decode().splitlines(True))]
    assert parsed == records
