"""Settings come from the environment; misconfiguration is one clear line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.db.utils import ConnectionHandler

from salesmesh.config import env
from salesmesh.config.env import ConfigError

SALESMESH = Path(sys.executable).with_name("salesmesh")
# Variables of the test process that must not leak into the command under test.
INHERITED_SETTINGS = frozenset(
    {"DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
)


def run_cli(*args: str, tmp_path: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    """Run the installed `salesmesh` console script as a user would."""
    clean = {k: v for k, v in os.environ.items() if k not in INHERITED_SETTINGS}
    clean.update({"SALESMESH_DATA_DIR": str(tmp_path), **environ})
    return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(SALESMESH), *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://root@127.0.0.1/test", "scheme mysql:// is not supported"),
        ("not a url", "scheme (none) is not supported"),
        ("postgres://u@h:notaport/db", "not a valid URL"),
        ("postgres://u@127.0.0.1:5432", "names no database"),
    ],
)
def test_bad_database_url_is_one_line(tmp_path, url, fragment):
    result = run_cli("migrate", tmp_path=tmp_path, DATABASE_URL=url)
    assert_one_clear_line(result, "configuration error", "DATABASE_URL", fragment)


def test_unreachable_database_is_one_line(tmp_path):
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    result = run_cli(
        "migrate", tmp_path=tmp_path, DATABASE_URL="postgres://nobody@127.0.0.1:1/salesmesh"
    )
    assert_one_clear_line(result, "cannot connect", "127.0.0.1:1", "DATABASE_URL")


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = run_cli(
        "check", tmp_path=tmp_path, DJANGO_SETTINGS_MODULE="salesmesh.config.settings.prod"
    )
    assert_one_clear_line(result, "configuration error", "SECRET_KEY must be set")


def test_bad_boolean_is_one_line(tmp_path):
    result = run_cli("check", tmp_path=tmp_path, DEBUG="maybe")
    assert_one_clear_line(result, "DEBUG='maybe' is not a boolean")


def test_cli_runs_management_commands_with_hyphenated_names(tmp_path):
    result = run_cli("seed-demo", "--help", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--if-empty" in result.stdout


def test_dev_secret_is_generated_once_and_private(tmp_path):
    first = env.dev_secret_key(tmp_path)
    second = env.dev_secret_key(tmp_path)
    assert first == second
    assert len(first) >= 50
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("Off", False), ("", False)]
)
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env.env_bool("SOME_FLAG", default=not expected) is expected


def test_env_list(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " a.example, b.example ,,")
    assert env.env_list("ALLOWED_HOSTS", default=[]) == ["a.example", "b.example"]


def test_postgres_url_is_parsed_with_health_checks(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://sales@db.internal:5433/salesmesh")
    config = env.database(Path("unused.sqlite3"))
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "salesmesh")
    assert config["CONN_HEALTH_CHECKS"] is True


def test_sqlite_default_lives_in_the_data_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = env.database(tmp_path / "salesmesh.sqlite3")
    assert config["NAME"] == str(tmp_path / "salesmesh.sqlite3")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_unwritable_data_dir_is_a_config_error(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("SALESMESH_DATA_DIR", str(blocker / "sub"))
    with pytest.raises(ConfigError, match="cannot be created"):
        env.data_dir()


def test_embedded_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path, django_db_blocker):
    # A connection of its own, so this holds whichever database the suite runs on.
    handler = ConnectionHandler({"default": env.sqlite_database(tmp_path / "probe.sqlite3")})
    connection = handler["default"]
    try:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] == env.SQLITE_BUSY_TIMEOUT_S * 1000
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
    finally:
        connection.close()


def test_bad_advisor_thresholds_are_one_line(tmp_path):
    result = run_cli(
        "check",
        tmp_path=tmp_path,
        SALESMESH_ADVISOR_THRESHOLDS='{"close_call_margin": "lots"}',
    )
    assert_one_clear_line(result, "SALESMESH_ADVISOR_THRESHOLDS.close_call_margin")


def test_advisor_thresholds_json_must_be_an_object(tmp_path):
    result = run_cli("check", tmp_path=tmp_path, SALESMESH_ADVISOR_THRESHOLDS="[1, 2]")
    assert_one_clear_line(result, "must be a JSON object")


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///relative.sqlite3"])
def test_sqlite_url_needs_an_absolute_path(tmp_path, url):
    result = run_cli("migrate", tmp_path=tmp_path, DATABASE_URL=url)
    assert_one_clear_line(result, "needs an absolute file path")


def test_a_damaged_dev_secret_is_one_clear_line(tmp_path):
    (tmp_path / "secret_key").write_text("")
    result = run_cli("check", tmp_path=tmp_path)
    assert_one_clear_line(result, "holds no usable secret key")


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = run_cli(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        DJANGO_SETTINGS_MODULE="salesmesh.config.settings.prod",
        SECRET_KEY="a-production-secret-" + "x" * 40,
        ALLOWED_HOSTS="sales.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
