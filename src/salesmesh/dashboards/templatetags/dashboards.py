"""Template helpers shared by the dashboards."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from salesmesh.core.mesh import MeshNode
from salesmesh.dashboards.nav import Tab, dashboard_tabs
from salesmesh.web.templatetags.salesmesh_tags import tr

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


# Factors of a gap attribution that are not nodes of the tree themselves.
FACTOR_LABELS = {
    "calls": _("calls"),
    "leads_per_reached_call": _("leads per reached call"),
    "reached_per_named_accounts": _("reached accounts per named account"),
    "vql_per_reached": _("VQLs per reached account"),
    "signed_per_vql": _("signings per VQL"),
    "signed_per_named_accounts": _("signings per named account"),
}


@register.filter
def factor_label(key: str, root: MeshNode | None) -> str:
    """A factor's name: its node's label when the tree has one, else a known name, else the key."""
    if root is not None:
        for node in root.walk():
            if node.key == key:
                return tr(node.label)
    return str(FACTOR_LABELS.get(key, key))
