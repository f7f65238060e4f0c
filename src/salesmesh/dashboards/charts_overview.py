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
    names = [s.label for s in rows]
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


def forecast_fan(
    summary: LineSummary, *, title: str, band: str, median: str, closed: str, target: str
) -> dict[str, Any] | None:
    """The period's revenue week by week: closed so far, then the P10 to P90 fan and P50."""
    forecast = summary.forecast
    if forecast is None or not forecast.fan:
        return None
    ends = [point.end.isoformat() for point in forecast.fan]
    colour = PARADIGM_COLOURS.get(summary.scope.line.paradigm, PARADIGM_COLOURS[""])
    past = [p for p in forecast.fan if p.actual]
    ahead = [p for p in forecast.fan if not p.actual]
    # The fan starts from the last closed week so the band joins the line.
    joined = ([past[-1]] if past else []) + ahead
    traces: list[go.Scatter] = [
        go.Scatter(
            x=[p.end.isoformat() for p in joined],
            y=[float(p.p90) for p in joined],
            mode="lines",
            line={"width": 0},
            showlegend=False,
            hoverinfo="skip",
        ),
        go.Scatter(
            x=[p.end.isoformat() for p in joined],
            y=[float(p.p10) for p in joined],
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(47,111,222,0.18)",
            name=band,
            hovertemplate="%{x}: %{y:,.0f}<extra>P10</extra>",
        ),
        go.Scatter(
            x=[p.end.isoformat() for p in joined],
            y=[float(p.p50) for p in joined],
            mode="lines",
            line={"dash": "dash", "color": colour},
            name=median,
            hovertemplate="%{x}: %{y:,.0f}<extra>P50</extra>",
        ),
        go.Scatter(
            x=[p.end.isoformat() for p in past],
            y=[float(p.p50) for p in past],
            mode="lines+markers",
            line={"color": colour},
            name=closed,
            hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
        ),
    ]
    if forecast.target is not None:
        traces.append(
            go.Scatter(
                x=[ends[0], ends[-1]],
                y=[float(forecast.target)] * 2,
                mode="lines",
                line={"color": "#d64545", "dash": "dot"},
                name=target,
                hovertemplate="%{y:,.0f}<extra></extra>",
            )
        )
    figure = go.Figure(traces)
    figure.update_layout(
        title={"text": title, "x": 0.02},
        height=300,
        margin={"l": 10, "r": 10, "t": 50, "b": 30},
        font=CHART_FONT,
        legend={"orientation": "h"},
        yaxis={"rangemode": "tozero", "tickformat": ",.0f"},
    )
    return figure_json(figure)
