"""Reads of activities and their rollups, scoped through the org app's one rule."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from salesmesh.accounts.models import Account
from salesmesh.accounts.selectors import owners_managed_by
from salesmesh.activities.models import (
    AccountWeeklyTouch,
    Activity,
    ActivityDailyRollup,
    SolutionRequest,
)
from salesmesh.org.models import User


def activities_visible_to(*, user: User) -> QuerySet[Activity]:
    """Activities of the user and of the people in the subtrees they manage."""
    if not user.is_authenticated or not user.is_active:
        return Activity.objects.none()
    return Activity.objects.filter(Q(person=user) | Q(person_id__in=owners_managed_by(user=user)))


def solution_requests_visible_to(*, user: User) -> QuerySet[SolutionRequest]:
    """Solution requests the user owns or whose presales owner they manage."""
    if not user.is_authenticated or not user.is_active:
        return SolutionRequest.objects.none()
    return SolutionRequest.objects.filter(
        Q(presales_owner=user) | Q(presales_owner_id__in=owners_managed_by(user=user))
    )


def daily_rollups_visible_to(
    *, user: User, start: date, end: date
) -> QuerySet[ActivityDailyRollup]:
    """Daily rollups of visible people over ``start`` … ``end`` inclusive (never raw rows)."""
    if not user.is_authenticated or not user.is_active:
        return ActivityDailyRollup.objects.none()
    return ActivityDailyRollup.objects.filter(
        Q(person=user) | Q(person_id__in=owners_managed_by(user=user)),
        day__range=(start, end),
    )


def weekly_touches(
    *, accounts: QuerySet[Account], start: date, end: date
) -> QuerySet[AccountWeeklyTouch]:
    """Weekly touches of ``accounts`` (e.g. a visible named list), weeks ``start`` … ``end``."""
    return AccountWeeklyTouch.objects.filter(
        account_id__in=accounts.values("pk"), week_start__range=(start, end)
    )
