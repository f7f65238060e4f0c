"""Behaviour actuals of a business line, from the rollups and the records, in fixed queries.

The fixture is built by hand through the services so every expected figure can be counted
on the page. Window: Wednesday 4 … Wednesday 25 March 2026 (Shanghai days), rounded out to
the whole weeks Monday 2 … Sunday 29 March for touches; ``as_of`` Saturday 28 March.

Named accounts of the line "beh", and what happens to each:

- Alpha: a reached call on Fri 20 Mar (week of Mon 16 Mar → 12 days before as_of); two
  deals won in the window (one signed account);
- Bravo: an unreached call on Tue 10 Mar (week of Mon 9 Mar → 19 days);
- Charlie: a call on Mon 16 Feb, 40 days before as_of, and one on Mon 30 Mar, after both
  the window and as_of → untouched for 40 days;
- Delta: never touched; a deal won on Thu 12 Mar → signed;
- Echo: an unreached call on Mon 2 Mar, before the window starts but in its first week
  (counted: whole weeks); a deal won on 20 Feb, before the window → not signed.

Not named: Foxtrot (reached call, deal won in the window; referred by Alpha) — counted in
nothing but referrals. Another line "oth" holds a named touched account, a referral by one
of its own accounts, a BD's visits and a solution request — none of which may leak in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesmesh.accounts.models import Account
from salesmesh.activities.behaviour_indicators import (
    BehaviourActuals,
    UntouchedAccount,
    behaviour_actuals,
)
from salesmesh.activities.models import ActivityType
from salesmesh.activities.services import (
    activity_create,
    solution_request_create,
    solution_request_update,
)
from salesmesh.org.models import OrgUnit, Role, User
from salesmesh.pipeline.models import Stage
from salesmesh.pipeline.services import opportunity_create, opportunity_update
from tests.accounts.factories import make_account, make_line, make_team, make_user, shanghai

pytestmark = pytest.mark.django_db

START = date(2026, 3, 4)
END = date(2026, 3, 25)
AS_OF = date(2026, 3, 28)
_deals = count(1)


@dataclass
class World:
    line: OrgUnit
    other: OrgUnit
    sdr: User
    bd: User
    presales: User
    accounts: dict[str, Account]


def _touch(world: World, account: Account, at: tuple[int, ...], *, reached: bool) -> None:
    activity_create(
        person=world.sdr,
        type=ActivityType.CALL,
        occurred_at=shanghai(*at),
        reached=reached,
        account=account,
    )


def _won(world: World, account: Account, at: tuple[int, ...]) -> None:
    """A deal opened a month earlier and moved to won at ``at`` (Shanghai)."""
    deal = opportunity_create(
        line=account.line,
        account=account,
        name=f"deal {next(_deals)}",
        owner=world.bd,
        amount=Decimal("1000.00"),
        at=shanghai(2026, 1, 5, 9),
    )
    opportunity_update(opportunity=deal, stage=Stage.WON, at=shanghai(*at))


def _visit(person: User, at: tuple[int, ...], kind: str = ActivityType.VISIT) -> None:
    activity_create(person=person, type=kind, occurred_at=shanghai(*at), reached=True)


@pytest.fixture
def world() -> World:
    line = make_line("beh")
    other = make_line("oth")
    team = make_team(line, "beh-bd")
    sdr = make_user("sdr", unit=line, role=Role.SDR)
    bd = make_user("bd", unit=team, role=Role.BD)
    presales = make_user("presales", unit=line, role=Role.PRESALES)
    rep = make_user("rep", unit=team, role=Role.REP)
    other_bd = make_user("other_bd", unit=other, role=Role.BD)

    named = {
        name: make_account(line, bd, name, is_named=True)
        for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo")
    }
    foxtrot = make_account(line, bd, "Foxtrot", referred_by=named["Alpha"])
    outsider = make_account(other, other_bd, "Outsider", is_named=True)
    make_account(other, other_bd, "Outsider's referral", referred_by=outsider)
    world = World(line, other, sdr, bd, presales, {**named, "Foxtrot": foxtrot})

    _touch(world, named["Alpha"], (2026, 3, 20, 10), reached=True)
    _touch(world, named["Bravo"], (2026, 3, 10, 10), reached=False)
    _touch(world, named["Charlie"], (2026, 2, 16, 10), reached=True)
    _touch(world, named["Charlie"], (2026, 3, 30, 10), reached=True)
    _touch(world, named["Echo"], (2026, 3, 2, 10), reached=False)
    _touch(world, foxtrot, (2026, 3, 10, 11), reached=True)
    _touch(world, outsider, (2026, 3, 10, 12), reached=True)

    _won(world, named["Alpha"], (2026, 3, 5, 15))
    _won(world, named["Alpha"], (2026, 3, 18, 15))
    _won(world, named["Delta"], (2026, 3, 12, 15))
    _won(world, named["Echo"], (2026, 2, 20, 15))
    _won(world, foxtrot, (2026, 3, 12, 16))

    # BD visits: two in the window; the call, the visit after the window, the rep's and the
    # other line's BD's visits do not count.
    _visit(bd, (2026, 3, 5, 10))
    _visit(bd, (2026, 3, 25, 23, 30))
    _visit(bd, (2026, 3, 26, 9))
    _visit(bd, (2026, 3, 5, 11), kind=ActivityType.CALL)
    _visit(rep, (2026, 3, 5, 10))
    _visit(other_bd, (2026, 3, 5, 10))

    # Presales: four requests in the window (R1…R4), one after it, one on the other line.
    r1 = solution_request_create(
        account=named["Alpha"], presales_owner=presales, requested_at=shanghai(2026, 3, 5, 9)
    )
    solution_request_update(
        solution_request=r1,
        responded_at=shanghai(2026, 3, 6, 9),
        submitted_at=shanghai(2026, 3, 10, 9),
        reviewed_at=shanghai(2026, 3, 12, 9),
        passed_first_review=True,
        completed_at=shanghai(2026, 3, 20, 9),
    )
    r2 = solution_request_create(
        account=named["Bravo"], presales_owner=presales, requested_at=shanghai(2026, 3, 8, 9)
    )
    solution_request_update(
        solution_request=r2,
        responded_at=shanghai(2026, 3, 9, 9),
        submitted_at=shanghai(2026, 3, 13, 9),
        reviewed_at=shanghai(2026, 3, 15, 9),
        passed_first_review=False,  # failed its first review, not completed
    )
    solution_request_create(  # R3: not responded yet
        account=named["Delta"], presales_owner=presales, requested_at=shanghai(2026, 3, 24, 9)
    )
    r4 = solution_request_create(  # late on the window's last local day
        account=foxtrot, presales_owner=presales, requested_at=shanghai(2026, 3, 25, 23, 30)
    )
    solution_request_update(solution_request=r4, responded_at=shanghai(2026, 3, 27, 9))
    solution_request_create(  # just after the window, local time
        account=named["Alpha"], presales_owner=presales, requested_at=shanghai(2026, 3, 26, 0, 10)
    )
    solution_request_create(
        account=outsider, presales_owner=presales, requested_at=shanghai(2026, 3, 10, 9)
    )
    return world


def test_every_indicator_equals_the_hand_count(world: World) -> None:
    # Given the fixture of the module docstring, when the line's actuals are read
    actuals = behaviour_actuals(line=world.line, start=START, end=END, as_of=AS_OF)

    # then each figure is the one counted by hand.
    accounts = world.accounts
    assert actuals == BehaviourActuals(
        named_accounts=5,
        touched=3,  # Alpha, Bravo, Echo (week of 2 March)
        reached=1,  # Alpha
        touch_rate=Decimal("0.600000"),
        coverage_rate=Decimal("0.200000"),
        untouched_accounts=(
            UntouchedAccount(accounts["Delta"].pk, "Delta", None),
            UntouchedAccount(accounts["Charlie"].pk, "Charlie", 40),
        ),
        signed=2,  # Alpha (once for two deals) and Delta
        signing_rate=Decimal("0.400000"),
        referrals=1,  # Foxtrot, referred by Alpha
        bd_visits=2,
        requests=4,
        responded=3,
        reviewed=2,
        first_pass=1,
        completed=1,
        response_rate=Decimal("0.750000"),
        first_pass_rate=Decimal("0.500000"),
        completion_rate=Decimal("0.250000"),
    )


def test_untouched_threshold_and_week_precision(world: World) -> None:
    # Bravo's last touched week began 19 days before as_of (its call was on day 18): untouched
    # over 19 days, not over 20; Echo's week began 26 days before, longest untouched first.
    short = behaviour_actuals(line=world.line, start=START, end=END, as_of=AS_OF, untouched_days=19)
    assert [row.name for row in short.untouched_accounts] == ["Delta", "Charlie", "Echo", "Bravo"]
    assert short.untouched_accounts[2:] == (
        (world.accounts["Echo"].pk, "Echo", 26),
        (world.accounts["Bravo"].pk, "Bravo", 19),
    )
    longer = behaviour_actuals(
        line=world.line, start=START, end=END, as_of=AS_OF, untouched_days=20
    )
    assert [row.name for row in longer.untouched_accounts] == ["Delta", "Charlie", "Echo"]
    assert [
        row.name
        for row in behaviour_actuals(
            line=world.line, start=START, end=END, as_of=AS_OF, untouched_days=27
        ).untouched_accounts
    ] == ["Delta", "Charlie"]
    # Charlie was touched 40 days ago: not untouched over 41 days.
    assert [
        row.name
        for row in behaviour_actuals(
            line=world.line, start=START, end=END, as_of=AS_OF, untouched_days=41
        ).untouched_accounts
    ] == ["Delta"]


def test_as_of_later_sees_the_later_touch(world: World) -> None:
    # Charlie's touch on 30 March counts once as_of reaches it (days since its Monday: 1).
    actuals = behaviour_actuals(line=world.line, start=START, end=END, as_of=date(2026, 3, 31))
    assert [row.name for row in actuals.untouched_accounts] == ["Delta"]


def test_a_window_of_one_day_rounds_touches_to_its_week(world: World) -> None:
    # Wed 11 March lies in the week of Mon 9 March, which holds Bravo's touch of Tue 10.
    actuals = behaviour_actuals(
        line=world.line, start=date(2026, 3, 11), end=date(2026, 3, 11), as_of=AS_OF
    )
    assert (actuals.touched, actuals.reached, actuals.signed) == (1, 0, 0)
    assert (actuals.bd_visits, actuals.requests) == (0, 0)
    assert actuals.response_rate is None
    assert actuals.first_pass_rate is None
    assert actuals.completion_rate is None


def test_a_line_with_nothing_has_no_rates(world: World) -> None:
    empty = make_line("empty")
    actuals = behaviour_actuals(line=empty, start=START, end=END, as_of=AS_OF)
    assert actuals.named_accounts == 0
    assert actuals.touch_rate is None
    assert actuals.coverage_rate is None
    assert actuals.signing_rate is None
    assert actuals.untouched_accounts == ()
    assert (actuals.referrals, actuals.bd_visits, actuals.requests) == (0, 0, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": END, "end": START}, "must not end before"),
        ({"untouched_days": 0}, "at least 1"),
    ],
)
def test_bad_arguments_are_refused(world: World, kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"start": START, "end": END, "as_of": AS_OF, **kwargs}
    with pytest.raises(ValueError, match=message):
        behaviour_actuals(line=world.line, **arguments)  # type: ignore[arg-type]


def _queries(world: World) -> int:
    with CaptureQueriesContext(connection) as captured:
        behaviour_actuals(line=world.line, start=START, end=END, as_of=AS_OF)
    return len(captured)


def test_query_count_is_the_same_for_small_and_larger_data(world: World) -> None:
    small = _queries(world)
    # More of everything: named accounts touched and untouched, referrals, deals won,
    # BD visits and solution requests at every step.
    for n in range(20):
        account = make_account(
            world.line,
            world.bd,
            f"More {n}",
            is_named=True,
            referred_by=world.accounts["Alpha"],
        )
        if n % 2:
            _touch(world, account, (2026, 3, 3 + n, 10), reached=bool(n % 3))
        if n % 4 == 0:
            _won(world, account, (2026, 3, 4 + n, 15))
        _visit(world.bd, (2026, 3, 4 + n, 10))
        request = solution_request_create(
            account=account,
            presales_owner=world.presales,
            requested_at=shanghai(2026, 3, 4 + n, 9),
        )
        if n % 2:
            solution_request_update(
                solution_request=request,
                responded_at=shanghai(2026, 3, 4 + n, 12),
                reviewed_at=shanghai(2026, 3, 4 + n, 13),
                passed_first_review=bool(n % 3),
            )
    larger = _queries(world)
    assert small == larger == 6
    bigger = behaviour_actuals(line=world.line, start=START, end=END, as_of=AS_OF)
    assert bigger.named_accounts == 25
    assert bigger.referrals == 21
