"""The workbook: written, then opened back with openpyxl and inspected cell by cell."""

from __future__ import annotations

import os
import stat
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from salesmesh.core.i18n import Message
from salesmesh.planfile import xlsx
from salesmesh.planfile.report import PlanReport, ReportNode, ReportTable
from salesmesh.planfile.xlsx import (
    display_width,
    neutralise,
    workbook_bytes,
    write_workbook,
)


def english(text: str) -> str:
    return text


def sample_report(**overrides: object) -> PlanReport:
    """A behaviour plan with every column kind and some hostile names."""
    tree = ReportNode(
        label=Message("Revenue target"),
        value=Decimal("1234567.89"),
        unit=Message("CNY"),
        status="ok",
        children=(
            ReportNode(
                label=Message("Signed accounts"),
                value=12,
                formula=Message(
                    "%(target)s ÷ %(per)s", {"target": "1,234,567.89", "per": "102,880.66"}
                ),
                children=(
                    ReportNode(
                        label=Message("Touches"),
                        value=4800,
                        formula=Message("= %(n)s * 1", {"n": 4800}),
                        status="infeasible",
                    ),
                ),
            ),
        ),
    )
    accounts = ReportTable(
        key="accounts",
        title=Message("Named accounts"),
        columns=(
            Message("Account"),
            Message("Touches"),
            Message("Wallet"),
            Message("Win rate"),
            Message("First touch"),
            Message("FTE"),
        ),
        rows=(
            ("Acme", 40, Decimal("250000.10"), Decimal("0.25"), date(2027, 1, 4), 1.5),
            ('=HYPERLINK("http://x","y")', 1, Decimal("0.01"), 0.5, date(2027, 2, 1), 2),
            ("+1 555", 2, Decimal("3.00"), 0.125, None, None),
            ("-cmd", 3, Decimal("4"), 1, date(2027, 3, 1), 0.5),
            ("@SUM(A1)", 4, Decimal("5"), 0, date(2027, 3, 8), 0),
            ("中国石油化工集团", 5, Decimal("6"), 0.5, date(2027, 3, 15), 1),
        ),
        kinds=("text", "int", "money", "ratio", "date", "number"),
    )
    weeks = ReportTable(
        key="weeks",
        title=Message("Weekly touches"),
        columns=(Message("Week"), Message("Touches")),
        rows=((date(2027, 1, 4), 120),),
        kinds=("date", "int"),
    )
    fields: dict[str, object] = {
        "paradigm": "behaviour",
        "name": "=cmd|' /C calc'!A0",
        "period_label": "FY2027",
        "tree": tree,
        "tables": (accounts, weeks),
        "warnings": (Message("SDR capacity short by %(n)s touches", {"n": 800}),),
        "fixes": (Message("Add %(n)s SDR", {"n": 1}),),
        "feasible": False,
    }
    fields.update(overrides)
    return PlanReport(**fields)  # type: ignore[arg-type]


@pytest.fixture
def workbook_path(tmp_path: Path) -> Path:
    return write_workbook(sample_report(), tmp_path / "plan.xlsx", english)


