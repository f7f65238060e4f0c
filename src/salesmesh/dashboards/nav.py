"""The dashboards' tab bar, built from the routes that exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TABS = (
    ("dashboards:overview", _("Overview")),
    ("dashboards:probability", pgettext_lazy("paradigm", "Probability")),
    ("dashboards:behaviour", pgettext_lazy("paradigm", "Behaviour")),
    ("dashboards:project", pgettext_lazy("paradigm", "Project")),
    ("dashboards:mesh", _("Mesh tree")),
    ("alerts:list", _("Alerts")),
)


@dataclass(frozen=True)
class Tab:
    label: str | Promise
    url: str
    active: bool


def dashboard_tabs(path: str) -> list[Tab]:
    """The tabs whose routes are installed, the one containing ``path`` marked active."""
    tabs = []
    for name, label in TABS:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        tabs.append((label, url))
    # The longest matching prefix is the active tab (the overview's URL prefixes the others).
    active = max((url for _label, url in tabs if path.startswith(url)), key=len, default="")
    return [Tab(label=label, url=url, active=url == active) for label, url in tabs]
