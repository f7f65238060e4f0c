"""Plan files run: each example through its core planner into the common report shape.

Expected numbers are computed by hand in the comments from the example files. Calendar
facts are China's 2026 schedule: Qingming Apr 5-6, Labour Day May 1-5 (make-up Sat May
9), Dragon Boat Jun 19, Mid-Autumn Sep 25, National Day Oct 1-7 (make-up Sun Sep 20 and
Sat Oct 10).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from salesmesh.planfile.loader import PlanFileError, _PlanYamlLoader, load_plan, load_plan_data
from salesmesh.planfile.report import PlanReport, ReportNode, ReportTable, report_to_dict
from salesmesh.planfile.runner import run_plan

D = Decimal
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = ("probability-smb.yaml", "behaviour-key-accounts.yaml", "project-government.yaml")


@pytest.fixture(scope="module")
def reports() -> dict[str, PlanReport]:
    """Each example's report, planned once for the module."""
    return {file: run_plan(load_plan(EXAMPLES / file)) for file in FILES}


def table(report: PlanReport, key: str) -> ReportTable:
    """The report's table with this key."""
    return next(t for t in report.tables if t.key == key)


def column(t: ReportTable, name: str) -> list[Any]:
    """The cells of the column whose (English) title is ``name``."""
    index = [str(c) for c in t.columns].index(name)
    return [row[index] for row in t.rows]


def walk(node: ReportNode) -> Iterator[ReportNode]:
    """Every node of the tree, depth first."""
    yield node
    for child in node.children:
        yield from walk(child)


def node(report: PlanReport, label: str) -> ReportNode:
    """The first tree node whose English label is ``label``."""
    return next(n for n in walk(report.tree) if str(n.label) == label)


# -- probability: examples/probability-smb.yaml -----------------------------------------------


def test_probability_key_numbers_by_hand(reports: dict[str, PlanReport]):
    report = reports["probability-smb.yaml"]
    assert (report.paradigm, report.period_label) == ("probability", "FY2026-Q2")
    # deal value = 0.55 x 4,800 + 0.35 x 12,800 + 0.10 x 29,800 = 2,640 + 4,480 + 2,980 = 10,100
    assert node(report, "Expected deal value").value == D("10100.00")
    # customers = ceil(6,500,000 / 10,100) = ceil(643.56) = 644
    assert node(report, "Customers to win").value == 644
    # The close stage depends on each rep's capability multiplier m_r (scenario and product
    # exams, tenure): ceil(sum(customers_r / m_r) / 0.35). Reps stronger than the reference
    # rep need fewer opportunities than ceil(644 / 0.35) = 1,840.
    reps = table(report, "reps")
    customers = column(reps, "Customers")
    multipliers = report.data["plan"]["reps"]
    load = sum(c / rep["multiplier"] for c, rep in zip(customers, multipliers, strict=True))
    assert node(report, "Stage 商机").value == math.ceil(load / 0.35) == 1631
    # qualified leads = ceil(1,631 / 0.40) = ceil(4,077.5) = 4,078
    assert node(report, "Stage 有效线索").value == 4078
    # sources blend the first stage: 0.5 x 0.8 + 0.3 x 1.0 + 0.2 x 1.5 = 1.0, so
    # leads = ceil(4,078 / (0.30 x 1.0)) = ceil(13,593.3) = 13,594
    assert node(report, "Stage 线索").value == 13594
    # per source by share (largest remainder): 6,797 + 4,078.2 -> 4,078 + 2,718.8 -> 2,719
    sources = [(str(n.label), n.value) for n in node(report, "Stage 线索").children[:3]]
    assert sources == [("Source 市场覆盖", 6797), ("Source 品牌", 4078), ("Source 私域", 2719)]
    # calls = ceil(13,594 x 2.5 attempts / 0.40 reach) = ceil(84,962.5) = 84,963
    assert node(report, "Calls").value == 84963
    # visits = ceil(1,631 opportunities x 0.5) = ceil(815.5) = 816
    assert node(report, "Visits").value == 816


