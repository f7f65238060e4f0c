"""Reads of alerts, scoped like every other record (``org.selectors.units_managed_by``).

Who sees an alert:

- an administrator: every alert;
- a manager: alerts on the units of the subtrees they manage, and alerts about the people
  in them or their accounts (a team lead sees their reps' pacing, their reps' untouched
  accounts and the SLA breaches on them, not the line's totals);
- everyone: alerts about themselves, and about the accounts they own (a rep sees the SLA
  breach on their account's solution request, though presales owns the request).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from salesmesh.alerts.models import Alert, AlertKind
from salesmesh.org.models import Membership, OrgUnit, Role, User
from salesmesh.org.selectors import units_managed_by, user_is_admin

# The relations a list of alerts shows; select_related keeps the list at one query.
LIST_RELATED = ("unit", "person", "account", "acknowledged_by")


def alerts_visible_to(*, user: User) -> QuerySet[Alert]:
    """Alerts the user may see (three queries at most to build, none to evaluate lazily)."""
    if not user.is_authenticated or not user.is_active:
        return Alert.objects.none()
    if user_is_admin(user=user):
        return Alert.objects.all()
    managed = units_managed_by(user=user).values("pk")
    people = Membership.objects.filter(unit__in=managed).values("user_id")
    return Alert.objects.filter(
        Q(person=user)
        | Q(account__owner=user)
        | Q(unit__in=managed)
        | Q(person_id__in=people)
        | Q(account__owner_id__in=people)
    )


def alerts_filtered(
    alerts: QuerySet[Alert],
    *,
    kind: str = "",
    severity: str = "",
    unit: OrgUnit | None = None,
    acknowledged: bool | None = None,
    state: str = "open",
) -> QuerySet[Alert]:
    """The list's filters; ``unit`` keeps alerts on its subtree, its people or their accounts."""
    if kind:
        alerts = alerts.filter(kind=kind)
    if severity:
        alerts = alerts.filter(severity=severity)
    if unit is not None:
        people = Membership.objects.filter(unit__path__startswith=unit.path).values("user_id")
        alerts = alerts.filter(
            Q(unit__path__startswith=unit.path)
            | Q(person_id__in=people)
            | Q(account__owner_id__in=people)
        )
    if acknowledged is not None:
        alerts = alerts.filter(acknowledged_at__isnull=not acknowledged)
    if state == "open":
        alerts = alerts.filter(cleared_at__isnull=True)
    elif state == "cleared":
        alerts = alerts.filter(cleared_at__isnull=False)
    return alerts.select_related(*LIST_RELATED).order_by("severity", "-fired_at", "-pk")


def top_alerts_for(user: User, limit: int = 5) -> list[Alert]:
    """The user's most pressing open alerts: critical first, then the newest (one query).

    For the overview dashboard. It reads only; call
    ``alerts.services.evaluate_alerts_if_due()`` first to bring the alerts up to date.
    Each alert's ``text`` is its message in the active language; ``unit``, ``person`` and
    ``account`` are loaded with it.
    """
    return list(alerts_filtered(alerts_visible_to(user=user), state="open")[:limit])


def managers() -> QuerySet[User]:
    """Everyone who gets a digest: the active managers of a unit, by either record."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(managed_units__isnull=False) | Q(memberships__role=Role.MANAGER))
        .distinct()
        .order_by("username")
    )


def _day_end(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@dataclass(frozen=True)
class DigestGroup:
    kind: str
    label: str
    alerts: list[Alert]


@dataclass(frozen=True)
class Digest:
    """One person's alerts open at the end of a day, by kind; ``new`` fired that day."""

    user: User
    day: date
    groups: list[DigestGroup]
    total: int
    new: int


def digest_for(*, user: User, day: date) -> Digest:
    """The alerts in the user's scope open at the end of ``day``, grouped by kind.

    Read from the alerts' history (fired before the day's end, not cleared by then), so a
    past day's digest is the one that would have gone out then.
    """
    end = _day_end(day)
    start = end - timedelta(days=1)
    alerts = list(
        alerts_filtered(alerts_visible_to(user=user), state="all").filter(
            Q(cleared_at__isnull=True) | Q(cleared_at__gte=end), fired_at__lt=end
        )
    )
    by_kind: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        by_kind[alert.kind].append(alert)
    groups = [
        DigestGroup(kind=kind, label=str(label), alerts=by_kind[kind])
        for kind, label in AlertKind.choices
        if by_kind.get(kind)
    ]
    return Digest(
        user=user,
        day=day,
        groups=groups,
        total=len(alerts),
        new=sum(1 for alert in alerts if alert.fired_at >= start),
    )
