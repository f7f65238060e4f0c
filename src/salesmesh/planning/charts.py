"""Plotly figures of the planning pages, built in Python and drawn by app.js."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from salesmesh.core.advisor import AdvisorResult
from salesmesh.org.models import Paradigm
from salesmesh.web.charts import CHART_FONT, PARADIGM_COLOURS, figure_json


def advisor_scores_chart(result: AdvisorResult, *, title: str) -> dict[str, Any]:
    """The three paradigm scores as horizontal bars, the core one first."""
    order = list(reversed(result.ranking))  # plotly draws the first bar at the bottom
    figure = go.Figure(
        go.Bar(
            x=[round(result.scores.of(p), 1) for p in order],
            y=[str(Paradigm(p).label) for p in order],
            orientation="h",
            marker={"color": [PARADIGM_COLOURS[p.value] for p in order]},
            text=[f"{result.scores.of(p):.1f}" for p in order],
            textposition="auto",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    figure.update_layout(
        title={"text": title, "x": 0.02},
        xaxis={"range": [0, 100]},
        margin={"t": 40, "l": 10, "r": 10, "b": 30},
        height=220,
        font=CHART_FONT,
    )
    return figure_json(figure)