def test_probability_example_is_infeasible_with_fixes(reports: dict[str, PlanReport]):
    report = reports["probability-smb.yaml"]
    # 84,963 calls from 20 reps at 60-80 a day do not fit the busiest weeks.
    assert not report.feasible
    assert report.tree.status == "infeasible"
    assert node(report, "Calls").status == "infeasible"
    assert node(report, "Visits").status == "ok"
    assert str(report.warnings[0]).startswith("The plan is infeasible")
    templates = [fix.template for fix in report.fixes]
    assert len(templates) == 3
    assert templates[0].startswith("Reps to add")
    assert templates[1].startswith("Raise overall conversion")
    assert templates[2].startswith("Raise the expected deal value")


def test_probability_tables_add_up_to_the_tree(reports: dict[str, PlanReport]):
    report = reports["probability-smb.yaml"]
    reps, weeks = table(report, "reps"), table(report, "weeks")
    calls, visits = node(report, "Calls").value, node(report, "Visits").value
    assert sum(column(reps, "Calls")) == calls
    assert sum(column(reps, "Visits")) == visits
    assert sum(column(reps, "Customers")) == node(report, "Customers to win").value
    assert sum(column(weeks, "Calls")) == calls
    assert sum(column(weeks, "Closes")) == 644
    assert sum(column(weeks, "线索")) == 13594
    assert sum(column(table(report, "sources"), "Leads")) == 13594
    # rep x week matrix: each row is the rep's calls, each column the week's calls.
    matrix = table(report, "rep_weeks_calls")
    assert [sum(row[1:]) for row in matrix.rows] == column(reps, "Calls")
    assert [sum(col) for col in zip(*(row[1:] for row in matrix.rows), strict=True)] == (
        column(weeks, "Calls")
    )
    visit_matrix = table(report, "rep_weeks_visits")
    assert sum(sum(row[1:]) for row in visit_matrix.rows) == visits
    # Leads for the first closes are needed before the period (35-day lag): from 2026-W09.
    assert weeks.rows[0][0] == "2026-W09"
    assert report.data["plan"]["leads_before_target"] > 0


def test_probability_monthly_target_by_hand(reports: dict[str, PlanReport]):
    report = reports["probability-smb.yaml"]
    # Whole months weigh their seasonality: 0.9 + 1.0 + 1.3 = 3.2, so
    # April 6,500,000 x 0.9 / 3.2 = 1,828,125; May x 1.0 / 3.2 = 2,031,250; June x 1.3 / 3.2
    # = 2,640,625 (working days 21, 19 and 21: Qingming, Labour Day, Dragon Boat).
    assert table(report, "monthly_target").rows == (
        ("2026-04", 21, D("0.9000"), D("1828125.00")),
        ("2026-05", 19, D("1.0000"), D("2031250.00")),
        ("2026-06", 21, D("1.3000"), D("2640625.00")),
    )
    assert sum(column(table(report, "weekly_target"), "Target")) == D("6500000.00")


# -- behaviour: examples/behaviour-key-accounts.yaml ------------------------------------------


