"""Template context shared by every page: the navigation bar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class NavItem:
    """One entry of the top navigation."""

    label: str | Promise
    url: str
    active: bool


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation entries, the current one marked active."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    entries = [
        (_("Overview"), reverse("home")),
        (_("Dashboards"), reverse("dashboards:overview")),
        (pgettext_lazy("paradigm", "Probability"), reverse("paradigm", args=["probability"])),
        (pgettext_lazy("paradigm", "Behaviour"), reverse("paradigm", args=["behaviour"])),
        (pgettext_lazy("paradigm", "Project"), reverse("paradigm", args=["project"])),
        (_("Data"), reverse("data")),
    ]
    if request.user.is_staff:
        entries.append((_("Admin"), reverse("admin:index")))
    path = request.path
    home = reverse("home")
    items = [
        NavItem(label=label, url=url, active=(path == url if url == home else path.startswith(url)))
        for label, url in entries
    ]
    return {"nav_items": items}
