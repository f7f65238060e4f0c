"""What every dashboard view does first: pick the line in scope and the day to look at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from urllib.parse import urlencode

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from salesmesh.dashboards.scope import LineScope, line_scopes
from salesmesh.org.models import OrgUnit, User

# How a dashboard treats the units a manager of several teams in a line may pick:
# "one": it shows one unit's mesh, the first unless ``?unit=`` picks another;
# "any": it shows everyone the user may see unless ``?unit=`` narrows it to one unit;
# "none": it does not narrow (``?unit=`` is ignored; the overview has a row per unit).
UnitMode = Literal["one", "any", "none"]


@dataclass(frozen=True)
class DashboardContext:
    """The line shown (None when the user may see no line of the paradigm) and the day."""

    scopes: list[LineScope]
    scope: LineScope | None
    as_of: date
    # A message for a bad ``as_of`` parameter (the page falls back to today).
    as_of_error: str = ""
    unit_mode: UnitMode = "none"

    @property
    def focus(self) -> OrgUnit | None:
        """The managed unit chosen with ``?unit=`` (None: the default one)."""
        return self.scope.focus if self.scope else None

    @property
    def query(self) -> str:
        """``line=…&unit=…&as_of=…``: what a partial's URL carries to show the same scope."""
        scope = self.scope.params if self.scope is not None else {}
        return urlencode({**scope, "as_of": self.as_of.isoformat()})

    def template_context(self) -> dict[str, Any]:
        return {
            "line_scopes": self.scopes,
            "scope": self.scope,
            "current_line": self.scope.line if self.scope else None,
            "focus_unit": self.focus,
            # The unit picker: shown to a manager of several units on pages that narrow.
            "unit_picker": self.unit_mode if self.unit_mode != "none" else "",
            "query": self.query,
            "as_of": self.as_of,
            "as_of_error": self.as_of_error,
        }


def dashboard_context(
    request: HttpRequest, *, paradigm: str | None, units: UnitMode = "none"
) -> DashboardContext:
    """The scopes of the user on the paradigm's lines, the requested one (``?line=``), the day.

    A ``?line=`` the user may not see is a 404, like any out-of-scope object; so is a
    ``?unit=`` that is not one of the units the user manages in that line. ``units``: how
    the page narrows to one of them (``UnitMode``).
    """
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware sends them away
        raise Http404
    scopes = line_scopes(user=user, paradigm=paradigm)
    code = request.GET.get("line")
    if code:
        scope = next((s for s in scopes if s.line.code == code), None)
        if scope is None:
            raise Http404
    else:
        scope = scopes[0] if scopes else None
    unit = request.GET.get("unit") if units != "none" else None
    if unit:
        if scope is None:
            raise Http404
        scope = scope.focused_on(unit)
    elif units == "one" and scope is not None:
        scope = scope.one_unit()
    today = timezone.localdate()
    raw = request.GET.get("as_of")
    if not raw:
        return DashboardContext(scopes=scopes, scope=scope, as_of=today, unit_mode=units)
    try:
        parsed = parse_date(raw)
    except ValueError:
        parsed = None
    if parsed is None:
        error = _("“%(value)s” is not a date (YYYY-MM-DD); showing today.") % {"value": raw}
        return DashboardContext(
            scopes=scopes, scope=scope, as_of=today, as_of_error=error, unit_mode=units
        )
    return DashboardContext(scopes=scopes, scope=scope, as_of=parsed, unit_mode=units)
