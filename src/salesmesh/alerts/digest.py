"""The daily digest as plain text (stdout and e-mail), in the active language."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from salesmesh.alerts.models import Alert
from salesmesh.alerts.selectors import Digest


def digest_subject(digest: Digest) -> str:
    return _("salesmesh alert digest for %(day)s: %(count)s open") % {
        "day": digest.day.isoformat(),
        "count": digest.total,
    }


def _line(alert: Alert) -> str:
    where = " · ".join(
        part
        for part in (
            alert.unit.display_name,
            alert.person.display_name if alert.person else "",
            _("since %(day)s") % {"day": timezone.localdate(alert.fired_at).isoformat()},
        )
        if part
    )
    return f"  - [{alert.get_severity_display()}] {alert.text} ({where})"


def digest_text(digest: Digest) -> str:
    """The digest: a heading, the count, then each kind's alerts, critical first."""
    lines = [
        _("salesmesh daily alert digest, %(day)s") % {"day": digest.day.isoformat()},
        _("For %(name)s") % {"name": digest.user.display_name},
        "",
    ]
    if not digest.total:
        lines.append(_("No open alerts."))
        return "\n".join(lines) + "\n"
    lines.append(
        ngettext(
            "%(count)s open alert, %(new)s of them new on %(day)s.",
            "%(count)s open alerts, %(new)s of them new on %(day)s.",
            digest.total,
        )
        % {"count": digest.total, "new": digest.new, "day": digest.day.isoformat()}
    )
    for group in digest.groups:
        lines += ["", f"{group.label} ({len(group.alerts)})"]
        lines += [_line(alert) for alert in group.alerts]
    return "\n".join(lines) + "\n"
