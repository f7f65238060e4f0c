"""The ``allocation:`` section: the plan's target over the line's teams and people.

Worked numbers come from examples/probability-smb.yaml: target 6,500,000.00, method
capacity with the default 6-month linear ramp (factor min(1, (t + 1) / 6) at tenure t),
the North team N locked at 200万. Ramped weights: E06 (60 calls, tenure 4) 60 × 5/6 = 50,
S05 (60 calls, tenure 3) 60 × 4/6 = 40, N05 (tenure 5) 60 × 6/6 = 60; every other rep
is fully ramped and weighs their capacity.

    E = 80 + 75 + 70 + 70 + 65 + 50 + 75 = 485
    S = 80 + 70 + 65 + 70 + 40 + 75 + 70 = 470
    N = 75 + 70 + 65 + 70 + 60 + 65     = 405 (not used at the top: N is locked)
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesmesh.core.i18n import Message
from salesmesh.planfile import allocation_report
from salesmesh.planfile.loader import PlanFileError, load_plan, load_plan_data, parse_plan_text
from salesmesh.planfile.report import PlanReport, ReportNode, ReportTable, report_to_dict
from salesmesh.planfile.runner import run_plan
from salesmesh.planfile.schema import AllocationSpec, PlanDocument

D = Decimal
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SMB = EXAMPLES / "probability-smb.yaml"


def example_data() -> dict[str, Any]:
    """The probability example as parsed data, exactly as the loader reads it."""
    data, _ = parse_plan_text(SMB.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def problems_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, English text) of every problem the loader reports."""
    with pytest.raises(PlanFileError) as caught:
        load_plan_data(data)
    for _, message in caught.value.problems:
        assert isinstance(message, Message)
    return [(path, str(message)) for path, message in caught.value.problems]


def table(report: PlanReport, key: str) -> ReportTable:
    """The report's table with this key."""
    return next(t for t in report.tables if t.key == key)


def walk(node: ReportNode) -> list[ReportNode]:
    """Every node of the tree, depth first."""
    return [node, *(n for child in node.children for n in walk(child))]


@pytest.fixture(scope="module")
def report() -> PlanReport:
    """The probability example's report."""
    return run_plan(load_plan(SMB))


@pytest.fixture(scope="module")
def amounts(report: PlanReport) -> dict[str, Decimal]:
    """Allocated amount by node id."""
    return dict(report.data["allocation"]["amounts"])


# -- the example ------------------------------------------------------------------------------


def test_the_example_adds_up_to_the_target_to_the_cent_at_every_level(report: PlanReport):
    nodes = report.data["allocation"]["nodes"]
    assert nodes[0]["id"] == "SMB"
    assert nodes[0]["amount"] == D("6500000.00")
    children: defaultdict[str, list[Decimal]] = defaultdict(list)
    for node in nodes[1:]:
        children[node["parent"]].append(node["amount"])
    by_id = {node["id"]: node["amount"] for node in nodes}
    # The root and its three teams are parents; each team's reps add up to the team.
    assert set(children) == {"SMB", "E", "S", "N"}
    for parent, parts in children.items():
        assert sum(parts) == by_id[parent], parent
        assert all(part == part.quantize(D("0.01")) for part in parts)
    # The table is the same tree in order: level-1 rows add up to the target.
    rows = table(report, "target_by_unit").rows
    assert [row[1] for row in rows] == [node["id"] for node in nodes]
    assert sum(row[4] for row in rows if row[0] == 1) == D("6500000.00")


def test_the_teams_by_hand(amounts: dict[str, Decimal]):
    # N is locked at 2,000,000.00; E and S share 6,500,000 - 2,000,000 = 4,500,000 as
    # 485 : 470. In cents: 450,000,000 x 485 / 955 = 228,534,031.41 and
    # 450,000,000 x 470 / 955 = 221,465,968.59; the floors leave 1 cent, which goes to
    # the larger remainder (S, .59).
    assert amounts["N"] == D("2000000.00")
    assert amounts["E"] == D("2285340.31")
    assert amounts["S"] == D("2214659.69")


def test_the_people_by_hand(amounts: dict[str, Decimal]):
    # E's 228,534,031 cents over weights 80, 75, 70, 70, 65, 50, 75 (of 485): the
    # remainders are 1, 7, 13, 13, 19, 37, 7 ninety-sevenths (they add up to 1 cent),
    # so E06 (37/97) gets the extra cent: 23,560,209.38 -> 23,560,210.
    assert amounts["E01"] == D("376963.35")  # 228,534,031 x 80 / 485 = 37,696,335.01
    assert amounts["E06"] == D("235602.10")
    # N's locked 200,000,000 cents over 75, 70, 65, 70, 60, 65 (of 405): remainders
    # .037, .235, .432, .235, .630, .432 add up to 2 cents: N05 (.630) and the first of
    # the tied N03 / N06 (.432, the earlier wins a tie).
    assert amounts["N05"] == D("296296.30")  # 200,000,000 x 60 / 405 = 29,629,629.63
    assert amounts["N03"] == D("320987.66")
    assert amounts["N06"] == D("320987.65")


