"""The plan report as a formatted XLSX workbook: a Summary sheet and one sheet per table.

Numbers are written as real numeric cells with a display format chosen by
the column's kind, so the workbook sums and sorts in Excel and LibreOffice;
Decimal money is written from its exact decimal text, never via a float.
Every text cell comes from a user's file or is derived from one, so text that
a spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

# openpyxl ships no type hints (types-openpyxl is not a dev dependency), hence
# the ignores on its imports; its objects are typed as Any here.
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.hyperlink import Hyperlink  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.planfile.render_tree import (
    FEASIBLE,
    FIXES,
    INFEASIBLE,
    PARADIGM,
    PERIOD,
    TABLES,
    WARNINGS,
    paradigm_label,
)
from salesmesh.planfile.report import (
    CellValue,
    PlanReport,
    ReportNode,
    ReportTable,
    Translate,
    render_message,
)

# A stable name, like the table keys, so scripts can address the sheet in any language.
SUMMARY_SHEET = "Summary"

LEVEL = gettext_noop("Level")
ITEM = gettext_noop("Item")
VALUE = gettext_noop("Value")
# Not plain "Unit": the catalog already has that msgid for an org unit (单元).
UNIT = gettext_noop("Unit of measure")
FORMULA = gettext_noop("Formula")
FEASIBILITY = gettext_noop("Feasibility")

MONEY_FORMAT = "#,##0.00"
INT_FORMAT = "#,##0"
RATIO_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
# "number" columns hold non-money decimals (FTEs, multipliers): General shows
# them without padding integers with ".00" or cutting meaningful digits.
NUMBER_FORMAT = "General"
NUMBER_FORMATS: Mapping[str, str] = {
    "money": MONEY_FORMAT,
    "int": INT_FORMAT,
    "ratio": RATIO_FORMAT,
    "date": DATE_FORMAT,
    "number": NUMBER_FORMAT,
}

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
TITLE_FONT = Font(bold=True, size=14)
STATUS_FONTS: Mapping[str, Font] = {
    "ok": Font(color="FF2E7D32"),
    "warning": Font(color="FFB26A00"),
    "infeasible": Font(color="FFC62828", bold=True),
}

# Excel's sheet-name rules: at most 31 characters, none of these, unique ignoring case.
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))

# Wider tables than this print landscape: about what fits a portrait A4 page.
PORTRAIT_COLUMNS = 6

# Column widths are in "characters"; a CJK ideograph is about two of them.
MIN_WIDTH = 8
MAX_WIDTH = 60
WIDTH_PADDING = 2

# OWASP's list for CSV/formula injection: text starting with one of these may
# be run as a formula (or a DDE call) by a spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text safe for a cell: control characters removed, formula triggers quoted with '."""
    cleaned = str(ILLEGAL_CHARACTERS_RE.sub("", text))
    return "'" + cleaned if cleaned.startswith(FORMULA_TRIGGERS) else cleaned


def display_width(text: str) -> int:
    """Columns ``text`` takes in a spreadsheet: wide (CJK) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def display_text(value: object, kind: str) -> str:
    """Roughly how a cell shows, to size its column."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float | Decimal):
        if kind == "ratio":
            return f"{value:.1%}"
        if kind == "int":
            return f"{value:,.0f}"
        if kind == "money" or isinstance(value, Decimal):
            return f"{value:,.2f}"
        return f"{value:,}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def sheet_title(key: str, taken: set[str]) -> str:
    """A valid, unique sheet name for ``key`` (normally ``key`` itself)."""
    base = key.translate(SHEET_NAME_FORBIDDEN).strip("'")[:SHEET_NAME_MAX] or "Sheet"
    name, suffix = base, 1
    while name.casefold() in taken:
        suffix += 1
        tail = f"~{suffix}"
        name = base[: SHEET_NAME_MAX - len(tail)] + tail
    taken.add(name.casefold())
    return name


