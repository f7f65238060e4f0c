"""Behaviour actuals of a business line, from the rollups and the records, in fixed queries.

The fixture is built by hand through the services so every expected figure can be counted
on the page. Window: Wednesday 4 … Wednesday 25 March 2026 (Shanghai days), rounded out to
the whole weeks Monday 2 … Sunday 29 March for touches; ``as_of`` Saturday 28 March.

Named accounts of the line "beh" (wallet potential), and what happens to each:

- Alpha (100,000): a reached call on Fri 20 Mar (week of Mon 16 Mar → 12 days before
  as_of); two deals (1,000 each, opened at lead on 5 Jan) won in the window: one signed
  account, 2,000 signed, one VQL;
- Bravo (50,000): an unreached call on Tue 10 Mar (week of Mon 9 Mar → 19 days); a deal
  opened at qualified on Mon 9 Mar → a VQL;
- Charlie (no wallet potential recorded): a call on Mon 16 Feb, 40 days before as_of, and
  one on Mon 30 Mar, after both the window and as_of → untouched for 40 days; no VQL: a
  deal opened at lead in the window (not qualified), one qualified on 2 Feb that moved on
  to proposal in the window (qualified before), one opened at qualified just after it;
- Delta (30,000): never touched; a deal won on Thu 12 Mar, re-opened and won again on
  14 Mar → signed once, its 1,000 counted once, a VQL;
- Echo (20,000): an unreached call on Mon 2 Mar, before the window starts but in its first
  week (counted: whole weeks); a deal won on 20 Feb, before the window → not signed; a deal
  lost in February and re-opened at proposal in the window → no VQL.

So VQL output 3, signed revenue 3,000, penetration 3,000 ÷ 200,000 = 1.5 %.

Not named: Foxtrot (reached call, deal won in the window, a deal qualified in the window;
referred by Alpha) — counted in nothing but referrals. Another line "oth" holds a named
touched account, a referral by one of its own accounts, a BD's visits and a solution
request — none of which may leak in. The SDR's touches are the SDR's reached activities
whatever the account: Alpha's, Foxtrot's and the other line's account's (3).
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
    AccountFacts,
    BehaviourActuals,
    PersonFacts,
    UntouchedAccount,
    behaviour_account_facts,
    behaviour_actuals,
    behaviour_people_facts,
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


def _deal(
    world: World,
    account: Account,
    at: tuple[int, ...],
    stage: str,
    *moves: tuple[str, tuple[int, ...]],
) -> None:
    """A deal opened at ``stage`` at ``at``, then moved through ``moves`` (stage, when)."""
    deal = opportunity_create(
        line=account.line,
        account=account,
        name=f"deal {next(_deals)}",
        owner=world.bd,
        amount=Decimal("500.00"),
        stage=stage,
        at=shanghai(*at),
    )
    for to_stage, when in moves:
        deal = opportunity_update(opportunity=deal, stage=to_stage, at=shanghai(*when))


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

    wallets = {
        "Alpha": Decimal(100_000),
        "Bravo": Decimal(50_000),
        "Charlie": None,
        "Delta": Decimal(30_000),
        "Echo": Decimal(20_000),
    }
    named = {
        name: make_account(line, bd, name, is_named=True, wallet_potential=wallet)
        for name, wallet in wallets.items()
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
    delta_deal = named["Delta"].opportunities.get()
    opportunity_update(
        opportunity=delta_deal, stage=Stage.NEGOTIATION, at=shanghai(2026, 3, 13, 10)
    )
    opportunity_update(opportunity=delta_deal, stage=Stage.WON, at=shanghai(2026, 3, 14, 10))

    # VQLs: Bravo's deal opened qualified in the window; Charlie's and Echo's deals do not
    # become value-qualified in it (see the module doc), nor does the non-named Foxtrot count.
    _deal(world, named["Bravo"], (2026, 3, 9, 10), Stage.QUALIFIED)
    _deal(world, named["Charlie"], (2026, 3, 10, 10), Stage.LEAD)
    _deal(
        world,
        named["Charlie"],
        (2026, 2, 2, 10),
        Stage.QUALIFIED,
        (Stage.PROPOSAL, (2026, 3, 11, 10)),
    )
    _deal(world, named["Charlie"], (2026, 3, 26, 0, 10), Stage.QUALIFIED)
    _deal(
        world,
        named["Echo"],
        (2026, 2, 1, 10),
        Stage.LEAD,
        (Stage.LOST, (2026, 2, 10, 10)),
        (Stage.PROPOSAL, (2026, 3, 16, 10)),
    )
    _deal(world, foxtrot, (2026, 3, 9, 11), Stage.QUALIFIED)

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
        signed_revenue=Decimal("3000.00"),  # Alpha's two deals, Delta's once
        vql=3,  # Alpha, Bravo, Delta
        wallet_potential=Decimal("200000.00"),
        penetration_rate=Decimal("0.015000"),
        referrals=1,  # Foxtrot, referred by Alpha
        bd_visits=2,
        sdr_touches=3,  # Alpha's, Foxtrot's and the other line's account's reached calls
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
    assert (actuals.vql, actuals.sdr_touches) == (0, 0)
    assert actuals.signed_revenue == actuals.wallet_potential == Decimal("0.00")
    assert actuals.penetration_rate is None


def test_no_wallet_potential_has_no_penetration(world: World) -> None:
    # Signed revenue without any wallet potential recorded: the rate has no denominator.
    Account.objects.filter(line=world.line).update(wallet_potential=None)
    actuals = behaviour_actuals(line=world.line, start=START, end=END, as_of=AS_OF)
    assert actuals.signed_revenue == Decimal("3000.00")
    assert actuals.penetration_rate is None


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
        if n % 3 == 0:
            _deal(world, account, (2026, 3, 4 + n, 11), Stage.QUALIFIED)
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
    # VQLs: the fixture's three, the deals opened qualified (n = 0, 3, … 18) and those won
    # from lead (n = 0, 4, … 16): ten accounts, n = 0 and 12 counted once.
    assert bigger.vql == 3 + 10
    assert bigger.signed == 2 + 5


# -- account by account, person by person ------------------------------------------------------


def test_account_facts_are_the_hand_count(world: World) -> None:
    facts = {
        row.account_id: row
        for row in behaviour_account_facts(line=world.line, start=START, end=END, as_of=AS_OF)
    }
    accounts = world.accounts
    assert set(facts) == {
        accounts[name].pk for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo")
    }

    def fact(name: str, **changes: object) -> AccountFacts:
        base = AccountFacts(
            account_id=accounts[name].pk,
            external_id=None,
            owner_id=world.bd.pk,
            wallet_potential=Decimal(0),
            touched=False,
            reached=False,
            vql=False,
            signed=False,
            signed_revenue=Decimal("0.00"),
            ever_touched=False,
            qualified=False,
            won=False,
            referrals=0,
        )
        return base._replace(**changes)

    assert facts[accounts["Alpha"].pk] == fact(
        "Alpha",
        wallet_potential=Decimal("100000.00"),
        touched=True,
        reached=True,
        vql=True,
        signed=True,
        signed_revenue=Decimal("2000.00"),
        ever_touched=True,
        qualified=True,
        won=True,
        referrals=1,
    )
    assert facts[accounts["Bravo"].pk] == fact(
        "Bravo",
        wallet_potential=Decimal("50000.00"),
        touched=True,
        vql=True,
        ever_touched=True,
        qualified=True,
    )
    # Charlie: touched before the window only; qualified since 2 February.
    assert facts[accounts["Charlie"].pk] == fact(
        "Charlie", wallet_potential=Decimal("0.00"), ever_touched=True, qualified=True
    )
    assert facts[accounts["Delta"].pk] == fact(
        "Delta",
        wallet_potential=Decimal("30000.00"),
        vql=True,
        signed=True,
        signed_revenue=Decimal("1000.00"),
        qualified=True,
        won=True,
    )
    # Echo: won in February (signed then, not in the window).
    assert facts[accounts["Echo"].pk] == fact(
        "Echo",
        wallet_potential=Decimal("20000.00"),
        touched=True,
        ever_touched=True,
        qualified=True,
        won=True,
    )


def test_account_facts_add_up_to_the_line(world: World) -> None:
    facts = behaviour_account_facts(line=world.line, start=START, end=END, as_of=AS_OF)
    actuals = behaviour_actuals(line=world.line, start=START, end=END, as_of=AS_OF)
    assert len(facts) == actuals.named_accounts
    assert sum(row.touched for row in facts) == actuals.touched
    assert sum(row.reached for row in facts) == actuals.reached
    assert sum(row.vql for row in facts) == actuals.vql
    assert sum(row.signed for row in facts) == actuals.signed
    assert sum(row.signed_revenue for row in facts) == actuals.signed_revenue
    assert sum(row.wallet_potential for row in facts) == actuals.wallet_potential
    # Referrals by named accounts (the line's count also takes non-named referrers).
    assert sum(row.referrals for row in facts) == actuals.referrals == 1


def test_people_facts_are_the_hand_count(world: World) -> None:
    people = User.objects.filter(username__in=["sdr", "bd", "presales", "rep"])
    ids = {user.username: user.pk for user in people}
    facts = behaviour_people_facts(line=world.line, people=ids.values(), start=START, end=END)
    assert facts == {
        # The SDR's reached calls in the window: Alpha, Foxtrot, the other line's account.
        ids["sdr"]: PersonFacts(ids["sdr"], 3, 0, 0, 0, 0, 0, 0),
        # The BD: two visits and a reached call in the window (all reached).
        ids["bd"]: PersonFacts(ids["bd"], 3, 2, 0, 0, 0, 0, 0),
        ids["presales"]: PersonFacts(ids["presales"], 0, 0, 4, 3, 2, 1, 1),
        ids["rep"]: PersonFacts(ids["rep"], 1, 1, 0, 0, 0, 0, 0),
    }
    actuals = behaviour_actuals(line=world.line, start=START, end=END, as_of=AS_OF)
    assert facts[ids["sdr"]].touches == actuals.sdr_touches
    assert facts[ids["bd"]].visits == actuals.bd_visits
    assert facts[ids["presales"]][3:] == (
        actuals.requests,
        actuals.responded,
        actuals.reviewed,
        actuals.first_pass,
        actuals.completed,
    )


def test_facts_refuse_a_window_that_ends_before_it_starts(world: World) -> None:
    with pytest.raises(ValueError, match="must not end before"):
        behaviour_account_facts(line=world.line, start=END, end=START, as_of=AS_OF)
    with pytest.raises(ValueError, match="must not end before"):
        behaviour_people_facts(line=world.line, people=[world.sdr.pk], start=END, end=START)


def _facts_queries(world: World) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as accounts:
        behaviour_account_facts(line=world.line, start=START, end=END, as_of=AS_OF)
    people = list(User.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as persons:
        behaviour_people_facts(line=world.line, people=people, start=START, end=END)
    return len(accounts), len(persons)


def test_facts_query_counts_do_not_grow(world: World) -> None:
    small = _facts_queries(world)
    for n in range(10):
        account = make_account(world.line, world.bd, f"Extra {n}", is_named=True)
        _touch(world, account, (2026, 3, 4 + n, 10), reached=True)
        _deal(world, account, (2026, 3, 4 + n, 11), Stage.QUALIFIED)
        make_user(f"extra{n}", unit=world.line, role=Role.SDR)
    assert small == _facts_queries(world) == (5, 2)
