"""Request ids and structured logs: the header, every record of a request, the JSON lines."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
from collections.abc import Iterator
from datetime import datetime
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import OperationalError

from salesmesh.ops.logs import JsonFormatter, RequestContextFilter, TextFormatter, logging_config
from tests.accounts.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.ops.urls")]

HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The production logging config, its console handler writing into a buffer."""
    logging.config.dictConfig(logging_config(json_lines=True))
    stream = io.StringIO()
    (console,) = (h for h in logging.getLogger().handlers if h.get_name() == "console")
    console.setStream(stream)
    yield stream
    logging.config.dictConfig(settings.LOGGING)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_request_gets_a_fresh_id_on_the_response(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert HEX32.fullmatch(first)
    assert HEX32.fullmatch(second)
    assert first != second


@pytest.mark.parametrize("offered", ["abc-123", "A" * 64, "0"])
def test_a_sane_offered_id_is_kept(client, offered):
    assert client.get("/healthz", headers={"X-Request-ID": offered})["X-Request-ID"] == offered


@pytest.mark.parametrize(
    "offered", ["", "A" * 65, "abc def", "abc\r\nX-Evil: 1", "a_b", "ünï", "a;drop"]
)
def test_an_insane_offered_id_is_replaced(client, offered):
    assert HEX32.fullmatch(
        client.get("/healthz", headers={"X-Request-ID": offered})["X-Request-ID"]
    )


def test_every_record_of_the_request_carries_its_id(client, caplog):
    user = make_user("inside")
    client.force_login(user)
    caplog.handler.addFilter(RequestContextFilter())
    caplog.set_level(logging.INFO)
    response = client.get("/logs-inside/", headers={"X-Request-ID": "req-1"})
    assert response.status_code == 200
    ours = [r for r in caplog.records if r.name in {"tests.ops", "salesmesh.access"}]
    assert [(r.name, r.getMessage().split(" ")[0]) for r in ours] == [
        ("tests.ops", "inside"),
        ("salesmesh.access", "GET"),
    ]
    assert {(r.request_id, r.method, r.path, r.user_id) for r in ours} == {
        ("req-1", "GET", "/logs-inside/", user.pk)
    }
    # Outside a request the context is empty again.
    logging.getLogger("tests.ops").warning("after")
    assert caplog.records[-1].request_id is None


def test_one_json_access_line_per_request(client, json_log):
    user = make_user("logger")
    client.force_login(user)
    response = client.get("/", headers={"X-Request-ID": "page-7"})
    access = [line for line in lines(json_log) if line["logger"] == "salesmesh.access"]
    assert len(access) == 1
    (line,) = access
    assert set(line) == {
        "time", "level", "logger", "message", "request_id", "method", "path", "status",
        "duration_ms", "user_id",
    }  # fmt: skip
    assert line["request_id"] == "page-7"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", response.status_code)
    assert line["user_id"] == user.pk
    assert line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert str(line["time"]).endswith("Z")
    assert datetime.fromisoformat(str(line["time"])).utcoffset().total_seconds() == 0


def test_an_anonymous_request_has_no_user_and_the_log_loads_none(client, json_log):
    with mock.patch.object(connection, "ensure_connection", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    (access,) = (line for line in lines(json_log) if line["logger"] == "salesmesh.access")
    assert access["status"] == 503
    assert "user_id" not in access
    # Django's own "Service Unavailable" line comes after our middleware finished, same id.
    (django_line,) = (line for line in lines(json_log) if line["logger"] == "django.request")
    assert django_line["request_id"] == access["request_id"] == response["X-Request-ID"]


def test_a_crash_is_logged_with_the_id_and_the_traceback(client, json_log):
    client.force_login(make_user("crash"))
    client.raise_request_exception = False
    response = client.get("/fails/", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert response["X-Request-ID"] == "boom-1"
    records = lines(json_log)
    (error,) = (line for line in records if line["logger"] == "django.request")
    assert error["request_id"] == "boom-1"
    assert "RuntimeError: the view broke" in str(error["exception"])
    (access,) = (line for line in records if line["logger"] == "salesmesh.access")
    assert access["status"] == 500


def test_no_password_session_id_or_query_string_reaches_the_log(client, json_log):
    user = make_user("careful")
    user.set_password("hunter2-very-secret")
    user.save()
    client.post("/accounts/login/", {"username": "careful", "password": "hunter2-very-secret"})
    session_id = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.get("/healthz?token=tok-abcdef123456")
    text = json_log.getvalue()
    assert "hunter2" not in text
    assert session_id not in text
    assert "tok-abcdef123456" not in text
    assert {line["path"] for line in lines(json_log) if line["logger"] == "salesmesh.access"} == {
        "/accounts/login/",
        "/healthz",
    }


def test_json_lines_are_single_lines_with_only_known_fields():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "two\nlines 中文", (), None)
    record.password = "nope"  # an extra field is never written
    RequestContextFilter().filter(record)
    out = JsonFormatter().format(record)
    assert "\n" not in out
    assert json.loads(out)["message"] == "two\nlines 中文"
    assert set(json.loads(out)) == {"time", "level", "logger", "message"}
    assert "nope" not in out


def test_the_text_line_shows_the_id_or_a_dash():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    assert TextFormatter().format(record).endswith(" INFO x [-] hello")
    record.request_id = "r-9"
    assert TextFormatter().format(record).endswith(" INFO x [r-9] hello")


def test_settings_choose_json_in_production_and_text_elsewhere():
    assert logging_config(json_lines=False) == settings.LOGGING
    assert logging_config(json_lines=True)["handlers"]["console"]["formatter"] == "json"
    assert settings.MIDDLEWARE[0] == "salesmesh.ops.middleware.RequestIdMiddleware"
