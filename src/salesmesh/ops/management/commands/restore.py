"""`salesmesh restore PATH [--yes]`: put a checked backup in place of the SQLite database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from salesmesh.ops.commands import EXIT_SETUP, live_sqlite_path
from salesmesh.ops.sqlite import Refused, applied_migrations, replace_database, unknown_migrations

# How many of a newer file's unknown migrations the refusal names.
SHOWN_MIGRATIONS = 5


class Command(BaseCommand):
    help = (
        "Replace the SQLite database with a backup: check the file, keep the current "
        "database as .bak, then migrate. Stop the web server and the worker first. "
        "PostgreSQL: use pg_restore (docs/operations.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The backup file to restore.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["path"]).expanduser().resolve()
        try:
            check_backup(source)
            live = live_sqlite_path(command="restore", postgres_tool="pg_restore")
            if source == live:
                raise Refused(
                    _("%(path)s is the live database itself.") % {"path": source},
                    exit_code=EXIT_SETUP,
                )
            if not options["yes"] and not self.confirmed(source, live):
                self.stdout.write(_("Nothing was changed."))
                return
            # Django's own connection to the old file must not outlive it.
            connections.close_all()
            kept = replace_database(source, live)
        except Refused as exc:
            raise CommandError(str(exc), returncode=exc.exit_code) from None
        # Cached results (forecasts, progress) describe the replaced data.
        for cache in caches.all():
            cache.clear()
        call_command(
            "migrate", interactive=False, verbosity=options["verbosity"], stdout=self.stdout
        )
        self.stdout.write(
            _("Restored %(source)s into %(live)s.") % {"source": source, "live": live}
        )
        if kept is not None:
            self.stdout.write(_("The previous database is kept at %(path)s.") % {"path": kept})

    def confirmed(self, source: Path, live: Path) -> bool:
        """Ask before replacing; anything but "yes" (or no terminal at all) is a no."""
        question = _(
            "This replaces the database at %(live)s with %(source)s. Type yes to continue: "
        ) % {"live": live, "source": source}
        try:
            return input(question).strip().lower() == "yes"
        except EOFError:
            return False


def check_backup(source: Path) -> None:
    """Refuse a damaged file, one that is not a salesmesh database, or one newer than the code."""
    applied = applied_migrations(source)
    loader = MigrationLoader(None, ignore_no_migrations=True)
    newer = unknown_migrations(
        applied, known=set(loader.disk_migrations), apps=set(loader.migrated_apps)
    )
    if newer:
        names = ", ".join(newer[:SHOWN_MIGRATIONS]) + (
            " …" if len(newer) > SHOWN_MIGRATIONS else ""
        )
        raise Refused(
            _(
                "%(path)s comes from a newer salesmesh (migrations this version does not "
                "have: %(names)s); upgrade salesmesh before restoring it."
            )
            % {"path": source, "names": names}
        )
