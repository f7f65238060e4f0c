"""rollup_deltas: pure folding of signed activities into per-key changes (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from salesmesh.activities.rollups import SignedActivity, rollup_deltas

SHANGHAI = ZoneInfo("Asia/Shanghai")


def act(when: datetime, *, person=1, account=7, kind="call", reached=False, sign=1):
    return SignedActivity(person, account, kind, when, reached, sign)


def test_days_are_shanghai_days_not_utc_days():
    late_evening = datetime(2026, 1, 5, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    after_midnight = datetime(2026, 1, 5, 16, 0, tzinfo=UTC)  # 00:00 next day in Shanghai

    daily, _ = rollup_deltas([act(late_evening), act(after_midnight)], tz=SHANGHAI)

    assert daily == {(1, date(2026, 1, 5), "call"): (1, 0), (1, date(2026, 1, 6), "call"): (1, 0)}


def test_weeks_start_on_the_local_monday():
    sunday_night = datetime(2026, 1, 11, 23, 0, tzinfo=SHANGHAI)
    monday_morning = datetime(2026, 1, 12, 0, 30, tzinfo=SHANGHAI)

    _, weekly = rollup_deltas([act(sunday_night, reached=True), act(monday_morning)], tz=SHANGHAI)

    assert weekly == {(7, date(2026, 1, 5)): (1, 1), (7, date(2026, 1, 12)): (1, 0)}


def test_attempts_and_reached_add_up_per_key():
    when = datetime(2026, 1, 6, 10, tzinfo=SHANGHAI)

    daily, weekly = rollup_deltas(
        [act(when, reached=True), act(when), act(when, kind="visit", reached=True)], tz=SHANGHAI
    )

    assert daily == {
        (1, date(2026, 1, 6), "call"): (2, 1),
        (1, date(2026, 1, 6), "visit"): (1, 1),
    }
    assert weekly == {(7, date(2026, 1, 5)): (3, 2)}


def test_changes_that_cancel_leave_no_key():
    when = datetime(2026, 1, 6, 10, tzinfo=SHANGHAI)

    daily, weekly = rollup_deltas([act(when, reached=True), act(when, reached=True, sign=-1)])

    assert (daily, weekly) == ({}, {})


def test_an_update_moves_one_count_between_keys():
    before = act(datetime(2026, 1, 6, 10, tzinfo=SHANGHAI), reached=False, sign=-1)
    after = act(datetime(2026, 1, 6, 11, tzinfo=SHANGHAI), reached=True)

    daily, weekly = rollup_deltas([before, after], tz=SHANGHAI)

    # Same day, same type: only "reached" changes.
    assert daily == {(1, date(2026, 1, 6), "call"): (0, 1)}
    assert weekly == {(7, date(2026, 1, 5)): (0, 1)}


def test_activities_without_an_account_count_for_the_person_only():
    daily, weekly = rollup_deltas([act(datetime(2026, 1, 6, tzinfo=SHANGHAI), account=None)])

    assert len(daily) == 1
    assert weekly == {}
