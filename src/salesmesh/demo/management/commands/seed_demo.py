"""`salesmesh seed-demo`: create the demo company (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from salesmesh.demo.seed import DEMO_PASSWORD, seed_demo_company


class Command(BaseCommand):
    help = "Seed the deterministic demo company; running it again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already holds an organisation.",
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
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for login in report.logins:
            self.stdout.write(
                f"  {login.username:<10} {login.role:<10} {login.name_zh} / {login.name_en}"
                f"  ({login.unit})"
            )
