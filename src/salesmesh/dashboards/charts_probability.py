"""Plotly figures of the probability dashboard, built in Python and embedded as JSON.

Every label arrives already translated: the view passes ``gettext`` text, so the charts
speak the page's language.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from salesmesh.core.attribution import Attribution
from salesmesh.dashboards.probability_data import Capability, FunnelView
from salesmesh.web.charts import CHART_FONT, PARADIGM_COLOURS, figure_json

PLAN_COLOUR = "#b8c9f3"
ACTUAL_COLOUR = PARADIGM_COLOURS["probability"]
GOOD_COLOUR = "#1f9d74"
BAD_COLOUR = "#d64545"
SCENARIO_COLOUR = "#7a5cc2"
# The tenure scatter writes names beside its dots up to this many people.
LABELLED_POINTS = 8


def _layout(figure: go.Figure, *, title: str, height: int = 360, **extra: Any) -> None:
    """The dashboard's common layout; ``extra`` adds to it or overrides it."""
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0.02},
        "margin": {"t": 48, "l": 48, "r": 16, "b": 48},
        "height": height,
        "font": CHART_FONT,
        "legend": {"orientation": "h", "y": -0.18},
    }
    figure.update_layout(**{**layout, **extra})


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def exam_chart(capability: Capability, *, labels: dict[str, str]) -> dict[str, Any]:
    """Latest product and scenario exam score per person; failed sittings marked.

    ``labels``: title, product, scenario, score, passed, failed (translated).
    """
    rows = capability.rows
    names = [row.name for row in rows]
    figure = go.Figure()
    for key, colour, attribute in (
        ("product", ACTUAL_COLOUR, "product"),
        ("scenario", SCENARIO_COLOUR, "scenario"),
    ):
        summaries = [getattr(row, attribute) for row in rows]
        figure.add_trace(
            go.Bar(
                name=labels[key],
                x=names,
                y=[_float(s.latest_score) if s else None for s in summaries],
                marker={
                    "color": colour,
                    "line": {
                        "color": [
                            GOOD_COLOUR if s and s.latest_passed else BAD_COLOUR for s in summaries
                        ],
                        "width": 2,
                    },
                },
                customdata=[
                    labels["passed"] if s and s.latest_passed else labels["failed"] if s else ""
                    for s in summaries
                ],
                hovertemplate="%{x}: %{y:.0f} (%{customdata})<extra>" + labels[key] + "</extra>",
            )
        )
    _layout(
        figure,
        title=labels["title"],
        barmode="group",
        yaxis={"title": {"text": labels["score"]}, "range": [0, 100]},
    )
    return figure_json(figure)


def tenure_chart(capability: Capability, *, labels: dict[str, str]) -> dict[str, Any]:
    """Tenure in months against lead→won conversion over the last 12 months, one dot a person.

    People without a hire date or without leads in the window have no dot.
    ``labels``: title, tenure, conversion (translated).
    """
    points = [
        row
        for row in capability.rows
        if row.tenure_months is not None and row.conversion is not None
    ]
    figure = go.Figure(
        go.Scatter(
            x=[row.tenure_months for row in points],
            y=[float(row.conversion) * 100 for row in points if row.conversion is not None],
            # Names beside a few dots; with more they overlap, and the hover names each.
            mode="markers+text" if len(points) <= LABELLED_POINTS else "markers",
            text=[row.name for row in points],
            textposition="top center",
            marker={"size": 11, "color": ACTUAL_COLOUR, "opacity": 0.8},
            customdata=[[row.won, row.leads] for row in points],
            hovertemplate=(
                "%{text}: %{x} · %{y:.1f}% (%{customdata[0]} / %{customdata[1]})<extra></extra>"
            ),
        )
    )
    _layout(
        figure,
        title=labels["title"],
        showlegend=False,
        xaxis={"title": {"text": labels["tenure"]}, "rangemode": "tozero"},
        yaxis={"title": {"text": labels["conversion"]}, "ticksuffix": "%", "rangemode": "tozero"},
    )
    return figure_json(figure)


def funnel_chart(funnel: FunnelView, *, labels: dict[str, str]) -> dict[str, Any]:
    """Each stage's entrants planned to date beside the actual ones, as a grouped funnel.

    ``labels``: title, planned, actual (translated).
    """
    names = [step.name for step in funnel.steps]
    figure = go.Figure()
    figure.add_trace(
        go.Funnel(
            name=labels["planned"],
            y=names,
            x=[float(step.expected) for step in funnel.steps],
            marker={"color": PLAN_COLOUR},
            texttemplate="%{x:,.0f}",
            hovertemplate="%{y}: %{x:,.1f}<extra>" + labels["planned"] + "</extra>",
        )
    )
    figure.add_trace(
        go.Funnel(
            name=labels["actual"],
            y=names,
            x=[step.actual for step in funnel.steps],
            marker={"color": ACTUAL_COLOUR},
            texttemplate="%{x:,.0f}",
            hovertemplate="%{y}: %{x:,.0f}<extra>" + labels["actual"] + "</extra>",
        )
    )
    _layout(figure, title=labels["title"], funnelmode="group", margin={"l": 110, "t": 48})
    return figure_json(figure)


def waterfall_chart(
    attribution: Attribution, factor_labels: dict[str, str], *, labels: dict[str, str]
) -> dict[str, Any]:
    """The revenue gap to date as a waterfall of each factor's share, ending at the total.

    ``factor_labels`` names each factor key; ``labels``: title, gap, amount (translated).
    """
    shares = list(attribution.shares)
    names = [factor_labels.get(share.key, share.key) for share in shares]
    gap = attribution.gap
    percent = [f"{float(share.share / gap) * 100:.0f}%" if gap else "" for share in shares]
    figure = go.Figure(
        go.Waterfall(
            orientation="v",
            measure=[*("relative" for _ in shares), "total"],
            x=[*names, labels["gap"]],
            y=[*(float(share.share) for share in shares), float(gap)],
            text=[*(f"{float(s.share):,.0f}" for s in shares), f"{float(gap):,.0f}"],
            customdata=[*percent, "100%" if gap else ""],
            textposition="outside",
            increasing={"marker": {"color": GOOD_COLOUR}},
            decreasing={"marker": {"color": BAD_COLOUR}},
            totals={"marker": {"color": ACTUAL_COLOUR}},
            connector={"line": {"color": "#c0c7d2"}},
            hovertemplate="%{x}: %{y:,.2f} (%{customdata})<extra></extra>",
        )
    )
    _layout(
        figure,
        title=labels["title"],
        showlegend=False,
        yaxis={"title": {"text": labels["amount"]}, "zeroline": True},
        margin={"t": 48, "l": 64, "r": 16, "b": 96},
    )
    return figure_json(figure)