def test_behaviour_key_numbers_by_hand(reports: dict[str, PlanReport]):
    report = reports["behaviour-key-accounts.yaml"]
    # Already signed: A 2 x 1,500,000 + B 3 x 600,000 + C 4 x 200,000 = 5,600,000;
    # remaining 15,000,000 - 5,600,000 = 9,400,000 split by target_weight 0.58 / 0.30 / 0.12
    # = 5,452,000 / 2,820,000 / 1,128,000.
    assert node(report, "Already signed").value == D("5600000.00")
    tiers = table(report, "tiers")
    assert column(tiers, "Tier target") == [D("5452000.00"), D("2820000.00"), D("1128000.00")]
    # New signings: ceil(5,452,000 / 1,500,000) = 4; ceil(2,820,000 / 600,000) = 5;
    # ceil(1,128,000 / 200,000) = 6.
    assert column(tiers, "New signings") == [4, 5, 6]
    # VQL: A ceil(4 / 0.6) = 7 (A's own rates); B ceil(5 / 0.5) = 10; C ceil(6 / 0.5) = 12.
    assert column(tiers, "VQL needed") == [7, 10, 12]
    # Engaged, for the VQLs the list does not hold yet (A 3, B 4, C 3 already at VQL):
    # A ceil((7-3) / 0.7) = 6; B ceil((10-4) / 0.6) = 10; C ceil((12-3) / 0.6) = 15.
    assert column(tiers, "Engaged needed") == [6, 10, 15]
    # Touched, for the new engaged (A 4, B 5, C 5 already engaged):
    # A ceil(2 / 0.7) = 3; B ceil(5 / 0.6) = 9; C ceil(10 / 0.6) = 17.
    assert column(tiers, "Touched needed") == [3, 9, 17]
    # What each list yields at most (floors): A 4 + floor(3 x 0.7) = 6 engaged,
    # 3 + floor(6 x 0.7) = 7 VQL, floor(7 x 0.6) = 4 signings; B 5 + floor(12 x 0.6) = 12,
    # 4 + floor(12 x 0.6) = 11, floor(11 x 0.5) = 5; C 5 + floor(24 x 0.6) = 19,
    # 3 + floor(19 x 0.6) = 14, floor(14 x 0.5) = 7. Every tier can make its number.
    assert column(tiers, "Most signings the list yields") == [4, 5, 7]
    assert node(report, "New signings (all tiers)").value == 15
    assert node(report, "VQL (all tiers)").value == 29
    assert report.feasible
    assert report.fixes == ()


def test_behaviour_touches_by_hand(reports: dict[str, PlanReport]):
    report = reports["behaviour-key-accounts.yaml"]
    # FY2026 has 51 plan weeks (short holiday weeks fold into the next). Touches:
    # A 12 accounts x 2 a week x 51 = 1,224; B 24 accounts every 2 weeks, 12 starting in
    # week 0 (26 rounds) and 12 in week 1 (25 rounds) = 612; C 36 accounts every 4 weeks,
    # 9 per start week 0..3 with 13, 13, 13 and 12 rounds = 459. Total 2,295.
    accounts = table(report, "accounts")
    assert sum(column(accounts, "Touches")) == 1224 + 612 + 459 == 2295
    assert sum(column(table(report, "sdr_weeks"), "Contacts")) == 2295
    team = table(report, "team")
    sdr_loads = [
        load
        for role, load in zip(
            column(team, "Role"), column(team, "Touches or visits in the period"), strict=True
        )
        if role == "sdr"
    ]
    assert sum(sdr_loads) == 2295
    # BD visits: every visit of every account equals the BDs' weekly lists.
    visits = sum(column(accounts, "Visits"))
    assert visits == sum(column(table(report, "bd_visits"), "Contacts")) > 0
    # One presales solution per VQL worked: 29.
    assert sum(column(table(report, "presales_weeks"), "Solutions")) == 29


def test_behaviour_covers_every_named_account(reports: dict[str, PlanReport]):
    report = reports["behaviour-key-accounts.yaml"]
    document = load_plan(EXAMPLES / "behaviour-key-accounts.yaml")
    accounts = table(report, "accounts")
    ids = [a.id for a in document.behaviour.accounts]  # type: ignore[attr-defined]
    assert column(accounts, "Account") == ids
    assert len(ids) == 72
    assert all(column(accounts, "SDR"))
    assert all(weeks for weeks in column(accounts, "Touch weeks"))
    assert node(report, "Named accounts covered").value == D("100.0")


