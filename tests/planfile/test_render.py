"""The terminal tree and the CLI's translator, on reports built by hand."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from rich.console import Console

from salesmesh.core.i18n import Message
from salesmesh.planfile.render_tree import (
    format_value,
    paradigm_label,
    print_report,
    render_text,
)
from salesmesh.planfile.report import PlanReport, ReportNode, ReportTable
from salesmesh.planfile.translation import (
    language_from_environment,
    normalize_language,
    translator,
)


def english(text: str) -> str:
    return text


CHINESE = {
    "Paradigm": "范式",
    "Period": "期间",
    "Feasible": "可行",
    "Infeasible": "不可行",
    "Warnings": "警告",
    "Fixes": "修正建议",
    "Tables": "明细表",
    "%(count)s row": "%(count)s 行",
    "%(count)s rows": "%(count)s 行",
    "Probability": "概率范式",
    "Revenue target": "收入目标",
    "Customers to win": "需签约客户",
    "Opportunities": "商机",
    "Calls per rep per week": "每人每周电话",
    "CNY": "元",
    "customers": "家客户",
    "%(target)s ÷ expected deal value %(deal)s": "%(target)s ÷ 预期客单价 %(deal)s",
    "Calls exceed capacity by %(excess)s per week": "电话量每周超出产能 %(excess)s",
    "Add %(reps)s reps": "增加 %(reps)s 名销售",
    "Reps": "销售",
}


def chinese(text: str) -> str:
    return CHINESE.get(text, text)


def sample_report(*, feasible: bool = False, name: str = "FY2027 new-logo plan") -> PlanReport:
    """A probability plan: 1,200,000.00 target → 120 customers → 480 opportunities → calls."""
    calls = ReportNode(
        label=Message("Calls per rep per week"),
        value=1345,
        status="infeasible",
    )
    opportunities = ReportNode(label=Message("Opportunities"), value=480, children=(calls,))
    customers = ReportNode(
        label=Message("Customers to win"),
        value=120,
        unit=Message("customers"),
        # 1,200,000.00 ÷ 10,000.00 = 120 customers
        formula=Message(
            "%(target)s ÷ expected deal value %(deal)s",
            {"target": "1,200,000.00", "deal": "10,000.00"},
        ),
        status="ok",
        children=(opportunities,),
    )
    root = ReportNode(
        label=Message("Revenue target"),
        value=Decimal("1200000"),
        unit=Message("CNY"),
        status="ok",
        children=(customers,),
    )
    reps = ReportTable(
        key="reps",
        title=Message("Reps"),
        columns=(Message("Name"), Message("Calls")),
        rows=(("Li Lei", 700), ("Han Meimei", 645)),
        kinds=("text", "int"),
    )
    weeks = ReportTable(
        key="weeks",
        title=Message("Weeks"),
        columns=(Message("Week"),),
        rows=((date(2027, 1, 4),),),
        kinds=("date",),
    )
    return PlanReport(
        paradigm="probability",
        name=name,
        period_label="FY2027",
        tree=root,
        tables=(reps, weeks),
        warnings=(Message("Calls exceed capacity by %(excess)s per week", {"excess": 345}),),
        fixes=(Message("Add %(reps)s reps", {"reps": 1}),),
        feasible=feasible,
    )


# --- values -----------------------------------------------------------------


def test_money_shows_cents_and_thousands_separators():
    assert format_value(Decimal("1200000")) == "1,200,000.00"
    assert format_value(Decimal("1234.5")) == "1,234.50"
    # Half a cent rounds up for display (the stored value is untouched).
    assert format_value(Decimal("0.005")) == "0.01"
    assert format_value(Decimal("-1234.567")) == "-1,234.57"


def test_counts_show_whole_with_separators():
    assert format_value(1345) == "1,345"
    assert format_value(0) == "0"
    assert format_value(None) == ""


# --- the English tree --------------------------------------------------------


def test_english_output_has_heading_tree_warnings_fixes_and_tables():
    text = render_text(sample_report(), english)
    lines = text.splitlines()
    assert lines[0] == "FY2027 new-logo plan"
    assert "Paradigm: Probability" in lines[1]
    assert "Period: FY2027" in lines[1]
    assert "✗ Infeasible" in lines[1]
    assert "Revenue target: 1,200,000.00 CNY" in text
    assert "Customers to win: 120 customers  (1,200,000.00 ÷ expected deal value 10,000.00)" in text
    assert "Calls per rep per week: 1,345 ✗" in text
    assert "Warnings\n└── Calls exceed capacity by 345 per week" in text
    assert "Fixes\n└── Add 1 reps" in text
    assert "Reps [reps]: 2 rows" in text
    assert "Weeks [weeks]: 1 row" in text


def test_tree_nests_children_under_their_parent():
    lines = render_text(sample_report(), english).splitlines()
    root = next(i for i, line in enumerate(lines) if line.startswith("Revenue target"))
    # Each level is one guide deeper than its parent, in the report's order.
    assert lines[root + 1].startswith("└── Customers to win")
    assert lines[root + 2].startswith("    └── Opportunities")
    assert lines[root + 3].startswith("        └── Calls per rep per week")


def test_plain_output_has_no_colour_codes():
    text = render_text(sample_report(), english)
    assert "\x1b" not in text


def test_a_terminal_gets_colour():
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=120)
    print_report(sample_report(), english, console)
    assert "\x1b[" in buffer.getvalue()


def test_feasible_plan_says_so_and_omits_empty_sections():
    report = PlanReport(
        paradigm="project",
        name="ERP rollout",
        period_label="2027",
        tree=ReportNode(label=Message("Contract value"), value=Decimal("500000.00")),
    )
    text = render_text(report, english)
    assert "✓ Feasible" in text
    assert "Warnings" not in text
    assert "Fixes" not in text
    assert "Tables" not in text


def test_names_from_user_files_are_not_read_as_markup():
    report = sample_report(name="[bold red]Q1[/] plan :smile:")
    text = render_text(report, english)
    assert text.splitlines()[0] == "[bold red]Q1[/] plan :smile:"


def test_long_lines_wrap_without_losing_words():
    narrow = render_text(sample_report(), english, width=40)
    wide = render_text(sample_report(), english, width=200)
    assert narrow.split() == wide.split()


def test_unknown_paradigm_is_shown_as_given():
    assert paradigm_label("hybrid", english) == "hybrid"
    assert paradigm_label("behaviour", english) == "Behaviour"


# --- Chinese ----------------------------------------------------------------


def test_chinese_output_translates_headings_labels_and_messages():
    text = render_text(sample_report(), chinese)
    lines = text.splitlines()
    assert "范式: 概率范式" in lines[1]
    assert "期间: FY2027" in lines[1]
    assert "✗ 不可行" in lines[1]
    assert "收入目标: 1,200,000.00 元" in text
    assert "需签约客户: 120 家客户  (1,200,000.00 ÷ 预期客单价 10,000.00)" in text
    assert "警告\n└── 电话量每周超出产能 345" in text
    assert "修正建议\n└── 增加 1 名销售" in text
    assert "销售 [reps]: 2 行" in text
    # Untranslated strings fall back to English rather than failing.
    assert "Weeks [weeks]: 1 行" in text


def test_english_and_chinese_differ():
    assert render_text(sample_report(), english) != render_text(sample_report(), chinese)


# --- the translator -----------------------------------------------------------


def test_english_translator_is_the_identity():
    assert translator("en")("Probability") == "Probability"


@pytest.mark.parametrize("lang", ["zh-hans", "zh", "zh-Hans", "zh_CN.UTF-8"])
def test_chinese_translator_reads_the_shipped_catalog(lang):
    translate = translator(lang)
    # "Probability" is in the shipped catalog (the paradigm's name in the web).
    assert translate("Probability") != "Probability"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in translate("Probability"))
    # A string the catalog lacks comes back in English.
    assert translate("No such message in any catalog") == "No such message in any catalog"


def test_paradigm_label_uses_the_real_catalog():
    assert paradigm_label("probability", translator("zh-hans")) == translator("zh")("Probability")


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("zh", "zh-hans"),
        ("ZH-HANS", "zh-hans"),
        ("zh_TW", "zh-hans"),
        ("en", "en"),
        ("en_GB.UTF-8", "en"),
        ("C", "en"),
    ],
)
def test_normalize_language(tag, expected):
    assert normalize_language(tag) == expected


def test_unsupported_language_is_an_error():
    with pytest.raises(ValueError, match="fr"):
        normalize_language("fr")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh-hans"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh-hans"),
        # The first variable set decides, as in GNU gettext: LC_ALL=C wins over LANG.
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh-hans"),
        # An empty variable counts as unset.
        ({"LANGUAGE": "", "LANG": "zh_CN.UTF-8"}, "zh-hans"),
    ],
)
def test_language_from_environment(environ, expected):
    assert language_from_environment(environ) == expected
