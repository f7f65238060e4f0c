"""The load benchmark's scenario against the app: every task of every persona succeeds.

``benchmarks/load/scenario.py`` is what each locust user does. Here it runs once per task
and per persona through the Django test client (CSRF enforced) on the seeded demo year, so
a changed URL, a page that loses a link the scenario follows, or a login that stops working
breaks this test rather than the benchmark. No timing is measured here: the figures come
from ``python -m benchmarks.load``.
"""

from __future__ import annotations

import importlib.util
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from benchmarks.load import BUDGETS, after_sign_in, summarise, timeline
from django.test import Client
from django.utils import timezone

from salesmesh.demo.seed import DEMO_PASSWORD, STAFF

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_FILE = ROOT / "benchmarks" / "load" / "scenario.py"
LOCUSTFILE = ROOT / "benchmarks" / "load" / "locustfile.py"

pytestmark = pytest.mark.django_db


def _load_scenario() -> ModuleType:
    # benchmarks/load/ sits beside benchmarks/load.py, so it is loaded by its path (as
    # locust loads the locustfile), not imported as a package.
    spec = importlib.util.spec_from_file_location("load_scenario", SCENARIO_FILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


scenario = _load_scenario()


class ClientTransport:
    """The scenario's transport over Django's test client; remembers every request."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.names: list[str] = []
        self.failures: list[str] = []

    def request(
        self,
        method: str,
        url: str,
        *,
        name: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        expect: frozenset[int] | None = None,
        check: Any = None,
    ) -> Any:
        self.names.append(name)
        if method == "GET":
            response = self.client.get(url, headers=headers)
        else:
            response = self.client.post(url, data=data or {}, headers=headers)
        reply = scenario.Reply(
            status=response.status_code,
            text=response.content.decode(),
            location=response.get("Location", ""),
        )
        if not scenario.status_ok(reply.status, expect):
            self.failures.append(f"{name}: HTTP {reply.status} from {method} {url}")
            return None
        problem = check(reply) if check is not None else None
        if problem:
            self.failures.append(f"{name}: {problem} ({method} {url})")
            return None
        return reply


@pytest.fixture(scope="module")
def demo_year(django_db_setup, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The demo company and its year of process data up to today, seeded once, rolled back."""
    from django.db import transaction

    from salesmesh.demo.process import seed_demo_process_data
    from salesmesh.demo.seed import seed_demo_company

    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo_company()
        seed_demo_process_data(until=timezone.localdate())
        yield
        transaction.set_rollback(True)


def browse_everything(persona: Any) -> ClientTransport:
    """Sign in as the persona, run every task on each thing it looks at, then every task."""
    transport = ClientTransport(Client(enforce_csrf_checks=True))
    browser = scenario.Browser(transport, persona, rng=random.Random(6), language="en")
    assert browser.login(), transport.failures
    for kind in persona.records:
        browser.record_list(kind)
        browser.record_page(kind)
        browser.record_search(kind)
        if kind in scenario.DETAIL_KINDS:
            browser.record_detail(kind)
    browser.alerts()
    for path in persona.dashboards:
        browser.dashboard(path)
    for kind in persona.api:
        browser.api_list(kind)
        if kind in scenario.API_KINDS:
            browser.api_detail(kind)
    browser.api_mesh("mesh")
    browser.api_mesh("forecast")
    # And each task as locust calls it, choosing for itself.
    for task in scenario.TASKS:
        scenario.run_task(browser, task)
    browser.logout()
    return transport


def test_the_personas_are_the_demo_logins() -> None:
    logins = {staff.login for staff in STAFF if staff.login}
    assert {persona.username for persona in scenario.PERSONAS} == logins
    assert scenario.DEMO_PASSWORD == DEMO_PASSWORD


def test_fifty_users_are_each_persona_by_its_share() -> None:
    roster = scenario.roster()
    assert len(roster) == 50
    for persona in scenario.PERSONAS:
        assert roster.count(persona) == persona.share
    # Interleaved: the first users already cover every persona.
    assert set(roster[: len(scenario.PERSONAS)]) == set(scenario.PERSONAS)


def test_every_task_is_a_method_of_the_browser() -> None:
    for task in scenario.TASKS:
        assert callable(getattr(scenario.Browser, task))


# Beyond its own lists: what a persona's pages must lead the scenario to.
REACHES = {
    # The whole company: every detail, every partial and interaction, the API's computations.
    "head": {
        *(f"detail: records/{kind}" for kind in ("accounts", "opportunities", "projects")),
        "detail: records/solution_requests",
        "list: records/accounts (page)",
        "list: records/accounts (search)",
        "dashboard: probability/funnel",
        "dashboard: probability/bottlenecks",
        "dashboard: behaviour/calendar",
        "dashboard: project/knowledge",
        "dashboard: mesh/person",
        "dashboard: api/mesh",
        "dashboard: api/forecast",
        "detail: api/accounts",
        "detail: api/opportunities",
        "detail: api/leads",
    },
    # A rep: their own deals and their own tree, forecast and mesh.
    "rep": {
        "detail: records/accounts",
        "detail: records/opportunities",
        "dashboard: probability/funnel",
        "dashboard: api/mesh",
        "dashboard: api/forecast",
    },
    "pmo": {"detail: records/projects", "dashboard: project/knowledge", "detail: api/projects"},
    "presales": {"detail: records/solution_requests"},
}


@pytest.mark.parametrize("persona", scenario.PERSONAS, ids=lambda p: p.username)
def test_every_task_of_each_persona_succeeds(demo_year: None, persona: Any) -> None:
    transport = browse_everything(persona)

    assert transport.failures == []
    names = set(transport.names)
    assert {"auth: sign-in page", "auth: sign in", "page: home", "auth: sign out"} <= names
    assert {f"list: records/{kind}" for kind in persona.records} <= names
    assert {scenario.dashboard_name(f"/dashboards/{path}") for path in persona.dashboards} <= names
    assert {f"list: api/{scenario.API_KINDS.get(k, k)}" for k in persona.api} <= names
    assert REACHES.get(persona.username, set()) <= names
    # Every name belongs to a group the report knows.
    groups = {name.split(":", 1)[0] for name in names}
    assert groups <= {"list", "detail", "dashboard", "auth", "page"}


def test_a_managers_opportunity_page_offers_only_that_deal_to_log_an_activity_on(
    demo_year: None, client: Client
) -> None:
    """The page the load test found slowest (600 KB of choices): now the deal and its account."""
    from salesmesh.org.models import User
    from salesmesh.pipeline.models import Opportunity

    client.force_login(User.objects.get(username="manager"))
    deal = Opportunity.objects.filter(line__code="smb").order_by("pk").first()
    assert deal is not None
    response = client.get(f"/records/opportunities/{deal.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    for name, expected in (("account", deal.account_id), ("opportunity", deal.pk)):
        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.DOTALL)
        assert select is not None
        offered = set(re.findall(r'<option value="(\d+)"', select.group(1)))
        assert offered == {str(expected)}
    assert len(response.content) < 100_000


def test_a_refused_sign_in_is_a_failure(demo_year: None) -> None:
    transport = ClientTransport(Client(enforce_csrf_checks=True))
    impostor = scenario.Persona("head", (), (), (), 1)
    browser = scenario.Browser(transport, impostor, rng=random.Random(1), language="en")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scenario, "DEMO_PASSWORD", "not-the-password")
        assert browser.login() is False
    assert browser.signed_in is False
    assert transport.failures == ["auth: sign in: HTTP 200 from POST /accounts/login/"]


