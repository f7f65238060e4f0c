"""Login lockout through django-axes: per username and client address, with a cool-off.

django-axes counts failed sign-ins (AXES_FAILURE_LIMIT) for one username from
one address and refuses that pair for AXES_COOLOFF_TIME; a success resets the
count. This module adapts it to salesmesh: the backend skips calls made without
a request, the client address honours BEHIND_TLS_PROXY, and a locked-out user
sees the login page again with a translated message instead of axes' bare 429.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

# Too Many Requests: the sign-in is refused for now, not forever.
LOCKED_OUT_STATUS = 429


class LockoutBackend(AxesStandaloneBackend):  # type: ignore[misc] # axes ships no types
    """Refuses a locked-out username + address before any password is checked.

    ``authenticate()`` without a request (management commands, the test
    client's ``login()``) has no client address to count against and is not
    reachable from the network, so it is passed on to ModelBackend unchecked;
    axes' own backend would raise instead.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None:
            # Returns nothing for an allowed pair; raises PermissionDenied for a locked one.
            super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The address failures are counted against.

    Behind the TLS proxy (BEHIND_TLS_PROXY) every request comes from the proxy,
    so the right-most X-Forwarded-For entry - the one our proxy appended, which
    a client cannot forge - is the client. Otherwise the socket's peer.
    """
    if getattr(settings, "SALESMESH_BEHIND_PROXY", False):
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    remote = request.META.get("REMOTE_ADDR")
    return str(remote) if remote else None


def lockout_message() -> str:
    """What a locked-out user reads on the login page."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds()) // 60)
    return ngettext(
        "Too many failed sign-ins for this username from your address. "
        "Sign-in is blocked for %(minutes)d minute after the last attempt.",
        "Too many failed sign-ins for this username from your address. "
        "Sign-in is blocked for %(minutes)d minutes after the last attempt.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page again, with the lockout message."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "next": request.POST.get("next", request.GET.get("next", "")),
        "lockout_message": lockout_message(),
    }
    return render(request, "registration/login.html", context, status=LOCKED_OUT_STATUS)
