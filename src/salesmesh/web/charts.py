"""Plotly figures built in Python; templates embed them as JSON for app.js."""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go

from salesmesh.org.selectors import TreeNode

PARADIGM_COLOURS = {
    "probability": "#2f6fde",
    "behaviour": "#1f9d74",
    "project": "#d9822b",
    "": "#8a94a6",
}


CHART_FONT = {"family": "Noto Sans CJK SC, Noto Sans SC, PingFang SC, sans-serif"}


def figure_json(figure: go.Figure) -> dict[str, Any]:
    """A figure as plain JSON data for ``json_script`` (plotly's encoder handles numpy)."""
    return json.loads(figure.to_json())  # type: ignore[no-any-return]


def org_sunburst(roots: list[TreeNode], *, title: str) -> dict[str, Any]:
    """Headcount by org unit as a sunburst, coloured by each line's paradigm."""
    ids: list[str] = []
    labels: list[str] = []
    parents: list[str] = []
    values: list[int] = []
    colours: list[str] = []

    def walk(node: TreeNode, parent_id: str, paradigm: str) -> None:
        paradigm = node.unit.paradigm or paradigm
        ids.append(node.unit.path)
        labels.append(node.unit.display_name)
        parents.append(parent_id)
        values.append(node.subtree_headcount)
        colours.append(PARADIGM_COLOURS.get(paradigm, PARADIGM_COLOURS[""]))
        for child in node.children:
            walk(child, node.unit.path, paradigm)

    for root in roots:
        walk(root, "", "")
    figure = go.Figure(
        go.Sunburst(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="total",
            marker={"colors": colours},
            hovertemplate="%{label}: %{value}<extra></extra>",
        )
    )
    figure.update_layout(
        title={"text": title, "x": 0.02},
        margin={"t": 40, "l": 0, "r": 0, "b": 0},
        height=360,
        font=CHART_FONT,
    )
    return figure_json(figure)
