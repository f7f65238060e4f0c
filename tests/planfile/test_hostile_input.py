"""Hostile or broken plan text: every case is a PlanFileError problem, fast, never a crash."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from salesmesh.planfile import loader
from salesmesh.planfile.amounts import MAX_DIGITS, AmountError, parse_amount, parse_number
from salesmesh.planfile.loader import PlanFileError, load_plan, load_plan_data, parse_plan_text
from tests.planfile.test_loader import minimal

D = Decimal
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TOO_LARGE = "is too large; numbers in a plan must lie between -10^16 and 10^16"
TOO_MANY_DIGITS = f"has more than {MAX_DIGITS} digits when written out in full"


def read_plan(text: str, *, json_format: bool = False) -> object:
    """Parse and validate plan text, as the web editor does."""
    data, _ = parse_plan_text(text, json_format=json_format)
    return load_plan_data(data)  # a non-mapping is a problem too


def file_problems(text: str, *, json_format: bool = False) -> list[tuple[str, str]]:
    """(path, English text) of every problem reading ``text`` as a plan raises."""
    with pytest.raises(PlanFileError) as caught:
        read_plan(text, json_format=json_format)
    return [(path, str(message)) for path, message in caught.value.problems]


def yaml_with(raw: str, **placeholders: Any) -> str:
    """The minimal plan as YAML, with the placeholder values replaced by ``raw`` text."""
    text = yaml.safe_dump(minimal(**placeholders), allow_unicode=True)
    return text.replace("'@RAW@'", raw)


def alias_bomb(levels: int) -> str:
    """Nine aliases of nine aliases …: ~40 bytes a level, 9**levels leaves when expanded."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        aliases = ",".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} [{aliases}]")
    return "\n".join(lines) + "\n"


# -- 1. anchors and aliases -------------------------------------------------------------------


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path):
    bomb = alias_bomb(6)  # 9**6 = 531,441 leaves from about 250 bytes
    assert len(bomb) < 300
    assert file_problems(bomb) == [
        ("", "line 1, column 5: anchors and aliases (&, *) are not allowed in a plan file")
    ]
    # The same through a file, as the CLI reads it.
    file = tmp_path / "bomb.yaml"
    file.write_text(bomb, encoding="utf-8")
    with pytest.raises(PlanFileError) as caught:
        load_plan(file)
    assert "anchors and aliases" in str(caught.value.problems[0][1])


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        # An anchor alone is refused where it stands (line 2, column 7: "&base").
        ("version: 1\nbase: &base {x: 1}\n", 2, 7),
        # A merge key needs an alias; the alias is what is named (line 3, column 9).
        ("version: 1\nbase: {x: 1}\nb: {<<: *base}\n", 3, 9),
        ("version: 1\nnames:\n  - *first\n", 3, 5),
    ],
)
def test_anchors_and_aliases_name_their_line(text: str, line: int, column: int):
    expected = (
        f"line {line}, column {column}: anchors and aliases (&, *) are not allowed in a plan file"
    )
    assert file_problems(text) == [("", expected)]


def test_the_refusal_is_a_translatable_template():
    with pytest.raises(PlanFileError) as caught:
        parse_plan_text(alias_bomb(2))
    message = caught.value.problems[0][1]
    assert message.template == (
        "line %(line)s, column %(column)s: anchors and aliases (&, *) are not allowed in a plan "
        "file"
    )
    assert message.params == {"line": 1, "column": 5}


# -- 3. nesting -------------------------------------------------------------------------------

DEEP = "the document is nested too deeply (more than 50 levels)"


def test_deep_flow_nesting_is_refused_with_its_line():
    # The 51st "[" is column 51 on line 1.
    assert file_problems("[" * 3000) == [("", f"line 1, column 51: {DEEP}")]


def test_deep_block_nesting_is_refused_with_its_line():
    # "a:" is the root mapping (level 1); each indented "b:" opens a mapping one deeper,
    # so the mapping on line 51 (indented 50) is level 51.
    text = "a:\n" + "".join(" " * depth + "b:\n" for depth in range(1, 80))
    assert file_problems(text) == [("", f"line 51, column 51: {DEEP}")]


