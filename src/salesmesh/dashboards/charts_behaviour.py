"""The behaviour dashboard's plotly figures: coverage heatmap, visit calendar, referral graph.

The figures are built from the data module's dataclasses and get every label from the
caller, already translated, so this module holds layout only.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from salesmesh.core.behaviour import Stage as FunnelStage
from salesmesh.dashboards.behaviour_accounts import CoverageHeatmap, ReferralGraph, ReferralNode
from salesmesh.dashboards.behaviour_data import VisitCalendar
from salesmesh.web.charts import CHART_FONT, PARADIGM_COLOURS, figure_json

# Earliest stage palest; signed in the behaviour paradigm's own green.
STAGE_COLOURS = {
    FunnelStage.UNTOUCHED: "#c3c9d4",
    FunnelStage.TOUCHED: "#8fb8e8",
    FunnelStage.ENGAGED: "#2f6fde",
    FunnelStage.VQL: "#d9822b",
    FunnelStage.SIGNED: PARADIGM_COLOURS["behaviour"],
}
OUT_OF_SCOPE_COLOUR = "#e4e7ed"
# Node diameters of the referral graph, in pixels: unsigned accounts get the smallest.
NODE_MIN, NODE_MAX = 12, 44


def _layout(**extra: Any) -> dict[str, Any]:
    return {"font": CHART_FONT, "margin": {"l": 10, "r": 10, "t": 40, "b": 30}, **extra}


def coverage_heatmap_chart(
    heatmap: CoverageHeatmap,
    *,
    title: str,
    stage_labels: Mapping[FunnelStage, str],
    hover: str,
) -> dict[str, Any]:
    """Share of each stage's named accounts touched, week by week; blank without accounts.

    ``hover`` is a plotly hover template that may use ``%{customdata[0]}`` (touched),
    ``%{customdata[1]}`` (accounts), ``%{x}``, ``%{y}`` and ``%{z}`` (percent).
    """
    weeks = [f"{week:%G-W%V}" for week in heatmap.weeks]
    z = [
        [None if cell.share is None else float(cell.share * 100) for cell in row]
        for row in heatmap.cells
    ]
    custom = [[[cell.touched, cell.accounts] for cell in row] for row in heatmap.cells]
    figure = go.Figure(
        go.Heatmap(
            x=weeks,
            y=[stage_labels[stage] for stage in heatmap.stages],
            z=z,
            customdata=custom,
            zmin=0,
            zmax=100,
            colorscale=[[0, "#f4f6f9"], [1, PARADIGM_COLOURS["behaviour"]]],
            xgap=2,
            ygap=2,
            hoverongaps=False,
            colorbar={"ticksuffix": "%", "thickness": 12},
            hovertemplate=hover + "<extra></extra>",
        )
    )
    figure.update_layout(
        **_layout(
            title={"text": title, "x": 0.02},
            height=120 + 44 * len(heatmap.stages),
            xaxis={"type": "category", "tickangle": -45},
        )
    )
    return figure_json(figure)


def visit_calendar_chart(calendar: VisitCalendar, *, title: str, hover: str) -> dict[str, Any]:
    """Visits per BD (rows) per day (columns); days after ``as_of`` are left blank."""
    most = max((v for row in calendar.rows for v in row.visits if v is not None), default=0)
    figure = go.Figure(
        go.Heatmap(
            x=[day.isoformat() for day in calendar.days],
            y=[row.name for row in calendar.rows],
            z=[list(row.visits) for row in calendar.rows],
            zmin=0,
            colorscale=[[0, "#f4f6f9"], [1, "#2f6fde"]],
            xgap=1,
            ygap=2,
            hoverongaps=False,
            # Whole visits on the scale: about five ticks, never a fraction of a visit.
            colorbar={"thickness": 12, "tick0": 0, "dtick": max(1, math.ceil(most / 5))},
            hovertemplate=hover + "<extra></extra>",
        )
    )
    figure.update_layout(
        **_layout(
            title={"text": title, "x": 0.02},
            height=140 + 36 * max(len(calendar.rows), 1),
            xaxis={
                "type": "date",
                "tickformat": "%m-%d",
                "tick0": calendar.days[0].isoformat() if calendar.days else None,
                "dtick": 7 * 86_400_000,  # a tick every Monday
            },
            yaxis={"autorange": "reversed"},
        )
    )
    return figure_json(figure)


def referral_positions(graph: ReferralGraph) -> dict[int, tuple[float, float]]:
    """A layered layout of the referral forest: referrers above the accounts they referred.

    Leaves take consecutive columns, each referrer sits over the middle of its referrals,
    and trees stand side by side (referral chains have no cycles; a loop found anyway is
    cut where it closes).
    """
    by_id = {node.account_id: node for node in graph.nodes}
    children: dict[int, list[int]] = defaultdict(list)
    for referrer, referred in graph.edges:
        if referrer in by_id and referred in by_id:
            children[referrer].append(referred)
    for kids in children.values():
        kids.sort(key=lambda pk: (by_id[pk].name, pk))
    referred_ids = {referred for _referrer, referred in graph.edges}
    roots = sorted(
        (n for n in graph.nodes if n.account_id not in referred_ids),
        key=lambda n: (n.name, n.account_id),
    )
    positions: dict[int, tuple[float, float]] = {}
    column = 0.0

    def place(pk: int, depth: int) -> float:
        nonlocal column
        positions[pk] = (0.0, -float(depth))  # claimed before the children: stops a loop
        xs = [place(kid, depth + 1) for kid in children.get(pk, []) if kid not in positions]
        if xs:
            x = (min(xs) + max(xs)) / 2
        else:
            x = column
            column += 1
        positions[pk] = (x, -float(depth))
        return x

    for root in roots:
        place(root.account_id, 0)
    for node in graph.nodes:  # only a loop leaves nodes unplaced
        if node.account_id not in positions:
            place(node.account_id, 0)
    return positions


def _node_size(amount: Decimal | None, largest: Decimal) -> float:
    """Marker diameter by signed amount, by area (square root) so big deals do not swamp."""
    if amount is None or amount <= 0 or largest <= 0:
        return float(NODE_MIN)
    return NODE_MIN + (NODE_MAX - NODE_MIN) * math.sqrt(float(amount / largest))


def referral_chart(
    graph: ReferralGraph,
    *,
    title: str,
    stage_labels: Mapping[FunnelStage, str],
    other_label: str,
    signed_label: str,
) -> dict[str, Any]:
    """Accounts referring accounts: edges as lines, nodes sized by signed amount, by stage."""
    positions = referral_positions(graph)
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    for referrer, referred in graph.edges:
        (x0, y0), (x1, y1) = positions[referrer], positions[referred]
        edge_x += [x0, x1, None]
        edge_y += [y0, y1, None]
    traces: list[go.Scatter] = [
        go.Scatter(
            x=edge_x,
            y=edge_y,
            mode="lines",
            line={"color": "#aab3c2", "width": 1.5},
            hoverinfo="skip",
            showlegend=False,
        )
    ]
    largest = max((n.signed_amount or Decimal(0) for n in graph.nodes), default=Decimal(0))
    groups: dict[FunnelStage | None, list[ReferralNode]] = defaultdict(list)
    for node in graph.nodes:
        groups[node.stage].append(node)
    for stage in (*STAGE_COLOURS, None):
        nodes = groups.get(stage)
        if not nodes:
            continue
        hover = [
            node.name
            if node.signed_amount is None
            else f"{node.name}<br>{signed_label}: {node.signed_amount:,.2f}"
            for node in nodes
        ]
        traces.append(
            go.Scatter(
                x=[positions[n.account_id][0] for n in nodes],
                y=[positions[n.account_id][1] for n in nodes],
                mode="markers+text",
                name=other_label if stage is None else stage_labels[stage],
                text=[n.name for n in nodes],
                textposition="bottom center",
                textfont={"size": 10},
                hovertext=hover,
                hoverinfo="text",
                marker={
                    "size": [_node_size(n.signed_amount, largest) for n in nodes],
                    "color": OUT_OF_SCOPE_COLOUR if stage is None else STAGE_COLOURS[stage],
                    "line": {"color": "#ffffff", "width": 1},
                },
            )
        )
    depth = -min((y for _x, y in positions.values()), default=0.0)
    figure = go.Figure(traces)
    figure.update_layout(
        **_layout(
            title={"text": title, "x": 0.02},
            height=220 + 110 * depth,
            xaxis={"visible": False},
            yaxis={"visible": False, "range": [-depth - 0.6, 0.5]},
            legend={"orientation": "h"},
            plot_bgcolor="#ffffff",
        )
    )
    return figure_json(figure)