@pytest.fixture
def workbook(workbook_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(workbook_path)


def cells_with_text(workbook: openpyxl.Workbook) -> list[str]:
    return [
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]


# --- structure ---------------------------------------------------------------


def test_one_summary_sheet_then_one_sheet_per_table(workbook):
    assert workbook.sheetnames == ["Summary", "accounts", "weeks"]


def test_table_header_is_bold_filled_and_frozen(workbook):
    sheet = workbook["accounts"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["Account", "Touches", "Wallet", "Win rate", "First touch", "FTE"]
    assert all(cell.font.bold for cell in sheet[1])
    assert all(cell.fill.fill_type == "solid" for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F7"


# --- numbers are numbers ------------------------------------------------------


def test_cells_are_typed_and_formatted_by_kind(workbook):
    sheet = workbook["accounts"]
    touches, wallet, win_rate, first_touch, fte = (sheet.cell(row=2, column=c) for c in range(2, 7))
    assert touches.value == 40
    assert isinstance(touches.value, int)
    assert touches.number_format == "#,##0"
    assert wallet.value == pytest.approx(250000.10)
    assert wallet.data_type == "n"
    assert wallet.number_format == "#,##0.00"
    assert win_rate.value == pytest.approx(0.25)
    assert win_rate.number_format == "0.0%"
    assert isinstance(first_touch.value, datetime)
    assert first_touch.value.date() == date(2027, 1, 4)
    assert first_touch.number_format == "yyyy-mm-dd"
    assert fte.value == pytest.approx(1.5)
    # An empty cell stays empty, not "None".
    assert sheet.cell(row=4, column=5).value is None


def test_money_is_written_from_its_exact_decimal_text(workbook_path):
    # No float round trip: the XML holds the Decimal's own digits.
    with zipfile.ZipFile(workbook_path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet2.xml").decode()
    assert "<v>250000.10</v>" in sheet_xml or "<v>250000.1</v>" in sheet_xml
    assert "<v>1234567.89</v>" in archive_sheet(workbook_path, 1)


def archive_sheet(path: Path, number: int) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"xl/worksheets/sheet{number}.xml").decode()


# --- the summary --------------------------------------------------------------


def test_summary_has_heading_and_the_tree_as_indented_rows(workbook):
    sheet = workbook["Summary"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[1][:2] == ["Paradigm", "Behaviour"]
    assert rows[2][:2] == ["Period", "FY2027"]
    assert rows[3][:2] == ["Feasibility", "Infeasible"]
    header_index = rows.index(["Level", "Item", "Value", "Unit of measure", "Formula"])
    tree = rows[header_index + 1 : header_index + 4]
    assert [row[:2] for row in tree] == [
        [0, "Revenue target"],
        [1, "Signed accounts"],
        [2, "Touches"],
    ]
    assert tree[0][2] == pytest.approx(1234567.89)
    assert tree[0][3] == "CNY"
    assert tree[1][2] == 12
    assert tree[1][4] == "1,234,567.89 ÷ 102,880.66"
    # A derivation written "= a * b" loses its "=" rather than showing as "'= a * b".
    assert tree[2][4] == "4800 * 1"
    first = header_index + 2  # 1-based row of the root node
    assert sheet.cell(row=first, column=3).number_format == "#,##0.00"
    assert sheet.cell(row=first + 1, column=3).number_format == "#,##0"
    assert sheet.cell(row=first + 2, column=2).alignment.indent == 2
    assert sheet.cell(row=first + 2, column=2).font.color.rgb == "FFC62828"


def test_summary_lists_warnings_fixes_and_links_to_tables(workbook):
    texts = cells_with_text(workbook)
    assert "Warnings" in texts
    assert "SDR capacity short by 800 touches" in texts
    assert "Fixes" in texts
    assert "Add 1 SDR" in texts
    sheet = workbook["Summary"]
    links = {
        cell.value: cell.hyperlink.location
        for row in sheet.iter_rows()
        for cell in row
        if cell.hyperlink
    }
    assert links == {"Named accounts": "'accounts'!A1", "Weekly touches": "'weeks'!A1"}


def test_summary_is_translated():
    translations = {
        "Level": "层级",
        "Item": "项目",
        "Behaviour": "行为范式",
        "Infeasible": "不可行",
    }
    data = workbook_bytes(sample_report(), lambda text: translations.get(text, text))
    path_rows = openpyxl.load_workbook(__import__("io").BytesIO(data))["Summary"]
    values = [cell.value for row in path_rows.iter_rows() for cell in row]
    assert "层级" in values
    assert "行为范式" in values
    assert "不可行" in values


# --- formula injection ---------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_triggers_are_quoted(text):
    assert neutralise(text) == "'" + text


def test_ordinary_text_is_untouched_and_control_characters_go():
    assert neutralise("Acme 中国") == "Acme 中国"
    assert neutralise("a\x00b\x07c") == "abc"


def test_no_cell_in_the_workbook_is_a_formula(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    texts = cells_with_text(workbook)
    assert '\'=HYPERLINK("http://x","y")' in texts
    assert "'+1 555" in texts
    assert "'-cmd" in texts
    assert "'@SUM(A1)" in texts
    # The plan's own name, from the user's file, too.
    assert workbook["Summary"]["A1"].value == "'=cmd|' /C calc'!A0"


# --- widths and sheet names -----------------------------------------------------


def test_chinese_characters_count_double_in_widths(tmp_path):
    assert display_width("abcd") == 4
    assert display_width("中国") == 4
    table = ReportTable(
        key="names",
        title=Message("Names"),
        columns=(Message("Chinese"), Message("Latin"), Message("N")),
        # 8 ideographs = 16 columns; 8 Latin letters = 8 columns.
        rows=(("中国石油化工集团", "Sinopec!", 1),),
        kinds=("text", "text", "int"),
    )
    path = write_workbook(sample_report(tables=(table,)), tmp_path / "w.xlsx", english)
    sheet = openpyxl.load_workbook(path)["names"]
    assert sheet.column_dimensions["A"].width == 16 + 2
    assert sheet.column_dimensions["B"].width == 8 + 2
    # Short columns still get a readable minimum.
    assert sheet.column_dimensions["C"].width == 8


def test_sheet_names_are_made_valid_and_unique(tmp_path):
    table = ReportTable(key="summary", title=Message("T"), columns=(Message("A"),), rows=())
    odd = ReportTable(key="a/b:c", title=Message("T2"), columns=(Message("A"),), rows=())
    report = sample_report(tables=(table, odd))
    path = write_workbook(report, tmp_path / "names.xlsx", english)
    assert openpyxl.load_workbook(path).sheetnames == ["Summary", "summary~2", "a_b_c"]


# --- atomic write ----------------------------------------------------------------


def test_overwrite_replaces_the_file_and_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_workbook(sample_report(), target, english)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]
    assert zipfile.is_zipfile(target)
    # An existing file keeps its permissions.
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_new_file_gets_the_umask_mode_not_mkstemps_0600(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_workbook(sample_report(), tmp_path / "new.xlsx", english)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_failed_write_keeps_the_old_file_and_cleans_up(tmp_path, monkeypatch):
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsx.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space"):
        write_workbook(sample_report(), target, english)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_missing_directory_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_workbook(sample_report(), tmp_path / "no" / "such" / "plan.xlsx", english)
