"""What one load-test user does: sign in as a demo person, then browse like that person.

The browsing is written against a small :class:`Transport` so the same code runs under
locust (``locustfile.py``, over HTTP) and under the Django test client
(``tests/ops/test_load_scenario.py``, which runs every task once per persona so that a
changed URL breaks a test rather than the benchmark). This module imports neither locust
(which monkey-patches the standard library on import) nor Django.

Every request is named ``"<group>: <what>"`` so the report can apply a budget per group:

* ``list: …`` — record lists (``/records/<kind>/``, a page, a search), the alerts list and
  the API lists (``/api/<kind>``);
* ``detail: …`` — record details (accounts, opportunities, projects, solution requests)
  and API details, always of an id the user has just seen in a list;
* ``dashboard: …`` — the dashboard pages, the htmx partials they load, one interaction
  each (a person's tree, the visit calendar, the knowledge search), and the API's mesh and
  forecast of a line the user may see;
* ``auth: …`` and ``page: …`` — signing in and out and the home page (no budget).

Any status outside 2xx is a failure, except the redirect that follows a sign-in or a
sign-out (302, checked to point where it should).
"""

from __future__ import annotations

import html
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

# The demo's published password (salesmesh.demo.seed.DEMO_PASSWORD; a test keeps them equal).
DEMO_PASSWORD = "salesmesh-demo"  # noqa: S105 - published demo credential

LOGIN_URL = "/accounts/login/"
LOGOUT_URL = "/accounts/logout/"

# Record kinds with a detail page (the others link to their edit form).
DETAIL_KINDS = ("accounts", "opportunities", "projects", "solution_requests")
# The API path of each record kind that has one.
API_KINDS = {
    "accounts": "accounts",
    "contacts": "contacts",
    "leads": "leads",
    "opportunities": "opportunities",
    "activities": "activities",
    "solution_requests": "solution-requests",
    "projects": "projects",
}


@dataclass(frozen=True)
class Persona:
    """A demo login and what that person looks at."""

    username: str
    # Record lists they browse (``/records/<kind>/``); details come from these lists.
    records: tuple[str, ...]
    # Dashboards they open, as paths under /dashboards/ ("" is the overview).
    dashboards: tuple[str, ...]
    # API lists they read (keys of API_KINDS, plus "people", "units", "plans", "alerts").
    api: tuple[str, ...]
    # How many of the load test's users sign in as this person (out of ROSTER's length).
    share: int


MANAGER_RECORDS = (
    "accounts", "opportunities", "leads", "activities", "contacts", "solution_requests",
    "projects",
)  # fmt: skip
EVERY_DASHBOARD = ("", "probability/", "behaviour/", "project/", "mesh/")

PERSONAS: tuple[Persona, ...] = (
    # The head of sales sees the whole company; the SMB line manager the largest line (most
    # deals and activities).
    Persona(
        "head",
        MANAGER_RECORDS,
        EVERY_DASHBOARD,
        ("accounts", "opportunities", "leads", "activities", "people", "plans", "alerts"),
        4,
    ),
    # The administrator mostly works in the Django admin; here a glance at the data.
    Persona("admin", ("accounts", "opportunities"), ("",), ("units", "people"), 1),
    Persona(
        "manager",
        ("accounts", "opportunities", "leads", "activities"),
        ("", "probability/", "mesh/"),
        ("accounts", "opportunities", "leads", "activities", "people", "alerts"),
        6,
    ),
    # Telesales reps are the largest population of the demo company.
    Persona(
        "rep",
        ("accounts", "opportunities", "leads", "activities"),
        ("", "probability/", "mesh/"),
        ("accounts", "opportunities", "leads", "activities", "alerts"),
        14,
    ),
    Persona(
        "sdr",
        ("accounts", "contacts", "activities"),
        ("", "behaviour/", "mesh/"),
        ("accounts", "contacts", "activities", "alerts"),
        5,
    ),
    Persona(
        "bd",
        ("accounts", "opportunities", "contacts", "activities"),
        ("", "behaviour/", "mesh/"),
        ("accounts", "opportunities", "contacts", "alerts"),
        5,
    ),
    Persona(
        "presales",
        ("solution_requests",),
        ("", "behaviour/", "mesh/"),
        ("solution_requests", "alerts"),
        3,
    ),
    Persona(
        "postsales",
        ("solution_requests", "accounts"),
        ("", "behaviour/"),
        ("solution_requests", "alerts"),
        2,
    ),
    Persona(
        "pmo",
        ("projects", "activities"),
        ("", "project/", "mesh/"),
        ("projects", "activities", "alerts"),
        4,
    ),
    Persona(
        "business",
        ("projects", "accounts", "contacts"),
        ("", "project/", "mesh/"),
        ("projects", "accounts", "alerts"),
        3,
    ),
    Persona(
        "solution",
        ("projects", "activities"),
        ("", "project/"),
        ("projects", "alerts"),
        3,
    ),
)
PERSONA_BY_NAME = {persona.username: persona for persona in PERSONAS}


