"""Template helpers shared by the dashboards."""

from __future__ import annotations

from typing import Any

from django import template

from salesmesh.dashboards.nav import Tab, dashboard_tabs

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_tab_list(context: dict[str, Any]) -> list[Tab]:
    """The dashboards' tabs for the current request."""
    request = context["request"]
    return dashboard_tabs(request.path)