def test_behaviour_monthly_target_by_hand(reports: dict[str, PlanReport]):
    report = reports["behaviour-key-accounts.yaml"]
    # The twelve weights add up to 12.0, so each month is 15,000,000 / 12 = 1,250,000 times
    # its weight: January 0.8 -> 1,000,000; February 0.5 -> 625,000; December 1.8 -> 2,250,000.
    amounts = column(table(report, "monthly_target"), "Target")
    assert (amounts[0], amounts[1], amounts[11]) == (
        D("1000000.00"),
        D("625000.00"),
        D("2250000.00"),
    )
    assert sum(amounts) == D("15000000.00")


# -- project: examples/project-government.yaml ------------------------------------------------


def test_project_revenue_by_hand(reports: dict[str, PlanReport]):
    report = reports["project-government.yaml"]
    revenue = table(report, "revenue_by_period")
    # zwsj 12,800,000: m1 10 % = 1,280,000; m3, m4, m5 30 % = 3,840,000 each.
    # jtwl 8,600,000: k1, k2 20 % = 1,720,000; k3, k4 30 % = 2,580,000.
    # zhxy 2,400,000: s1 30 % = 720,000; s2, s3 35 % = 840,000.
    # m2 is 30 working days after Fri Mar 13: Mar 16-27 (10), Mar 30-Apr 3 (15), Apr 7-10
    # (19, Mon Apr 6 is Qingming), Apr 13-24 (29), Mon Apr 27 (30).
    # m4 is 55 working days after Fri Aug 28: Aug 31-Sep 30 is 23 (Sep 25 off, Sun Sep 20
    # worked), October 18 (Oct 1-7 off, Sat Oct 10 worked), Nov 2-19 the last 14: Nov 19.
    assert [(row[0], row[4]) for row in revenue.rows] == [
        ("FY2025-Q4", D("1720000.00")),  # k1 (Dec 19, 2025)
        ("FY2026-Q1", D("3000000.00")),  # m1 1,280,000 + k2 1,720,000
        ("FY2026-Q2", D("720000.00")),  # s1
        ("FY2026-Q3", D("7260000.00")),  # m3 3,840,000 + k3 2,580,000 + s2 840,000
        ("FY2026-Q4", D("7260000.00")),  # m4 (Nov 19) + k4 + s3
        ("FY2027-Q1", D("3840000.00")),  # m5 (Mar 31, 2027)
    ]
    # Every period adds up to the contract values: 12.8 + 8.6 + 2.4 = 23.8 million.
    assert sum(row[4] for row in revenue.rows) == node(report, "Contract value").value
    assert node(report, "Contract value").value == D("23800000.00")
    # In FY2026: 3,000,000 + 720,000 + 7,260,000 + 7,260,000 = 18,240,000 >= 18,000,000.
    assert node(report, "Revenue in FY2026").value == D("18240000.00")
    assert node(report, "Gap to target").value == D("0.00")
    assert report.feasible
    dates = {(row[0], row[1]): row[8] for row in table(report, "milestones").rows}
    assert dates["zwsj", "m2"].isoformat() == "2026-04-27"
    assert dates["zwsj", "m4"].isoformat() == "2026-11-19"


def test_project_warns_about_an_opponent_without_action(reports: dict[str, PlanReport]):
    report = reports["project-government.yaml"]
    assert [str(w) for w in report.warnings] == [
        "孙悦 (influence 4) opposes project jtwl but no action towards them is planned."
    ]
    critical = [row[2] for row in table(report, "critical_path").rows if row[0] == "zwsj"]
    assert critical == ["m1", "m2", "m3", "m4", "m5"]
    # The opponent's action is due 15 working days before the contract (Fri Mar 13): counting
    # back over the Spring Festival break and its make-up Saturdays lands on Sat Feb 14.
    actions = table(report, "actions")
    first = actions.rows[0]
    assert (first[2], first[7].isoformat(), first[8]) == ("赵立新", "2026-02-14", "high")