def test_fifty_levels_are_read():
    assert parse_plan_text("[" * 50 + "]" * 50)[0] == json.loads("[" * 50 + "]" * 50)
    data, lines = parse_plan_text("[" * 50 + "]" * 50, json_format=True)
    assert lines == {}
    assert len(json.dumps(data)) == 100


@pytest.mark.parametrize("depth", [51, 3000])
def test_deep_json_is_refused(depth: int):
    # 51 is found by counting; 3000 makes the JSON parser itself give up (RecursionError).
    text = "[" * depth + "]" * depth
    assert file_problems(text, json_format=True) == [("", DEEP)]


def test_recursion_error_is_a_problem_whatever_the_limit(monkeypatch: pytest.MonkeyPatch):
    # With the limit out of the way, PyYAML's recursive composer overflows the stack.
    monkeypatch.setattr(loader, "MAX_NESTING", 10**6)
    assert file_problems("[" * 3000) == [
        ("", "the document is nested too deeply (more than 1000000 levels)")
    ]


# -- 2. huge numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.0e+40", f"1.0E+40 {TOO_LARGE}"),
        ("1.0e+1000000", f"1.0E+1000000 {TOO_LARGE}"),
        ("1" * 41, f"1111111111111111111111111111…111111111111 {TOO_LARGE}"),  # 41 digits
        ("1" * 5000, f"1111111111111111111111111111…111111111111 {TOO_LARGE}"),  # > int() limit
        ("10000000000000000", f"10000000000000000 {TOO_LARGE}"),  # 10^16 exactly
        # Text: shown quoted, shortened to its first 28 and last 12 characters.
        ("'1" + "0" * 40 + "'", f"'100000000000000000000000000…00000000000' {TOO_LARGE}"),
        ("12.3456789012345678901234567890", f"12.3456789012345678901234567890 {TOO_MANY_DIGITS}"),
    ],
)
def test_huge_amounts_are_problems_with_their_path(raw: str, expected: str):
    assert file_problems(yaml_with(raw, target="@RAW@")) == [("target", expected)]


def test_the_largest_amount_is_read():
    # 10^16 - 0.01: sixteen nines and two decimals, 18 digits.
    data, _ = parse_plan_text(yaml_with("9999999999999999.99", target="@RAW@"))
    assert load_plan_data(data).target == D("9999999999999999.99")


def rep(field: str, raw: str) -> str:
    """The minimal plan as YAML with one rep field written as ``raw``."""
    data = minimal()
    data["probability"]["reps"][0][field] = "@RAW@"
    return yaml.safe_dump(data, allow_unicode=True).replace("'@RAW@'", raw)


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        # Whole numbers: int(1e+1000000) would build a million-digit integer.
        ("tenure_months", "1.0e+1000000", f"1.0E+1000000 {TOO_LARGE}"),
        ("tenure_months", "1.0e+20", f"1.0E+20 {TOO_LARGE}"),
        ("max_calls_per_day", "1" * 30, f"{'1' * 30} {TOO_LARGE}"),
        # Rates: 1e-1000000 would become a Fraction with a million-digit denominator.
        ("product_pass_rate", "1.0e-1000000", f"1.0E-1000000 {TOO_MANY_DIGITS}"),
        ("product_pass_rate", "1.0e-100", f"1.0E-100 {TOO_MANY_DIGITS}"),
    ],
)
def test_huge_numbers_are_problems_with_their_path(field: str, raw: str, expected: str):
    assert file_problems(rep(field, raw)) == [(f"probability.reps[0].{field}", expected)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1e+1000000", f"1E+1000000 {TOO_LARGE}"),
        ("-1e40", f"-1E+40 {TOO_LARGE}"),
        ("1" * 5000, f"1111111111111111111111111111…111111111111 {TOO_LARGE}"),
        # Beyond Decimal's exponent range: read as a float infinity, which is no amount.
        ("1e99999999999999999999", "inf is not an amount; write e.g. 12000000, 12,000,000, "),
    ],
)
def test_huge_json_numbers_are_problems_with_their_path(raw: str, expected: str):
    text = json.dumps(minimal(target="@RAW@"), ensure_ascii=False).replace('"@RAW@"', raw)
    [(path, message)] = file_problems(text, json_format=True)
    assert path == "target"
    assert message.startswith(expected)