def test_the_locked_team_keeps_exactly_its_amount(report: PlanReport):
    rows = {row[1]: row for row in table(report, "target_by_unit").rows}
    north = rows["N"]
    assert north[4] == D("2000000.00")  # 200万 as written
    assert str(north[5]) == "yes"
    assert north[3] is None  # a locked node carries no weight among its siblings
    assert str(rows["E"][5]) == "no"
    # Share of parent: 2,000,000 / 6,500,000 = 0.30769... -> 0.3077.
    assert north[6] == D("0.3077")
    node = next(n for n in walk(report.tree) if str(n.label) == "华北电销组 (N)")
    assert node.value == D("2000000.00")
    assert str(node.formula) == "manual override, locked"


def test_the_tree_has_the_allocation_under_the_target(report: PlanReport):
    node = report.tree.children[-1]
    # 3 teams + 20 reps below the root.
    assert str(node.label) == (
        "Allocated over 23 units and people by capacity, ramped for new hires"
    )
    assert node.value == D("6500000.00")
    assert [str(child.label) for child in node.children] == [
        "华东电销组 (E)",
        "华南电销组 (S)",
        "华北电销组 (N)",
    ]
    east = node.children[0]
    assert str(east.formula) == "= (6,500,000.00 − 2,000,000.00 locked) × 485 ÷ 955"
    e06 = next(n for n in east.children if str(n.label) == "杨磊 (E06)")
    assert str(e06.formula) == "= 2,285,340.31 × 50 ÷ 485 (capacity 60 × ramp 5/6)"


def test_new_hires_weigh_their_ramped_capacity(report: PlanReport, amounts: dict[str, Decimal]):
    rows = {row[1]: row for row in table(report, "target_by_unit").rows}
    assert rows["E06"][3] == D("50.0000")  # 60 x 5/6, tenure 4
    assert rows["S05"][3] == D("40.0000")  # 60 x 4/6, tenure 3
    assert rows["N05"][3] == D("60.0000")  # tenure 5: fully ramped
    # Same capacity, less tenure, less target (even though S gets more than N overall).
    assert amounts["S05"] < amounts["N05"]


def test_a_new_hire_gets_less_than_a_peer_with_equal_capacity():
    data = example_data()
    data["allocation"] = {
        "org": {
            "id": "T",
            "children": [
                # tenure 1 -> (1 + 1) / 6 = 1/3 -> weight 20
                {"id": "new", "capacity": 60, "tenure_months": 1},
                {"id": "old", "capacity": 60, "tenure_months": 24},
                # hired 2026-02-15, measured at the period start 2026-04-01: one whole
                # month (Mar 15), so also 1/3 -> weight 20
                {"id": "hired", "capacity": 60, "hire_date": "2026-02-15"},
            ],
        }
    }
    amounts = run_plan(load_plan_data(data)).data["allocation"]["amounts"]
    # 6,500,000 x 20 / 100 = 1,300,000; x 60 / 100 = 3,900,000.
    assert amounts == {
        "T": D("6500000.00"),
        "new": D("1300000.00"),
        "old": D("3900000.00"),
        "hired": D("1300000.00"),
    }


# -- problems ---------------------------------------------------------------------------------


def test_an_override_larger_than_the_target_is_reported_with_its_path():
    data = example_data()
    data["allocation"]["org"]["children"][2]["locked"] = "700万"
    assert problems_of(data) == [
        (
            "allocation.org.children[2].locked",
            "override 7000000.00 of node N exceeds parent SMB's target 6500000.00",
        )
    ]


def test_a_persons_override_above_their_team_is_reported_deep_in_the_tree():
    data = example_data()
    # S05 at 3,000,000 while S gets 2,214,659.69.
    data["allocation"]["org"]["children"][1]["children"][4]["locked"] = 3000000
    assert problems_of(data) == [
        (
            "allocation.org.children[1].children[4].locked",
            "override 3000000.00 of node S05 exceeds parent S's target 2214659.69",
        )
    ]


def test_overrides_adding_up_above_the_parent_are_an_error():
    data = example_data()
    data["allocation"]["org"]["children"][0]["locked"] = "500万"
    # With N's 2,000,000 the locked teams ask 7,000,000 of 6,500,000.
    assert problems_of(data) == [
        (
            "allocation.org.children",
            "the overrides of the children of SMB add up to 7000000.00, exceeding its "
            "target 6500000.00",
        )
    ]


def test_unknown_keys_and_bad_values_are_all_reported_with_their_paths():
    data = example_data()
    allocation = data["allocation"]
    allocation["mehtod"] = allocation.pop("method")
    allocation["org"]["children"][1]["children"][0]["lockd"] = 100000
    allocation["org"]["children"][0]["children"][2]["capacity"] = 0
    allocation["org"]["children"][2]["method"] = "by_size"
    assert sorted(problems_of(data)) == [
        ("allocation.mehtod", "unknown key mehtod; did you mean method?"),
        ("allocation.org.children[0].children[2].capacity", "must be positive"),
        ("allocation.org.children[1].children[0].lockd", "unknown key lockd; did you mean locked?"),
        (
            "allocation.org.children[2].method",
            "must be one of: equal, historical_share, potential, capacity",
        ),
    ]


