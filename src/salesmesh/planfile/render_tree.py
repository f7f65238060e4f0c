"""The plan report as a terminal tree (rich): heading, decomposition, warnings, fixes, tables.

Everything is built from ``rich.text.Text`` objects, never markup strings, so
a plan or account name such as ``[bold]`` from a user's file prints as typed.
Status is carried by a symbol as well as by colour, so piped output (where
rich emits no colour codes) still shows which quantities are over capacity.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from rich.console import Console, Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.planfile.report import PlanReport, ReportNode, Translate, render_message

PARADIGM_LABELS: Mapping[str, str] = {
    "probability": gettext_noop("Probability"),
    "behaviour": gettext_noop("Behaviour"),
    "project": gettext_noop("Project"),
}

PARADIGM = gettext_noop("Paradigm")
PERIOD = gettext_noop("Period")
FEASIBLE = gettext_noop("Feasible")
INFEASIBLE = gettext_noop("Infeasible")
WARNINGS = gettext_noop("Warnings")
FIXES = gettext_noop("Fixes")
TABLES = gettext_noop("Tables")
ONE_ROW = gettext_noop("%(count)s row")
MANY_ROWS = gettext_noop("%(count)s rows")
FULL_TABLES_HINT = gettext_noop("Full tables: run with --json or --xlsx OUT.")

# Colour follows the node's status; the symbol repeats it for colourless output.
STATUS_STYLES: Mapping[str, str] = {
    "ok": "green",
    "warning": "yellow",
    "infeasible": "bold red",
}
STATUS_MARKS: Mapping[str, str] = {"warning": "!", "infeasible": "✗"}

CENT = Decimal("0.01")


def paradigm_label(paradigm: str, translate: Translate) -> str:
    """The paradigm's display name in the translator's language (the raw key if unknown)."""
    template = PARADIGM_LABELS.get(paradigm)
    return paradigm if template is None else translate(template)


def format_value(value: Decimal | int | float | None) -> str:
    """A quantity with thousands separators: money (Decimal) to the cent, counts whole."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        # Money is the only Decimal quantity in the core; show it to the cent.
        return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}"


def rows_label(count: int, translate: Translate) -> str:
    """ "1 row" / "12 rows" in the translator's language."""
    return Message(ONE_ROW if count == 1 else MANY_ROWS, {"count": f"{count:,}"}).render(translate)


def node_text(node: ReportNode, translate: Translate) -> Text:
    """One tree line: label, value and unit (coloured by status), formula dimmed."""
    style = STATUS_STYLES.get(node.status, "")
    # Styles go on spans, not the whole Text, so the dimmed formula does not inherit them.
    text = Text()
    text.append(render_message(node.label, translate), style=style)
    value = format_value(node.value)
    unit = render_message(node.unit, translate)
    if value or unit:
        text.append(": ", style=style)
        text.append(" ".join(part for part in (value, unit) if part), style=f"bold {style}".strip())
    mark = STATUS_MARKS.get(node.status)
    if mark:
        text.append(f" {mark}", style=style)
    formula = render_message(node.formula, translate)
    if formula:
        text.append(f"  ({formula})", style="dim")
    return text


def build_tree(node: ReportNode, translate: Translate, parent: Tree | None = None) -> Tree:
    """The decomposition as a rich Tree, children in the report's order."""
    branch = (
        Tree(node_text(node, translate))
        if parent is None
        else parent.add(node_text(node, translate))
    )
    for child in node.children:
        build_tree(child, translate, branch)
    return branch


def heading(report: PlanReport, translate: Translate) -> Text:
    """The plan's name, then paradigm, period and feasibility on one line."""
    text = Text()
    text.append(report.name, style="bold")
    text.append("\n")
    text.append(f"{translate(PARADIGM)}: ", style="dim")
    text.append(paradigm_label(report.paradigm, translate))
    text.append("  ·  ", style="dim")
    text.append(f"{translate(PERIOD)}: ", style="dim")
    text.append(report.period_label)
    text.append("  ·  ", style="dim")
    if report.feasible:
        text.append(f"✓ {translate(FEASIBLE)}", style="bold green")
    else:
        text.append(f"✗ {translate(INFEASIBLE)}", style="bold red")
    return text


def bullet_section(
    title: str, messages: tuple[Message, ...], translate: Translate, style: str
) -> RenderableType:
    """A titled list of messages as a small tree: long ones wrap under their own text."""
    # A tree rather than bullets in a Text: its guides give wrapped lines a hanging
    # indent without padding every line to the console width.
    section = Tree(Text(title, style=f"bold {style}"), guide_style=style)
    for message in messages:
        section.add(Text(message.render(translate)))
    return section


def tables_section(report: PlanReport, translate: Translate) -> Text:
    """Each table's title and row count; the full tables belong to --json and --xlsx."""
    text = Text()
    text.append(translate(TABLES), style="bold")
    for table in report.tables:
        text.append("\n  • ")
        text.append(render_message(table.title, translate))
        text.append(f" [{table.key}]", style="dim")
        text.append(f": {rows_label(len(table.rows), translate)}")
    text.append("\n")
    text.append(translate(FULL_TABLES_HINT), style="dim")
    return text


def report_renderable(report: PlanReport, translate: Translate) -> RenderableType:
    """The whole report as one rich renderable (sections separated by blank lines)."""
    parts: list[RenderableType] = [
        heading(report, translate),
        Text(),
        build_tree(report.tree, translate),
    ]
    if report.warnings:
        parts += [Text(), bullet_section(translate(WARNINGS), report.warnings, translate, "yellow")]
    if report.fixes:
        parts += [Text(), bullet_section(translate(FIXES), report.fixes, translate, "cyan")]
    if report.tables:
        parts += [Text(), tables_section(report, translate)]
    return Group(*parts)


def print_report(report: PlanReport, translate: Translate, console: Console) -> None:
    """Print the report on ``console`` (colour only if the console is a terminal)."""
    console.print(report_renderable(report, translate))


def render_text(report: PlanReport, translate: Translate, width: int = 120) -> str:
    """The report as plain text without colour codes, wrapped at ``width`` (for tests and pipes)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system=None,
        force_terminal=False,
        highlight=False,
        emoji=False,
    )
    print_report(report, translate, console)
    return buffer.getvalue()
