"""`salesmesh backup [--out PATH]`: an online, integrity-checked copy of the SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from salesmesh.ops.commands import live_sqlite_path
from salesmesh.ops.sqlite import Refused, online_copy


def default_name() -> str:
    """``salesmesh-20260601T020000Z.sqlite3``: sorts by time, unique per second."""
    return f"salesmesh-{datetime.now(tz=UTC):%Y%m%dT%H%M%SZ}.sqlite3"


class Command(BaseCommand):
    help = (
        "Copy the SQLite database while the app runs (online backup API), check the copy "
        "and keep it. PostgreSQL: use pg_dump (docs/operations.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out",
            help="The backup file, or a directory for a time-stamped one "
            "(default: backups/ in the data directory).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            live = live_sqlite_path(command="backup", postgres_tool="pg_dump")
            out = Path(options["out"] or settings.DATA_DIR / "backups").expanduser()
            if out.is_dir() or not options["out"]:
                out = out / default_name()
            out.parent.mkdir(parents=True, exist_ok=True)
            size = online_copy(live, out.resolve())
        except Refused as exc:
            raise CommandError(str(exc), returncode=exc.exit_code) from None
        self.stdout.write(
            _("Backup written: %(path)s (%(size)s, %(bytes)s bytes)")
            % {"path": out.resolve(), "size": filesizeformat(size), "bytes": size}
        )
