"""Behaviour planner: named-account funnel, cadence schedule and team capacity.

Every expected number in the worked examples is computed by hand in the comments.
Working days: February 2021 in Great Britain has no bank holiday and runs Monday 1 to
Sunday 28, so it is exactly four ISO weeks (2021-W05..W08) of five working days each.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmesh.core.behaviour import (
    BehaviourPlan,
    BehaviourPlanError,
    BehaviourPlanInput,
    Cadence,
    Conversions,
    NamedAccount,
    Role,
    Stage,
    TeamMember,
    TierPlan,
    plan_behaviour,
)
from salesmesh.core.calendar import FiscalCalendar, Period, WorkCalendar
from salesmesh.core.money import to_money

D = Decimal
# Shared so the per-year working-day tables are built once for all (hypothesis) examples.
GB = WorkCalendar("GB")
CN = WorkCalendar("CN")
FEB_2021 = FiscalCalendar().parse("2021-02")
HALF = Conversions(D("0.5"), D("0.5"), D("0.5"))
ONE = D(1)
ZERO = D(0)


def _account(
    account_id: str,
    tier: str,
    stage: Stage = Stage.TOUCHED,
    owner: str = "bd1",
    wallet: Decimal = ONE,
    cadence: Cadence | None = None,
) -> NamedAccount:
    """A named account with the fields the test does not care about filled in."""
    return NamedAccount(
        id=account_id,
        name=f"Account {account_id}",
        tier=tier,
        wallet_potential=wallet,
        stage=stage,
        owner=owner,
        touch_cadence=cadence,
    )


def _sdrs(n: int, capacity: int = 100) -> tuple[TeamMember, ...]:
    """n SDRs s1..sn of equal capacity."""
    return tuple(TeamMember(f"s{i + 1}", Role.SDR, capacity) for i in range(n))


def _team(n_sdrs: int, capacity: int = 100) -> tuple[TeamMember, ...]:
    """n equal SDRs and the BD bd1 who owns the test accounts by default."""
    return (*_sdrs(n_sdrs, capacity), TeamMember("bd1", Role.BD, 10))


def _plan(
    accounts: tuple[NamedAccount, ...],
    team: tuple[TeamMember, ...],
    *,
    tiers: tuple[TierPlan, ...] | None = None,
    target: Decimal = ZERO,
    period: Period = FEB_2021,
    calendar: WorkCalendar = GB,
    conversions: Conversions = HALF,
) -> BehaviourPlan:
    """Plan with A/B/C tiers at their default cadences unless told otherwise."""
    tiers = tiers or (
        TierPlan("A", D(500_000)),
        TierPlan("B", D(200_000)),
        TierPlan("C", D(100_000)),
    )
    return plan_behaviour(
        BehaviourPlanInput(target, period, accounts, tiers, conversions, team), calendar
    )


# --- the funnel, by hand ---------------------------------------------------------------


def _funnel_example_accounts() -> tuple[NamedAccount, ...]:
    """Tier A: 20 accounts of wallet 2,000,000; tier B: 25 of wallet 500,000.

    A: a01-a02 signed, a03-a05 VQL, a06-a09 engaged, a10-a14 touched, a15-a20 untouched.
    B: b01 signed, b02-b03 VQL, b04-b07 engaged, b08-b15 touched, b16-b25 untouched.
    """
    a_stages = [Stage.SIGNED] * 2 + [Stage.VQL] * 3 + [Stage.ENGAGED] * 4
    a_stages += [Stage.TOUCHED] * 5 + [Stage.UNTOUCHED] * 6
    b_stages = [Stage.SIGNED] + [Stage.VQL] * 2 + [Stage.ENGAGED] * 4
    b_stages += [Stage.TOUCHED] * 8 + [Stage.UNTOUCHED] * 10
    return tuple(
        _account(f"a{i + 1:02d}", "A", stage, wallet=D(2_000_000))
        for i, stage in enumerate(a_stages)
    ) + tuple(
        _account(f"b{i + 1:02d}", "B", stage, wallet=D(500_000)) for i, stage in enumerate(b_stages)
    )


def test_funnel_worked_example() -> None:
    tiers = (
        # Tier A converts better than the plan-wide 50% at every stage.
        TierPlan(
            "A",
            D(500_000),
            conversions=Conversions(D("0.6"), D("0.75"), D("0.8")),
        ),
        TierPlan("B", D(200_000)),
    )
    team = (*_sdrs(2), TeamMember("bd1", Role.BD, 10))
    plan = _plan(_funnel_example_accounts(), team, tiers=tiers, target=D("6000000.00"))

    # Already signed: 2 A x 500,000 + 1 B x 200,000 = 1,200,000.00;
    # remaining 6,000,000 - 1,200,000 = 4,800,000.00.
    assert plan.already_signed_revenue == D("1200000.00")
    assert plan.remaining_target == D("4800000.00")
    assert plan.uncovered_revenue == D("0.00")
    a, b = plan.tiers
    # Split by open wallet potential: A 18 x 2,000,000 = 36,000,000; B 24 x 500,000 =
    # 12,000,000; 3:1 -> A 3,600,000.00, B 1,200,000.00.
    assert (a.open_wallet_potential, b.open_wallet_potential) == (
        D("36000000.00"),
        D("12000000.00"),
    )
    assert (a.target_revenue, b.target_revenue) == (D("3600000.00"), D("1200000.00"))

    # Tier A: signed = ceil(3,600,000 / 500,000) = ceil(7.2) = 8.
    #   VQL      = ceil(8 / 0.8)  = 10; 3 already VQL -> 7 new VQLs.
    #   engaged  = ceil(7 / 0.75) = ceil(9.33) = 10; 4 already engaged -> 6 new.
    #   touched  = ceil(6 / 0.6)  = 10; 5 already touched -> 5 from the 6 untouched: feasible.
    #   The list yields at most: engaged 4 + floor(11 x 0.6 = 6.6) = 10,
    #   VQL 3 + floor(10 x 0.75 = 7.5) = 10, signed floor(10 x 0.8) = 8.
    assert (a.signed_needed, a.vql_needed, a.new_vql_needed) == (8, 10, 7)
    assert (a.engaged_needed, a.new_engaged_needed) == (10, 6)
    assert (a.touched_needed, a.new_touched_needed) == (10, 5)
    assert a.max_signings == 8
    assert a.feasible
    # Planned 8 x 500,000 = 4,000,000; penetration (1,000,000 + 4,000,000) / 40,000,000.
    assert a.planned_revenue == D("4000000.00")
    assert a.penetration == Fraction(1, 8)

    # Tier B (plan-wide 50%): signed = 1,200,000 / 200,000 = 6.
    #   VQL = ceil(6 / 0.5) = 12; 2 already -> 10 new.
    #   engaged = 20; 4 already -> 16 new. touched = 32; 8 already -> 24 new > 10 untouched.
    #   The list yields at most: engaged 4 + floor(18 x 0.5) = 13, VQL 2 + floor(6.5) = 8,
    #   signed floor(8 x 0.5) = 4: two signings (2 x 200,000 = 400,000.00) short.
    assert (b.signed_needed, b.vql_needed, b.new_vql_needed) == (6, 12, 10)
    assert (b.engaged_needed, b.new_engaged_needed) == (20, 16)
    assert (b.touched_needed, b.new_touched_needed) == (32, 24)
    assert b.max_signings == 4
    assert not b.feasible

    # Totals: 8 + 6 signed, 10 + 12 VQL, 10 + 20 engaged, 10 + 32 touched.
    assert (plan.signed_needed, plan.vql_needed) == (14, 22)
    assert (plan.engaged_needed, plan.touched_needed) == (30, 42)

    messages = [str(m) for m in plan.warnings]
    # A has no headroom left (max 8 = needed 8).
    assert (
        "Tier B needs 6 new signings but its 24 open accounts yield at most 4 at these "
        "conversions: move 2 signings (400000.00) to tiers with headroom (0 signings) "
        "or raise conversion"
    ) in messages

    # Presales: 22 VQLs x 1 solution = 22 over four 5-day weeks = 5.5 a week, split
    # 6, 6, 5, 5 (the two leftover solutions go to the earliest weeks). Nobody to do them.
    assert plan.presales.solutions_needed == 22
    assert plan.presales.by_week == (6, 6, 5, 5)
    assert plan.presales.capacity.needed_per_week == Fraction(11, 2)
    assert "No presales engineers in the team, but 5.5 solutions/week are needed" in messages

    # BD visits: bd1 owns the engaged and VQL accounts: A a03-a09 (7, every 2 weeks),
    # B b02-b07 (6, every 4 weeks). The heavier A goes first: 7 over 2 offsets -> 4 + 3,
    # i.e. 4, 3, 4, 3 visits in weeks 0-3. B: 6 over 4 offsets is 1 each plus 2 extras,
    # which go to the lightest weeks 1 and 3 -> 1, 2, 1, 2. Weekly visits 5, 5, 5, 5.
    assert [row.load for row in plan.bd_weeks] == [5, 5, 5, 5]
    assert plan.visit_list("bd1", 0) == ("a03", "a04", "a05", "a06", "b02")
    assert plan.visit_list("bd1", 3) == ("a07", "a08", "a09", "b06", "b07")
    assert plan.bd_capacity.needed_per_week == 5
    assert plan.bd_capacity.covered

    # SDRs: no SDR owns an account, so all 45 are dealt, alternately (s1 on ties).
    # A (weekly) 20 -> 10 + 10; B (fortnightly) 25 -> 13 + 12, s1's 13 over 2 offsets
    # 7 + 6, s2's 12 as 6 + 6.
    # s1: 10 + 7, 10 + 6, ... = 17, 16, 17, 16; s2: 16 every week. Where the team's week
    # is odd (33) the SDRs differ by one; where it is even (32) they are level.
    loads = {(r.member_id, r.week): r.load for r in plan.sdr_weeks}
    assert [loads["s1", w] for w in range(4)] == [17, 16, 17, 16]
    assert [loads["s2", w] for w in range(4)] == [16, 16, 16, 16]
    assert plan.coverage_rate == 1


def test_target_already_reached_needs_no_new_signings() -> None:
    # 3 signed A accounts = 1,500,000 >= a 1,000,000 target.
    accounts = tuple(_account(f"a{i}", "A", Stage.SIGNED) for i in range(3))
    plan = _plan(accounts, _team(1), target=D(1_000_000))
    assert plan.already_signed_revenue == D("1500000.00")
    assert plan.remaining_target == D("0.00")
    assert plan.signed_needed == plan.vql_needed == plan.touched_needed == 0
    # Signed accounts stay on the list and keep being touched.
    assert plan.coverage_rate == 1


def test_exhausted_list_leaves_the_target_uncovered() -> None:
    # Every account signed: 1 x 200,000; 100,000.00 of the 300,000 target has nowhere to go.
    plan = _plan((_account("b1", "B", Stage.SIGNED),), _team(1), target=D(300_000))
    assert plan.remaining_target == plan.uncovered_revenue == D("100000.00")
    assert [str(m) for m in plan.warnings] == [
        "The named list has no open account left, yet 100000.00 of the target remains uncovered"
    ]


def test_explicit_target_weights_split_to_the_cent() -> None:
    tiers = (
        TierPlan("A", D(500_000), target_weight=D(1)),
        TierPlan("B", D(200_000), target_weight=D(2)),
    )
    accounts = (_account("a1", "A"), _account("b1", "B"))
    plan = _plan(accounts, _team(1), tiers=tiers, target=D("1000000.00"))
    # 1,000,000.00 over 1:2 = 333,333.33(3) / 666,666.66(6); the leftover cent goes to the
    # larger remainder (B's .666): 333,333.33 + 666,666.67.
    assert [t.target_revenue for t in plan.tiers] == [D("333333.33"), D("666666.67")]
    # ceil(333,333.33 / 500,000) = 1; ceil(666,666.67 / 200,000) = ceil(3.33) = 4.
    assert [t.signed_needed for t in plan.tiers] == [1, 4]


# --- the cadence, by hand --------------------------------------------------------------


def _cadence_example_accounts() -> tuple[NamedAccount, ...]:
    """4 A (weekly), 6 B (fortnightly), 8 C (every 4 weeks), all owned by a BD."""
    return (
        tuple(_account(f"a{i}", "A") for i in range(1, 5))
        + tuple(_account(f"b{i}", "B") for i in range(1, 7))
        + tuple(_account(f"c{i}", "C") for i in range(1, 9))
    )


def test_cadence_worked_example() -> None:
    team = (*_sdrs(2, capacity=10), TeamMember("bd1", Role.BD, 10))
    plan = _plan(_cadence_example_accounts(), team)
    assert [w.label for w in plan.weeks] == ["2021-W05", "2021-W06", "2021-W07", "2021-W08"]
    # Dealing, heaviest cadence first, each account to the less loaded SDR (s1 on ties):
    # A (1/week): a1 s1, a2 s2, a3 s1, a4 s2 -> 2 a week each, tied again;
    # B (1/2 a week): b1 s1, b2 s2, ... -> s1 b1 b3 b5, s2 b2 b4 b6; C likewise.
    # First weeks: s1's three B accounts over 2 offsets -> b1, b3 in even weeks, b5 in odd;
    # the extra then rotates to offset 1 for s2 -> b2 even, b4, b6 odd.
    # C (every 4 weeks): s1 c1 c3 c5 c7 and s2 c2 c4 c6 c8, one per week.
    assert plan.touch_list("s1", 0) == ("a1", "a3", "b1", "b3", "c1")
    assert plan.touch_list("s1", 1) == ("a1", "a3", "b5", "c3")
    assert plan.touch_list("s1", 2) == ("a1", "a3", "b1", "b3", "c5")
    assert plan.touch_list("s1", 3) == ("a1", "a3", "b5", "c7")
    assert plan.touch_list("s2", 0) == ("a2", "a4", "b2", "c2")
    assert plan.touch_list("s2", 1) == ("a2", "a4", "b4", "b6", "c4")
    assert plan.touch_list("s2", 2) == ("a2", "a4", "b2", "c6")
    assert plan.touch_list("s2", 3) == ("a2", "a4", "b4", "b6", "c8")
    # Team: 4 + 3 + 2 = 9 touches every week; 36 in 4 weeks of 20 working days.
    assert plan.sdr_capacity.total_needed == 36
    assert plan.sdr_capacity.needed_per_week == 9
    assert plan.sdr_capacity.capacity_per_week == 20
    assert plan.sdr_capacity.covered
    assert plan.warnings == ()
    b1 = next(t for t in plan.touches if t.account_id == "b1")
    assert (b1.member_id, b1.first_week, b1.weeks, b1.contacts) == ("s1", 0, (0, 2), 2)


def test_capacity_shortfall_names_both_fixes_with_numbers() -> None:
    team = (*_sdrs(2, capacity=4), TeamMember("bd1", Role.BD, 10))
    plan = _plan(_cadence_example_accounts(), team)
    check = plan.sdr_capacity
    # Need 9 a week, capacity 2 x 4 = 8: one touch short. One more SDR of the average
    # capacity 4 covers it: ceil(1 / 4) = 1.
    # Slower cadence, cheapest tier first: C (every 4 weeks) already touches once in the
    # 4-week period, so slowing it saves nothing; B from every 2 to every 3 weeks saves
    # 4 weeks x (1/2 - 1/3) = 2/3 touches per account, i.e. 2/3 x 5 / 20 = 1/6 a week:
    # ceil(1 / (1/6)) = 6 accounts, all six B accounts.
    assert (check.add_members, check.slow_tier, check.slow_accounts) == (1, "B", 6)
    assert check.slow_to == Cadence(every_weeks=3)
    messages = [str(m) for m in plan.warnings]
    assert messages[0] == (
        "SDR capacity 8 touches/week < 9 needed: add 1 SDR(s) or move 6 B-tier accounts "
        "to a 3-week cadence"
    )
    # Per-SDR overloads: each SDR carries 5 touches in two of the four weeks (above).
    assert [(o.member_id, o.weeks_over, o.peak_load, o.peak_capacity) for o in plan.overloads] == [
        ("s1", 2, 5, Fraction(4)),
        ("s2", 2, 5, Fraction(4)),
    ]
    assert messages[1] == (
        "SDR s1 is over capacity in 2 of 4 weeks: 5 touches in 2021-W05 against a capacity of 4"
    )

    # Applying the fix: B every 3 weeks over 4 weeks, offsets 0, 1, 2 two accounts each:
    # 2 x 2 + 2 x 1 + 2 x 1 = 8 touches instead of 12, so 32 in all = 8 a week: covered.
    fixed = tuple(
        _account(a.id, a.tier, cadence=Cadence(every_weeks=3) if a.tier == "B" else None)
        for a in _cadence_example_accounts()
    )
    refit = _plan(fixed, team)
    assert refit.sdr_capacity.total_needed == 32
    assert refit.sdr_capacity.covered


def test_owner_sdr_keeps_its_accounts() -> None:
    accounts = (
        _account("a1", "A", owner="s2"),
        _account("a2", "A", owner="s2"),
        _account("a3", "A"),
        _account("a4", "A"),
    )
    plan = _plan(accounts, (*_sdrs(2), TeamMember("bd1", Role.BD, 5)))
    by_account = {t.account_id: t.member_id for t in plan.touches}
    # s2 owns a1 and a2 (load 2 a week); the pooled a3, a4 fill s1 up to the same level.
    assert by_account == {"a1": "s2", "a2": "s2", "a3": "s1", "a4": "s1"}


def test_short_weeks_fold_into_the_next() -> None:
    # January 2025 in China: W01 is Thu 2 and Fri 3 (New Year on the 1st) = 2 days;
    # W02 5; W03 5; W04 Mon 20 - Fri 24 plus the make-up Sunday 26 = 6; W05 is clipped to
    # Mon 27 - Fri 31 and only the 27th works (Spring Festival 28 Jan - 4 Feb) = 1 day.
    # Short W01 joins W02 (7 days); short trailing W05 joins W04 (7 days): 19 in all.
    january = FiscalCalendar().parse("2025-01")
    plan = _plan((_account("a1", "A"),), _team(1), period=january, calendar=CN)
    assert [(w.label, w.working_days) for w in plan.weeks] == [
        ("2025-W01..2025-W02", 7),
        ("2025-W03", 5),
        ("2025-W04..2025-W05", 7),
    ]
    # The weekly account is touched once per plan week, never twice in the folded ones.
    assert plan.touches[0].weeks == (0, 1, 2)


def test_presales_and_bd_gaps_are_named_with_numbers() -> None:
    # 2 VQL accounts of tier A owned by bd1, 1 engaged account owned by s1 (an SDR).
    accounts = (
        _account("v1", "A", Stage.VQL),
        _account("v2", "A", Stage.VQL),
        _account("e1", "A", Stage.ENGAGED, owner="s1"),
    )
    team = (*_team(1), TeamMember("ps1", Role.PRESALES, 1))
    # Target 1,000,000 / 500,000 = 2 signings -> ceil(2 / 0.5) = 4 VQLs worked (2 new) ->
    # 4 solutions x 1.5 per VQL = 6 solutions over 20 working days = 1.5 a week > 1.
    # One more presales engineer of the average capacity 1: ceil(0.5 / 1) = 1.
    plan = plan_behaviour(
        BehaviourPlanInput(
            D(1_000_000),
            FEB_2021,
            accounts,
            (TierPlan("A", D(500_000)),),
            HALF,
            team,
            solutions_per_vql=D("1.5"),
        ),
        GB,
    )
    assert plan.presales.solutions_needed == 6
    assert plan.presales.capacity.add_members == 1
    messages = [str(m) for m in plan.warnings]
    assert "Presales capacity 1 solutions/week < 1.5 needed: add 1 presales engineer(s)" in (
        messages
    )
    # e1 is engaged but its owner is an SDR: no BD visits it.
    assert {v.account_id for v in plan.visits} == {"v1", "v2"}
    assert (
        "1 engaged or VQL accounts are not owned by a BD, so no visits are planned for "
        "them (first: e1); hand them to a BD"
    ) in messages


def test_stage_may_arrive_as_text_and_bad_stages_are_named() -> None:
    ok = _plan((_account("a1", "A", "vql"),), _team(1))  # type: ignore[arg-type]
    assert ok.tiers[0].at_vql == 1
    with pytest.raises(BehaviourPlanError) as caught:
        _plan((_account("a1", "A", "won"),), _team(1))  # type: ignore[arg-type]
    assert [path for path, _ in caught.value.problems] == ["accounts[0].stage"]


def test_single_day_period_is_refused() -> None:
    day = FiscalCalendar().parse("2021-02-01")
    with pytest.raises(BehaviourPlanError) as caught:
        _plan((), _sdrs(1), period=day)
    assert caught.value.problems[0][0] == "period"


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    team = (
        TeamMember("bd1", Role.BD, 5),
        TeamMember("ps1", Role.PRESALES, 0),
        TeamMember("bd1", Role.BD, 5),
    )
    accounts = (
        _account("x", "A"),
        _account("x", "A"),
        _account("y", "Z"),
        _account("z", "A", owner="ps1"),
        _account("w", "A", owner="nobody", wallet=D(-1)),
    )
    tiers = (TierPlan("A", D(0), touch_cadence=Cadence(every_weeks=0)),)
    bad = Conversions(D(0), D("1.5"), D("0.5"))
    with pytest.raises(BehaviourPlanError) as caught:
        plan_behaviour(BehaviourPlanInput(D(-5), FEB_2021, accounts, tiers, bad, team), GB)
    paths = [path for path, _ in caught.value.problems]
    assert paths == [
        "target",
        "conversions.touched_to_engaged",
        "conversions.engaged_to_vql",
        "tiers[0].revenue_per_signed",
        "tiers[0].touch_cadence.every_weeks",
        "team[1].weekly_capacity",
        "team[2].id",
        "team",
        "accounts[1].id",
        "accounts[2].tier",
        "accounts[3].owner",
        "accounts[4].wallet_potential",
        "accounts[4].owner",
    ]
    assert "conversions.touched_to_engaged: must be in (0, 1]" in str(caught.value)
    assert "accounts[1].id: duplicate of accounts[0]" in str(caught.value)
    assert isinstance(caught.value, ValueError)


# --- properties ------------------------------------------------------------------------

PERIODS = [
    (FEB_2021, GB),
    (FiscalCalendar().parse("2025-01"), CN),
    (FiscalCalendar().parse("FY2025-Q2"), CN),
    (FiscalCalendar().parse("2025-W10"), CN),
]
TIERS = ["A", "B", "C", "D"]
cadences = st.builds(
    Cadence, every_weeks=st.integers(min_value=1, max_value=6), times=st.integers(1, 2)
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[BehaviourPlanInput, WorkCalendar]:
    """A random named list, team, tier cadences and period."""
    n_sdrs = draw(st.integers(min_value=1, max_value=5))
    n_bds = draw(st.integers(min_value=0, max_value=3))
    team = tuple(
        TeamMember(f"s{i}", Role.SDR, draw(st.integers(min_value=1, max_value=50)))
        for i in range(n_sdrs)
    ) + tuple(TeamMember(f"b{i}", Role.BD, 5) for i in range(n_bds))
    tiers = tuple(
        TierPlan(
            name,
            D(draw(st.integers(min_value=1, max_value=10**6))),
            touch_cadence=draw(cadences),
            visit_cadence=draw(cadences),
        )
        for name in TIERS
    )
    accounts = tuple(
        _account(
            f"acc{i}",
            draw(st.sampled_from(TIERS)),
            draw(st.sampled_from(list(Stage))),
            owner=draw(st.sampled_from([m.id for m in team])),
            wallet=D(draw(st.integers(min_value=0, max_value=10**7))),
            cadence=draw(st.none() | cadences),
        )
        for i in range(draw(st.integers(min_value=0, max_value=40)))
    )
    period, calendar = draw(st.sampled_from(PERIODS))
    target = draw(st.decimals(min_value=0, max_value=10**8, places=2))
    return BehaviourPlanInput(target, period, accounts, tiers, HALF, team), calendar


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_no_account_is_dropped_and_each_keeps_its_cadence(
    scenario: tuple[BehaviourPlanInput, WorkCalendar],
) -> None:
    inputs, calendar = scenario
    plan = plan_behaviour(inputs, calendar)
    n_weeks = len(plan.weeks)
    # Read the schedule back from the SDRs' weekly lists, not from the per-account summary.
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for row in plan.sdr_weeks:
        for account_id in row.account_ids:
            seen[account_id].append((row.member_id, row.week))
    tier_cadence = {t.tier: t.touch_cadence for t in inputs.tiers}
    for account in inputs.accounts:
        cadence = account.touch_cadence or tier_cadence[account.tier]
        assert cadence is not None
        every = min(cadence.every_weeks, n_weeks)
        rows = seen[account.id]
        assert rows, f"{account.id} dropped"
        members = {member for member, _ in rows}
        assert len(members) == 1  # one SDR per account
        if account.owner.startswith("s"):
            assert members == {account.owner}
        weeks = [week for _, week in rows]
        assert weeks[0] < every
        assert weeks == list(range(weeks[0], n_weeks, every))
    # The loads count `times` touches per listed account.
    times = {t.account_id: t.cadence.times for t in plan.touches}
    for row in plan.sdr_weeks:
        assert row.load == sum(times[a] for a in row.account_ids)
    assert plan.coverage_rate == 1
    assert len(plan.touches) == len(inputs.accounts)


@st.composite
def pooled_single_cadence(draw: st.DrawFn) -> tuple[tuple[NamedAccount, ...], Cadence, int]:
    """Accounts of one cadence, none owned by an SDR, for equal-capacity SDR teams."""
    cadence = draw(cadences)
    n_accounts = draw(st.integers(min_value=0, max_value=120))
    accounts = tuple(_account(f"acc{i}", "A", cadence=cadence) for i in range(n_accounts))
    return accounts, cadence, draw(st.integers(min_value=1, max_value=9))


@settings(max_examples=150, deadline=None)
@given(pooled_single_cadence())
def test_sdr_loads_are_as_level_as_possible(
    scenario: tuple[tuple[NamedAccount, ...], Cadence, int],
) -> None:
    # Guarantee (single cadence, pooled accounts, equal capacities): in every week the
    # SDRs' loads differ by at most one account's touches, and are equal whenever the
    # team's accounts that week divide evenly among the SDRs; the team's weekly account
    # counts differ by at most one from week to week.
    accounts, _cadence, n_sdrs = scenario
    plan = _plan(accounts, (*_sdrs(n_sdrs), TeamMember("bd1", Role.BD, 5)))
    by_week: dict[int, list[int]] = defaultdict(list)
    for row in plan.sdr_weeks:
        by_week[row.week].append(len(row.account_ids))
    team_counts = []
    for counts in by_week.values():
        assert max(counts) - min(counts) <= 1
        if sum(counts) % n_sdrs == 0:
            assert max(counts) == min(counts)
        team_counts.append(sum(counts))
    assert max(team_counts) - min(team_counts) <= 1


def _max_load(plan: BehaviourPlan) -> int:
    """The heaviest SDR week."""
    return max((row.load for row in plan.sdr_weeks), default=0)


@st.composite
def single_cadence_with_owners(
    draw: st.DrawFn,
) -> tuple[tuple[NamedAccount, ...], int, int, Period, WorkCalendar]:
    """One cadence; each account owned by one of the first SDRs or by the BD."""
    cadence = draw(cadences)
    n_sdrs = draw(st.integers(min_value=1, max_value=6))
    owners = [f"s{i + 1}" for i in range(n_sdrs)] + ["bd1"]
    accounts = tuple(
        _account(f"acc{i}", "A", owner=draw(st.sampled_from(owners)), cadence=cadence)
        for i in range(draw(st.integers(min_value=0, max_value=80)))
    )
    period, calendar = draw(st.sampled_from(PERIODS))
    return accounts, n_sdrs, draw(st.integers(min_value=1, max_value=4)), period, calendar


@settings(max_examples=150, deadline=None)
@given(single_cadence_with_owners())
def test_more_sdrs_never_raise_the_heaviest_week(
    scenario: tuple[tuple[NamedAccount, ...], int, int, Period, WorkCalendar],
) -> None:
    # Guarantee (one cadence, equal capacities, owner-SDRs allowed): dealing evens the
    # SDRs' account counts around what they own, so an added SDR can only lower the
    # largest count m, and an SDR's heaviest week is times x ceil(m / cadence weeks).
    accounts, n_sdrs, extra, period, calendar = scenario
    before = _plan(accounts, _team(n_sdrs, 20), period=period, calendar=calendar)
    after = _plan(accounts, _team(n_sdrs + extra, 20), period=period, calendar=calendar)
    assert _max_load(after) <= _max_load(before)


rates = st.decimals(min_value=D("0.01"), max_value=1, places=2)


@settings(max_examples=150, deadline=None)
@given(scenarios(), rates, rates, rates, rates, rates, rates)
def test_higher_conversion_needs_fewer_accounts_upstream(
    scenario: tuple[BehaviourPlanInput, WorkCalendar],
    te1: Decimal,
    te2: Decimal,
    ev1: Decimal,
    ev2: Decimal,
    vs1: Decimal,
    vs2: Decimal,
) -> None:
    inputs, calendar = scenario
    low = Conversions(min(te1, te2), min(ev1, ev2), min(vs1, vs2))
    high = Conversions(max(te1, te2), max(ev1, ev2), max(vs1, vs2))
    plans = [
        plan_behaviour(
            BehaviourPlanInput(
                inputs.target, inputs.period, inputs.accounts, inputs.tiers, conv, inputs.team
            ),
            calendar,
        )
        for conv in (low, high)
    ]
    for worse, better in zip(plans[0].tiers, plans[1].tiers, strict=True):
        assert better.signed_needed == worse.signed_needed
        assert better.vql_needed <= worse.vql_needed
        assert better.engaged_needed <= worse.engaged_needed
        assert better.touched_needed <= worse.touched_needed
        assert better.new_touched_needed <= worse.new_touched_needed
        assert better.max_signings >= worse.max_signings


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_revenue_splits_keep_every_cent(
    scenario: tuple[BehaviourPlanInput, WorkCalendar],
) -> None:
    inputs, calendar = scenario
    plan = plan_behaviour(inputs, calendar)
    target = to_money(inputs.target)
    assert plan.target == target
    assert plan.remaining_target == max(target - plan.already_signed_revenue, D(0))
    assert sum(t.already_signed_revenue for t in plan.tiers) == plan.already_signed_revenue
    tier_targets = [t.target_revenue for t in plan.tiers]
    assert sum(tier_targets) + plan.uncovered_revenue == plan.remaining_target
    for tier in plan.tiers:
        assert tier.target_revenue == to_money(tier.target_revenue)
        # The fewest signings that reach the tier's target.
        assert tier.signed_needed * tier.revenue_per_signed >= tier.target_revenue
        assert (tier.signed_needed - 1) * tier.revenue_per_signed < tier.target_revenue or (
            tier.signed_needed == 0
        )
        # Feasible exactly when the untouched accounts suffice for the new touches.
        assert tier.feasible == (tier.new_touched_needed <= tier.at_untouched)
    # Presales weekly split adds back to the total.
    assert sum(plan.presales.by_week) == plan.presales.solutions_needed
