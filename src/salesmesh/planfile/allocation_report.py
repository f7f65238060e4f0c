"""The ``allocation:`` section's report: the target over the line's teams and people.

``core.allocation.allocate_tree`` splits the document's target down ``allocation.org`` to
the cent; this module turns its result into the ``target_by_unit`` table (the tree
flattened, parents before children), a node under the target in the report tree, the
core's warnings and ``data["allocation"]`` with every node's amount. ``problems`` gives
the core's problems with document paths for the loader (see ``runner.plan_problems``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from salesmesh.core.allocation import (
    AllocatedNode,
    AllocationError,
    AllocationMethod,
    TreeAllocation,
    allocate_tree,
)
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.planfile.errors import PlanFileError, Problem
from salesmesh.planfile.report import CellValue, ReportNode, ReportTable
from salesmesh.planfile.report_common import (
    RATIO_PLACES,
    WARNING,
    Section,
    decimal,
    num,
    ratio,
    text,
    yes_no,
)
from salesmesh.planfile.schema import PlanDocument
from salesmesh.planfile.schema_allocation import AllocationSpec, OrgNodeSpec

__all__ = [
    "METHOD_LABELS",
    "allocate",
    "document_path",
    "problems",
    "section",
    "with_allocation",
]

# The section's root in the document; the core calls it "root".
ORG_PATH = "allocation.org"

METHOD_LABELS: Mapping[AllocationMethod, str] = {
    AllocationMethod.EQUAL: gettext_noop("equal split"),
    AllocationMethod.HISTORICAL_SHARE: gettext_noop("share of historical revenue"),
    AllocationMethod.POTENTIAL: gettext_noop("share of potential"),
    AllocationMethod.CAPACITY: gettext_noop("capacity, ramped for new hires"),
}


def document_path(path: str) -> str:
    """A core allocation path as a document path (``root.children[1]`` → under ``org``)."""
    if path == "total":
        return "target"  # the root's total is the document's target
    if path == "tenure_as_of":
        return "period"  # tenure is measured at the period's start
    if path.startswith("ramp"):
        return "allocation.ramp_months"  # the only ramp setting a plan file has
    if path == "root" or path.startswith(("root.", "root[")):
        return ORG_PATH + path.removeprefix("root")
    return f"allocation.{path}"


# Parameters of the core's messages that hold a path ("id E01 is already used at %(first)s",
# "required because %(path)s has a hire_date"): they name the node as the document does.
_PATH_PARAMS = frozenset({"first", "path"})


def _document_problems(exc: AllocationError) -> list[Problem]:
    """The core's problems with document paths, in their paths and in their messages."""
    return [
        (
            document_path(path),
            Message(
                message.template,
                {
                    name: document_path(value)
                    if name in _PATH_PARAMS and isinstance(value, str)
                    else value
                    for name, value in message.params.items()
                },
            ),
        )
        for path, message in exc.problems
    ]


def allocate(document: PlanDocument) -> TreeAllocation[Decimal] | None:
    """The target allocated down ``allocation.org``; None without the section.

    Raises ``PlanFileError`` with document paths when the core refuses the tree.
    """
    spec = document.allocation
    if spec is None:
        return None
    request = spec.to_request(document.target, document.plan_period.start)
    try:
        return allocate_tree(request)
    except AllocationError as exc:
        raise PlanFileError(_document_problems(exc)) from exc


def problems(document: PlanDocument) -> list[Problem]:
    """Every problem of the ``allocation`` section the core finds (empty when valid)."""
    try:
        allocate(document)
    except PlanFileError as exc:
        return exc.problems
    return []


# -- the report -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Row:
    """One node of the allocated tree with what the report shows of it."""

    node: AllocatedNode[Decimal]
    spec: OrgNodeSpec
    level: int
    parent: AllocatedNode[Decimal] | None


def _rows(allocation: TreeAllocation[Decimal], org: OrgNodeSpec) -> list[_Row]:
    """The allocated tree flattened depth first, each node beside its document entry."""
    rows: list[_Row] = []

    def visit(
        node: AllocatedNode[Decimal],
        spec: OrgNodeSpec,
        level: int,
        parent: AllocatedNode[Decimal] | None,
    ) -> None:
        rows.append(_Row(node, spec, level, parent))
        # The core keeps the children in the document's order, so they pair by position.
        for child, child_spec in zip(node.children, spec.children, strict=True):
            visit(child, child_spec, level + 1, node)

    visit(allocation.root, org, 0, None)
    return rows


def _share(row: _Row) -> Fraction:
    """The node's share of its parent's amount (1 for the root, 0 of a zero parent)."""
    if row.parent is None:
        return Fraction(1)
    if not row.parent.amount:
        return Fraction(0)
    return Fraction(row.node.amount) / Fraction(row.parent.amount)


def _label(spec: OrgNodeSpec) -> Message:
    """A node's name and id as the author wrote them."""
    return text(f"{spec.name} ({spec.id})" if spec.name else spec.id)


def _plain(value: Fraction) -> str:
    """A weight for a formula: four places at most, no trailing zeros (50, 54.1667)."""
    return f"{decimal(value, RATIO_PLACES):f}".rstrip("0").rstrip(".")