def roster() -> tuple[Persona, ...]:
    """Personas in the order users are started: interleaved, so any prefix is a fair mix.

    Its length is the sum of the shares (50): with 50 users every share is exact.
    """
    left = {persona.username: persona.share for persona in PERSONAS}
    order: list[Persona] = []
    while any(left.values()):
        for persona in PERSONAS:
            if left[persona.username]:
                order.append(persona)
                left[persona.username] -= 1
    return tuple(order)


# -- the transport ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What the scenario reads from a response."""

    status: int
    text: str
    location: str = ""


# A check on a reply the status accepted: an error message, or None when it is fine.
Check = Callable[[Reply], str | None]


class Transport(Protocol):
    """Sends one request, records it under ``name``, and returns the reply if it passed.

    A reply whose status is not in ``expect`` (any 2xx when ``expect`` is None), or that
    ``check`` rejects, is recorded as a failure and ``None`` is returned. Redirects are never
    followed.
    """

    def request(
        self,
        method: str,
        url: str,
        *,
        name: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        expect: frozenset[int] | None = None,
        check: Check | None = None,
    ) -> Reply | None: ...


def status_ok(status: int, expect: frozenset[int] | None) -> bool:
    """Whether a status passes: in ``expect``, or 2xx when nothing else is expected."""
    return status in expect if expect is not None else 200 <= status < 300


def is_json(reply: Reply) -> str | None:
    """API answers must be JSON."""
    try:
        json.loads(reply.text)
    except ValueError:
        return "the API answered something other than JSON"
    return None


def is_page(reply: Reply) -> str | None:
    """A page (not the sign-in form, which would mean the session was lost)."""
    if 'name="password"' in reply.text:
        return "the sign-in page came back: the session was lost"
    return None


# -- reading pages ---------------------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RECORD_LINK = re.compile(r'<a href="/records/([a-z_]+)/(\d+)/(?:edit/)?">([^<]*)</a>')
NEXT_PAGE = re.compile(r'<a href="(\?(?:[^"]*&amp;)?page=\d+)">')
HX_TAG = re.compile(r"<[a-z]+\b[^>]*\bhx-get=\"([^\"]+)\"[^>]*>")
HX_TRIGGER = re.compile(r'\bhx-trigger="([^"]+)"')
LINE_LINK = re.compile(r'href="/dashboards/mesh/\?line=([\w-]+)"')
OPTION = re.compile(r'<option value="([\w-]+)"[^>]*>')
WEEKS_SELECT = re.compile(r'<select name="weeks">(.*?)</select>', re.DOTALL)


def csrf_token(text: str) -> str | None:
    found = CSRF_INPUT.search(text)
    return found.group(1) if found else None


def hx_gets(text: str) -> list[tuple[str, str]]:
    """(URL, trigger) of every element with ``hx-get`` on a page."""
    found = []
    for tag in HX_TAG.finditer(text):
        trigger = HX_TRIGGER.search(tag.group(0))
        found.append((html.unescape(tag.group(1)), trigger.group(1) if trigger else ""))
    return found


def dashboard_name(url: str) -> str:
    """``/dashboards/probability/funnel/?line=smb`` → ``dashboard: probability/funnel``."""
    path = urlsplit(url).path.removeprefix("/dashboards/").strip("/")
    return f"dashboard: {path or 'overview'}"


def with_params(url: str, **params: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode(params)}"


# -- the user --------------------------------------------------------------------------------


@dataclass
class Seen:
    """What the user has seen so far: the only source of ids, pages and search words."""

    ids: dict[str, list[int]] = field(default_factory=dict)
    words: dict[str, list[str]] = field(default_factory=dict)
    next_page: dict[str, str] = field(default_factory=dict)
    api_ids: dict[str, list[int]] = field(default_factory=dict)
    api_counts: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


