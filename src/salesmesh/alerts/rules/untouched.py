"""Named accounts nobody touched for ``SALESMESH_UNTOUCHED_DAYS`` days (one query).

The definition is the behaviour scorecards' (``activities.behaviour_indicators``): the last
touch is the Monday of the last week of the ``AccountWeeklyTouch`` rollup with a touch,
starting on or before ``as_of``; an account is untouched when ``as_of`` minus that Monday is
at least N days, or when it was never touched. Week precision flags an account up to six
days early, never late. Every named account of every line counts — a named account may not
be dropped, whatever the line's paradigm — and the rollup is read once for all of them,
never the raw activities.

Severity: warning from N days; critical from 2 × N days and for an account never touched.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import OuterRef, Subquery

from salesmesh.accounts.models import Account
from salesmesh.activities.models import AccountWeeklyTouch
from salesmesh.alerts.conditions import Condition, RuleContext
from salesmesh.alerts.models import AlertKind, Severity
from salesmesh.core.i18n import Message, gettext_noop


def conditions(context: RuleContext) -> list[Condition]:
    """An alert condition per untouched named account, about its owner on its line."""
    horizon: int = settings.SALESMESH_UNTOUCHED_DAYS
    as_of = context.as_of
    last_week = (
        AccountWeeklyTouch.objects.filter(
            account_id=OuterRef("pk"), week_start__lte=as_of, touches__gt=0
        )
        .order_by("-week_start")
        .values("week_start")[:1]
    )
    rows = (
        Account.objects.filter(is_named=True)
        .order_by("pk")
        .annotate(last_week=Subquery(last_week))
        .values_list("pk", "name", "line_id", "owner_id", "last_week")
    )
    found = []
    for pk, name, line_id, owner_id, week in rows:
        days = None if week is None else (as_of - week).days
        if days is not None and days < horizon:
            continue
        if days is None:
            message = Message(
                gettext_noop("Named account %(account)s has never been touched."),
                {"account": name},
            )
        else:
            message = Message(
                gettext_noop(
                    "Named account %(account)s has not been touched for %(days)s days "
                    "(last touched in the week of %(week)s)."
                ),
                {"account": name, "days": days, "week": week.isoformat()},
            )
        critical = days is None or days >= 2 * horizon
        found.append(
            Condition(
                kind=AlertKind.UNTOUCHED_ACCOUNT,
                subject_key=f"account:{pk}",
                severity=Severity.CRITICAL if critical else Severity.WARNING,
                message=message,
                unit_id=line_id,
                person_id=owner_id,
                account_id=pk,
            )
        )
    return found
