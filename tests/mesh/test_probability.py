"""The probability mesh built from the database, against the hand count in conftest.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmesh.core.calendar import FiscalCalendar, WorkCalendar
from salesmesh.core.mesh import (
    Health,
    HealthThresholds,
    MeshError,
    MeshNode,
    daily_targets,
    rep_plan_indicators,
)
from salesmesh.core.probability import (
    BehaviourYields,
    Funnel,
    FunnelStage,
    LeadSource,
    ProbabilityInputs,
    Product,
    Rep,
    plan_probability,
)
from salesmesh.mesh.plans import clear_cache, load_plan
from salesmesh.mesh.probability import build, line_plan, team_plan
from salesmesh.mesh.report import MeshReport
from salesmesh.mesh.services import mesh_report
from salesmesh.org.models import Paradigm
from tests.accounts.factories import make_line, make_team, make_user
from tests.mesh.conftest import AS_OF, World, approve, behaviours, deal, leads, plan_document

pytestmark = pytest.mark.django_db

D = Decimal


def report(world: World, *, as_of: date = AS_OF, unit=None, people: bool = True) -> MeshReport:  # type: ignore[no-untyped-def]
    return build(
        version=world.version,
        unit=unit or world.line,
        as_of=as_of,
        thresholds=HealthThresholds(),
        people=people,
    )


def figures(node: MeshNode) -> tuple[Decimal, Decimal, Decimal, Decimal | None, Health]:
    return node.plan, node.actual, node.expected_to_date, node.pacing, node.health


def test_the_line_against_the_hand_count(world: World) -> None:
    mesh = report(world)
    root = mesh.root

    assert (mesh.version_id, mesh.unit_id, mesh.paradigm) == (
        world.version.pk,
        world.line.pk,
        Paradigm.PROBABILITY,
    )
    assert (mesh.period.start, mesh.period.end, mesh.as_of) == (
        date(2025, 7, 1),
        date(2025, 7, 31),
        AS_OF,
    )
    # 10 of 23 working days: 46,000 × 10/23 = 20,000 expected; 7,000 closed.
    assert figures(root) == (D("46000.00"), D("7000.00"), D("20000.00"), D("0.35"), Health.RED)
    assert root.gap == D("-13000.00")
    assert figures(root.find("customers")) == (D(46), D(6), D("20.00"), D("0.3"), Health.RED)
    # 368 × 10/23 = 160 leads expected; 32 + 10 created (referrals included).
    assert figures(root.find("leads")) == (D(368), D(42), D("160.00"), D("0.2625"), Health.RED)
    assert figures(root.find("leads/市场覆盖")) == (
        D(184),
        D(30),
        D("80.00"),
        D("0.375"),
        Health.RED,
    )
    assert figures(root.find("leads/品牌")) == (D(184), D(10), D("80.00"), D("0.125"), Health.RED)
    # 1,472 calls ÷ (2 reps × 23 days) = 32 planned; 200 ÷ (2 × 10) = 10 made.
    calls = root.find("calls_per_rep_day")
    assert figures(calls) == (D("32.00"), D("10.00"), D("32.00"), D("0.3125"), Health.RED)
    assert figures(root.find("reach_rate")) == (
        D("0.5"),
        D("0.350000"),
        D("0.5"),
        D("0.7"),
        Health.RED,
    )
    # 20 qualified of 42 leads, 16 deals opened of 20 qualified, 6 won of 16 opened.
    assert root.find("conversion/线索").actual == D("0.476190")
    assert root.find("conversion/线索").health is Health.GREEN
    assert root.find("conversion/有效线索").actual == D("0.800000")
    assert figures(root.find("conversion/商机"))[1:] == (
        D("0.375000"),
        D("0.500000000000"),
        D("0.75"),
        Health.AMBER,
    )
    assert root.find("conversion").plan == D("0.125000")
    assert root.find("conversion").actual == D("0.142857")
    assert figures(root.find("visits_per_rep_day"))[:2] == (D("1.00"), D("0.40"))
    assert figures(root.find("deal_value"))[:2] == (D("1000.00"), D("1166.67"))

    # Referrals are leads, but the plan names no such source.
    with translation.override("en"):
        assert [m.render(translation.gettext) for m in mesh.warnings] == [
            "2 leads came from Referral, a source the plan does not name; they count in the "
            "leads but in no source."
        ]


def test_each_rep_against_their_own_plan(world: World) -> None:
    mesh = report(world)

    assert [(p.person_id, p.name) for p in mesh.people] == [
        (world.ann.pk, "ann"),
        (world.bo.pk, "bo"),  # named by his employee number in the plan
    ]
    ann, bo = (person.root for person in mesh.people)
    assert figures(ann) == (D("23000.00"), D("6000.00"), D("10000.00"), D("0.6"), Health.RED)
    assert figures(bo) == (D("23000.00"), D("1000.00"), D("10000.00"), D("0.1"), Health.RED)
    assert [ann.find(key).actual for key in ("customers", "leads")] == [D(5), D(32)]
    assert [bo.find(key).actual for key in ("customers", "leads")] == [D(1), D(10)]
    # 736 calls over 23 days each; Ann made 150 in 10 days, Bo 50.
    assert ann.find("calls_per_rep_day").plan == D("32.00")
    assert [ann.find("calls_per_rep_day").actual, bo.find("calls_per_rep_day").actual] == [
        D("15.00"),
        D("5.00"),
    ]
    assert [ann.find("reach_rate").actual, bo.find("reach_rate").actual] == [
        D("0.400000"),
        D("0.200000"),
    ]
    # Bo opened 4 deals and won one opened in June: 1 ÷ 4.
    assert bo.find("conversion/商机").actual == D("0.250000")
    # Sources are planned for the line as a whole: no rep has source nodes.
    assert not [n for n in ann.walk() if n.key.startswith("leads/")]


def test_attribution_splits_each_gap_exactly(world: World) -> None:
    mesh = report(world)

    for attribution in (mesh.attribution, *(p.attribution for p in mesh.people)):
        assert attribution is not None
        assert sum(share.share for share in attribution.shares) == attribution.gap
    assert mesh.attribution is not None
    # Plan to date: 640 calls × 0.5 × 0.5 leads per reached call × 0.5³ × 1,000 = 20,000;
    # actual: 200 × 0.35 × 0.6 × 20/42 × 16/20 × 6/16 × 7,000/6 = 7,000.
    assert mesh.attribution.plan_total == D(20000)
    assert mesh.attribution.gap == D("-13000.00")
    shares = {share.key: share.share for share in mesh.attribution.shares}
    assert shares["calls"] == min(shares.values())
    assert shares["calls"] < 0 < shares["conversion/有效线索"]
    with translation.override("en"):
        diagnosis = [m.render(translation.gettext) for m in mesh.diagnosis]
    assert diagnosis[0].startswith("Bottleneck: Calls (")
    assert "Conversion from 有效线索 60% over plan offsets" in diagnosis[5]


def test_query_count_is_fixed_whatever_the_number_of_reps() -> None:
    counts = []
    for size in (2, 6):
        line = make_line(f"q{size}", Paradigm.PROBABILITY)
        team = make_team(line, f"q{size}t")
        reps = [make_user(f"q{size}r{n}", unit=team) for n in range(size)]
        version = approve(line, plan_document([rep.username for rep in reps], 12_000 * size))
        for rep in reps:
            leads(line, rep, "brand", 3, qualified=2)
            deal(line, rep, "1500", date(2025, 7, 2), won=date(2025, 7, 9))
            behaviours(rep, calls=5, reached=2, visits=1)
        load_plan(version)  # planning costs no query; load it outside the count
        with CaptureQueriesContext(connection) as captured:
            mesh = mesh_report(version=version, as_of=AS_OF, unit=line)
        assert len(mesh.people) == size
        assert mesh.root.find("customers").actual == size
        counts.append(len(captured.captured_queries))
    # The reps, then their deals won, stage entries, leads and behaviours.
    assert counts == [5, 5]


def test_as_of_is_held_inside_the_period(world: World) -> None:
    before = report(world, as_of=date(2025, 6, 20))
    assert before.as_of == date(2025, 6, 30)
    assert figures(before.root) == (D("46000.00"), D("0.00"), D("0.00"), None, Health.GREEN)
    assert before.root.find("leads").actual == 0
    assert not before.root.find("reach_rate").measured
    assert before.catch_up is not None
    assert before.catch_up.remaining_target == D("46000.00")
    assert before.catch_up.remaining_working_days == 23

    after = report(world, as_of=date(2025, 9, 1))
    last_day = report(world, as_of=date(2025, 7, 31))
    assert after.as_of == last_day.as_of == date(2025, 7, 31)
    assert after.root == last_day.root
    # By the end the whole target was expected; the 5,000 won on 15 July is in.
    assert figures(after.root)[:3] == (D("46000.00"), D("12000.00"), D("46000.00"))
    assert after.catch_up is not None
    assert after.catch_up.remaining_working_days == 0
    assert not after.catch_up.feasible


def test_a_team_inside_the_line(world: World) -> None:
    team = report(world, unit=world.team_a)
    whole = report(world)

    assert (team.unit_id, team.unit_name) == (world.team_a.pk, world.team_a.display_name)
    # One rep's team: the team's tree is Ann's own, without lead sources.
    assert [p.person_id for p in team.people] == [world.ann.pk]
    assert team.root == whole.people[0].root
    assert team.attribution == whole.people[0].attribution
    assert team.warnings == ()
    assert team.catch_up is not None
    # Ann's 23,000 less the 6,000 she closed, with Ann alone.
    assert team.catch_up.remaining_target == D("17000.00")
    rows = {row.key: row for row in team.catch_up.rows}
    assert rows["calls"].baseline == D("32.00")

    # Coded after "pl": a line sorted before it would move the fixture's line in the tree.
    outside = make_team(make_line("zz", Paradigm.PROBABILITY), "zt")
    with pytest.raises(MeshError, match="not inside"):
        report(world, unit=outside)
    empty = make_team(world.line, "tc")
    with pytest.raises(MeshError, match="no rep of the plan"):
        report(world, unit=empty)


def test_a_rep_the_plan_does_not_name(world: World) -> None:
    make_user("cy", unit=world.team_b)

    mesh = report(world)

    assert [p.name for p in mesh.people] == ["ann", "bo"]
    # Cy counts in the actual side's reps (and did nothing yet).
    assert mesh.root.find("calls_per_rep_day").actual == D("6.67")
    with translation.override("en"):
        rendered = [m.render(translation.gettext) for m in mesh.warnings]
    assert rendered[0].startswith("1 reps of this unit are not in the plan")


def test_without_people(world: World) -> None:
    mesh = report(world, people=False)

    assert mesh.people == ()
    assert mesh.root == report(world).root


def test_the_catch_up_of_a_node_on_plan_is_the_original_daily_plan(world: World) -> None:
    # 13,000 more won by 14 July: 20,000 closed, exactly the 46,000 × 10/23 expected.
    deal(world.line, world.ann, "13000", date(2025, 7, 4), won=date(2025, 7, 14))
    mesh = report(world)
    assert mesh.root.pacing == 1
    catch = mesh.catch_up
    assert catch is not None

    _inputs, original = load_plan(world.version).probability()
    baseline = daily_targets(plan=original, working_days=23)
    assert catch.remaining_target == D("26000.00")
    assert catch.remaining_working_days == 13
    assert catch.feasible
    assert catch.fixes == ()
    rows = {row.key: (row.baseline, row.catch_up) for row in catch.rows}
    assert rows == {
        "customers": (D("2.00"), D("2.00")),
        "leads": (baseline.leads_per_day, baseline.leads_per_day),
        "calls": (baseline.calls_per_day, baseline.calls_per_day),
        "visits": (baseline.visits_per_day, baseline.visits_per_day),
    }
    assert (baseline.leads_per_day, baseline.calls_per_day, baseline.visits_per_day) == (
        D("16.00"),
        D("64.00"),
        D("2.00"),
    )
    with translation.override("en"):
        assert [m.render(translation.gettext) for m in catch.messages] == [
            "To close the remaining 26000.00 in 13 working days: 26 customers from 208 leads, "
            "64.00 calls and 2.00 visits a working day.",
            "The original plan asked for 64.00 calls and 2.00 visits a working day.",
        ]


def test_a_catch_up_beyond_capacity_lists_the_fixes(world: World) -> None:
    # Nothing closed with three working days left: 46,000 in 3 days is far beyond 60 calls.
    mesh = report(world, as_of=date(2025, 7, 28))
    catch = mesh.catch_up
    assert catch is not None
    assert catch.remaining_working_days == 3
    assert not catch.feasible
    assert catch.fixes
    assert not [fix for fix in catch.fixes if fix in catch.messages]
    with translation.override("en"):
        fixes = [m.render(translation.gettext) for m in catch.fixes]
    assert fixes[0].startswith("Reps to add: ")
    rows = {row.key: row for row in catch.rows}
    assert rows["calls"].catch_up > rows["calls"].baseline


# -- summing plans ----------------------------------------------------------------------------


def _inputs(target: int, price: int, reps: list[tuple[int, float]]) -> ProbabilityInputs:
    calendar = FiscalCalendar(1)
    return ProbabilityInputs(
        target=D(target),
        period=calendar.parse("2025-07"),
        work_calendar=WorkCalendar("CN"),
        products=(Product("p", D(price), D(1)),),
        funnel=Funnel(
            stages=(FunnelStage("lead", D("0.3"), 0), FunnelStage("deal", D("0.4"), 0)),
            sources=(LeadSource("a", D("0.6")), LeadSource("b", D("0.4"), D("1.5"))),
        ),
        yields=BehaviourYields(D("2.5"), D("0.4"), D("0.5")),
        reps=tuple(
            Rep(f"r{n}", 10_000, 1_000, D(str(score)), D(str(score)), 12 * n)
            for n, (_, score) in enumerate(reps)
        ),
    )


@settings(max_examples=30, deadline=None)
@given(
    target=st.integers(min_value=0, max_value=2_000_000),
    price=st.integers(min_value=100, max_value=20_000),
    reps=st.lists(
        st.tuples(st.just(0), st.floats(min_value=0, max_value=1).map(lambda x: round(x, 2))),
        min_size=1,
        max_size=6,
    ),
)
def test_team_plans_add_up_to_the_line(target: int, price: int, reps: list[tuple[int, float]]):
    inputs = _inputs(target, price, reps)
    result = plan_probability(inputs)
    mine = [rep_plan_indicators(inputs=inputs, plan=result, rep_id=r.rep_id) for r in inputs.reps]

    whole = team_plan(plans=mine, result=result)
    line = line_plan(inputs=inputs, result=result)
    assert whole.customers == line.customers == result.customers
    assert [s.entered for s in whole.stages] == [s.entered for s in line.stages]
    assert (whole.calls, whole.visits, whole.reps) == (line.calls, line.visits, line.reps)
    assert [s.conversion for s in whole.stages] == [s.conversion for s in line.stages]
    # A one-rep team is that rep's plan.
    assert team_plan(plans=mine[:1], result=result) == mine[0]
    # The line keeps the planner's target and sources.
    assert line.target == D(target).quantize(D("0.01"))
    assert sum(s.leads for s in line.sources) == line.stages[0].entered


# -- whose trees are built ---------------------------------------------------------------------


def _recording_people(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The user ids of every PersonMesh the probability builder makes from now on."""
    import salesmesh.mesh.probability as builder

    built: list[int] = []
    real = builder.PersonMesh

    def recording(**fields: Any) -> Any:
        built.append(fields["person_id"])
        return real(**fields)

    monkeypatch.setattr(builder, "PersonMesh", recording)
    return built


