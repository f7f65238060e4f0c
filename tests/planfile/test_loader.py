"""Plan files in: YAML/JSON reading, the schema, every problem at once with its path."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from salesmesh.core.i18n import Message
from salesmesh.planfile.amounts import AmountError, parse_amount, parse_number
from salesmesh.planfile.loader import PlanFileError, load_plan, load_plan_data
from salesmesh.planfile.schema import (
    BehaviourPlanDocument,
    PlanDocument,
    ProbabilityPlanDocument,
    ProjectPlanDocument,
)

D = Decimal
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def minimal(**changes: Any) -> dict[str, Any]:
    """A small valid probability plan as parsed data (one product, one stage, one rep)."""
    data: dict[str, Any] = {
        "version": 1,
        "paradigm": "probability",
        "name": "小计划",
        "period": "2025-07",
        "target": "160000",
        "probability": {
            "products": [{"name": "基础版", "price": 16000, "probability": 1}],
            "funnel": {"stages": [{"name": "商机", "conversion": "0.5", "lag_days": 0}]},
            "yields": {
                "attempts_per_reached_lead": 2,
                "reach_rate": "0.5",
                "visits_per_opportunity": 0,
            },
            "reps": [
                {
                    "rep_id": "A",
                    "max_calls_per_day": 100,
                    "max_visits_per_day": 0,
                    "product_pass_rate": "0.5",
                    "scenario_pass_rate": "0.5",
                    "tenure_months": 18,
                }
            ],
        },
    }
    data.update(changes)
    return data


def problems_of(data: Any) -> list[tuple[str, str]]:
    """(path, English text) of every problem load_plan_data reports."""
    with pytest.raises(PlanFileError) as caught:
        load_plan_data(data)
    for _, message in caught.value.problems:
        assert isinstance(message, Message)
    return [(path, str(message)) for path, message in caught.value.problems]


# -- the examples -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "cls", "paradigm", "period"),
    [
        ("probability-smb.yaml", ProbabilityPlanDocument, "probability", "FY2026-Q2"),
        ("behaviour-key-accounts.yaml", BehaviourPlanDocument, "behaviour", "FY2026"),
        ("project-government.yaml", ProjectPlanDocument, "project", "FY2026"),
    ],
)
def test_each_example_loads(file: str, cls: type[PlanDocument], paradigm: str, period: str):
    document = load_plan(EXAMPLES / file)
    assert isinstance(document, cls)
    assert document.paradigm == paradigm
    assert document.period_label == period
    assert document.name


def test_example_values_are_exact_decimals():
    document = load_plan(EXAMPLES / "probability-smb.yaml")
    assert isinstance(document, ProbabilityPlanDocument)
    # "650万" is 6,500,000; 0.55 in YAML is exactly Decimal("0.55"), not a binary float.
    assert document.target == D("6500000")
    assert document.probability.products[0].probability == D("0.55")
    assert str(document.probability.funnel.stages[0].conversion) == "0.30"
    assert document.seasonality == {4: D("0.9"), 5: D("1.0"), 6: D("1.3")}


# -- one broken file, every problem at once ---------------------------------------------------

BROKEN = """\
version: 1
paradigm: probability
name: ""
period: FY2026-Q5
target: 12,000,00
seasonality: {4: -1, 13: 1}
probability:
  products:
    - {name: 基础版, price: 4800, probability: 1.5}
    - {name: 专业版, prise: 12800, probability: 0.35}
  funnel:
    stages:
      - {name: 线索, conversion: 0.3, lag_days: 35}
      - {name: 有效线索, conversion: 0.4, lag_days: -2}
      - {name: 商机, conversion: 0, lag_days: 10}
  yields:
    attempts_per_reached_lead: abc
    reach_rate: 40%
  reps:
    - {rep_id: E01, max_calls_per_day: 80, max_visits_per_day: 2, product_pass_rate: 0.9,
       scenario_pass_rate: yes, tenure_months: 5.5}
  capability: {product_weigth: 0.3}
