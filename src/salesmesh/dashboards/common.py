"""What every dashboard view does first: pick the line in scope and the day to look at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from salesmesh.dashboards.scope import LineScope, line_scopes
from salesmesh.org.models import User


@dataclass(frozen=True)
class DashboardContext:
    """The line shown (None when the user may see no line of the paradigm) and the day."""

    scopes: list[LineScope]
    scope: LineScope | None
    as_of: date
    # A message for a bad ``as_of`` parameter (the page falls back to today).
    as_of_error: str = ""

    def template_context(self) -> dict[str, Any]:
        return {
            "line_scopes": self.scopes,
            "scope": self.scope,
            "current_line": self.scope.line if self.scope else None,
            "as_of": self.as_of,
            "as_of_error": self.as_of_error,
        }


def dashboard_context(request: HttpRequest, *, paradigm: str | None) -> DashboardContext:
    """The scopes of the user on the paradigm's lines, the requested one (``?line=``), the day.

    A ``?line=`` the user may not see is a 404, like any out-of-scope object.
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
    today = timezone.localdate()
    raw = request.GET.get("as_of")
    if not raw:
        return DashboardContext(scopes=scopes, scope=scope, as_of=today)
    try:
        parsed = parse_date(raw)
    except ValueError:
        parsed = None
    if parsed is None:
        error = _("“%(value)s” is not a date (YYYY-MM-DD); showing today.") % {"value": raw}
        return DashboardContext(scopes=scopes, scope=scope, as_of=today, as_of_error=error)
    return DashboardContext(scopes=scopes, scope=scope, as_of=parsed)
