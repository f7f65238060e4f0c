"""Writes of alerts: evaluate the rules (fire, refresh, clear) and acknowledge.

The lifecycle (docs/alerts.md): a condition a rule finds true and no open alert carries
**fires** a new alert; one already open is **refreshed** (``last_seen_at``, and its
severity, message and people follow the data); an open alert whose condition no rule finds
any more is **cleared** (``cleared_at``). Clearing is final: the same condition coming back
fires a new alert, so every episode stays in the history. **Acknowledging** records who saw
it and when; it does not clear it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from salesmesh.alerts.conditions import Condition, RuleContext
from salesmesh.alerts.messages import params_to_json
from salesmesh.alerts.models import Alert
from salesmesh.alerts.rules import RULES
from salesmesh.org.models import User

logger = logging.getLogger(__name__)

# The pages evaluate lazily: at most once in this interval (docs/alerts.md).
EVALUATE_EVERY = timedelta(minutes=10)
EVALUATED_KEY = "salesmesh:alerts:evaluated"

REFRESHED_FIELDS = (
    "severity",
    "unit",
    "person",
    "account",
    "milestone",
    "solution_request",
    "message_template",
    "message_params",
)


@dataclass(frozen=True)
class EvaluationReport:
    """How many alerts one evaluation fired, cleared and found still open (refreshed)."""

    fired: int
    cleared: int
    still_open: int


def rule_context(as_of: date | None = None) -> RuleContext:
    """Today at this moment, or a past (or future) day at its local end."""
    now = timezone.now()
    today = timezone.localdate(now)
    if as_of is None or as_of == today:
        return RuleContext(as_of=today, now=now)
    end = datetime.combine(as_of + timedelta(days=1), time.min)
    return RuleContext(as_of=as_of, now=timezone.make_aware(end) - timedelta(microseconds=1))


def current_conditions(context: RuleContext) -> dict[str, Condition]:
    """Every condition the rules find true, by fingerprint."""
    found: dict[str, Condition] = {}
    for _kind, rule in RULES:
        for condition in rule(context):
            found[condition.fingerprint] = condition
    return found


def _apply(alert: Alert, condition: Condition) -> bool:
    """Copy the condition's facts onto the alert; True if anything changed."""
    changed = False
    values = {
        "severity": condition.severity,
        "unit_id": condition.unit_id,
        "person_id": condition.person_id,
        "account_id": condition.account_id,
        "milestone_id": condition.milestone_id,
        "solution_request_id": condition.solution_request_id,
        "message_template": condition.message.template,
        "message_params": params_to_json(condition.message.params),
    }
    for name, value in values.items():
        if getattr(alert, name) != value:
            setattr(alert, name, value)
            changed = True
    return changed


def evaluate_alerts(as_of: date | None = None) -> EvaluationReport:
    """Run every rule as of ``as_of`` (default: now) and bring the open alerts in line.

    Idempotent: a second run with nothing changed fires and clears nothing. The rules'
    queries run first, outside any transaction (they only read: seconds on a big company);
    then one short transaction writes, in a few statements whatever the number of alerts
    (the refreshed rows in bulk). On SQLite a transaction holds the database's write lock
    from its first write, and a page's evaluation used to hold it for the whole reading,
    queueing every sign-in and session save behind it.
    """
    context = rule_context(as_of)
    conditions = current_conditions(context)
    return _bring_alerts_in_line(conditions, now=context.now)


@transaction.atomic
def _bring_alerts_in_line(conditions: dict[str, Condition], *, now: datetime) -> EvaluationReport:
    """Fire, refresh and clear the open alerts against ``conditions`` (one transaction)."""
    open_alerts = {
        alert.fingerprint: alert
        for alert in Alert.objects.select_for_update().filter(cleared_at__isnull=True)
    }
    new = [
        Alert(
            kind=condition.kind,
            subject_key=condition.subject_key,
            fingerprint=fingerprint,
            fired_at=now,
            last_seen_at=now,
        )
        for fingerprint, condition in conditions.items()
        if fingerprint not in open_alerts
    ]
    for alert in new:
        _apply(alert, conditions[alert.fingerprint])
    # A concurrent evaluation may have fired the same condition: the partial unique
    # constraint keeps one open alert per fingerprint and the other insert is skipped.
    Alert.objects.bulk_create(new, ignore_conflicts=True)

    seen = [alert for fingerprint, alert in open_alerts.items() if fingerprint in conditions]
    changed = [alert for alert in seen if _apply(alert, conditions[alert.fingerprint])]
    if changed:
        Alert.objects.bulk_update(changed, REFRESHED_FIELDS)
    if seen:
        # ``__lt``: evaluating a past day never moves the clock back.
        Alert.objects.filter(pk__in=[alert.pk for alert in seen], last_seen_at__lt=now).update(
            last_seen_at=now
        )

    gone = [alert for fingerprint, alert in open_alerts.items() if fingerprint not in conditions]
    if gone:
        # Never before it fired (a past day evaluated after a later evaluation).
        cleared_at = max([now, *(alert.fired_at for alert in gone)])
        Alert.objects.filter(pk__in=[alert.pk for alert in gone]).update(cleared_at=cleared_at)
    return EvaluationReport(fired=len(new), cleared=len(gone), still_open=len(seen))


def evaluate_alerts_if_due(*, every: timedelta = EVALUATE_EVERY) -> EvaluationReport | None:
    """Evaluate unless an evaluation ran within ``every``; None when it was not due.

    The pages call this before they read alerts, so alerts stay current with no scheduler
    to run. ``cache.add`` lets only the first caller in each interval evaluate. A failing
    evaluation (a plan the mesh cannot build, say) is logged and the page shows the alerts
    as they were: it must not take the page down; the next interval tries again, and
    ``salesmesh alerts`` shows the error.
    """
    if not cache.add(EVALUATED_KEY, timezone.now().isoformat(), int(every.total_seconds())):
        return None
    try:
        return evaluate_alerts()
    except Exception:
        logger.exception("evaluating the alerts failed; showing the stored ones")
        return None


def alert_acknowledge(*, alert: Alert, user: User) -> Alert:
    """Record that ``user`` has seen the alert (the first acknowledgement stands)."""
    if alert.acknowledged_at is None:
        alert.acknowledged_by = user
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return alert