def set_cell(cell: Cell, value: CellValue, kind: str, translate: Translate) -> None:
    """Write one value as a real number/date with the kind's format, or as neutralised text."""
    if isinstance(value, Message):
        value = value.render(translate)
    if value is None:
        return
    if isinstance(value, str):
        cell.value = neutralise(value)
        cell.data_type = "s"
        return
    # Decimal goes in as is: openpyxl writes its exact decimal text, so money
    # keeps its cents instead of passing through a binary float.
    cell.value = value
    if isinstance(value, bool):
        return
    if isinstance(value, date):
        cell.number_format = DATE_FORMAT
    elif kind in NUMBER_FORMATS and kind != "date":
        cell.number_format = NUMBER_FORMATS[kind]
    elif isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, int):
        cell.number_format = INT_FORMAT


def style_header(cells: Iterable[Cell]) -> None:
    """Bold on a light fill: the header row of a table."""
    for cell in cells:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")


def fit_columns(sheet: Worksheet, widths: Mapping[int, int]) -> None:
    """Set each column's width to its widest content, within sensible bounds."""
    for column, width in widths.items():
        fitted = min(max(width + WIDTH_PADDING, MIN_WIDTH), MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(column)].width = fitted


def print_one_page_wide(sheet: Worksheet, *, landscape: bool) -> None:
    """Print every column on one page width (as many pages down as needed)."""
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    if landscape:
        sheet.page_setup.orientation = "landscape"


def widen(widths: dict[int, int], column: int, text: str) -> None:
    """Record that ``column`` holds ``text``."""
    widths[column] = max(widths.get(column, 0), display_width(text))


def tree_rows(node: ReportNode, level: int = 0) -> Iterable[tuple[int, ReportNode]]:
    """Every node with its depth, parents before children (the tree read top to bottom)."""
    yield level, node
    for child in node.children:
        yield from tree_rows(child, level + 1)


def node_kind(value: Decimal | int | None) -> str:
    """Money for Decimal (the core's only Decimal quantity), a whole count for int."""
    return "money" if isinstance(value, Decimal) else "int"


def formula_text(node: ReportNode, translate: Translate) -> str:
    """The node's derivation for the Formula column, without a leading "=".

    Runners write derivations as "= a * b"; the column header already says it is a
    formula, and a cell starting with "=" would have to be shown quoted ("'= a * b").
    """
    return render_message(node.formula, translate).removeprefix("=").lstrip()


def write_summary(
    sheet: Worksheet, report: PlanReport, translate: Translate, titles: Mapping[str, str]
) -> None:
    """The heading, the tree as indented rows, warnings, fixes and links to the table sheets."""
    widths: dict[int, int] = {}
    sheet.append([neutralise(report.name)])
    sheet.cell(row=1, column=1).font = TITLE_FONT
    feasibility = translate(FEASIBLE) if report.feasible else translate(INFEASIBLE)
    for label, text in (
        (translate(PARADIGM), paradigm_label(report.paradigm, translate)),
        (translate(PERIOD), report.period_label),
        (translate(FEASIBILITY), feasibility),
    ):
        sheet.append([neutralise(label), neutralise(text)])
        sheet.cell(row=sheet.max_row, column=1).font = HEADER_FONT
        widen(widths, 1, label)
    if not report.feasible:
        sheet.cell(row=sheet.max_row, column=2).font = STATUS_FONTS["infeasible"]

    sheet.append([])
    header = [translate(t) for t in (LEVEL, ITEM, VALUE, UNIT, FORMULA)]
    sheet.append(header)
    header_row = sheet.max_row
    style_header(sheet[header_row])
    for column, text in enumerate(header, start=1):
        widen(widths, column, text)

    for level, node in tree_rows(report.tree):
        row = sheet.max_row + 1
        label = render_message(node.label, translate)
        sheet.cell(row=row, column=1, value=level)
        label_cell = sheet.cell(row=row, column=2)
        set_cell(label_cell, label, "text", translate)
        # Real indentation, so the hierarchy reads as a tree and the text stays clean.
        # LibreOffice ignores indent unless the alignment is explicitly left.
        label_cell.alignment = Alignment(horizontal="left", indent=level)
        set_cell(sheet.cell(row=row, column=3), node.value, node_kind(node.value), translate)
        set_cell(sheet.cell(row=row, column=4), node.unit, "text", translate)
        formula = formula_text(node, translate)
        set_cell(sheet.cell(row=row, column=5), formula, "text", translate)
        font = STATUS_FONTS.get(node.status)
        if font is not None:
            for column in (2, 3, 4):
                sheet.cell(row=row, column=column).font = font
        widen(widths, 2, " " * (2 * level) + label)
        widen(widths, 3, display_text(node.value, node_kind(node.value)))
        widen(widths, 4, render_message(node.unit, translate))
        widen(widths, 5, neutralise(formula))

    for title, messages in ((WARNINGS, report.warnings), (FIXES, report.fixes)):
        if not messages:
            continue
        sheet.append([])
        sheet.append([translate(title)])
        sheet.cell(row=sheet.max_row, column=1).font = HEADER_FONT
        for message in messages:
            # Long sentences sit in the Item column and run over the empty cells to their right.
            sheet.append([None, neutralise(message.render(translate))])

    if report.tables:
        sheet.append([])
        sheet.append([translate(TABLES)])
        sheet.cell(row=sheet.max_row, column=1).font = HEADER_FONT
        for table in report.tables:
            sheet.append(
                [None, neutralise(render_message(table.title, translate)), len(table.rows)]
            )
            row = sheet.max_row
            link = sheet.cell(row=row, column=2)
            # An in-workbook link (a location, not a URL) to the table's sheet.
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{titles[table.key]}'!A1")
            link.font = Font(color="FF1F5FBF", underline="single")
            # The row count, as a number in the Value column.
            sheet.cell(row=row, column=3).number_format = INT_FORMAT
    fit_columns(sheet, widths)
    print_one_page_wide(sheet, landscape=False)


