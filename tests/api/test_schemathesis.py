"""schemathesis over the whole OpenAPI schema, for each role: no 5xx, every answer as declared.

For each role of the crafted company (tests/api/schema_world.py) the test calls every
operation of the served schema — reads and writes alike, and whatever operations land later —
with the role's personal API token, through Django's WSGI handler (as a server would, so an
exception is a 500 response, not a test error). Each operation gets a fixed number of
generated calls that are valid by the schema; one role (the administrator) also gets calls
that are not (wrong types, missing or unknown fields, values out of range), which are
refused before any record is read, the same for everyone. In every call, path ids, filters
and body references are now and then swapped for the world's real ids — of records the role
may see and of records it may not — or for odd values of the same type (numbers past 64
bits, days in year 1 or 9999, offsets PostgreSQL cannot store, empty or NUL text), so the
200, 404 and 422 bodies are all checked. The checks on every answer:

- ``not_a_server_error``: no 5xx, whatever the input;
- ``status_code_conformance``: the status is one the operation declares;
- ``response_schema_conformance``: the body matches the declared schema of that status;
- ``content_type_conformance``: the body's media type is the declared one.

Generation has a fixed seed per role and operation (the same calls every run, different ones
for each role) and keeps no example database, so a CI run is repeatable. Every failing
operation is listed, not only the first. The tests after it pin what the run found, call
by call.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from ninja.openapi import schema as ninja_schema
from ninja.responses import NinjaJSONEncoder
from schemathesis import GenerationMode, checks

from salesmesh.api.api import api
from salesmesh.api.tokens import token_issue
from salesmesh.org.models import Membership, Role
from tests.accounts.factories import make_company, make_user
from tests.api.schema_world import ROLES, ApiWorld, build_api_world

pytestmark = pytest.mark.django_db

# Generated calls per operation and role: about 1 to 2 minutes for the file per database.
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 6}
NEGATIVE_ROLE = "admin"
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.response_schema_conformance,
    checks.content_type_conformance,
]

# Odd values of each kind a generated value may be swapped for.
ODD_INTS = [0, -1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**30]
ODD_DAYS = ["1900-01-01", "2999-12-31", "0001-01-01", "9999-12-31"]
ODD_MOMENTS = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2025-07-14T10:00:00-19:40",
    "2025-07-14T10:00:00+23:59",
]
ODD_TEXT = ["", " ", "\x00", "a\x00b", "'\"; --", "名" * 300, "\u202e\U0001f600"]
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T")


class SavepointApp:
    """Django's WSGI handler, each request in a savepoint of the test's transaction.

    Django closes the connection at the start and end of a request unless the test client
    made it; here the handler itself serves, so those signals are held off for the call. A
    request that fails in the database rolls back to its savepoint alone, so the calls after
    it still run (PostgreSQL refuses every statement of an aborted transaction).
    """

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            with transaction.atomic():
                response = self.handler(environ, start_response)
                try:
                    return [b"".join(response)]
                finally:
                    response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.fixture
def api_world() -> ApiWorld:
    return build_api_world()


@pytest.fixture(scope="module")
def api_schema() -> Any:
    """The schema /api/openapi.json serves (its view makes the same call); calls go in process."""
    served = json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder))
    schema = schemathesis.openapi.from_dict(served, config=schemathesis.Config())
    schema.app = SavepointApp()
    return schema


def operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        yield result.ok()


def odd_values(value: Any, *, in_path: bool) -> list[Any]:
    """Odd values of the same kind as ``value`` (a path keeps non-empty, slash-free text)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return ODD_INTS
    if not isinstance(value, str) or in_path:
        return []
    if MOMENT.match(value):
        return ODD_MOMENTS
    if DAY.fullmatch(value):
        return ODD_DAYS
    return ODD_TEXT


def _seed(
    draw: st.DrawFn, container: dict[str, Any], seeds: dict[str, list[Any]], *, in_path: bool
) -> None:
    """Swap generated values for a real one of the same type (half the time) or an odd one."""
    for name, value in list(container.items()):
        real = [v for v in seeds.get(name, ()) if type(v) is type(value)]
        odd = odd_values(value, in_path=in_path)
        choice = draw(st.sampled_from(["generated", "real", "real", "odd"]))
        if choice == "real" and real:
            container[name] = draw(st.sampled_from(real))
        elif choice == "odd" and odd:
            container[name] = draw(st.sampled_from(odd))


# (operation, mode) → its strategy: built once, drawn from for every role.
STRATEGIES: dict[tuple[str, GenerationMode], Any] = {}


def seeded_cases(operation: Any, mode: GenerationMode, seeds: dict[str, list[Any]]) -> Any:
    key = (operation.label, mode)
    if key not in STRATEGIES:
        STRATEGIES[key] = operation.as_strategy(generation_mode=mode)
    generated = STRATEGIES[key]

    @st.composite
    def cases(draw: st.DrawFn) -> Any:
        case = draw(generated)
        _seed(draw, case.path_parameters, seeds, in_path=True)
        _seed(draw, case.query, seeds, in_path=False)
        if isinstance(case.body, dict):
            _seed(draw, case.body, seeds, in_path=False)
        return case

    return cases()


