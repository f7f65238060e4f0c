"""The behaviour mesh from the database: a crafted line end to end, query counts, the demo.

The crafted line ``kb`` carries tests/unit/test_mesh_behaviour.py's planner fixture as an
approved July 2025 plan (target 250,000; A1 signed, A2 A3 at VQL, B1 touched, B2 engaged,
B3 B4 untouched; sdr1 touches A2 B1 B2 B4, sdr2 A1 A3 B3; bd1 owns the A accounts and B2).
Its people: sdr1 and sdr2 in team ``kb-sdr``, bd1 in ``kb-bd``, ps1 in the line.

What happened by Mon 14 July (10 of 23 working days), Shanghai time:

- calls: sdr1 reached A2 (2 and 9 Jul) and B1 (3 Jul), missed B2 (8 Jul); sdr2 reached A1
  (2 Jul) and B3 (10 Jul), missed A3 (2 Jul); SDR touches: sdr1 3, sdr2 2;
- bd1 visited A2 (3 Jul) and A3 (10 Jul) — so touched A1 A2 A3 B1 B2 B3 (6 of 7), reached
  A1 A2 A3 B1 B3 (5: a visit reaches the customer);
- A1's renewal, qualified on 20 June, won on 8 July for 120,000 (signed, not a new VQL);
  B2's deal opened qualified on 7 July (a VQL);
- ps1: a request on A2 (2 Jul) answered, passed at its first review and completed; one on
  B2 (9 Jul) answered;
- B4 was referred by A1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from salesmesh.accounts.models import Account
from salesmesh.activities.models import ActivityType
from salesmesh.activities.services import (
    activity_create,
    solution_request_create,
    solution_request_update,
)
from salesmesh.core.mesh import Health, HealthThresholds, MeshError
from salesmesh.demo.process import seed_demo_process_data
from salesmesh.mesh.report import MeshReport
from salesmesh.mesh.services import mesh_report
from salesmesh.org.models import OrgUnit, Paradigm, Role, User
from salesmesh.pipeline.models import Stage
from salesmesh.pipeline.services import opportunity_create, opportunity_update
from salesmesh.planning.models import PlanStatus, PlanVersion
from tests.accounts.factories import make_account, make_line, make_team, make_user, shanghai

pytestmark = pytest.mark.django_db

D = Decimal
AS_OF = date(2025, 7, 14)
LATER = date(2025, 7, 22)  # 16 of 23 working days: 120,000 is behind 173,913.04


def plan_document() -> dict[str, Any]:
    return {
        "version": 1,
        "paradigm": "behaviour",
        "name": "重点客户测试",
        "period": "2025-07",
        "country": "CN",
        "target": 250_000,
        "behaviour": {
            "conversions": {"touched_to_engaged": 0.5, "engaged_to_vql": 0.5, "vql_to_signed": 0.5},
            "tiers": [
                {"tier": "A", "revenue_per_signed": 100_000, "target_weight": 2},
                {
                    "tier": "B",
                    "revenue_per_signed": 50_000,
                    "target_weight": 1,
                    "conversions": {
                        "touched_to_engaged": 1,
                        "engaged_to_vql": 0.5,
                        "vql_to_signed": 0.5,
                    },
                },
            ],
            "team": [
                {"id": "sdr1", "role": "sdr", "weekly_capacity": 20},
                {"id": "sdr2", "role": "sdr", "weekly_capacity": 20},
                {"id": "bd1", "role": "bd", "weekly_capacity": 5},
                {"id": "ps1", "role": "presales", "weekly_capacity": 2},
            ],
            "accounts": [
                {"id": i, "name": i, "tier": i[0], "wallet_potential": w, "stage": s, "owner": o}
                for i, w, s, o in ACCOUNTS
            ],
        },
    }


ACCOUNTS = [
    ("A1", 400_000, "signed", "bd1"),
    ("A2", 300_000, "vql", "bd1"),
    ("A3", 300_000, "vql", "bd1"),
    ("B1", 100_000, "touched", "sdr1"),
    ("B2", 100_000, "engaged", "bd1"),
    ("B3", 100_000, "untouched", "sdr2"),
    ("B4", 100_000, "untouched", "sdr1"),
]


@dataclass
class World:
    line: OrgUnit
    sdr_team: OrgUnit
    people: dict[str, User]
    accounts: dict[str, Account]
    version: PlanVersion


def _call(person: User, account: Account, day: int, *, reached: bool) -> None:
    activity_create(
        person=person,
        type=ActivityType.CALL,
        occurred_at=shanghai(2025, 7, day, 10),
        reached=reached,
        account=account,
    )


@pytest.fixture
def world() -> World:
    line = make_line("kb")
    sdr_team = make_team(line, "kb-sdr")
    bd_team = make_team(line, "kb-bd")
    sdr_team.refresh_from_db()  # the tree keeps siblings in code order: its path moved
    people = {
        "sdr1": make_user("sdr1", unit=sdr_team, role=Role.SDR),
        "sdr2": make_user("sdr2", unit=sdr_team, role=Role.SDR),
        "bd1": make_user("bd1", unit=bd_team, role=Role.BD),
        "ps1": make_user("ps1", unit=line, role=Role.PRESALES),
    }
    accounts: dict[str, Account] = {}
    for plan_id, wallet, _stage, owner in ACCOUNTS:
        accounts[plan_id] = make_account(
            line,
            people[owner],
            plan_id,
            external_id=plan_id,
            is_named=True,
            tier=plan_id[0],
            wallet_potential=Decimal(wallet),
            referred_by=accounts["A1"] if plan_id == "B4" else None,
        )
    version = PlanVersion.objects.create(
        unit=line,
        period_label="2025-07",
        number=1,
        paradigm=Paradigm.BEHAVIOUR,
        assumptions=plan_document(),
        status=PlanStatus.APPROVED,
    )
    sdr1, sdr2, bd1, ps1 = (people[k] for k in ("sdr1", "sdr2", "bd1", "ps1"))
    _call(sdr1, accounts["A2"], 2, reached=True)
    _call(sdr1, accounts["A2"], 9, reached=True)
    _call(sdr1, accounts["B1"], 3, reached=True)
    _call(sdr1, accounts["B2"], 8, reached=False)
    _call(sdr2, accounts["A1"], 2, reached=True)
    _call(sdr2, accounts["B3"], 10, reached=True)
    _call(sdr2, accounts["A3"], 2, reached=False)
    for account, day in (("A2", 3), ("A3", 10)):
        activity_create(
            person=bd1,
            type=ActivityType.VISIT,
            occurred_at=shanghai(2025, 7, day, 15),
            reached=True,
            account=accounts[account],
        )
    renewal = opportunity_create(
        line=line,
        account=accounts["A1"],
        name="A1 renewal",
        owner=bd1,
        stage=Stage.QUALIFIED,
        amount=D(120_000),
        at=shanghai(2025, 6, 20, 10),
    )
    opportunity_update(opportunity=renewal, stage=Stage.WON, at=shanghai(2025, 7, 8, 16))
    opportunity_create(
        line=line,
        account=accounts["B2"],
        name="B2 first deal",
        owner=bd1,
        stage=Stage.QUALIFIED,
        amount=D(60_000),
        at=shanghai(2025, 7, 7, 10),
    )
    first = solution_request_create(
        account=accounts["A2"], presales_owner=ps1, requested_at=shanghai(2025, 7, 2, 9)
    )
    solution_request_update(
        solution_request=first,
        responded_at=shanghai(2025, 7, 3, 9),
        submitted_at=shanghai(2025, 7, 6, 9),
        reviewed_at=shanghai(2025, 7, 8, 9),
        passed_first_review=True,
        completed_at=shanghai(2025, 7, 10, 9),
    )
    second = solution_request_create(
        account=accounts["B2"], presales_owner=ps1, requested_at=shanghai(2025, 7, 9, 9)
    )
    solution_request_update(solution_request=second, responded_at=shanghai(2025, 7, 10, 9))
    return World(line, sdr_team, people, accounts, version)


def report(world: World, as_of: date = AS_OF, **kwargs: Any) -> MeshReport:
    """The mesh of a freshly read plan (a new line can move the test line's tree path)."""
    version = PlanVersion.objects.select_related("unit").get(pk=world.version.pk)
    return mesh_report(version=version, as_of=as_of, **kwargs)


def figures(node):  # type: ignore[no-untyped-def]
    return (node.plan, node.expected_to_date, node.actual, node.pacing, node.health)


def test_the_line_tree_end_to_end(world: World) -> None:
    result = report(world)
    root = result.root
    assert (result.paradigm, result.period.label, result.as_of) == ("behaviour", "2025-07", AS_OF)
    # 120,000 signed against 250,000 × 10/23 = 108,695.65 expected.
    assert figures(root) == (
        D("250000.00"),
        D("108695.65"),
        D("120000.00"),
        D("1.1040"),
        Health.GREEN,
    )
    # Three signings planned (A1's renewal, one A and one B), 30/23 expected; A1 signed.
    assert figures(root.find("signed"))[2:4] == (D(1), D("0.7667"))
    assert figures(root.find("vql"))[:4] == (D(2), D("0.87"), D(1), D("1.15"))
    # By 14 July every account's first planned week is over: all seven are due.
    assert figures(root.find("touch_rate")) == (
        D("1.000000"),
        D("1.000000"),
        D("0.857143"),
        D("0.8571"),
        Health.AMBER,
    )
    assert figures(root.find("coverage_rate"))[2:] == (D("0.714286"), D("0.7143"), Health.RED)
    # 5 reached calls by 2 SDRs over 10 days against 25 touches by 2 over 23.
    assert figures(root.find("sdr_touches_per_day"))[:3] == (D("0.54"), D("0.54"), D("0.25"))
    assert figures(root.find("bd_visits_per_day"))[:3] == (D("0.30"), D("0.30"), D("0.20"))
    assert figures(root.find("solutions_per_day"))[:3] == (D("0.17"), D("0.17"), D("0.20"))
    assert root.find("response_rate").actual == D("1.000000")
    assert root.find("first_pass_rate").actual == D("1.000000")
    assert root.find("completion_rate").actual == D("0.500000")
    assert root.find("referrals").actual == D(1)
    # 120,000 of a 1.4M wallet.
    assert root.find("penetration").actual == D("0.085714")
    assert root.find("revenue_per_signed").actual == D("120000.00")
    # The gap (here a lead) split exactly over the named-account funnel.
    assert result.attribution is not None
    assert sum(share.share for share in result.attribution.shares) == result.attribution.gap
    assert result.diagnosis
    assert result.warnings == ()


def test_each_person_has_their_teams_tree(world: World) -> None:
    result = report(world)
    people = {mesh.name: mesh for mesh in result.people}
    assert list(people) == ["sdr1", "sdr2", "bd1", "ps1"]  # the plan's order

    sdr1 = people["sdr1"].root
    # sdr1's list A2 B1 B2 B4: 3/2 new VQLs planned (B1 B2 B4 half each), B2 qualified.
    assert [n.key for n in sdr1.walk()] == [
        "vql",
        "touch_rate",
        "coverage_rate",
        "sdr_touches_per_day",
    ]
    assert figures(sdr1)[:4] == (D("1.50"), D("0.65"), D(1), D("1.5333"))
    assert sdr1.find("touch_rate").actual == D("0.750000")  # A2 B1 B2 of four
    assert sdr1.find("coverage_rate").actual == D("0.500000")  # A2 B1
    # 13 planned touches over 23 days; 3 reached calls over 10.
    assert figures(sdr1.find("sdr_touches_per_day"))[:3] == (D("0.57"), D("0.57"), D("0.30"))
    assert people["sdr1"].attribution is None
    assert people["sdr1"].diagnosis

    bd1 = people["bd1"].root
    # bd1's book: A1 A2 A3 B2 — 212,500 planned (100,000 + 2 × 50,000 + 12,500).
    assert figures(bd1)[:3] == (D("212500.00"), D("92391.30"), D("120000.00"))
    assert bd1.find("bd_visits_per_day").actual == D("0.20")
    assert bd1.find("referrals").actual == D(1)  # B4, referred by A1
    attribution = people["bd1"].attribution
    assert attribution is not None
    assert [s.key for s in attribution.shares] == [
        "named_accounts",
        "signed_per_named_accounts",
        "revenue_per_signed",
    ]
    assert sum(s.share for s in attribution.shares) == attribution.gap

    ps1 = people["ps1"].root
    assert [n.key for n in ps1.walk()] == [
        "solutions_per_day",
        "response_rate",
        "first_pass_rate",
        "completion_rate",
    ]
    assert figures(ps1)[:3] == (D("0.17"), D("0.17"), D("0.20"))
    assert people["ps1"].attribution is None


def test_a_line_on_plan_keeps_its_weekly_targets(world: World) -> None:
    catch = report(world).catch_up
    assert catch is not None
    assert catch.feasible
    rows = {row.key: row for row in catch.rows}
    for key in ("sdr_touches", "bd_visits", "solutions", "member/sdr1", "member/ps1"):
        assert rows[key].catch_up == rows[key].baseline, key
    # The original plan per five-day week: 25, 7 and 4 over 23 working days.
    assert (rows["sdr_touches"].baseline, rows["bd_visits"].baseline) == (D("5.44"), D("1.53"))
    assert (rows["member/sdr1"].baseline, rows["member/sdr2"].baseline) == (D("2.83"), D("2.61"))
    with translation.override("en"):
        assert str(catch.messages[0]).startswith("On plan: 120000.00 signed against 108695.65")


def test_a_line_behind_is_replanned_from_where_its_accounts_stand(world: World) -> None:
    # By 22 July (16 of 23 days) 173,913.04 was expected; 130,000 remains over 7 days.
    catch = report(world, as_of=LATER).catch_up
    assert catch is not None
    assert (catch.remaining_target, catch.remaining_working_days) == (D("130000.00"), 7)
    rows = {row.key: row for row in catch.rows}
    # A1 won (its 100,000 is added back), B2 qualified, B3 touched: A needs one signing
    # from its two VQLs, B one from B2 and one new VQL.
    assert (rows["signings"].baseline, rows["signings"].catch_up) == (D(2), D(2))
    assert (rows["vqls"].baseline, rows["vqls"].catch_up) == (D(2), D(1))
    # Two plan weeks left (23-27, 28-31 July): every A account weekly (6), every B account
    # once (4): 10 touches over 7 working days; visits to A2 A3 and B2 (now at VQL): 3;
    # solutions for 2 + 2 VQLs worked: 4 — more than ps1's 2 a week.
    assert rows["sdr_touches"].catch_up == D("7.15")
    assert rows["bd_visits"].catch_up == D("2.15")
    assert rows["solutions"].catch_up == D("2.86")
    assert (rows["member/ps1"].baseline, rows["member/ps1"].catch_up) == (D("0.87"), D("2.86"))
    assert not catch.feasible
    with translation.override("en"):
        assert [str(fix) for fix in catch.fixes] == [
            "Presales capacity 2 solutions/week < 2.9 needed: add 1 presales engineer(s)"
        ]
    with translation.override("en"):
        assert str(catch.messages[0]).startswith(
            "To sign the remaining 130000.00 in 7 working days: 2 new signings from 1 new VQLs"
        )


def test_a_team_inside_the_line(world: World) -> None:
    result = report(world, unit=world.sdr_team)
    assert result.unit_id == world.sdr_team.pk
    root = result.root
    # The SDR team answers for the seven accounts on its touch lists and its own touches.
    assert root.find("named_accounts").actual == D(7)
    assert root.find("sdr_touches_per_day").actual == D("0.25")
    assert not root.find("bd_visits_per_day").measured  # no BD in the team
    assert [mesh.name for mesh in result.people] == ["sdr1", "sdr2"]
    assert result.catch_up is not None
    assert {row.key for row in result.catch_up.rows} == {"member/sdr1", "member/sdr2"}
    assert result.catch_up.fixes == ()
    with pytest.raises(MeshError, match="not inside"):
        report(world, unit=make_line("elsewhere"))


def test_people_not_in_the_plan_and_accounts_not_in_the_records(world: World) -> None:
    make_user("newcomer", unit=world.sdr_team, role=Role.SDR)
    Account.objects.filter(external_id="B4").update(external_id="B4-renamed")
    result = report(world)
    newcomer = next(mesh for mesh in result.people if mesh.name == "newcomer")
    assert newcomer.root.plan == D(0)
    with translation.override("en"):
        texts = [str(warning) for warning in result.warnings]
    assert texts == [
        "1 people of the SDR, BD and presales teams are not in the plan: their work counts, "
        "against a plan of zero.",
        "1 named accounts of the plan are not in the records (by external ID); nothing can "
        "be measured on them.",
        "1 named accounts in the records are not in the plan; they count in the line's actuals.",
    ]
    # The line now has three SDRs doing the work: 5 reached calls ÷ (3 × 10 days).
    assert result.root.find("sdr_touches_per_day").actual == D("0.17")


def test_before_the_period_nothing_is_expected(world: World) -> None:
    result = report(world, as_of=date(2025, 6, 15))
    assert result.as_of == date(2025, 6, 30)
    assert result.root.expected_to_date == D("0.00")
    assert result.root.actual == D("0.00")
    assert result.root.health is Health.GREEN
    assert result.catch_up is not None
    assert result.catch_up.rows[0].catch_up == result.catch_up.rows[0].baseline


def test_thresholds_reach_the_tree(world: World) -> None:
    strict = report(world, thresholds=HealthThresholds(amber_below=D("1.2"), red_below=D("1.1")))
    assert strict.root.health is Health.AMBER  # 1.104 is under 1.2, not under 1.1


def _queries(world: World, **kwargs: Any) -> int:
    version = PlanVersion.objects.select_related("unit").get(pk=world.version.pk)
    with CaptureQueriesContext(connection) as captured:
        mesh_report(version=version, as_of=AS_OF, **kwargs)
    return len(captured)


def test_query_counts_do_not_grow_with_the_data(world: World) -> None:
    small = (
        _queries(world),
        _queries(world, people=False),
        _queries(world, unit=world.sdr_team),
    )
    sdr1 = world.people["sdr1"]
    for n in range(15):
        account = make_account(world.line, sdr1, f"More {n}", is_named=True, external_id=f"M{n}")
        _call(sdr1, account, 1 + n % 10, reached=bool(n % 2))
        make_user(f"more{n}", unit=world.sdr_team, role=Role.SDR)
        opportunity_create(
            line=world.line,
            account=account,
            name=f"deal {n}",
            owner=world.people["bd1"],
            stage=Stage.QUALIFIED,
            amount=D(1000),
            at=shanghai(2025, 7, 1 + n % 10, 11),
        )
    larger = (
        _queries(world),
        _queries(world, people=False),
        _queries(world, unit=world.sdr_team),
    )
    assert small == larger == (14, 12, 8)


# -- whose trees are built ---------------------------------------------------------------------


def test_one_person_asked_for_gets_the_full_builds_tree_and_nobody_else_is_built(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import salesmesh.mesh.behaviour as builder

    built: list[int] = []
    read: list[list[int]] = []
    real_person, real_facts = builder.PersonMesh, builder.behaviour_people_facts

    def person(**fields: Any) -> Any:
        built.append(fields["person_id"])
        return real_person(**fields)

    def facts(**kwargs: Any) -> Any:
        read.append(sorted(kwargs["people"]))
        return real_facts(**kwargs)

    monkeypatch.setattr(builder, "PersonMesh", person)
    monkeypatch.setattr(builder, "behaviour_people_facts", facts)
    whole = report(world)
    assert len(built) == 4
    for key in ("sdr1", "bd1", "ps1"):
        pk = world.people[key].pk
        built.clear()
        read.clear()
        one = report(world, people={pk})
        assert built == [pk]
        # The line's node reads its own behaviours: only this person's are read besides.
        assert read == [[pk]]
        assert one.people == tuple(p for p in whole.people if p.person_id == pk)
        assert (one.root, one.attribution, one.diagnosis, one.catch_up, one.warnings) == (
            whole.root,
            whole.attribution,
            whole.diagnosis,
            whole.catch_up,
            whole.warnings,
        )
    # A team's node sums its people's behaviours: all of them are read, one tree is built.
    sdr1, sdr2 = world.people["sdr1"].pk, world.people["sdr2"].pk
    team = report(world, unit=world.sdr_team)
    built.clear()
    read.clear()
    one = report(world, unit=world.sdr_team, people={sdr2})
    assert built == [sdr2]
    assert read == [sorted([sdr1, sdr2])]
    assert one.people == tuple(p for p in team.people if p.person_id == sdr2)
    assert one.root == team.root
    built.clear()
    read.clear()
    assert report(world, people=set()).people == ()
    assert (built, read) == ([], [])


# -- the demo ----------------------------------------------------------------------------------


def test_the_demo_key_account_line(demo_company: None) -> None:
    until = date(2026, 6, 30)
    seed_demo_process_data(until=until)
    version = PlanVersion.objects.select_related("unit").get(
        unit__code="ka", status=PlanStatus.APPROVED
    )
    with CaptureQueriesContext(connection) as captured:
        result = mesh_report(version=version, as_of=until)
    assert len(captured) == 14
    assert result.paradigm == "behaviour"
    assert result.root.key == "revenue"
    assert result.root.actual > 0
    assert result.root.find("named_accounts").actual == D(72)
    # Every SDR, BD and presales engineer of the demo has their tree.
    roles = dict(
        User.objects.filter(memberships__unit__path__startswith=version.unit.path)
        .filter(memberships__role__in=[Role.SDR, Role.BD, Role.PRESALES])
        .values_list("pk", "memberships__role")
    )
    assert {mesh.person_id for mesh in result.people} == set(roles)
    assert {mesh.root.key for mesh in result.people} == {
        "vql",
        "revenue",
        "solutions_per_day",
    }
    assert result.attribution is not None
    assert sum(share.share for share in result.attribution.shares) == result.attribution.gap
    assert result.catch_up is not None
    assert result.catch_up.rows
    with translation.override("en"):
        for node in result.root.walk():
            assert str(node.label)
            assert str(node.formula)
        assert all(str(message) for message in result.diagnosis)