def _formula(
    node: AllocatedNode[Decimal], spec: OrgNodeSpec, parent: AllocatedNode[Decimal]
) -> Message:
    """How a node's amount follows from its parent's: an override, or a weighted share."""
    if node.locked:
        return Message(gettext_noop("manual override, locked"))
    locked = sum((c.amount for c in parent.children if c.locked), Decimal(0))
    weights = sum((c.weight for c in parent.children if c.weight is not None), Fraction(0))
    if node.weight is None or not weights:
        return Message(
            gettext_noop("= %(amount)s split equally: every unlocked sibling weighs 0"),
            {"amount": num(parent.amount - locked)},
        )
    share = (
        Message(
            gettext_noop("= (%(parent)s − %(locked)s locked) × %(weight)s ÷ %(weights)s"),
            {
                "parent": num(parent.amount),
                "locked": num(locked),
                "weight": _plain(node.weight),
                "weights": _plain(weights),
            },
        )
        if locked
        else Message(
            gettext_noop("= %(parent)s × %(weight)s ÷ %(weights)s"),
            {
                "parent": num(parent.amount),
                "weight": _plain(node.weight),
                "weights": _plain(weights),
            },
        )
    )
    if (
        parent.method is AllocationMethod.CAPACITY
        and spec.capacity
        and node.weight != spec.capacity
    ):
        # A person still ramping up: show where the weight below their capacity comes from.
        ramp = node.weight / Fraction(spec.capacity)
        return Message(
            gettext_noop("%(share)s (capacity %(capacity)s × ramp %(ramp)s)"),
            {"share": share, "capacity": spec.capacity, "ramp": str(ramp)},
        )
    return share


def _tree_node(
    node: AllocatedNode[Decimal],
    spec: OrgNodeSpec,
    parent: AllocatedNode[Decimal],
    currency: Message,
) -> ReportNode:
    """A node of the allocation tree under its parent, and its subtree."""
    return ReportNode(
        label=_label(spec),
        value=node.amount,
        unit=currency,
        formula=_formula(node, spec, parent),
        children=_tree_children(node, spec, currency),
    )


def _tree_children(
    node: AllocatedNode[Decimal], spec: OrgNodeSpec, currency: Message
) -> tuple[ReportNode, ...]:
    """The tree nodes of a node's children (paired with the document by position)."""
    return tuple(
        _tree_node(child, child_spec, node, currency)
        for child, child_spec in zip(node.children, spec.children, strict=True)
    )


def _table(rows: list[_Row]) -> ReportTable:
    """Every node, parents before children, with its weight, amount and share of its parent."""
    cells: list[tuple[CellValue, ...]] = [
        (
            row.level,
            row.spec.id,
            row.spec.name,
            None if row.node.weight is None else decimal(row.node.weight, RATIO_PLACES),
            row.node.amount,
            yes_no(row.node.locked),
            ratio(_share(row)),
        )
        for row in rows
    ]
    return ReportTable(
        key="target_by_unit",
        title=Message(gettext_noop("Target by unit and person")),
        columns=(
            Message(gettext_noop("Level")),
            Message(gettext_noop("ID")),
            Message(gettext_noop("Name")),
            Message(gettext_noop("Weight")),
            Message(gettext_noop("Target")),
            Message(gettext_noop("Locked")),
            Message(gettext_noop("Share of parent")),
        ),
        rows=tuple(cells),
        kinds=("int", "text", "text", "number", "money", "text", "ratio"),
    )


def _data(spec: AllocationSpec, document: PlanDocument, rows: list[_Row]) -> dict[str, Any]:
    """Every node's amount and how it was reached, JSON-ready."""
    return {
        "method": spec.method.value,
        "ramp_months": spec.ramp_months,
        "tenure_as_of": document.plan_period.start,
        "total": rows[0].node.amount,
        "amounts": {row.node.id: row.node.amount for row in rows},
        "nodes": [
            {
                "id": row.node.id,
                "name": row.spec.name,
                "path": document_path(row.node.path),
                "level": row.level,
                "parent": None if row.parent is None else row.parent.id,
                "amount": row.node.amount,
                "locked": row.node.locked,
                "weight": row.node.weight,
                "share_of_parent": _share(row),
                "split_by": None if row.node.method is None else row.node.method.value,
            }
            for row in rows
        ],
    }


def section(document: PlanDocument) -> Section:
    """The ``target_by_unit`` table, the tree node, warnings and data; empty without it."""
    spec = document.allocation
    allocation = allocate(document)
    if spec is None or allocation is None:
        return Section()
    rows = _rows(allocation, spec.org)
    currency = text(document.currency)
    units = len(rows) - 1
    locked = sum(1 for row in rows if row.node.locked)
    warnings = tuple(message for _, message in allocation.warnings)
    node = ReportNode(
        label=Message(
            gettext_noop("Allocated over %(count)s units and people by %(method)s"),
            {
                "count": units,
                "method": Message(METHOD_LABELS[allocation.root.method or spec.method]),
            },
        ),
        value=allocation.root.amount,
        unit=currency,
        formula=Message(
            gettext_noop(
                "each node's target splits over its children by weight, to the cent; locked "
                "overrides (%(locked)s) keep their amount and their siblings share the rest"
            ),
            {"locked": locked},
        ),
        status=WARNING if warnings else "",
        children=_tree_children(allocation.root, spec.org, currency),
    )
    return Section(
        tree=node,
        tables=(_table(rows),),
        warnings=warnings,
        data={"allocation": _data(spec, document, rows)},
    )


def with_allocation(tree: ReportNode, allocation: Section) -> ReportNode:
    """The target's tree with the allocation's node as its last child (if there is one)."""
    if allocation.tree is None:
        return tree
    return dataclasses.replace(tree, children=(*tree.children, allocation.tree))