def test_the_report_applies_each_groups_budget() -> None:
    fast = [["list: records/accounts", 10.0 + i, True, 1000.0 + i] for i in range(100)]
    slow_dashboard = [["dashboard: mesh", 900.0, True, 1000.0]] * 10
    failed_detail = [
        ["detail: records/accounts", 5.0, True, 1000.0],
        ["detail: records/accounts", 5.0, False, 1000.0],
    ]
    groups, names = summarise([*fast, *slow_dashboard, *failed_detail])

    by_label = {row.label: row for row in groups}
    assert by_label["list"].requests == 100
    assert by_label["list"].p95 == pytest.approx(104.05)
    assert by_label["list"].budget == BUDGETS["list"]
    assert by_label["list"].verdict == "yes"
    assert by_label["dashboard"].verdict == "NO"  # p95 900 ms ≥ 800
    assert by_label["detail"].failures == 1
    assert by_label["detail"].verdict == "NO"  # fast, but a request failed
    assert names[0].label == "dashboard: mesh"  # slowest first


def test_the_steady_state_starts_when_the_last_user_has_signed_in() -> None:
    samples = [
        ["auth: sign in", 500.0, True, 100.0],
        ["list: records/accounts", 50.0, True, 100.2],  # while others still sign in
        ["auth: sign in", 2000.0, True, 101.0],  # the last one ends at 103.0
        ["list: records/accounts", 40.0, True, 103.5],
        ["auth: sign out", 30.0, True, 160.0],
    ]
    steady, ramp_up = after_sign_in(samples)

    assert ramp_up == pytest.approx(3.0)
    assert [sample[3] for sample in steady] == [103.5, 160.0]


def test_the_timeline_gives_each_windows_p95_per_budgeted_group() -> None:
    samples = [
        ["list: records/accounts", 900.0, True, 100.0],  # the ramp-up window
        ["auth: sign in", 4000.0, True, 100.5],  # no budget: not in the timeline
        ["list: records/accounts", 20.0, True, 111.0],
        ["dashboard: mesh", 300.0, True, 112.0],
    ]
    assert timeline(samples, 10) == [
        (0.0, {"list": 900.0}),
        (10.0, {"list": 20.0, "dashboard": 300.0}),
    ]


def test_the_locustfile_loads() -> None:
    result = subprocess.run(  # noqa: S603 - the project's own locust
        [str(Path(sys.executable).parent / "locust"), "-f", str(LOCUSTFILE), "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "DemoPerson" in result.stdout