def test_messages_do_not_echo_a_megabyte():
    with pytest.raises(AmountError) as caught:
        parse_amount("9" * 1_000_000)
    assert len(str(caught.value)) < 150


def test_a_long_text_that_is_no_amount_is_refused_quickly():
    # Searching for 万/亿 terms from every position once took quadratic time (13 s here for
    # 20,000 digits); matching each term where the last one ended is linear.
    for text in ("1" * 20_000 + "x", "1万" + "1" * 20_000 + "x", "1" * 20_000 + "万x"):
        with pytest.raises(AmountError):
            parse_amount(text)


# -- values a tag cannot build ----------------------------------------------------------------


def test_an_impossible_date_is_a_problem_with_its_path():
    text = (EXAMPLES / "project-government.yaml").read_text(encoding="utf-8")
    assert "planned_date: 2026-03-13" in text
    text = text.replace("planned_date: 2026-03-13", "planned_date: 2026-02-30", 1)
    [(path, message)] = file_problems(text)
    assert path.startswith("project.projects[0].milestones[")
    assert path.endswith("].planned_date")
    assert message == "must be a date written YYYY-MM-DD"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 1\nname: !!int abc\n",
            "line 2, column 7: not valid YAML: cannot read this value (invalid literal for "
            "int() with base 10: 'abc')",
        ),
        ("version: !!bool maybe\n", "line 1, column 10: not valid YAML: cannot read this value"),
        ("target: !!float lots\n", "line 1, column 9: not valid YAML: cannot read this value"),
        (
            "target: 0x" + "f" * 40 + "\n",
            "line 1, column 9: not valid YAML: the integer is too long (42 characters)",
        ),
        ("target: 1" + ":59" * 2000 + "\n", "line 1, column 9: not valid YAML: the integer is"),
    ],
)
def test_values_a_tag_cannot_build_are_located(text: str, expected: str):
    [(path, message)] = file_problems(text)
    assert path == ""
    assert message.startswith(expected)


# -- properties -------------------------------------------------------------------------------

yaml_ish = st.text(alphabet="ab01.:-[]{}&*!|>'\"#,?%@` \n\t\\e+_万", max_size=60)


@given(yaml_ish)
def test_any_text_is_read_or_refused_as_a_plan_file_error(text: str):
    for json_format in (False, True):
        with contextlib.suppress(PlanFileError):
            parse_plan_text(text, json_format=json_format)


numbers = (
    st.decimals(allow_nan=True, allow_infinity=True)
    | st.integers()
    | st.floats()
    | st.text(alphabet="0123456789.,_-+eE%万亿kM ¥", max_size=40)
)


@given(numbers)
def test_a_number_is_bounded_or_refused_as_an_amount_error(value: object):
    for parse in (parse_amount, parse_number):
        try:
            number = parse(value)
        except AmountError:
            continue
        # Accepted: below 10^16 in size, at most MAX_DIGITS digits written out in full.
        assert number.is_finite()
        assert abs(number) < 10**16
        assert len(f"{number.normalize():f}".lstrip("-").replace(".", "")) <= MAX_DIGITS


def test_a_near_zero_conversion_is_refused_not_crashed():
    data = yaml.safe_load((EXAMPLES / "probability-smb.yaml").read_text(encoding="utf-8"))
    data["probability"]["funnel"]["stages"][0]["conversion"] = "1e-20"
    with pytest.raises(PlanFileError) as excinfo:
        load_plan_data(data)
    assert any("too extreme" in str(message) for _path, message in excinfo.value.problems)
