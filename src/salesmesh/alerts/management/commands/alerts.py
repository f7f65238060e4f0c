"""`salesmesh alerts [--date D] [--quiet]`: evaluate every alert rule and print a summary."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils.translation import gettext as _

from salesmesh.alerts.models import Alert, AlertKind
from salesmesh.alerts.services import evaluate_alerts


def parse_day(value: str) -> date:
    """A ``YYYY-MM-DD`` option, or a one-line error."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = "Evaluate the alert rules: fire new alerts, refresh open ones, clear the rest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help="Evaluate as of the end of this day (YYYY-MM-DD) instead of now.",
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_day(options["date"]) if options["date"] else None
        report = evaluate_alerts(as_of=as_of)
        if options["quiet"]:
            return
        self.stdout.write(
            _("Alerts: %(fired)s fired, %(cleared)s cleared, %(open)s still open.")
            % {"fired": report.fired, "cleared": report.cleared, "open": report.still_open}
        )
        counts = dict(
            Alert.objects.filter(cleared_at__isnull=True)
            .order_by()
            .values("kind")
            .annotate(count=Count("pk"))
            .values_list("kind", "count")
        )
        for kind, label in AlertKind.choices:
            self.stdout.write(f"  {label}: {counts.get(kind, 0)}")
