"""`salesmesh import KIND FILE [--mapping M] [--dry-run] [--as USER] [--create-missing]`.

Checks every row and writes all of them or none. Bad rows are printed as
``row N, column C, “value”: reason``, the command exits 1 and nothing is
written. A progress bar follows the file on a terminal.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from salesmesh.exchange.import_fields import SPECS
from salesmesh.exchange.importer import ImportOutcome, import_path
from salesmesh.exchange.mapping import MappingError, read_mapping_file
from salesmesh.org.models import User
from salesmesh.org.selectors import user_is_admin

# Errors printed in full; the count says how many there were in all.
SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of one kind of process data, all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(SPECS))
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--mapping", type=Path, help="YAML or JSON file: columns, values, date_order."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and report; write nothing."
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="Import with this user's rights (default: the first administrator).",
        )
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="Create accounts the file names that do not exist (in the row's line).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw a progress bar."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        mapping_data = None
        if options["mapping"] is not None:
            try:
                mapping_data = read_mapping_file(options["mapping"])
            except MappingError as error:
                raise CommandError(str(error)) from error
        user = self._user(options["username"])
        commit = not options["dry_run"]
        show_bar = not options["no_progress"] and sys.stderr.isatty()
        console = Console(stderr=True)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            TimeElapsedColumn(),
            console=console,
            disable=not show_bar,
            transient=True,
        ) as bar:
            task = bar.add_task(path.name, total=1.0, rows=0)

            def progress(fraction: float, rows: int) -> None:
                bar.update(task, completed=fraction, rows=rows)

            outcome = import_path(
                kind=options["kind"],
                path=path,
                filename=path.name,
                user=user,
                mapping_data=mapping_data,
                commit=commit,
                progress=progress,
                create_missing=options["create_missing"],
            )
        self._report(outcome, commit)

    def _user(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(_("No active user is called “%(name)s”.") % {"name": username})
            return user
        for candidate in User.objects.filter(is_active=True).order_by("-is_superuser", "pk"):
            if user_is_admin(user=candidate):
                return candidate
        raise CommandError(_("There is no administrator to import as; pass --as USERNAME."))

    def _report(self, outcome: ImportOutcome, commit: bool) -> None:
        if not outcome.ok:
            for error in outcome.errors.items[:SHOWN_ERRORS]:
                where = _("row %(row)s") % {"row": error.row}
                if error.column:
                    where += ", " + _("column %(column)s") % {"column": error.column}
                if error.value:
                    where += f", “{error.value}”"
                self.stderr.write(f"{where}: {error.message}")
            hidden = outcome.errors.count - min(len(outcome.errors.items), SHOWN_ERRORS)
            if hidden > 0:
                self.stderr.write(_("… and %(count)s more problems.") % {"count": hidden})
            raise CommandError(
                _("%(count)s problems in %(rows)s rows; nothing was written.")
                % {"count": outcome.errors.count, "rows": outcome.rows},
                returncode=1,
            )
        summary = _(
            "%(rows)s rows: %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
        ) % {
            "rows": outcome.rows,
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
        }
        if commit:
            self.stdout.write(self.style.SUCCESS(summary))
        else:
            self.stdout.write(
                _("Dry run, nothing written. A commit would give: %(summary)s")
                % {"summary": summary}
            )
