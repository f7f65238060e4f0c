"""What the backup and restore commands share: finding the live SQLite file, refusing others."""

from __future__ import annotations

from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

from salesmesh.ops.sqlite import Refused

# Exit code of a refusal that is about the setup (wrong database, in use), not a file.
EXIT_SETUP = 2


def live_sqlite_path(*, command: str, postgres_tool: str) -> Path:
    """The file of the configured SQLite database; refuses PostgreSQL, naming its own tool."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite":
        raise Refused(
            _(
                "salesmesh %(command)s works on the SQLite database only; this database is "
                "%(vendor)s: use %(tool)s instead (docs/operations.md)."
            )
            % {"command": command, "vendor": connection.vendor, "tool": postgres_tool},
            exit_code=EXIT_SETUP,
        )
    if connection.is_in_memory_db():  # type: ignore[attr-defined]
        raise Refused(
            _("The database is in memory; there is no file to %(command)s.") % {"command": command},
            exit_code=EXIT_SETUP,
        )
    return Path(connection.settings_dict["NAME"]).resolve()
