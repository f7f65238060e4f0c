"""`salesmesh rollups --verify` finds every drift from a recount; `--rebuild` repairs it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from salesmesh.activities.models import AccountWeeklyTouch, Activity, ActivityDailyRollup
from salesmesh.activities.rollup_audit import DAILY, WEEKLY, rollups_rebuild, rollups_verify
from salesmesh.activities.services import activities_bulk_create
from tests.accounts.factories import make_account, make_line, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    line = make_line()
    people = [make_user() for _ in range(3)]
    accounts = [make_account(line, people[0]) for _ in range(4)]
    start = datetime(2026, 1, 4, 12, tzinfo=UTC)  # 20:00 Sunday in Shanghai
    activities_bulk_create(
        rows=[
            Activity(
                person=people[i % 3],
                account=accounts[i % 4] if i % 5 else None,
                type=("call", "visit", "wecom")[i % 3],
                occurred_at=start + timedelta(hours=3 * i),
                reached=i % 4 == 0,
            )
            for i in range(200)
        ]
    )
    return people, accounts


def test_maintained_rollups_verify_clean(seeded):
    assert rollups_verify() == []
    out = StringIO()
    call_command("rollups", "--verify", stdout=out)
    assert out.getvalue().strip()


def test_verify_reports_changed_missing_and_extra_rows(seeded):
    people, _accounts = seeded
    changed = ActivityDailyRollup.objects.order_by("pk").first()
    ActivityDailyRollup.objects.filter(pk=changed.pk).update(attempts=changed.attempts + 2)
    missing = AccountWeeklyTouch.objects.order_by("pk").first()
    AccountWeeklyTouch.objects.filter(pk=missing.pk).delete()
    ActivityDailyRollup.objects.create(
        person=people[0], day=date(2020, 1, 1), type="demo", attempts=1, reached=0
    )

    differences = rollups_verify()

    assert {(d.table, d.key) for d in differences} == {
        (DAILY, (changed.person_id, changed.day, changed.type)),
        (WEEKLY, (missing.account_id, missing.week_start)),
        (DAILY, (people[0].pk, date(2020, 1, 1), "demo")),
    }
    by_key = {d.key: d for d in differences}
    assert by_key[(missing.account_id, missing.week_start)].stored == (0, 0)
    assert by_key[(people[0].pk, date(2020, 1, 1), "demo")].expected == (0, 0)


def test_the_command_exits_1_on_differences_and_rebuild_repairs_them(seeded):
    ActivityDailyRollup.objects.all().update(reached=0)
    AccountWeeklyTouch.objects.order_by("pk").first().delete()
    out = StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("rollups", "--verify", stdout=out)
    assert failed.value.returncode == 1
    assert "expected" in out.getvalue()

    call_command("rollups", "--rebuild", stdout=StringIO())
    assert rollups_verify() == []
    call_command("rollups", "--verify", stdout=StringIO())


def test_rebuild_reproduces_the_maintained_tables_exactly(seeded):
    maintained = (
        set(
            ActivityDailyRollup.objects.values_list(
                "person_id", "day", "type", "attempts", "reached"
            )
        ),
        set(
            AccountWeeklyTouch.objects.values_list("account_id", "week_start", "touches", "reached")
        ),
    )

    report = rollups_rebuild()

    rebuilt = (
        set(
            ActivityDailyRollup.objects.values_list(
                "person_id", "day", "type", "attempts", "reached"
            )
        ),
        set(
            AccountWeeklyTouch.objects.values_list("account_id", "week_start", "touches", "reached")
        ),
    )
    assert rebuilt == maintained
    assert (report.daily_rows, report.weekly_rows) == tuple(len(t) for t in maintained)


def test_the_recount_is_a_fixed_number_of_queries(seeded, django_assert_num_queries):
    # A recount and a read per table, in a savepoint (the test's transaction is outside).
    with django_assert_num_queries(6):
        rollups_verify()


def test_the_command_needs_one_action():
    with pytest.raises(CommandError):
        call_command("rollups")


@pytest.mark.django_db(transaction=True)
def test_verify_outside_any_transaction_reads_one_snapshot():
    # As `salesmesh rollups --verify` runs it: the outermost transaction, where
    # PostgreSQL is asked for REPEATABLE READ before the first read.
    activities_bulk_create(
        rows=[
            Activity(person=make_user(), type="call", occurred_at=datetime(2026, 1, 5, tzinfo=UTC))
        ]
    )

    assert rollups_verify() == []
    call_command("rollups", "--verify", stdout=StringIO())


def _tables() -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    return (
        set(
            ActivityDailyRollup.objects.values_list(
                "person_id", "day", "type", "attempts", "reached"
            )
        ),
        set(
            AccountWeeklyTouch.objects.values_list("account_id", "week_start", "touches", "reached")
        ),
    )


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/St_Johns"])
def test_rebuild_days_in_sql_match_the_zone_across_its_transitions(settings, zone):
    """On SQLite the rebuild computes local days in SQL (no Python call per row).

    Activities every 37 minutes over two days around each of 2026's clock changes (none in
    Shanghai; Berlin's in March and October; St John's, half an hour off the hour), each
    counted on the day and week the zone gives them as the maintained rollups count them.
    """
    settings.TIME_ZONE = zone
    line = make_line()
    person = make_user()
    account = make_account(line, person)
    instants = [
        around + timedelta(minutes=37 * n)
        for around in (
            datetime(2026, 3, 7, tzinfo=UTC),  # St John's moves its clocks on 8 March
            datetime(2026, 3, 28, tzinfo=UTC),  # Berlin on 29 March
            datetime(2026, 10, 24, tzinfo=UTC),  # Berlin on 25 October
            datetime(2026, 10, 31, tzinfo=UTC),  # St John's on 1 November
        )
        for n in range(2 * 24 * 60 // 37)
    ]
    activities_bulk_create(
        rows=[
            Activity(
                person=person,
                account=account,
                type=("call", "visit")[n % 2],
                occurred_at=at,
                reached=n % 3 == 0,
            )
            for n, at in enumerate(instants)
        ]
    )
    maintained = _tables()
    statements: list[str] = []

    def capture(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        rollups_rebuild()

    assert _tables() == maintained
    assert rollups_verify() == []
    if connection.vendor == "sqlite":
        # Django's per-row local day is a Python function SQLite calls for every row.
        assert not any("django_datetime_cast_date" in sql for sql in statements)
        assert any("CASE WHEN" in sql for sql in statements) is (zone != "Asia/Shanghai")
