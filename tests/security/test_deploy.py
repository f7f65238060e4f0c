"""`salesmesh check --deploy` is clean with the production settings; DEBUG is off there."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

SALESMESH = Path(sys.executable).with_name("salesmesh")
# The test process's own settings must not leak into the production run.
INHERITED = frozenset(
    {"DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
)


def production_env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in INHERITED}
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "salesmesh.config.settings.prod",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "salesmesh.example.com",
            "SALESMESH_DATA_DIR": str(tmp_path),
        }
    )
    return clean


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script / interpreter, fixed arguments
        args,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_check_deploy_reports_nothing_with_the_production_settings(tmp_path: Path) -> None:
    result = run([str(SALESMESH), "check", "--deploy", "--fail-level", "WARNING"], tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_has_debug_off_and_the_content_security_policy(tmp_path: Path) -> None:
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_AGE, "
        "'django.middleware.csp.ContentSecurityPolicyMiddleware' in s.MIDDLEWARE, "
        "s.PASSWORD_HASHERS[0].rsplit('.', 1)[1])"
    )
    result = run([sys.executable, "-c", probe], tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "1800", "True", "Argon2PasswordHasher"]
