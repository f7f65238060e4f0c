"""The project dashboard's charts: the Gantt, the stakeholder map, resource readiness."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from salesmesh.accounts.models import Attitude
from salesmesh.dashboards.project_data import (
    ATTITUDE_ORDER,
    READINESS_LABELS,
    GanttRow,
    Readiness,
    StakeholderGroup,
)
from salesmesh.projects.models import ResourceKind
from salesmesh.web.charts import CHART_FONT, figure_json

LATE = "#d64545"
ON_TIME = "#1f9d74"
OPEN = "#2f6fde"
BASELINE = "#b8bfcc"
ATTITUDE_COLOURS = {
    Attitude.OPPONENT: "#d64545",
    Attitude.NEUTRAL: "#8a94a6",
    Attitude.SUPPORTER: "#1f9d74",
}
READINESS_COLOURS = {
    Readiness.READY: "#1f9d74",
    Readiness.LATE: "#c98a00",
    Readiness.MISSING: "#d64545",
    Readiness.PENDING: "#b8c9f3",
}
DAY_MS = 86_400_000


def _ms(start: date, end: date) -> int:
    """A span as plotly's date axis measures bar lengths: milliseconds."""
    return (end - start).days * DAY_MS


def _iso(day: date) -> str:
    return datetime.combine(day, time()).isoformat()


def _row_hover(row: GanttRow) -> str:
    schedule = row.schedule
    if schedule.done:
        state = _("done %(day)s") % {"day": schedule.end.isoformat()}
    elif schedule.late:
        state = _("open, expected %(day)s") % {"day": schedule.end.isoformat()}
    else:
        state = _("open, planned %(day)s") % {"day": schedule.end.isoformat()}
    slip = _("%(days)s days against the baseline") % {"days": f"{schedule.slip_days:+d}"}
    baseline = _("baseline %(day)s") % {"day": row.baseline.isoformat()}
    return f"{row.label}<br>{baseline}<br>{state}<br>{slip}"


# Each milestone owns one unit of the y axis: the baseline lane above, the actual lane below.
LANE = {True: -0.19, False: 0.19}
BAR_WIDTH = 0.34


def _gantt_traces(
    rows: Sequence[GanttRow],
    *,
    position: dict[int, int],
    name: str,
    colour: str,
    baseline: bool,
) -> list[go.Bar | go.Scatter]:
    """One legend entry: the rows' bars and a diamond on each date, on the lane's y."""
    starts = [row.baseline_start if baseline else row.actual_start for row in rows]
    ends = [row.baseline if baseline else row.schedule.end for row in rows]
    ys = [position[row.milestone.pk] + LANE[baseline] for row in rows]
    hover = [_row_hover(row) for row in rows]
    return [
        go.Bar(
            name=name,
            legendgroup=name,
            y=ys,
            width=BAR_WIDTH,
            base=[_iso(day) for day in starts],
            x=[_ms(start, end) for start, end in zip(starts, ends, strict=True)],
            orientation="h",
            marker={"color": colour},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
        ),
        go.Scatter(
            name=name,
            legendgroup=name,
            showlegend=False,
            y=ys,
            x=[_iso(day) for day in ends],
            mode="markers",
            marker={
                # Open milestones are hollow: their date is a plan, not a fact.
                "symbol": [
                    "diamond" if baseline or row.schedule.done else "diamond-open" for row in rows
                ],
                "size": 11,
                "color": colour,
                "line": {"width": 2, "color": colour},
            },
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
        ),
    ]


def gantt_chart(rows: Sequence[GanttRow], *, as_of: date) -> dict[str, Any]:
    """Each milestone as two bars, the baseline above the actual (or expected), late in red.

    A bar runs from the end of the milestone's last prerequisite to the milestone's date, so
    the chain reads left to right; a diamond marks each date (milestones without a
    prerequisite are a point). The actual bars are one trace per colour, so the legend says
    what red, green and blue mean.
    """
    classes = (
        (_("Late"), LATE, [row for row in rows if row.schedule.late]),
        (
            _("Done on time"),
            ON_TIME,
            [row for row in rows if row.schedule.done and not row.schedule.late],
        ),
        (
            _("Open, on track"),
            OPEN,
            [row for row in rows if not row.schedule.done and not row.schedule.late],
        ),
    )
    position = {row.milestone.pk: index for index, row in enumerate(rows)}
    traces = _gantt_traces(
        rows, position=position, name=_("Baseline"), colour=BASELINE, baseline=True
    )
    for name, colour, members in classes:
        if members:
            traces += _gantt_traces(
                members, position=position, name=name, colour=colour, baseline=False
            )
    figure = go.Figure(traces)
    figure.add_shape(
        type="line",
        x0=_iso(as_of),
        x1=_iso(as_of),
        y0=0,
        y1=1,
        yref="paper",
        line={"color": "#10203d", "width": 1, "dash": "dot"},
    )
    figure.add_annotation(
        x=_iso(as_of),
        y=1,
        yref="paper",
        text=_("as of %(day)s") % {"day": as_of.isoformat()},
        showarrow=False,
        yanchor="bottom",
        font={"size": 11},
    )
    figure.update_layout(
        barmode="overlay",
        xaxis={"type": "date"},
        yaxis={
            "tickvals": list(range(len(rows))),
            "ticktext": [row.label for row in rows],
            "range": [len(rows) - 0.5, -0.5],
            "zeroline": False,
            "showgrid": False,
        },
        height=120 + 44 * max(len(rows), 1),
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        font=CHART_FONT,
        legend={"orientation": "h", "y": -0.12},
    )
    return figure_json(figure)