class Browser:
    """One signed-in demo person clicking through the app; each public method is a task."""

    def __init__(
        self, transport: Transport, persona: Persona, *, rng: random.Random, language: str
    ) -> None:
        self.transport = transport
        self.persona = persona
        self.rng = rng
        self.headers = {"Accept-Language": language}
        self.seen = Seen()
        self.csrf: str | None = None
        self.signed_in = False

    # -- plumbing --

    def get(
        self, url: str, name: str, *, check: Check | None = is_page, htmx: bool = False
    ) -> Reply | None:
        headers = dict(self.headers)
        if htmx:
            headers["HX-Request"] = "true"
        reply = self.transport.request("GET", url, name=name, headers=headers, check=check)
        if reply is not None:
            self.csrf = csrf_token(reply.text) or self.csrf
        return reply

    def _harvest_records(self, text: str) -> None:
        for kind, pk, label in RECORD_LINK.findall(text):
            ids = self.seen.ids.setdefault(kind, [])
            if int(pk) not in ids:
                ids.append(int(pk))
            word = html.unescape(label).strip()[:2]
            if word and word not in self.seen.words.setdefault(kind, []):
                self.seen.words[kind].append(word)

    def _harvest_lines(self, text: str) -> None:
        for code in LINE_LINK.findall(text):
            if code not in self.seen.lines:
                self.seen.lines.append(code)

    # -- signing in and out --

    def login(self) -> bool:
        """The sign-in form, then the POST with its CSRF token, then the home page."""
        form = self.get(LOGIN_URL, "auth: sign-in page", check=None)
        if form is None or self.csrf is None:
            return False
        reply = self.transport.request(
            "POST",
            LOGIN_URL,
            name="auth: sign in",
            data={
                "username": self.persona.username,
                "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": self.csrf,
                "next": "",
            },
            headers=self.headers,
            expect=frozenset({302}),
            check=_redirects_away_from(LOGIN_URL),
        )
        if reply is None:
            return False
        self.signed_in = True
        # Django rotates the CSRF token at sign-in: the home page carries the new one.
        return self.get("/", "page: home") is not None

    def logout(self) -> None:
        if not self.signed_in or self.csrf is None:
            return
        self.transport.request(
            "POST",
            LOGOUT_URL,
            name="auth: sign out",
            data={"csrfmiddlewaretoken": self.csrf},
            headers=self.headers,
            expect=frozenset({302}),
            check=_redirects_to(LOGIN_URL),
        )
        self.signed_in = False

    # -- record lists and details --

    def record_list(self, kind: str | None = None) -> None:
        """A record list, first page."""
        kind = kind or self.rng.choice(self.persona.records)
        reply = self.get(f"/records/{kind}/", f"list: records/{kind}")
        if reply is not None:
            self._harvest_records(reply.text)
            self._remember_next(kind, reply.text, current=1)

    def record_page(self, kind: str | None = None) -> None:
        """The next page of a list the user has open (its first page if none is)."""
        kind = kind or self.rng.choice(self.persona.records)
        url = self.seen.next_page.get(kind)
        if url is None:
            self.record_list(kind)
            url = self.seen.next_page.get(kind)
            if url is None:  # a list of one page
                return
        reply = self.get(url, f"list: records/{kind} (page)")
        if reply is not None:
            self._harvest_records(reply.text)
            self._remember_next(kind, reply.text, current=_page_of(url))

    def _remember_next(self, kind: str, text: str, *, current: int) -> None:
        """Keep the pager's "next" link (to page ``current + 1``), or forget it on the last page."""
        following = [link for link in NEXT_PAGE.findall(text) if _page_of(link) == current + 1]
        if following:
            self.seen.next_page[kind] = f"/records/{kind}/" + html.unescape(following[0])
        else:
            self.seen.next_page.pop(kind, None)

    def record_search(self, kind: str | None = None) -> None:
        """Search a list for the first letters of a record seen on it."""
        kind = kind or self.rng.choice(self.persona.records)
        if not self.seen.words.get(kind):
            self.record_list(kind)
        words = self.seen.words.get(kind)
        if not words:
            return
        url = with_params(f"/records/{kind}/", q=self.rng.choice(words))
        reply = self.get(url, f"list: records/{kind} (search)")
        if reply is not None:
            self._harvest_records(reply.text)

    def record_detail(self, kind: str | None = None) -> None:
        """The detail page of a record the user has seen in a list."""
        kinds = [k for k in self.persona.records if k in DETAIL_KINDS]
        if not kinds:
            return
        kind = kind or self.rng.choice(kinds)
        if not self.seen.ids.get(kind):
            self.record_list(kind)
        ids = self.seen.ids.get(kind)
        if not ids:
            return
        reply = self.get(f"/records/{kind}/{self.rng.choice(ids)}/", f"detail: records/{kind}")
        if reply is not None:
            self._harvest_records(reply.text)

    def alerts(self) -> None:
        """The alerts list."""
        self.get("/alerts/", "list: alerts")

    # -- dashboards --

    def dashboard(self, path: str | None = None) -> None:
        """A dashboard, the partials it loads, and one thing clicked on it."""
        path = self.rng.choice(self.persona.dashboards) if path is None else path
        url = f"/dashboards/{path}"
        if path == "mesh/" and self.seen.lines:
            # The mesh tree of any line the user may see (the overview links each one).
            url = with_params(url, line=self.rng.choice(self.seen.lines))
        reply = self.get(url, dashboard_name(url))
        if reply is None:
            return
        self._harvest_lines(reply.text)
        self._harvest_records(reply.text)
        partials = hx_gets(reply.text)
        for partial, trigger in partials:
            if trigger.startswith("load"):
                self.get(partial, dashboard_name(partial), htmx=True)
        self._interact(path, reply.text, partials)

    def _interact(self, path: str, text: str, partials: list[tuple[str, str]]) -> None:
        if path == "mesh/":
            people = [url for url, _trigger in partials if "/mesh/person/" in url]
            if people:
                person = self.rng.choice(people)
                self.get(person, dashboard_name(person), htmx=True)
        elif path == "behaviour/":
            calendar = next((url for url, _t in partials if "/behaviour/calendar/" in url), None)
            select = WEEKS_SELECT.search(text)
            if calendar is not None and select is not None:
                weeks = self.rng.choice(OPTION.findall(select.group(1)) or ["4"])
                url = with_params(calendar, weeks=weeks)
                self.get(url, dashboard_name(url), htmx=True)
        elif path == "project/":
            search = next((url for url, _t in partials if "/project/knowledge/" in url), None)
            if search is not None:
                words = self.seen.words.get("projects") or [""]
                url = with_params(search, q=self.rng.choice(words))
                self.get(url, dashboard_name(url), htmx=True)

    # -- the API --

    def api_list(self, kind: str | None = None) -> None:
        """An API list: its first page or, when it has more, now and then the second."""
        kind = kind or self.rng.choice(self.persona.api)
        name = API_KINDS.get(kind, kind)
        more = self.seen.api_counts.get(kind, 0) > len(self.seen.api_ids.get(kind, ()))
        paged = more and self.rng.random() < 0.5
        url = with_params(f"/api/{name}", page="2") if paged else f"/api/{name}"
        reply = self.get(url, f"list: api/{name}" + (" (page)" if paged else ""), check=is_json)
        if reply is None:
            return
        body = json.loads(reply.text)
        if isinstance(body, dict) and not paged:
            items = body.get("items", [])
            self.seen.api_ids[kind] = [item["id"] for item in items if "id" in item]
            self.seen.api_counts[kind] = int(body.get("count", len(items)))

    def api_detail(self, kind: str | None = None) -> None:
        """An API detail of an id the API just listed."""
        kinds = [k for k in self.persona.api if k in API_KINDS]
        if not kinds:
            return
        kind = kind or self.rng.choice(kinds)
        if not self.seen.api_ids.get(kind):
            self.api_list(kind)
        ids = self.seen.api_ids.get(kind)
        if not ids:
            return
        name = API_KINDS[kind]
        self.get(f"/api/{name}/{self.rng.choice(ids)}", f"detail: api/{name}", check=is_json)

    def api_mesh(self, which: str | None = None) -> None:
        """The API's mesh tree or forecast of a line the user may see."""
        if not self.seen.lines:
            self.dashboard("")
        if not self.seen.lines:
            return
        which = which or self.rng.choice(("mesh", "forecast"))
        line = self.rng.choice(self.seen.lines)
        self.get(f"/api/{which}/{line}", f"dashboard: api/{which}", check=is_json)


def _page_of(link: str | None) -> int:
    if not link:
        return 1
    found = re.search(r"page=(\d+)", link)
    return int(found.group(1)) if found else 1


def _redirects_away_from(url: str) -> Check:
    def check(reply: Reply) -> str | None:
        if not reply.location or urlsplit(reply.location).path == url:
            return "the sign-in was refused (redirected back to the form)"
        return None

    return check


def _redirects_to(url: str) -> Check:
    def check(reply: Reply) -> str | None:
        if urlsplit(reply.location).path != url:
            return f"signing out redirected to {reply.location!r}, not {url}"
        return None

    return check


# The tasks a load-test user picks from, with their weights (how often, relative to the rest).
TASKS: dict[str, int] = {
    "record_list": 4,
    "record_page": 2,
    "record_search": 1,
    "record_detail": 4,
    "alerts": 1,
    "dashboard": 4,
    "api_list": 2,
    "api_detail": 1,
    "api_mesh": 1,
}


def run_task(browser: Browser, task: str, **kwargs: Any) -> None:
    """Run one task by name (the locustfile and the smoke test both go through here)."""
    getattr(browser, task)(**kwargs)
