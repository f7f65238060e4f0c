"""`salesmesh digest [--date D] [--mail] [--user USERNAME] [--lang LANG]`: the daily digest.

Each manager (a unit's manager, or a manager-role membership) gets the alerts in their
scope that are open at the end of the day, grouped by kind: printed, or with ``--mail``
sent as one e-mail each through Django's ``send_mail`` (the ``EMAIL_*`` settings). People
carry no language of their own, so the digest is in ``--lang`` (default ``LANGUAGE_CODE``).
For today the alerts are evaluated first; a past day's digest is read from the history.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salesmesh.alerts.digest import digest_subject, digest_text
from salesmesh.alerts.management.commands.alerts import parse_day
from salesmesh.alerts.selectors import digest_for, managers
from salesmesh.alerts.services import evaluate_alerts
from salesmesh.org.models import User

SEPARATOR = "-" * 72


class Command(BaseCommand):
    help = "Print or e-mail each manager's daily digest of open alerts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The digest's day (YYYY-MM-DD); default today.")
        parser.add_argument(
            "--mail", action="store_true", help="Send each digest by e-mail instead of printing."
        )
        parser.add_argument("--user", help="Only this person's digest (any user, by login).")
        parser.add_argument(
            "--lang",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="The digest's language (default: %(default)s).",
        )
        parser.add_argument(
            "--no-evaluate",
            action="store_true",
            help="Do not evaluate the alert rules first (today's digest only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        day = parse_day(options["date"]) if options["date"] else today
        if day == today and not options["no_evaluate"]:
            evaluate_alerts()
        recipients = self._recipients(options["user"])
        sent = skipped_empty = skipped_no_address = 0
        with translation.override(options["lang"]):
            for index, user in enumerate(recipients):
                digest = digest_for(user=user, day=day)
                text = digest_text(digest)
                if not options["mail"]:
                    if index:
                        self.stdout.write(SEPARATOR)
                    self.stdout.write(text, ending="")
                    continue
                if not digest.total:
                    skipped_empty += 1
                elif not user.email:
                    skipped_no_address += 1
                    self.stderr.write(
                        _("%(user)s has no e-mail address; digest not sent.")
                        % {"user": user.username}
                    )
                else:
                    send_mail(digest_subject(digest), text, None, [user.email])
                    sent += 1
            if options["mail"]:
                self.stdout.write(
                    _(
                        "Digests sent: %(sent)s; nothing to report: %(empty)s; "
                        "no e-mail address: %(missing)s."
                    )
                    % {"sent": sent, "empty": skipped_empty, "missing": skipped_no_address}
                )

    def _recipients(self, username: str | None) -> list[User]:
        if username is None:
            return list(managers())
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("No active user “%(user)s”.") % {"user": username})
        return [user]