def test_a_slipped_milestone_shows_the_gap_and_the_fix():
    document = load_plan(EXAMPLES / "project-government.yaml")
    data = document.model_dump(mode="json")
    # Trial acceptance needs 90 working days instead of 55: it moves into 2027.
    data["project"]["projects"][0]["milestones"][3]["duration_working_days"] = 90
    report = run_plan(load_plan_data(data))
    # FY2026 loses m4's 3,840,000: 18,240,000 - 3,840,000 = 14,400,000, 3,600,000 short.
    assert node(report, "Revenue in FY2026").value == D("14400000.00")
    assert node(report, "Gap to target").value == D("3600000.00")
    assert not report.feasible
    assert str(report.fixes[0]).startswith("Bring milestone m4 of project zwsj")


# -- the report shape -------------------------------------------------------------------------


@pytest.mark.parametrize("file", FILES)
def test_report_shape(reports: dict[str, PlanReport], file: str):
    report = reports[file]
    keys = [t.key for t in report.tables]
    assert len(set(keys)) == len(keys)
    for t in report.tables:
        assert t.key.isascii()
        assert len(t.key) <= 31
        assert len(t.kinds) == len(t.columns)
        assert all(len(row) == len(t.columns) for row in t.rows)
    assert {"monthly_target", "weekly_target", "advisor"} <= set(keys)
    # Every number is JSON-ready: no NaN or infinity, Decimals as exact strings.
    text = json.dumps(report_to_dict(report), ensure_ascii=False, allow_nan=False)
    assert json.loads(text)["data"]["document"]["paradigm"] == report.paradigm


def test_the_advisor_agrees_with_each_example(reports: dict[str, PlanReport]):
    for file, paradigm in zip(FILES, ("probability", "behaviour", "project"), strict=True):
        advisor = table(reports[file], "advisor")
        assert reports[file].data["advisor"]["core"] == paradigm
        assert str(advisor.rows[-1][0]) == "score"


def test_the_advisor_warns_when_it_disagrees():
    document = load_plan(EXAMPLES / "project-government.yaml")
    data = document.model_dump(mode="json")
    data["advisor"] = {
        "addressable_customers": 100000,
        "demand_customers": 20000,
        "market_maturity": 5,
        "solution_standardisation": 5,
    }
    report = run_plan(load_plan_data(data))
    assert any(
        str(w).startswith("The advisor names the probability paradigm as the core paradigm")
        for w in report.warnings
    )


def _json_text(value: Any) -> str:
    """YAML data as JSON text, each Decimal written as the number it was in the YAML."""

    def marked(item: Any) -> Any:
        if isinstance(item, Decimal):
            return f"<number>{item}</number>"
        if isinstance(item, dict):
            return {str(k): marked(v) for k, v in item.items()}
        if isinstance(item, list):
            return [marked(v) for v in item]
        return item.isoformat() if hasattr(item, "isoformat") else item

    text = json.dumps(marked(value), ensure_ascii=False)
    return re.sub(r'"<number>([^<]*)</number>"', r"\1", text)


@pytest.mark.parametrize("file", FILES)
def test_json_and_yaml_give_the_same_report(
    reports: dict[str, PlanReport], file: str, tmp_path: Path
):
    raw = yaml.load((EXAMPLES / file).read_text(encoding="utf-8"), Loader=_PlanYamlLoader)  # noqa: S506
    twin = tmp_path / file.replace(".yaml", ".json")
    twin.write_text(_json_text(raw), encoding="utf-8")
    assert '"conversion": 0.30' in twin.read_text(encoding="utf-8") or "probability" not in file
    assert report_to_dict(run_plan(load_plan(twin))) == report_to_dict(reports[file])


def test_run_plan_reports_core_problems_as_plan_file_errors():
    # A document built directly (not through the loader) still fails with document paths.
    document = load_plan(EXAMPLES / "probability-smb.yaml")
    broken = document.model_copy(
        update={
            "probability": document.probability.model_copy(  # type: ignore[attr-defined]
                update={"products": document.probability.products[:1]}  # type: ignore[attr-defined]
            )
        }
    )
    with pytest.raises(PlanFileError) as caught:
        run_plan(broken)
    assert [path for path, _ in caught.value.problems] == ["probability.products"]
