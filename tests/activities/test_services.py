"""Every activity write path keeps the rollups equal to a recount, in a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.deletion import ProtectedError
from django.test.utils import CaptureQueriesContext

from salesmesh.activities.models import (
    AccountWeeklyTouch,
    Activity,
    ActivityDailyRollup,
    ActivityType,
    SolutionRequest,
)
from salesmesh.activities.rollup_audit import rollups_verify
from salesmesh.activities.selectors import activities_visible_to, daily_rollups_visible_to
from salesmesh.activities.services import (
    activities_bulk_create,
    activities_bulk_delete,
    activity_create,
    activity_delete,
    activity_update,
    solution_request_create,
    solution_request_update,
)
from salesmesh.org.models import Role
from salesmesh.pipeline.services import opportunity_create
from tests.accounts.factories import make_account, make_line, make_team, make_user, shanghai

pytestmark = pytest.mark.django_db


@pytest.fixture
def line():
    return make_line()


@pytest.fixture
def rep():
    return make_user("rep")


@pytest.fixture
def account(line, rep):
    return make_account(line, rep)


def daily() -> dict[tuple[int, date, str], tuple[int, int]]:
    return {
        (r.person_id, r.day, r.type): (r.attempts, r.reached)
        for r in ActivityDailyRollup.objects.all()
    }


def weekly() -> dict[tuple[int, date], tuple[int, int]]:
    return {
        (r.account_id, r.week_start): (r.touches, r.reached)
        for r in AccountWeeklyTouch.objects.all()
    }


def test_creating_an_activity_counts_it_on_its_shanghai_day_and_week(rep, account):
    # 23:30 on Sunday 11 January in Shanghai is 15:30 UTC the same day.
    activity_create(
        person=rep,
        type=ActivityType.CALL,
        occurred_at=datetime(2026, 1, 11, 15, 30, tzinfo=UTC),
        reached=True,
        account=account,
    )

    assert daily() == {(rep.pk, date(2026, 1, 11), "call"): (1, 1)}
    assert weekly() == {(account.pk, date(2026, 1, 5)): (1, 1)}
    assert rollups_verify() == []


def test_updating_moves_the_counts_and_deleting_removes_empty_rows(rep, account):
    activity = activity_create(
        person=rep, type="call", occurred_at=shanghai(2026, 1, 11, 23), account=account
    )

    activity_update(activity=activity, occurred_at=shanghai(2026, 1, 12, 1), reached=True)
    assert daily() == {(rep.pk, date(2026, 1, 12), "call"): (1, 1)}
    assert weekly() == {(account.pk, date(2026, 1, 12)): (1, 1)}

    activity_update(activity=activity, type="visit", account=None)
    assert daily() == {(rep.pk, date(2026, 1, 12), "visit"): (1, 1)}
    assert weekly() == {}

    activity_delete(activity=activity)
    assert (daily(), weekly()) == ({}, {})
    assert not Activity.objects.exists()
    assert rollups_verify() == []


def test_deleting_an_activity_twice_changes_nothing_the_second_time(rep):
    activity = activity_create(person=rep, type="email", occurred_at=shanghai(2026, 1, 5, 9))

    assert activity_delete(activity=activity) == 1
    assert activity_delete(activity=activity) == 0
    assert rollups_verify() == []


def test_an_activity_on_a_deal_is_with_the_deal_account(line, rep, account):
    deal = opportunity_create(line=line, account=account, name="deal", owner=rep)
    other = make_account(line, rep)

    activity = activity_create(
        person=rep, type="visit", occurred_at=shanghai(2026, 1, 6, 10), opportunity=deal
    )
    assert activity.account == account
    with pytest.raises(ValidationError):
        activity_create(
            person=rep,
            type="visit",
            occurred_at=shanghai(2026, 1, 6, 11),
            opportunity=deal,
            account=other,
        )
    assert rollups_verify() == []


def test_naive_times_and_unknown_types_are_refused(rep):
    with pytest.raises(ValidationError):
        activity_create(person=rep, type="call", occurred_at=datetime(2026, 1, 5, 9))  # noqa: DTZ001
    with pytest.raises(ValidationError):
        activity_create(person=rep, type="fax", occurred_at=shanghai(2026, 1, 5, 9))
    with pytest.raises(ValidationError):
        activities_bulk_create(
            rows=[Activity(person=rep, type="fax", occurred_at=shanghai(2026, 1, 5))]
        )
    assert not ActivityDailyRollup.objects.exists()


def build(rep, account, n: int, start: datetime) -> list[Activity]:
    types = ActivityType.values
    return [
        Activity(
            person=rep,
            account=account if i % 3 else None,
            type=types[i % len(types)],
            occurred_at=start + timedelta(minutes=37 * i),
            reached=i % 2 == 0,
            duration_minutes=i % 60,
        )
        for i in range(n)
    ]


def queries_of(callable_) -> int:
    with CaptureQueriesContext(connection) as context:
        callable_()
    return len(context)


def test_bulk_create_of_a_thousand_runs_as_many_queries_as_of_ten(rep, account):
    start = shanghai(2026, 1, 1)
    ten = queries_of(lambda: activities_bulk_create(rows=build(rep, account, 10, start)))
    thousand = queries_of(
        lambda: activities_bulk_create(rows=build(rep, account, 1000, start + timedelta(days=60)))
    )

    # savepoint, one insert, an upsert per rollup table, release
    assert thousand == ten == 5
    assert Activity.objects.count() == 1010
    assert rollups_verify() == []


def test_bulk_delete_takes_exactly_the_deleted_rows_out(rep, account):
    activities_bulk_create(rows=build(rep, account, 300, shanghai(2026, 1, 1)))
    calls = Activity.objects.filter(type="call")
    expected = calls.count()

    with CaptureQueriesContext(connection) as context:
        removed = activities_bulk_delete(queryset=calls)

    assert removed == expected
    # savepoint, one DELETE … RETURNING, per table an upsert and a zero-row delete, release
    assert len(context) == 7
    assert not Activity.objects.filter(type="call").exists()
    assert not ActivityDailyRollup.objects.filter(type="call").exists()
    assert rollups_verify() == []


def test_single_writes_cost_a_fixed_number_of_queries(rep, account, django_assert_num_queries):
    # Validation (foreign keys, each check constraint in a savepoint), the write,
    # one upsert per rollup table, and the zero-row deletes after a removal.
    with django_assert_num_queries(13):
        activity = activity_create(
            person=rep, type="call", occurred_at=shanghai(2026, 1, 5, 9), account=account
        )
    with django_assert_num_queries(14):
        activity_update(activity=activity, reached=True)
    with django_assert_num_queries(7):
        activity_delete(activity=activity)


def test_people_and_accounts_with_activities_cannot_be_deleted_under_the_rollups(rep, account):
    activity_create(person=rep, type="call", occurred_at=shanghai(2026, 1, 5, 9), account=account)

    with pytest.raises(ProtectedError):
        account.delete()
    with pytest.raises(ProtectedError):
        rep.delete()


def test_activities_and_rollups_are_scoped_to_the_people_one_manages(line):
    team = make_team(line, "east")
    rep, outsider = make_user(unit=team), make_user()
    manager = make_user(unit=team, role=Role.MANAGER)
    for person in (rep, outsider):
        activity_create(person=person, type="call", occurred_at=shanghai(2026, 1, 5, 9))

    assert {a.person for a in activities_visible_to(user=manager)} == {rep}
    rollups = daily_rollups_visible_to(user=manager, start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert {r.person_id for r in rollups} == {rep.pk}


def test_solution_request_steps_are_in_order(line, rep, account):
    presales = make_user("presales")
    request = solution_request_create(
        account=account, presales_owner=presales, requested_at=shanghai(2026, 1, 5, 9)
    )
    request = solution_request_update(
        solution_request=request,
        responded_at=shanghai(2026, 1, 5, 15),
        submitted_at=shanghai(2026, 1, 8, 9),
    )

    with pytest.raises(ValidationError):
        solution_request_update(solution_request=request, reviewed_at=shanghai(2026, 1, 7, 9))
    with pytest.raises(ValidationError):
        solution_request_update(solution_request=request, passed_first_review=True)
    request = solution_request_update(
        solution_request=request, reviewed_at=shanghai(2026, 1, 9), passed_first_review=False
    )
    assert request.passed_first_review is False


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("requested_at", "responded_at"),
        ("requested_at", "completed_at"),
        ("submitted_at", "reviewed_at"),
    ],
)
def test_the_database_refuses_steps_out_of_order(account, earlier, later):
    fields = {
        "requested_at": shanghai(2026, 1, 5),
        earlier: shanghai(2026, 1, 10),
        later: shanghai(2026, 1, 9),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        SolutionRequest.objects.create(account=account, presales_owner=account.owner, **fields)


def test_a_gap_in_the_steps_is_allowed(account):
    request = solution_request_create(
        account=account,
        presales_owner=account.owner,
        requested_at=shanghai(2026, 1, 5),
        completed_at=shanghai(2026, 1, 20),
    )
    assert request.responded_at is None