def test_one_person_asked_for_gets_the_full_builds_tree_and_nobody_else_is_built(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = report(world)
    assert [p.person_id for p in full.people] == [world.ann.pk, world.bo.pk]
    built = _recording_people(monkeypatch)
    for unit in (world.line, world.team_a):
        whole = build(
            version=world.version,
            unit=unit,
            as_of=AS_OF,
            thresholds=HealthThresholds(),
            people=True,
        )
        built.clear()
        one = build(
            version=world.version,
            unit=unit,
            as_of=AS_OF,
            thresholds=HealthThresholds(),
            people={world.ann.pk},
        )
        assert built == [world.ann.pk]
        assert one.people == tuple(p for p in whole.people if p.person_id == world.ann.pk)
        assert one.people[0].attribution is not None
        assert one.people[0].diagnosis
        # The node's own figures do not depend on whose trees are built.
        assert (one.root, one.attribution, one.diagnosis, one.catch_up, one.warnings) == (
            whole.root,
            whole.attribution,
            whole.diagnosis,
            whole.catch_up,
            whole.warnings,
        )
    built.clear()
    bo_only = mesh_report(version=world.version, as_of=AS_OF, people=[world.bo.pk])
    assert bo_only.people == (full.people[1],)
    assert built == [world.bo.pk]


def test_asking_for_nobody_or_for_people_without_a_tree_builds_none(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = _recording_people(monkeypatch)
    # The manager is no rep of the plan; Bo works in team b, not in team a.
    for unit, people in (
        (world.line, set()),
        (world.line, {world.manager.pk}),
        (world.team_a, {world.bo.pk}),
    ):
        result = mesh_report(version=world.version, as_of=AS_OF, unit=unit, people=people)
        assert result.people == ()
    assert built == []


def test_the_catch_up_is_replanned_once_per_unit_day_and_revenue(world: World) -> None:
    line, again = report(world), report(world)
    assert line.catch_up is not None
    assert again.catch_up is line.catch_up  # kept with the loaded plan
    team = report(world, unit=world.team_a)
    assert team.catch_up is not None
    assert team.catch_up.remaining_target != line.catch_up.remaining_target
    assert report(world, as_of=date(2025, 7, 15)).catch_up != line.catch_up

    # A deal won moves the revenue closed: a new re-plan, equal to one made from scratch.
    deal(world.line, world.bo, "4000", date(2025, 7, 10), won=date(2025, 7, 11))
    moved = report(world)
    assert moved.catch_up is not None
    assert moved.catch_up.remaining_target == line.catch_up.remaining_target - 4000
    clear_cache()
    assert report(world).catch_up == moved.catch_up
