"""Idle timeout: a session unused for SALESMESH_SESSION_IDLE_MINUTES ends.

Two layers enforce it. The session store expires a session SESSION_COOKIE_AGE
(= the idle timeout) after it was last saved, and this middleware re-saves an
active session at most once a minute, so activity keeps it alive without a
database write on every request (SESSION_SAVE_EVERY_REQUEST would write each
time). The middleware also checks the stamp itself, so the rule holds for any
session backend and is precise to the refresh interval.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext

# The session key holding when the session was last seen active (Unix seconds).
LAST_SEEN = "_salesmesh_last_seen"
# An active session is re-saved (and so its expiry pushed back) at most this often.
REFRESH_SECONDS = 60


def idle_seconds() -> int:
    """The configured idle timeout in seconds."""
    return int(settings.SALESMESH_SESSION_IDLE_MINUTES) * 60


def stamp_at_login(sender: object, request: HttpRequest | None, **kwargs: Any) -> None:
    """Receiver of user_logged_in: the idle clock starts at login."""
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_SEEN] = int(time.time())


class IdleTimeoutMiddleware:
    """Log a session out once it has been idle too long; keep active ones alive.

    Sits after MessageMiddleware (it needs the user and says why it logged out);
    LoginRequiredMiddleware then sends the logged-out browser to the login page,
    and the API answers 401.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.check(request)
        return self.get_response(request)

    def check(self, request: HttpRequest) -> None:
        session = getattr(request, "session", None)
        if session is None or not session.session_key:
            return  # no cookie, no session: nothing to time out (and no query spent)
        now = int(time.time())
        seen = session.get(LAST_SEEN)
        if seen is None:
            # A session from before this rule, or one not yet signed in.
            if request.user.is_authenticated:
                session[LAST_SEEN] = now
            return
        limit = idle_seconds()
        if now - int(seen) > limit:
            logout(request)
            minutes = limit // 60
            messages.info(
                request,
                ngettext(
                    "You were signed out after %(minutes)d minute without activity.",
                    "You were signed out after %(minutes)d minutes without activity.",
                    minutes,
                )
                % {"minutes": minutes},
            )
        elif now - int(seen) >= REFRESH_SECONDS:
            session[LAST_SEEN] = now
