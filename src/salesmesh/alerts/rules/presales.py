"""Presales SLA breaches: solution requests answered or completed too late (one query).

A solution request breaches the SLA at the moment ``now`` when

- it has no response ``SALESMESH_PRESALES_RESPONSE_HOURS`` hours (default 24) after it was
  requested (response due = requested + N hours), or
- it is not completed ``SALESMESH_PRESALES_COMPLETION_DAYS`` days (default 30) after it was
  requested (completion due = requested + D days; the request carries no due date of its
  own, so the SLA sets one).

A step dated after ``now`` counts as not done yet, so a past day is judged as it stood then.
The condition clears when the request is answered (and, past the completion due, completed).
Severity: warning once a due passes, critical once the request has waited twice as long.
The alert concerns the presales owner, on the account's line (and the account's owner sees
it as theirs).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from salesmesh.activities.models import SolutionRequest
from salesmesh.alerts.conditions import Condition, RuleContext
from salesmesh.alerts.messages import joined
from salesmesh.alerts.models import AlertKind, Severity
from salesmesh.core.i18n import Message, gettext_noop


def conditions(context: RuleContext) -> list[Condition]:
    """An alert condition per solution request past its response or completion due."""
    now = context.now
    response = timedelta(hours=settings.SALESMESH_PRESALES_RESPONSE_HOURS)
    completion = timedelta(days=settings.SALESMESH_PRESALES_COMPLETION_DAYS)
    unanswered = Q(responded_at__isnull=True) | Q(responded_at__gt=now)
    unfinished = Q(completed_at__isnull=True) | Q(completed_at__gt=now)
    rows = (
        SolutionRequest.objects.filter(
            (unanswered & Q(requested_at__lt=now - response))
            | (unfinished & Q(requested_at__lt=now - completion))
        )
        .order_by("requested_at", "pk")
        .values_list(
            "pk",
            "requested_at",
            "responded_at",
            "completed_at",
            "account_id",
            "account__name",
            "account__line_id",
            "presales_owner_id",
        )
    )
    found = []
    for pk, requested, responded, completed, account_id, account, line_id, owner in rows:
        waited = now - requested
        reasons: list[Message] = []
        critical = False
        if (responded is None or responded > now) and waited > response:
            reasons.append(
                Message(
                    gettext_noop("no response after %(hours)s hours (due within %(due)s)"),
                    {
                        "hours": int(waited.total_seconds() // 3600),
                        "due": settings.SALESMESH_PRESALES_RESPONSE_HOURS,
                    },
                )
            )
            critical = critical or waited > 2 * response
        if (completed is None or completed > now) and waited > completion:
            reasons.append(
                Message(
                    gettext_noop("not completed after %(days)s days (due within %(due)s)"),
                    {"days": waited.days, "due": settings.SALESMESH_PRESALES_COMPLETION_DAYS},
                )
            )
            critical = critical or waited > 2 * completion
        if not reasons:  # the query selects only breaches; this keeps the two in step
            continue
        found.append(
            Condition(
                kind=AlertKind.PRESALES_SLA,
                subject_key=f"solution_request:{pk}",
                severity=Severity.CRITICAL if critical else Severity.WARNING,
                message=Message(
                    gettext_noop("Solution request for %(account)s of %(requested)s: %(reasons)s."),
                    {
                        "account": account,
                        "requested": timezone.localtime(requested).date().isoformat(),
                        "reasons": joined(reasons),
                    },
                ),
                unit_id=line_id,
                person_id=owner,
                account_id=account_id,
                solution_request_id=pk,
            )
        )
    return found
