"""The ``salesmesh`` command: Django's management commands with our settings preset.

``salesmesh migrate``, ``salesmesh runserver``, ``salesmesh seed-demo`` ...
Hyphenated names map to the underscore command modules. Configuration and
database-connection problems end in one clear line on stderr, not a traceback.
"""

from __future__ import annotations

import os
import sys

DEFAULT_SETTINGS = "salesmesh.config.settings.dev"

# Commands that never need the database; everything else is checked for a
# reachable database first so the user sees why, not a stack trace.
OFFLINE_COMMANDS = frozenset(
    {
        "help",
        "version",
        "--help",
        "-h",
        "--version",
        "makemessages",
        "compilemessages",
        "collectstatic",
        "findstatic",
        "diffsettings",
        "startapp",
        "startproject",
    }
)

EXIT_CONFIG_ERROR = 2

# Commands that run without Django settings or a database.
STANDALONE_COMMANDS = frozenset({"plan"})


def main(argv: list[str] | None = None) -> int:
    """Run a management command; return the process exit code."""
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in STANDALONE_COMMANDS:
        # Plan files need neither Django nor a database: dispatch before setup.
        from salesmesh.planfile.cli import main as plan_main

        return plan_main(argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")

    from salesmesh.config.env import ConfigError

    try:
        import django
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - force the settings to load now
        django.setup()
        if len(argv) > 1 and argv[1] not in OFFLINE_COMMANDS:
            check_database()
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except ConfigError as exc:
        print(f"salesmesh: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    except DatabaseUnavailable as exc:
        print(f"salesmesh: {exc}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    return 0


class DatabaseUnavailable(Exception):
    """The configured database cannot be reached."""


def check_database() -> None:
    """Open one connection, translating a failure into a single readable line."""
    from django.db import connection
    from django.db.utils import OperationalError

    try:
        connection.ensure_connection()
    except OperationalError as exc:
        settings_dict = connection.settings_dict
        where = settings_dict.get("HOST") or settings_dict.get("NAME")
        port = settings_dict.get("PORT")
        target = f"{where}:{port}" if port else str(where)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            f"cannot connect to the {connection.vendor} database at {target}: {reason} "
            "(check DATABASE_URL and that the server is running)"
        ) from exc


if __name__ == "__main__":
    sys.exit(main())
