"""`salesmesh seed-demo`: create the demo company (idempotent) and a year of its process data."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from salesmesh.demo.process import seed_demo_process_data
from salesmesh.demo.seed import DEMO_PASSWORD, seed_demo_company
from salesmesh.ops.statistics import refresh_planner_statistics


class Command(BaseCommand):
    help = (
        "Seed the deterministic demo company and a year of its process data up to today; "
        "running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already holds an organisation.",
        )
        parser.add_argument(
            "--no-process-data",
            action="store_true",
            help=_(
                "Seed the company and its plans only: no accounts, leads, deals, activities "
                "or projects."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = seed_demo_company(only_if_empty=options["if_empty"])
        if report.skipped:
            self.stdout.write("Database already has an organisation; demo data left as it is.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo company ready: {report.created} rows created, {report.updated} updated."
                )
            )
            # Only on top of the demo company: a database holding another
            # organisation has none of the demo's business lines and plans.
            if not options["no_process_data"]:
                self._seed_process_data()
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for login in report.logins:
            self.stdout.write(
                f"  {login.username:<10} {login.role:<10} {login.name_zh} / {login.name_en}"
                f"  ({login.unit})"
            )

    def _seed_process_data(self) -> None:
        # Up to today, so the demo's dashboards have data for the current week.
        until = timezone.localdate()
        process = seed_demo_process_data(until=until)
        if process.skipped:
            self.stdout.write(_("The database already has accounts; process data left as it is."))
            return
        # A year of records written at once: the planner needs to know they are there.
        refresh_planner_statistics()
        self.stdout.write(
            self.style.SUCCESS(
                _("Process data for the year up to %(until)s:") % {"until": until.isoformat()}
            )
        )
        for model, count in process.counts.items():
            self.stdout.write(f"  {capfirst(model._meta.verbose_name_plural)}: {count}")
