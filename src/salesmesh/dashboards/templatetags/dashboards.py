"""Template helpers shared by the dashboards."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from salesmesh.dashboards.nav import Tab, dashboard_tabs

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_tab_list(context: dict[str, Any]) -> list[Tab]:
    """The dashboards' tabs for the current request."""
    request = context["request"]
    return dashboard_tabs(request.path)


@register.filter
def mesh_value(value: Decimal | None, unit: str) -> str:
    """A mesh number as people read it: money to the cent, rates as percentages."""
    if value is None:
        return "—"
    if unit == "rate":
        return f"{value * 100:,.1f}%"
    if unit == "money":
        return f"{value:,.2f}"
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


@register.filter
def percent(value: Decimal | float | None) -> str:
    """A ratio as a percentage with one decimal; — when there is none."""
    if value is None:
        return "—"
    return f"{Decimal(str(value)) * 100:,.1f}%"