def stakeholder_chart(groups: Sequence[StakeholderGroup], *, title: str) -> dict[str, Any]:
    """Stakeholders by attitude (x) and milestone (y); size is influence, hollow is unhandled."""
    labels = [group.label for group in groups]
    position = {attitude: index for index, attitude in enumerate(ATTITUDE_ORDER)}
    traces = []
    for attitude in ATTITUDE_ORDER:
        xs: list[float] = []
        ys: list[str] = []
        names: list[str] = []
        sizes: list[int] = []
        symbols: list[str] = []
        hover: list[str] = []
        for group in groups:
            cell = [row for row in group.rows if row.stakeholder.attitude == attitude]
            for index, row in enumerate(cell):
                person = row.stakeholder
                # Several people in one cell spread sideways instead of hiding each other.
                xs.append(position[attitude] + (index - (len(cell) - 1) / 2) * 0.16)
                ys.append(group.label)
                names.append(person.name)
                sizes.append(10 + 5 * person.influence)
                symbols.append("circle" if row.handled else "circle-open")
                handled = (
                    _("handled %(day)s") % {"day": person.handled_on.isoformat()}
                    if row.handled and person.handled_on
                    else _("not handled")
                )
                hover.append(
                    "<br>".join(
                        part
                        for part in (
                            f"{person.name} {person.title}".strip(),
                            _("influence %(value)s") % {"value": person.influence},
                            handled,
                        )
                        if part
                    )
                )
        traces.append(
            go.Scatter(
                name=str(Attitude(attitude).label),
                x=xs,
                y=ys,
                mode="markers+text",
                text=names,
                textposition="middle right",
                marker={
                    "size": sizes,
                    "symbol": symbols,
                    "color": ATTITUDE_COLOURS[attitude],
                    "line": {"width": 2, "color": ATTITUDE_COLOURS[attitude]},
                },
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    figure = go.Figure(traces)
    figure.update_layout(
        title={"text": title, "x": 0.02},
        xaxis={
            "tickvals": list(range(len(ATTITUDE_ORDER))),
            "ticktext": [str(Attitude(a).label) for a in ATTITUDE_ORDER],
            "range": [-0.6, len(ATTITUDE_ORDER) - 0.4],
            "zeroline": False,
        },
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": labels,
            "autorange": "reversed",
        },
        height=160 + 48 * max(len(labels), 1),
        margin={"l": 10, "r": 10, "t": 50, "b": 30},
        font=CHART_FONT,
        legend={"orientation": "h", "y": -0.08},
    )
    return figure_json(figure)


def readiness_chart(counts: dict[str, dict[Readiness, int]], *, title: str) -> dict[str, Any]:
    """Resources per kind, stacked by readiness."""
    kinds = [kind for kind in ResourceKind.values if kind in counts]
    kinds += [kind for kind in counts if kind not in kinds]
    names = [
        str(ResourceKind(kind).label) if kind in ResourceKind.values else kind for kind in kinds
    ]
    figure = go.Figure(
        [
            go.Bar(
                name=str(READINESS_LABELS[status]),
                x=names,
                y=[counts[kind][status] for kind in kinds],
                marker={"color": READINESS_COLOURS[status]},
                hovertemplate="%{x}: %{y}<extra></extra>",
            )
            for status in Readiness
        ]
    )
    highest = max((sum(by_status.values()) for by_status in counts.values()), default=0)
    figure.update_layout(
        title={"text": title, "x": 0.02},
        barmode="stack",
        # Counts are whole: one tick per resource while there are few.
        yaxis={"rangemode": "tozero", **({"dtick": 1} if highest <= 10 else {})},
        height=340,
        margin={"l": 10, "r": 10, "t": 50, "b": 30},
        font=CHART_FONT,
        legend={"orientation": "h", "y": -0.15, "traceorder": "normal"},
    )
    return figure_json(figure)
