"""The one shape every paradigm's plan is reported in, whatever renders it.

A runner turns a planner's result into a ``PlanReport``: a decomposition tree
(target → indicators → behaviours), tables (one per level: reps, weeks,
accounts, milestones …), warnings and fixes, and ``data`` — every computed
number in JSON-ready form. The terminal tree, the XLSX workbook, the JSON
output and the web page all render this same object, so they never disagree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from salesmesh.core.i18n import Message

CellValue = str | int | Decimal | float | date | Message | None
Translate = Callable[[str], str]


@dataclass(frozen=True)
class ReportNode:
    """One node of the decomposition tree: a labelled quantity and how it was derived."""

    label: Message
    value: Decimal | int | None = None
    unit: Message | None = None
    formula: Message | None = None
    status: str = ""  # "", "ok", "warning" or "infeasible": drives colour, not meaning
    children: tuple[ReportNode, ...] = ()


@dataclass(frozen=True)
class ReportTable:
    """A table of one level of the plan (a worksheet in the workbook)."""

    key: str  # stable, ASCII, ≤ 31 chars: the sheet name and the JSON key
    title: Message
    columns: tuple[Message, ...]
    rows: tuple[tuple[CellValue, ...], ...]
    # Per column: "text", "int", "money", "ratio" (0..1 shown as %), "date" or "number".
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanReport:
    """A plan's decomposition, ready for any renderer."""

    paradigm: str
    name: str
    period_label: str
    tree: ReportNode
    tables: tuple[ReportTable, ...] = ()
    warnings: tuple[Message, ...] = ()
    fixes: tuple[Message, ...] = ()
    feasible: bool = True
    data: Mapping[str, Any] = field(default_factory=dict)


def render_message(message: Message | None, translate: Translate) -> str:
    """The message in the translator's language ('' for None)."""
    return "" if message is None else message.render(translate)


def to_jsonable(value: Any, translate: Translate = lambda text: text) -> Any:
    """Convert report values to JSON types: Decimal → string (exact), dates → ISO."""
    if isinstance(value, Message):
        return {
            "template": value.template,
            "params": to_jsonable(dict(value.params)),
            "text": value.render(translate),
        }
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, translate) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v, translate) for v in value]
    return value


def node_to_dict(node: ReportNode, translate: Translate) -> dict[str, Any]:
    """A tree node and its children as plain JSON types."""
    return {
        "label": render_message(node.label, translate),
        "value": to_jsonable(node.value),
        "unit": render_message(node.unit, translate),
        "formula": render_message(node.formula, translate),
        "status": node.status,
        "children": [node_to_dict(child, translate) for child in node.children],
    }


def report_to_dict(report: PlanReport, translate: Translate = lambda t: t) -> dict[str, Any]:
    """The whole report as JSON types: the tree, tables, warnings, fixes and all data."""
    return {
        "paradigm": report.paradigm,
        "name": report.name,
        "period": report.period_label,
        "feasible": report.feasible,
        "tree": node_to_dict(report.tree, translate),
        "tables": {
            table.key: {
                "title": render_message(table.title, translate),
                "columns": [render_message(c, translate) for c in table.columns],
                "rows": [[to_jsonable(cell, translate) for cell in row] for row in table.rows],
            }
            for table in report.tables
        },
        "warnings": [to_jsonable(w, translate) for w in report.warnings],
        "fixes": [to_jsonable(f, translate) for f in report.fixes],
        "data": to_jsonable(report.data, translate),
    }


def report_to_json(report: PlanReport, translate: Translate = lambda t: t) -> str:
    """The report as indented JSON (UTF-8 text, Chinese kept readable)."""
    return json.dumps(report_to_dict(report, translate), ensure_ascii=False, indent=2)
