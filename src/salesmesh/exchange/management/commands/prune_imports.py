"""`salesmesh prune-imports [--days N] [--stuck-hours H]`: tidy the import area.

Uploads wait on disk between the check and the import; an upload never
imported is removed after ``--days`` (default 7) and its run marked failed.
A run still "checking" or "importing" after ``--stuck-hours`` (default 2)
lost its worker (a restart, a crash) and is marked failed so its page stops
waiting. Safe to run from cron at any time.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from salesmesh.exchange.models import ImportRun, ImportStatus

WAITING = (ImportStatus.VALID, ImportStatus.INVALID, ImportStatus.QUEUED, ImportStatus.FAILED)
RUNNING = (ImportStatus.VALIDATING, ImportStatus.IMPORTING)


class Command(BaseCommand):
    help = "Remove uploads never imported and mark runs whose worker died as failed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7)
        parser.add_argument("--stuck-hours", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        stale = ImportRun.objects.filter(
            status__in=WAITING, created_at__lt=now - timedelta(days=options["days"])
        ).exclude(stored_path="")
        removed = 0
        for run in stale.iterator():
            Path(run.stored_path).unlink(missing_ok=True)
            run.stored_path = ""
            if run.status != ImportStatus.INVALID:
                run.status = ImportStatus.FAILED
            run.save(update_fields=["stored_path", "status"])
            removed += 1
        stuck = ImportRun.objects.filter(
            status__in=RUNNING, created_at__lt=now - timedelta(hours=options["stuck_hours"])
        ).update(status=ImportStatus.FAILED, progress=0)
        self.stdout.write(
            _("%(removed)s old uploads removed, %(stuck)s stuck runs marked failed.")
            % {"removed": removed, "stuck": stuck}
        )
