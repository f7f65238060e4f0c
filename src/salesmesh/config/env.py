"""Read configuration from the environment, failing with one clear line.

Settings modules call these helpers instead of touching ``os.environ``
directly, so that every misconfiguration surfaces as a ``ConfigError`` whose
message the ``salesmesh`` command prints without a traceback.
"""

from __future__ import annotations

import json
import os
import secrets
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import dj_database_url

from salesmesh.core.advisor import AdvisorError
from salesmesh.core.advisor_config import thresholds_from_mapping


class ConfigError(Exception):
    """A setting read from the environment is missing or invalid."""


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})

# How long a SQLite writer waits for the lock before giving up, in seconds.
# Long enough for a bulk import's commit to finish; short enough that a stuck
# writer is reported rather than hanging a web request forever.
SQLITE_BUSY_TIMEOUT_S = 20

SUPPORTED_SCHEMES = frozenset({"postgres", "postgresql", "pgsql", "sqlite"})


def env_bool(name: str, *, default: bool) -> bool:
    """Read a boolean such as DEBUG=1 / DEBUG=false."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off")


def env_int(name: str, *, default: int, minimum: int = 1) -> int:
    """Read a whole number such as SALESMESH_IMPORT_MAX_ROWS=500000 (``_`` allowed)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_decimal(name: str, *, default: str) -> Decimal:
    """Read a non-negative decimal such as SALESMESH_HEALTH_AMBER_BELOW=0.85."""
    raw = os.environ.get(name, default)
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise ConfigError(f"{name}={raw!r} must be a finite number of at least 0")
    return value


def env_list(name: str, *, default: list[str]) -> list[str]:
    """Read a comma-separated list such as ALLOWED_HOSTS=a.example,b.example."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """The directory holding the SQLite database, the dev secret and uploads."""
    raw = os.environ.get("SALESMESH_DATA_DIR")
    if raw:
        path = Path(raw).expanduser()
    else:
        xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(xdg) / "salesmesh"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"SALESMESH_DATA_DIR {path} cannot be created: {exc.strerror}") from exc
    return path.resolve()


def database(default_sqlite_path: Path) -> dict[str, Any]:
    """DATABASES['default'] from DATABASE_URL, or the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return sqlite_database(default_sqlite_path)
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in SUPPORTED_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL scheme {scheme + '://' if scheme else '(none)'} is not supported; "
            "use postgres://user@host:5432/dbname or sqlite:////absolute/path.sqlite3"
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except Exception as exc:  # the library raises several unrelated types
        raise ConfigError(
            "DATABASE_URL is not a valid URL (special characters in the password must be "
            "%-encoded); expected e.g. postgres://user@127.0.0.1:5432/salesmesh"
        ) from exc
    if scheme == "sqlite":
        name = config.get("NAME") or ""
        if not name or name == ":memory:" or not Path(name).is_absolute():
            raise ConfigError(
                "DATABASE_URL for SQLite needs an absolute file path, e.g. "
                "sqlite:////var/lib/salesmesh/salesmesh.sqlite3 (four slashes)"
            )
        return sqlite_database(Path(name))
    if not config.get("NAME"):
        raise ConfigError(
            "DATABASE_URL names no database; add it after the host, e.g. .../salesmesh"
        )
    config["CONN_HEALTH_CHECKS"] = True
    return config


def sqlite_database(path: Path) -> dict[str, Any]:
    """SQLite tuned for a small multi-user web app: WAL, busy timeout, IMMEDIATE writes."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # IMMEDIATE takes the write lock when a transaction starts, so two
            # writers queue on the busy timeout instead of one failing with
            # "database is locked" when it upgrades a read lock.
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_S,
            # WAL lets readers proceed while one writer commits; NORMAL sync is
            # durable across application crashes, which is what WAL needs.
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
            ),
        },
    }


# Shorter than this is not a secret worth signing sessions with.
MIN_SECRET_LENGTH = 32


def dev_secret_key(directory: Path) -> str:
    """A secret generated once per data directory and kept there (0600)."""
    path = directory / "secret_key"
    if not path.exists():
        # Written to a temporary file and renamed: a reader never sees it half-written.
        tmp = directory / f".secret_key.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(50))
        # link() fails if another process won the race; then its key is the key.
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    try:
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path} cannot be read as a secret key ({exc}); delete it to get a new one"
        ) from exc
    if len(key) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{path} holds no usable secret key; delete it to get a new one")
    return key


def advisor_thresholds(name: str) -> dict[str, Any]:
    """Paradigm-advisor overrides as JSON (see core.advisor_config), checked now."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name} is not valid JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f'{name} must be a JSON object such as {{"close_call_margin": 8}}')
    try:
        thresholds_from_mapping(data, path=name)
    except AdvisorError as exc:
        raise ConfigError("; ".join(f"{p}: {m}" for p, m in exc.problems)) from exc
    return data


def required(name: str, *, why: str) -> str:
    """A variable that must be set, e.g. SECRET_KEY in production."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} must be set: {why}")
    return value