def test_the_cores_tree_problems_name_document_paths():
    data = example_data()
    org = data["allocation"]["org"]
    org["children"][1]["children"][0]["id"] = "E01"  # already E's first rep
    del org["children"][0]["children"][3]["capacity"]
    org["children"][0]["children"][4]["hire_date"] = "2025-09-01"  # and tenure_months 7
    assert problems_of(data) == [
        (
            "allocation.org.children[0].children[4].tenure_months",
            "give either hire_date or tenure_months, not both",
        ),
        (
            "allocation.org.children[1].children[0].id",
            "id E01 is already used at allocation.org.children[0].children[0]",
        ),
        (
            "allocation.org.children[0].children[3].capacity",
            # Missing first where it is summed into E's weight among SMB's teams.
            "required to split the target of SMB by capacity",
        ),
    ]


def test_a_yaml_file_gives_the_line_of_a_problem(tmp_path: Path):
    text = SMB.read_text(encoding="utf-8").replace("locked: 200万", "locked: 700万")
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanFileError) as caught:
        load_plan(path)
    [(where, _)] = caught.value.problems
    line = next(n for n, s in enumerate(text.splitlines(), start=1) if "locked: 700万" in s)
    assert caught.value.lines[where] == line


# -- without the section, and in every paradigm -----------------------------------------------


def test_a_document_without_allocation_has_no_target_by_unit_table():
    data = example_data()
    del data["allocation"]
    report = run_plan(load_plan_data(data))
    assert "target_by_unit" not in [t.key for t in report.tables]
    assert "allocation" not in report.data
    assert not any(str(n.label).startswith("Allocated over") for n in walk(report.tree))


def test_every_paradigm_takes_the_section_with_its_defaults():
    data, _ = parse_plan_text((EXAMPLES / "project-government.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    # Equal: 18,000,000 over three units = 6,000,000 each; "sales" splits its 6,000,000
    # over two people by historical revenue 3 : 1 = 4,500,000 and 1,500,000.
    data["allocation"] = {
        "method": "equal",
        "org": {
            "id": "gov",
            "children": [
                {
                    "id": "sales",
                    "method": "historical_share",
                    "children": [
                        {"id": "a", "historical_revenue": "300万"},
                        {"id": "b", "historical_revenue": "100万"},
                    ],
                },
                {"id": "pmo"},
                {"id": "solution"},
            ],
        },
    }
    document = load_plan_data(data)
    assert document.allocation is not None
    assert document.allocation.ramp_months == 6  # the core's default
    report = run_plan(document)
    assert report.data["allocation"]["amounts"] == {
        "gov": D("18000000.00"),
        "sales": D("6000000.00"),
        "a": D("4500000.00"),
        "b": D("1500000.00"),
        "pmo": D("6000000.00"),
        "solution": D("6000000.00"),
    }
    report_to_dict(report)  # JSON-ready


def test_the_section_round_trips_through_json():
    document = load_plan(SMB)
    again = load_plan_data(document.model_dump(mode="json"))
    assert again == document
    assert again.allocation is not None
    assert again.allocation.org.children[2].locked == D("2000000")


# -- property: any tree, any feasible overrides, totals preserved at every level ---------------


@st.composite
def org_trees(draw: st.DrawFn) -> dict[str, Any]:
    """A two-level org (units of people) with capacities and, maybe, a locked unit."""
    units = []
    for u in range(draw(st.integers(1, 4))):
        people = [
            {
                "id": f"u{u}p{p}",
                "capacity": draw(st.integers(1, 120)),
                "tenure_months": draw(st.integers(0, 12)),
            }
            for p in range(draw(st.integers(1, 5)))
        ]
        units.append({"id": f"u{u}", "children": people})
    if draw(st.booleans()) and len(units) > 1:
        # A lock below the target, so the other units share the rest.
        units[0]["locked"] = draw(st.integers(0, 1_000_000))
    return {"id": "root", "children": units}


@pytest.fixture(scope="module")
def small_document() -> PlanDocument:
    """The example with a small target, to hang generated org trees on."""
    return load_plan(SMB).model_copy(update={"target": D("1000000.01")})


@settings(max_examples=60, deadline=None)
@given(org=org_trees())
def test_any_tree_adds_up_to_the_cent_at_every_level(small_document: PlanDocument, org):
    spec = AllocationSpec.model_validate({"org": org})
    document = small_document.model_copy(update={"allocation": spec})
    nodes = allocation_report.section(document).data["allocation"]["nodes"]
    assert nodes[0]["amount"] == D("1000000.01")
    by_id = {node["id"]: node for node in nodes}
    sums: defaultdict[str, Decimal] = defaultdict(Decimal)
    for node in nodes[1:]:
        sums[node["parent"]] += node["amount"]
    for parent, total in sums.items():
        assert total == by_id[parent]["amount"]
    locked = org["children"][0].get("locked")
    if locked is not None:
        assert by_id["u0"]["amount"] == D(locked)
