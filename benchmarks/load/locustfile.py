"""Locust users for the load benchmark: demo people browsing the demo company.

    locust -f benchmarks/load/locustfile.py --headless -u 50 -r 10 --run-time 60s \\
        --host http://127.0.0.1:8000 [--think-time 1-5] [--samples samples.json]

``python -m benchmarks.load`` sets up a server and runs this for you. Each user signs in
through the login form (session + CSRF) as the next person of ``scenario.roster()`` (50
users: 4 × head, 1 × admin, 6 × the SMB manager, 14 × rep, 5 × SDR, 5 × BD, 3 × presales,
2 × post-sales, 4 × PMO, 3 × business, 3 × solution), then picks tasks from
``scenario.TASKS`` with a think time between them, and signs out when stopped. Half of the
users ask for Chinese pages, half for English.

``--samples FILE`` writes every request's name, time (ms), outcome and start (epoch
seconds) to FILE as JSON when locust quits, so the harness can compute percentiles per
group of names (locust's own statistics are per name).
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from locust import HttpUser, events
from locust.clients import HttpSession
from locust.env import Environment
from scenario import (  # the sibling module: locust puts this directory on sys.path
    TASKS,
    Browser,
    Check,
    Reply,
    roster,
    run_task,
    status_ok,
)

ROSTER = roster()
DEFAULT_THINK = (1.0, 5.0)
LANGUAGES = ("zh-CN,zh;q=0.9,en;q=0.8", "en-US,en;q=0.9")

_user_numbers = itertools.count()
_samples: list[tuple[str, float, bool, float]] = []


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument(
        "--think-time",
        default="1-5",
        help="seconds a user waits between two tasks, drawn uniformly from MIN-MAX",
    )
    parser.add_argument("--samples", default="", help="write every request's timing here")


@events.request.add_listener
def _record(
    name: str,
    response_time: float,
    exception: BaseException | None,
    start_time: float,
    **_: Any,
) -> None:
    _samples.append((name, response_time, exception is None, start_time))


@events.quitting.add_listener
def _write_samples(environment: Environment, **_: Any) -> None:
    options = environment.parsed_options
    path = getattr(options, "samples", "") if options is not None else ""
    if path:
        Path(path).write_text(json.dumps(_samples))


def _think_time(environment: Environment) -> tuple[float, float]:
    options = environment.parsed_options
    raw = getattr(options, "think_time", "") if options is not None else ""
    if not raw:
        return DEFAULT_THINK
    low, _sep, high = raw.partition("-")
    return float(low), float(high or low)


class LocustTransport:
    """The scenario's transport over locust's HTTP session: no redirects followed."""

    def __init__(self, client: HttpSession) -> None:
        self.client = client

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
    ) -> Reply | None:
        with self.client.request(
            method,
            url,
            name=name,
            data=data,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            reply = Reply(
                status=response.status_code,
                text=response.text or "",
                location=response.headers.get("Location", "") if response.headers else "",
            )
            if not status_ok(reply.status, expect):
                response.failure(f"HTTP {reply.status} from {method} {url}")
                return None
            problem = check(reply) if check is not None else None
            if problem:
                response.failure(f"{problem} ({method} {url})")
                return None
            response.success()
            return reply


def _task(name: str) -> Callable[[DemoPerson], None]:
    def run(user: DemoPerson) -> None:
        user.do(name)

    run.__name__ = name
    return run


class DemoPerson(HttpUser):
    """One demo person: signs in, browses with think times, signs out when stopped."""

    tasks = {_task(name): weight for name, weight in TASKS.items()}

    def wait_time(self) -> float:
        low, high = _think_time(self.environment)
        return random.uniform(low, high)

    def on_start(self) -> None:
        number = next(_user_numbers)
        self.browser = Browser(
            LocustTransport(self.client),
            ROSTER[number % len(ROSTER)],
            rng=random.Random(number),
            language=LANGUAGES[number % len(LANGUAGES)],
        )
        self.browser.login()

    def do(self, task: str) -> None:
        # A failed sign-in is retried before the next task rather than browsing signed out.
        if self.browser.signed_in or self.browser.login():
            run_task(self.browser, task)

    def on_stop(self) -> None:
        self.browser.logout()
