"""Work a server process does once at start rather than on its first visitors' requests.

Django imports the views on the first request and plotly builds its validators on the
first chart: together about a second and a half of CPU per process. Under gunicorn with
``--preload`` (docs/operations.md) the master runs ``warm_up`` once and every worker is
forked from it warm; without it each worker runs it as it boots, still before it accepts
a request.
"""

from __future__ import annotations

import plotly.graph_objects as go
from django.db import connections
from django.urls import get_resolver


def warm_up() -> None:
    """Import every view, build one chart, and leave no database connection open."""
    get_resolver().url_patterns  # noqa: B018 - read for its imports
    # The first trace and the first layout build plotly's validators (≈ 200 ms).
    go.Figure(go.Bar(x=[0], y=[0])).update_layout(title="").to_plotly_json()
    # Nothing above should query; if an import ever does, its connection must not be
    # shared by the forked workers.
    connections.close_all()