def fuzz(
    operation: Any,
    mode: GenerationMode,
    role: str,
    world: ApiWorld,
    statuses: set[int],
) -> None:
    """Call the operation with ``EXAMPLES[mode]`` generated cases; raise on a failed check.

    The random seed is fixed by role, operation and mode: the same calls every run, other
    calls for each role.
    """
    token = world.tokens[role]

    @seed(zlib.crc32(f"{role} {operation.label} {mode.value}".encode()))
    @settings(
        max_examples=EXAMPLES[mode],
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=seeded_cases(operation, mode, world.seeds))
    def call(case: Any) -> None:
        response = case.call_and_validate(headers={"Authorization": token}, checks=CHECKS)
        statuses.add(response.status_code)

    call()


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_its_schema_says(role, api_world, api_schema):
    # Invalid input is refused before any record is read, the same for every caller: one
    # role is enough for the negative cases.
    modes = list(EXAMPLES) if role == NEGATIVE_ROLE else [GenerationMode.POSITIVE]
    failures = []
    answered: dict[str, set[int]] = {}
    for operation in operations(api_schema):
        statuses = answered.setdefault(operation.label, set())
        for mode in modes:
            try:
                fuzz(operation, mode, role, api_world, statuses)
            except (Exception, BaseExceptionGroup) as error:
                failures.append(f"{role} · {operation.label} · {mode.value}:\n{error}")
    assert not failures, "\n\n".join(failures)
    # The whole schema was walked, and the real ids reached records in and out of scope.
    assert {"GET /api/accounts/{account_id}", "POST /api/opportunities"} <= set(answered)
    seen = set().union(*answered.values())
    assert 200 in seen
    assert 404 in seen


# What the run found, pinned: each odd input is a 422 naming its field, not a server error.
ODD_CALLS = [
    ("get", "/api/accounts", {"owner": str(2**70)}, "owner"),
    ("get", "/api/accounts", {"page": str(2**60)}, "page"),
    ("get", "/api/accounts", {"q": "a\x00b"}, "q"),
    ("get", "/api/units", {"paradigm": "\x00"}, "paradigm"),
    ("get", "/api/activities", {"date_from": "0001-01-01"}, "date_from"),
    ("get", "/api/activities", {"date_to": "9999-12-31"}, "date_to"),
    ("get", "/api/opportunities", {"updated_since": "9999-12-31T23:59:59-14:00"}, "updated_since"),
    ("get", "/api/forecast/smb", {"as_of": "0001-01-01"}, "as_of"),
    ("get", "/api/forecast/smb/backtest", {"as_of": "9999-12-31"}, "as_of"),
    ("get", "/api/units/0", {}, "unit_id"),
    ("get", f"/api/accounts/{2**63}", {}, "account_id"),
    ("post", "/api/activities", {"type": "call", "occurred_at": "0001-01-01T00:00:00+14:00"},
     "occurred_at"),
    ("post", "/api/accounts", {"line": 2**70, "name": "甲"}, "line"),
    ("post", "/api/leads", {"line": 1, "source": "referral", "created_on": "9999-12-31"},
     "created_on"),
]  # fmt: skip


@pytest.fixture
def admin_token() -> str:
    admin = make_user("st_admin")
    Membership.objects.create(user=admin, unit=make_company(), role=Role.ADMIN)
    return "Bearer " + token_issue(owner=admin, name="odd calls").secret


@pytest.mark.parametrize(("method", "path", "data", "field"), ODD_CALLS)
def test_odd_input_is_a_422_naming_the_field(admin_token, method, path, data, field):
    client = Client(HTTP_AUTHORIZATION=admin_token, HTTP_ACCEPT_LANGUAGE="en")
    if method == "get":
        response = client.get(path, data)
    else:
        response = client.post(path, data, content_type="application/json")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert any(error["field"].split(".")[-1] == field for error in body["errors"]), body
    assert all(error["message"] for error in body["errors"])


def test_an_offset_postgresql_cannot_store_is_saved_as_the_same_moment(admin_token):
    client = Client(HTTP_AUTHORIZATION=admin_token)
    response = client.post(
        "/api/activities",
        {"type": "call", "occurred_at": "2025-07-14T10:00:00-19:40"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    saved = datetime.fromisoformat(response.json()["occurred_at"])
    assert saved == datetime(2025, 7, 15, 5, 40, tzinfo=UTC)


def test_a_body_that_is_not_json_is_a_400_in_the_error_body(admin_token):
    client = Client(HTTP_AUTHORIZATION=admin_token, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/api/accounts", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "malformed",
        "message": "The request body is not valid JSON.",
        "errors": [{"field": "body", "message": "The request body is not valid JSON."}],
    }
    chinese = Client(HTTP_AUTHORIZATION=admin_token, HTTP_ACCEPT_LANGUAGE="zh-hans")
    refused = chinese.post("/api/accounts", "{not json", content_type="application/json")
    assert refused.json()["code"] == "malformed"


def test_a_session_write_without_the_csrf_token_is_a_403_in_the_error_body():
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(make_user("st_browser"))
    response = browser.post(
        "/api/accounts", {"line": 1, "name": "甲"}, content_type="application/json"
    )
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "csrf_failed"
    assert "CSRF token" in body["message"]


def test_every_operation_declares_the_errors_the_handlers_give():
    schema = json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder))
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            expected = {"401"}
            if operation.get("parameters") or "requestBody" in operation:
                expected.add("422")
            if "{" in path:
                expected.add("404")
            if "requestBody" in operation:
                expected |= {"400", "403"}
            assert expected <= set(responses), (method, path, sorted(responses))
            for status in expected:
                declared = responses[status]["content"]["application/json"]["schema"]
                assert declared == error, (method, path, status)


def test_no_two_models_share_a_schema_name(monkeypatch):
    """ninja names a component by its class alone: a second PersonOut replaced the first."""
    clashes = []
    add = ninja_schema.OpenAPISchema.add_schema_definitions

    def checked(self: Any, definitions: dict[str, Any]) -> None:
        clashes.extend(name for name, d in definitions.items() if self.schemas.get(name, d) != d)
        add(self, definitions)

    monkeypatch.setattr(ninja_schema.OpenAPISchema, "add_schema_definitions", checked)
    api.get_openapi_schema()
    assert clashes == []
