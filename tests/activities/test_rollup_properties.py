"""Property: any sequence of activity writes leaves the rollups equal to a fresh recount.

Random sequences of create, update, delete, bulk create and bulk delete run
through the services; after every step ``rollups_verify()`` must be empty.
At the end a rollup row is corrupted on purpose and ``--rebuild`` must
repair it. Times cluster around Shanghai midnights and the Sunday → Monday
boundary, and arrive in several time zones, where day and week bugs live.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from salesmesh.activities.models import (
    AccountWeeklyTouch,
    Activity,
    ActivityDailyRollup,
    ActivityType,
)
from salesmesh.activities.rollup_audit import rollups_verify
from salesmesh.activities.services import (
    activities_bulk_create,
    activities_bulk_delete,
    activity_create,
    activity_delete,
    activity_update,
)
from tests.accounts.factories import make_account, make_line, make_user

# Sunday 11 January 2026, 16:00 UTC = Monday 00:00 in Shanghai.
BOUNDARY = datetime(2026, 1, 11, 16, tzinfo=UTC)
ZONES = [UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")]

moments = st.builds(
    lambda days, seconds, zone: (BOUNDARY + timedelta(days=days, seconds=seconds)).astimezone(zone),
    st.integers(-8, 8),
    st.sampled_from([-3600, -1, 0, 1, 3600, 43200]),
    st.sampled_from(ZONES),
)
person_index = st.integers(0, 2)
account_index = st.one_of(st.none(), st.integers(0, 2))
activity_spec = st.fixed_dictionaries(
    {
        "person": person_index,
        "account": account_index,
        "type": st.sampled_from(ActivityType.values),
        "occurred_at": moments,
        "reached": st.booleans(),
    }
)
operations = st.one_of(
    st.tuples(st.just("create"), activity_spec),
    st.tuples(
        st.just("update"),
        st.tuples(
            st.integers(0, 50),
            st.dictionaries(
                st.sampled_from(["person", "account", "type", "occurred_at", "reached"]),
                st.none(),
                min_size=1,
            ),
            activity_spec,
        ),
    ),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("bulk_create"), st.lists(activity_spec, max_size=8)),
    st.tuples(
        st.just("bulk_delete"),
        st.one_of(
            st.tuples(st.just("person"), person_index),
            st.tuples(st.just("type"), st.sampled_from(ActivityType.values)),
            st.tuples(st.just("reached"), st.booleans()),
            st.tuples(st.just("before"), moments),
        ),
    ),
)


class RollupsMatchARecount(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        line = make_line()
        cls.people = [make_user(f"p{i}") for i in range(3)]
        cls.accounts = [make_account(line, cls.people[0], f"a{i}") for i in range(3)]

    def resolve(self, spec: dict[str, object]) -> dict[str, object]:
        return {
            **spec,
            "person": self.people[spec["person"]],
            "account": None if spec["account"] is None else self.accounts[spec["account"]],
        }

    def pick(self, index: int) -> Activity | None:
        existing = list(Activity.objects.order_by("pk"))
        return existing[index % len(existing)] if existing else None

    def run_operation(self, name: str, argument: object) -> None:
        if name == "create":
            activity_create(**self.resolve(argument))
        elif name == "update":
            index, fields, spec = argument
            target = self.pick(index)
            if target is not None:
                values = self.resolve(spec)
                activity_update(activity=target, **{field: values[field] for field in fields})
        elif name == "delete":
            target = self.pick(argument)
            if target is not None:
                activity_delete(activity=target)
        elif name == "bulk_create":
            activities_bulk_create(rows=[Activity(**self.resolve(spec)) for spec in argument])
        else:
            field, value = argument
            if field == "person":
                queryset = Activity.objects.filter(person=self.people[value])
            elif field == "before":
                queryset = Activity.objects.filter(occurred_at__lt=value)
            else:
                queryset = Activity.objects.filter(**{field: value})
            activities_bulk_delete(queryset=queryset)

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(steps=st.lists(operations, min_size=1, max_size=15))
    def test_every_sequence_of_writes_keeps_rollups_exact(self, steps) -> None:
        for name, argument in steps:
            self.run_operation(name, argument)
            assert rollups_verify() == [], (name, argument)

        # Corrupt the maintained tables on purpose: rebuild must repair them.
        daily = ActivityDailyRollup.objects.first()
        if daily is None:
            return
        ActivityDailyRollup.objects.filter(pk=daily.pk).update(attempts=daily.attempts + 3)
        AccountWeeklyTouch.objects.filter(
            pk__in=AccountWeeklyTouch.objects.values("pk")[:1]
        ).delete()
        assert rollups_verify() != []
        call_command("rollups", "--rebuild", stdout=StringIO())
        assert rollups_verify() == []
