"""`salesmesh rollups --verify | --rebuild`: check the activity rollups, or repair them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from salesmesh.activities.rollup_audit import rollups_rebuild, rollups_verify


class Command(BaseCommand):
    help = "Compare the activity rollups with a recount of raw activities, or rebuild them."

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument(
            "--verify",
            action="store_true",
            help="Print every difference from a recount; exit 1 if there is any.",
        )
        action.add_argument(
            "--rebuild", action="store_true", help="Recompute both rollup tables from raw rows."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            report = rollups_rebuild()
            self.stdout.write(
                self.style.SUCCESS(
                    _("Rollups rebuilt: %(daily)s daily rows, %(weekly)s weekly rows.")
                    % {"daily": report.daily_rows, "weekly": report.weekly_rows}
                )
            )
            return
        differences = rollups_verify()
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(
                _("%(count)s rollup rows differ from the recount; `--rebuild` repairs them.")
                % {"count": len(differences)},
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(_("Rollups match the raw activities.")))