def write_table(sheet: Worksheet, table: ReportTable, translate: Translate) -> None:
    """One table: bold filled frozen header, typed cells, fitted columns, a filter."""
    widths: dict[int, int] = {}
    header = [render_message(column, translate) for column in table.columns]
    sheet.append([neutralise(text) for text in header])
    style_header(sheet[1])
    for column, text in enumerate(header, start=1):
        widen(widths, column, text)
    kinds = table.kinds
    for row_index, row in enumerate(table.rows, start=2):
        for column, value in enumerate(row, start=1):
            kind = kinds[column - 1] if column - 1 < len(kinds) else "text"
            set_cell(sheet.cell(row=row_index, column=column), value, kind, translate)
            shown = value.render(translate) if isinstance(value, Message) else value
            widen(widths, column, display_text(shown, kind))
    sheet.freeze_panes = "A2"
    if table.columns:
        sheet.auto_filter.ref = sheet.dimensions
    # The translated title travels with the printout.
    sheet.oddHeader.center.text = neutralise(render_message(table.title, translate)).replace(
        "&", "&&"
    )
    # The header row repeats on every printed page.
    sheet.print_title_rows = "1:1"
    fit_columns(sheet, widths)
    print_one_page_wide(sheet, landscape=len(table.columns) > PORTRAIT_COLUMNS)


def build_workbook(report: PlanReport, translate: Translate) -> Workbook:
    """The workbook in memory."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = SUMMARY_SHEET
    taken = {SUMMARY_SHEET.casefold()}
    titles = {table.key: sheet_title(table.key, taken) for table in report.tables}
    write_summary(summary, report, translate, titles)
    for table in report.tables:
        write_table(workbook.create_sheet(titles[table.key]), table, translate)
    return workbook


def workbook_bytes(report: PlanReport, translate: Translate) -> bytes:
    """The workbook as XLSX bytes (for a download)."""
    buffer = io.BytesIO()
    build_workbook(report, translate).save(buffer)
    return buffer.getvalue()


def _new_file_mode() -> int:
    """The mode a newly created file gets under the current umask (mkstemp's 0600 is too tight)."""
    # Reading the umask means setting it; the CLI is single-threaded here.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def write_workbook(report: PlanReport, path: Path, translate: Translate) -> Path:
    """Write the workbook to ``path`` atomically: readers see the old file or the whole new one."""
    data = workbook_bytes(report, translate)
    target = Path(path)
    # The temporary file sits beside the target so os.replace is a rename on one filesystem.
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        mode = target.stat().st_mode & 0o777 if target.exists() else _new_file_mode()
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    return target
