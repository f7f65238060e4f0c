"""The overview's charts: attainment by line, the forecast fan."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from salesmesh.dashboards.overview_data import LineSummary
from salesmesh.web.charts import CHART_FONT, PARADIGM_COLOURS, figure_json


def _percent(part: object, whole: object) -> float:
    return float(part) / float(whole) * 100 if whole else 0.0  # type: ignore[arg-type]


def attainment_chart(
    summaries: list[LineSummary], *, title: str, actual: str, expected: str
) -> dict[str, Any]:
    """Each line's actual and expected-to-date as a share of its period target."""
    rows = [s for s in summaries if s.root is not None and s.root.plan]
    names = [s.scope.line.display_name for s in rows]
    actual_pct = [_percent(s.root.actual, s.root.plan) for s in rows if s.root]
    expected_pct = [_percent(s.root.expected_to_date, s.root.plan) for s in rows if s.root]
    colours = [PARADIGM_COLOURS.get(s.scope.line.paradigm, PARADIGM_COLOURS[""]) for s in rows]
    figure = go.Figure(
        [
            go.Bar(
                name=expected,
                y=names,
                x=expected_pct,
                orientation="h",
                marker={"color": "#d5dae3"},
                hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
            ),
            go.Bar(
                name=actual,
                y=names,
                x=actual_pct,
                orientation="h",
                marker={"color": colours},
                hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
            ),
        ]
    )
    figure.update_layout(
        title={"text": title, "x": 0.02},
        barmode="group",
        xaxis={"ticksuffix": "%", "rangemode": "tozero"},
        yaxis={"autorange": "reversed"},
        height=140 + 60 * max(len(rows), 1),
        margin={"l": 10, "r": 10, "t": 50, "b": 30},
        font=CHART_FONT,
        legend={"orientation": "h"},
    )
    return figure_json(figure)