behaviour: {}
"""


def test_a_broken_file_reports_every_problem_with_its_path(tmp_path: Path):
    file = tmp_path / "broken.yaml"
    file.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(PlanFileError) as caught:
        load_plan(file)
    problems = [(path, str(message)) for path, message in caught.value.problems]
    assert problems == [
        ("name", "must not be empty"),
        (
            "period",
            "'FY2026-Q5' is not a period label; write e.g. FY2026, FY2026-Q1, 2026-03 or 2026-W10",
        ),
        (
            "target",
            "'12,000,00' is not an amount; write e.g. 12000000, 12,000,000, 1200万 or 1.2亿",
        ),
        ("seasonality.4", "must not be negative"),
        ("seasonality.13", "must be a month number from 1 to 12"),
        ("probability.products[0].probability", "must be in [0, 1]"),
        ("probability.products[1].price", "is required"),
        ("probability.products[1].prise", "unknown key prise; did you mean price?"),
        ("probability.funnel.stages[1].lag_days", "must not be negative"),
        ("probability.funnel.stages[2].conversion", "must be in (0, 1]"),
        (
            "probability.yields.attempts_per_reached_lead",
            "'abc' is not a number; write e.g. 0.25, 25% or 1,000",
        ),
        ("probability.yields.visits_per_opportunity", "is required"),
        (
            "probability.reps[0].scenario_pass_rate",
            "must be a number, not a yes/no (true/false) value",
        ),
        ("probability.reps[0].tenure_months", "must be a whole number"),
        (
            "probability.capability.product_weigth",
            "unknown key product_weigth; did you mean product_weight?",
        ),
        (
            "behaviour",
            "this plan's paradigm is probability, so it takes a probability section and no "
            "behaviour section",
        ),
    ]
    # The YAML lines of the offending keys are known too (for editors and the CLI).
    assert caught.value.lines["probability.funnel.stages[2].conversion"] == 15
    assert caught.value.lines["target"] == 5


def test_messages_are_translatable_templates():
    with pytest.raises(PlanFileError) as caught:
        load_plan_data(minimal(target="lots", name=7.5))
    assert [path for path, _ in caught.value.problems] == ["name", "target"]
    for _, message in caught.value.problems:
        # The template is what gettext looks up; the parameters are filled in afterwards.
        looked_up: list[str] = []

        def translate(text: str, seen: list[str] = looked_up) -> str:
            seen.append(text)
            return text

        message.render(translate)
        assert looked_up == [message.template]
        assert "lots" not in message.template


def test_core_problems_are_merged_with_section_paths():
    data = minimal()
    data["probability"]["products"] = [
        {"name": "基础版", "price": 16000, "probability": "0.6"},
        {"name": "专业版", "price": 26000, "probability": "0.3"},
    ]
    data["probability"]["funnel"]["sources"] = [
        {"name": "品牌", "share": "0.5"},
        {"name": "品牌", "share": "0.4"},
    ]
    assert problems_of(data) == [
        ("probability.products", "selection probabilities must sum to 1 (they sum to 0.9)"),
        ("probability.funnel.sources[1].name", "duplicates another source"),
        ("probability.funnel.sources", "lead source shares must sum to 1 (they sum to 0.9)"),
    ]


def test_behaviour_core_problems_name_document_paths():
    document = load_plan(EXAMPLES / "behaviour-key-accounts.yaml")
    data = document.model_dump(mode="json")
    data["behaviour"]["accounts"][1]["tier"] = "D"
    data["behaviour"]["accounts"][2]["owner"] = "nobody"
    data["behaviour"]["team"][1]["id"] = "sdr01"
    problems = problems_of(data)
    assert ("behaviour.accounts[1].tier", "unknown tier D; add it to tiers") in problems
    assert ("behaviour.accounts[2].owner", "unknown team member nobody") in problems
    # A duplicate names the first occurrence by its document path too.
    assert ("behaviour.team[1].id", "duplicate of behaviour.team[0]") in problems


def test_project_cycle_is_reported_under_the_project_section():
    document = load_plan(EXAMPLES / "project-government.yaml")
    data = document.model_dump(mode="json")
    data["project"]["projects"][0]["milestones"][0]["depends_on"] = ["m2"]
    paths = [path for path, _ in problems_of(data)]
    assert paths[0].startswith("project.projects[0].milestones[")
    assert all(path.startswith("project.projects[0].") for path in paths)


def test_seasonality_must_weigh_every_month_of_the_period():
    assert problems_of(minimal(period="FY2025-Q3", seasonality={7: 1, 8: 1})) == [
        ("seasonality", "needs a weight for every month of FY2025-Q3; missing: 9")
    ]
    # Months outside the period are ignored; JSON's string keys are months too.
    document = load_plan_data(minimal(seasonality={"7": "1.5", "1": 0}))
    assert document.seasonality == {1: D(0), 7: D("1.5")}


def test_header_problems_are_reported_with_an_unknown_paradigm():
    data = minimal(paradigm="behavior", version=2, period="July")
    assert problems_of(data) == [
        ("paradigm", "'behavior' is not a paradigm; did you mean behaviour?"),
        ("version", "unsupported version 2; this salesmesh reads version 1"),
        (
            "period",
            "'July' is not a period label; write e.g. FY2026, FY2026-Q1, 2026-03 or 2026-W10",
        ),
    ]
    del data["paradigm"]
    assert problems_of(data)[0] == ("paradigm", "is required")


def test_unknown_keys_without_a_close_match_list_the_known_ones():
    problems = problems_of(minimal(zzz="blue"))
    assert problems[0][0] == "zzz"
    assert problems[0][1].startswith(
        "unknown key zzz; the keys here are: advisor, allocation, country"
    )


def test_day_periods_and_unknown_countries_are_refused():
    assert problems_of(minimal(period="2025-07-01", country="XX")) == [
        ("period", "must be a week or longer, not a single day"),
        ("country", "unknown country 'XX'; use an ISO 3166 code such as CN, HK or US"),
    ]


def test_fiscal_year_start_month_shapes_the_period():
    document = load_plan_data(minimal(period="fy2025-q1", fiscal_year_start_month=4))
    period = document.plan_period
    # FY2025 starting in April: Q1 is April..June 2025; labels are normalised to upper case.
    assert (period.start.isoformat(), period.end.isoformat()) == ("2025-04-01", "2025-06-30")
    assert document.period_label == "FY2025-Q1"


def test_not_a_mapping():
    assert problems_of([1, 2]) == [
        (
            "",
            "a plan must be a mapping of keys to values (version, paradigm, name, period, "
            "target and a paradigm section)",
        )
    ]


# -- reading files ----------------------------------------------------------------------------


def test_json_and_yaml_of_the_same_document_load_equal(tmp_path: Path):
    yaml_document = load_plan(EXAMPLES / "project-government.yaml")
    file = tmp_path / "plan.json"
    file.write_text(json.dumps(yaml_document.model_dump(mode="json")), encoding="utf-8")
    assert load_plan(file) == yaml_document
    # The web stores model_dump(mode="json") and loads it back unchanged.
    assert load_plan_data(yaml_document.model_dump(mode="json")) == yaml_document


def test_a_byte_order_mark_is_accepted(tmp_path: Path):
    file = tmp_path / "bom.yaml"
    file.write_bytes(b"\xef\xbb\xbf" + yaml.safe_dump(minimal(), allow_unicode=True).encode())
    assert load_plan(file).name == "小计划"


def test_json_numbers_are_exact(tmp_path: Path):
    file = tmp_path / "plan.json"
    data = minimal()
    data["probability"]["funnel"]["stages"][0]["conversion"] = 0.1
    text = json.dumps(data, ensure_ascii=False)
    file.write_text(text, encoding="utf-8")
    document = load_plan(file)
    assert isinstance(document, ProbabilityPlanDocument)
    assert document.probability.funnel.stages[0].conversion == D("0.1")
    # Floats handed over in memory are read through their text as well.
    parsed = json.loads(text)
    assert load_plan_data(parsed) == document


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "dup.yaml",
            "version: 1\nparadigm: probability\nname: a\nname: b\n",
            "line 4, column 1: not valid YAML: while reading a mapping found a duplicate key "
            "'name'",
        ),
        (
            "bad.yaml",
            "version: 1\nparadigm: [probability\n",
            "line 3, column 1: not valid YAML: while parsing a flow sequence expected ',' or "
            "']', but got '<stream end>'",
        ),
        (
            "bad.json",
            '{"version": 1,\n "paradigm": }',
            "line 2, column 14: not valid JSON: Expecting value",
        ),
        (
            "plan.txt",
            "version: 1",
            "cannot tell the format from the extension '.txt'; name the file .yaml, .yml or .json",
        ),
    ],
)
def test_unreadable_files_are_one_problem_with_a_line(
    tmp_path: Path, name: str, content: str, expected: str
):
    file = tmp_path / name
    file.write_text(content, encoding="utf-8")
    with pytest.raises(PlanFileError) as caught:
        load_plan(file)
    assert [(path, str(message)) for path, message in caught.value.problems] == [("", expected)]


def test_binary_and_missing_files(tmp_path: Path):
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"name: a\n\xff\xfe")
    with pytest.raises(PlanFileError) as caught:
        load_plan(binary)
    assert (
        str(caught.value.problems[0][1])
        == "line 2: the file is not UTF-8 text (invalid start byte)"
    )
    with pytest.raises(PlanFileError) as caught:
        load_plan(tmp_path / "missing.yaml")
    assert str(caught.value.problems[0][1]).startswith("cannot read ")


# -- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12000000, "12000000"),
        ("12,000,000", "12000000"),
        ("12_000_000", "12000000"),
        ("1200万", "12000000"),  # 1,200 x 10,000
        ("1.2亿", "120000000"),  # 1.2 x 100,000,000
        ("1亿2000万", "120000000"),  # 100,000,000 + 2,000 x 10,000
        ("3千万", "30000000"),  # 3 x 10,000,000
        ("2.5百万", "2500000"),
        ("800k", "800000"),
        ("1.5M", "1500000"),
        ("¥ 12,000,000 元", "12000000"),
        (
            "\uff11\uff12\uff0c\uff10\uff10\uff10",
            "12000",
        ),  # full-width digits and comma (a Chinese input method)
        ("￥1200万", "12000000"),
        ("0.125万", "1250"),
        ("12.50", "12.50"),
        (D("9.9"), "9.9"),
        (0.1, "0.1"),  # through str(): not 0.1000000000000000055511151231257827
        (1.2e7, "12000000"),
        ("-5万", "-50000"),  # the schema refuses it: "must not be negative"
    ],
)
def test_amounts(value: object, expected: str):
    assert str(parse_amount(value)) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1,20", "is not an amount"),  # a decimal comma, or a typo: refuse rather than guess
        ("1万5", "is not an amount"),  # colloquially 15,000, literally ambiguous
        ("2万亿", "is not an amount"),  # units must shrink
        ("12.345", "has more than two decimals (cents)"),
        ("0.0000001万", "has more than two decimals"),  # 0.001 yuan: below a cent
        ("abc", "is not an amount"),
        ("", "is not an amount"),
        (True, "not a yes/no (true/false) value"),
        (float("nan"), "is not an amount"),
        (None, "is not an amount"),
        # Bounds: below 10^16 in size, at most 28 digits written out in full.
        (10**16, "10000000000000000 is too large"),
        (-(10**40), "is too large; numbers in a plan must lie between -10^16 and 10^16"),
        (D("1.0E+40"), "1.0E+40 is too large"),  # once decimal.InvalidOperation
        (D("1E+1000000"), "1E+1000000 is too large"),
        ("1" * 41, "is too large"),
        ("10000000000000000", "is too large"),  # 10^16
        ("1000000000000万", "is too large"),  # 10^12 x 10^4 = 10^16
        ("0.12345678901234567890123456789万", "has more than 28 digits when written out in full"),
        (D("1E-100"), "1E-100 has more than 28 digits"),
    ],
)
def test_amounts_refused(value: object, reason: str):
    with pytest.raises(AmountError) as caught:
        parse_amount(value)
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("25%", "0.25"), ("12.5%", "0.125"), (0.3, "0.3"), ("1e3", "1000"), ("1,000.5", "1000.5")],
)
def test_numbers(value: object, expected: str):
    assert str(parse_number(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9999999999999999", "9999999999999999"),  # 10^16 - 1, the largest whole number
        (D("1E+15"), "1000000000000000"),
        ("1e-27", "1E-27"),  # 0.000…001: 28 digits written out (the leading 0 counts)
        (D("1." + "0" * 40), "1"),  # trailing zeros are no digits of substance
        (D("0E+1000000"), "0"),  # zero, whatever its exponent
        (D("0E-1000000"), "0"),
    ],
)
def test_numbers_at_the_bounds(value: object, expected: str):
    assert str(parse_number(value)) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1e16", "'1e16' is too large"),
        (D("-1E+40"), "-1E+40 is too large"),
        pytest.param(10**5000, "is too large", id="int-too-long-to-print"),
        ("1e99999999999999999999", "is too large"),  # beyond Decimal's exponent range
        ("1e-28", "'1e-28' has more than 28 digits when written out in full"),
        ("1e-99999999999999999999", "has more than 28 digits"),
        ("1e-27%", "has more than 28 digits"),  # 1e-29 once divided by 100
        (1e-300, "1e-300 has more than 28 digits"),
        ("1" * 41 + "%", "has more than 28 digits"),
    ],
)
def test_numbers_refused_at_the_bounds(value: object, reason: str):
    with pytest.raises(AmountError) as caught:
        parse_number(value)
    assert reason in str(caught.value)


def test_target_forms_in_a_document():
    for text in ("16万", "160,000", "160000", "¥160,000.00", "0.16M"):
        assert load_plan_data(minimal(target=text)).target == D("160000")
    assert problems_of(minimal(target="-1")) == [("target", "must not be negative")]


@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False))
def test_any_amount_written_with_separators_or_in_wan_reads_back(amount: Decimal):
    assert parse_amount(f"{amount:,}") == amount
    # 万 moves the decimal point four places: the same amount, written in ten-thousands.
    assert parse_amount(f"{amount.scaleb(-4):f}万") == amount
