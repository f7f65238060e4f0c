"""Writes of activities (each keeps the rollups exact) and of solution requests.

Every path that adds, changes or removes activities ends in one
``rollups_apply`` inside the same transaction: a single edit and a bulk load
alike cost a constant number of statements for the rollups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from salesmesh.accounts.models import Account
from salesmesh.accounts.validators import external_id_or_none, require_aware
from salesmesh.activities.models import (
    MINUTES_PER_DAY,
    SOLUTION_STEPS,
    Activity,
    ActivityType,
    SolutionRequest,
)
from salesmesh.activities.rollups import SignedActivity, rollup_deltas, rollups_apply
from salesmesh.org.models import User
from salesmesh.pipeline.models import Opportunity

ACTIVITY_UPDATABLE = frozenset(
    {
        "type",
        "person",
        "account",
        "opportunity",
        "occurred_at",
        "reached",
        "duration_minutes",
        "external_id",
    }
)
# Rows of a bulk delete read back at a time; bounds memory, not the statement count.
RETURNING_BATCH = 10_000
SOLUTION_REQUEST_UPDATABLE = frozenset(
    {"account", "opportunity", "presales_owner", *SOLUTION_STEPS, "passed_first_review"}
)


def _signed(activity: Activity, sign: int) -> SignedActivity:
    return SignedActivity(
        activity.person_id,
        activity.account_id,
        activity.type,
        activity.occurred_at,
        activity.reached,
        sign,
    )


def _roll(rows: Iterable[SignedActivity]) -> None:
    daily, weekly = rollup_deltas(rows)
    rollups_apply(daily=daily, weekly=weekly)


def _account_of_opportunity(activity: Activity, opportunity_account_id: int | None) -> None:
    """An activity on a deal is an activity with the deal's account."""
    if opportunity_account_id is None:
        return
    if activity.account_id is None:
        activity.account_id = opportunity_account_id
    elif activity.account_id != opportunity_account_id:
        raise ValidationError(
            {"opportunity": _("The opportunity belongs to another account.")},
            code="opportunity_of_other_account",
        )


@transaction.atomic
def activity_create(
    *,
    person: User,
    type: str,
    occurred_at: datetime,
    reached: bool = False,
    duration_minutes: int = 0,
    account: Account | None = None,
    opportunity: Opportunity | None = None,
    external_id: str | None = None,
) -> Activity:
    """Record one activity and count it in the rollups."""
    require_aware(occurred_at, field="occurred_at")
    activity = Activity(
        person=person,
        type=type,
        occurred_at=occurred_at,
        reached=reached,
        duration_minutes=duration_minutes,
        account=account,
        opportunity=opportunity,
        external_id=external_id_or_none(external_id),
    )
    _account_of_opportunity(activity, opportunity.account_id if opportunity else None)
    activity.full_clean()
    activity.save()
    _roll([_signed(activity, +1)])
    return activity


@transaction.atomic
def activity_update(*, activity: Activity, **fields: Any) -> Activity:
    """Change an activity; the rollups lose the old version and gain the new one."""
    unknown = set(fields) - ACTIVITY_UPDATABLE
    if unknown:
        raise TypeError(f"activity_update cannot change {sorted(unknown)}")
    if "occurred_at" in fields:
        require_aware(fields["occurred_at"], field="occurred_at")
    if "external_id" in fields:
        fields["external_id"] = external_id_or_none(fields["external_id"])
    locked = (
        Activity.objects.select_for_update(of=("self",))
        .select_related("opportunity")
        .get(pk=activity.pk)
    )
    before = _signed(locked, -1)
    for name, value in fields.items():
        setattr(locked, name, value)
    changed = set(fields)
    if changed & {"opportunity", "account"}:
        deal = locked.opportunity
        _account_of_opportunity(locked, deal.account_id if deal else None)
        changed.add("account")  # filled from the deal when the caller left it empty
    locked.full_clean()
    if changed:
        locked.save(update_fields=sorted(changed))
        _roll([before, _signed(locked, +1)])
    return locked


def activity_delete(*, activity: Activity) -> int:
    """Delete one activity and take it out of the rollups; 0 if it was already gone."""
    return activities_bulk_delete(queryset=Activity.objects.filter(pk=activity.pk))


@transaction.atomic
def activities_bulk_create(
    *, rows: Iterable[Activity], batch_size: int | None = None
) -> list[Activity]:
    """Insert many unsaved activities and count them all with one rollup apply.

    Rows are checked in Python rather than by ``full_clean`` (a query per
    row); foreign keys are the database's to check. The queries do not grow
    with the number of rows until ``bulk_create`` splits into batches
    (SQLite: its variable limit, about 3,600 activities per statement).
    """
    activities = list(rows)
    if not activities:
        return []
    deal_accounts = _deal_accounts(activities)
    for index, activity in enumerate(activities):
        try:
            _check_row(activity)
            _account_of_opportunity(activity, deal_accounts.get(activity.opportunity_id))
        except ValidationError as error:
            raise ValidationError(
                _("Row %(row)s: %(error)s") % {"row": index + 1, "error": "; ".join(error.messages)}
            ) from error
    created = Activity.objects.bulk_create(activities, batch_size=batch_size)
    _roll(_signed(activity, +1) for activity in created)
    return created


def _deal_accounts(activities: list[Activity]) -> dict[int | None, int]:
    deal_ids = {activity.opportunity_id for activity in activities} - {None}
    if not deal_ids:
        return {}
    return dict(Opportunity.objects.filter(pk__in=deal_ids).values_list("pk", "account_id"))


def _check_row(activity: Activity) -> None:
    if activity.pk is not None:
        raise ValidationError(_("The activity is already saved."))
    require_aware(activity.occurred_at, field="occurred_at")
    if activity.type not in ActivityType.values:
        raise ValidationError(_("Unknown activity type: %(value)s") % {"value": activity.type})
    if not 0 <= activity.duration_minutes <= MINUTES_PER_DAY:
        raise ValidationError(
            _("The duration must be between 0 and %(max)s minutes.") % {"max": MINUTES_PER_DAY}
        )
    activity.reached = bool(activity.reached)
    activity.external_id = external_id_or_none(activity.external_id)


@transaction.atomic
def activities_bulk_delete(*, queryset: QuerySet[Activity]) -> int:
    """Delete the activities of ``queryset`` and take them out of the rollups.

    One ``DELETE … RETURNING`` both removes the rows and reports exactly what
    was removed, so a row added or changed concurrently can never be deleted
    without being subtracted (SQLite ≥ 3.35 and PostgreSQL).
    """
    if queryset.model is not Activity:
        raise TypeError("activities_bulk_delete takes a queryset of activities")
    if queryset.query.is_sliced:
        raise TypeError("activities_bulk_delete cannot delete a sliced queryset")
    quote = connection.ops.quote_name
    opts = Activity._meta
    columns = ", ".join(
        quote(opts.get_field(name).column)
        for name in ("person", "account", "type", "occurred_at", "reached")
    )
    select_sql, params = queryset.order_by().values("pk").query.sql_with_params()
    sql = (
        f"DELETE FROM {quote(opts.db_table)} WHERE {quote(opts.pk.column)} "  # noqa: S608
        f"IN ({select_sql}) RETURNING {columns}"  # names from _meta, values bound
    )
    removed = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)

        def returned() -> Iterator[SignedActivity]:
            # Folded batch by batch: a large delete never holds all its rows in Python.
            nonlocal removed
            while batch := cursor.fetchmany(RETURNING_BATCH):
                removed += len(batch)
                for person, account, kind, occurred_at, reached in batch:
                    yield SignedActivity(
                        person, account, kind, aware_from_db(occurred_at), bool(reached), -1
                    )

        daily, weekly = rollup_deltas(returned())
    rollups_apply(daily=daily, weekly=weekly)
    return removed


def aware_from_db(value: datetime | str) -> datetime:
    """A datetime read back by raw SQL: SQLite gives naive UTC (or text), PostgreSQL aware."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        raise ValueError(f"not a datetime: {value!r}")
    return moment.replace(tzinfo=UTC) if timezone.is_naive(moment) else moment


@transaction.atomic
def solution_request_create(
    *, account: Account, presales_owner: User, requested_at: datetime, **fields: Any
) -> SolutionRequest:
    """Open a presales solution request; later steps may be given if already known."""
    unknown = set(fields) - SOLUTION_REQUEST_UPDATABLE
    if unknown:
        raise TypeError(f"solution_request_create cannot set {sorted(unknown)}")
    request = SolutionRequest(
        account=account, presales_owner=presales_owner, requested_at=requested_at, **fields
    )
    _check_solution_request(request)
    request.save()
    return request


@transaction.atomic
def solution_request_update(*, solution_request: SolutionRequest, **fields: Any) -> SolutionRequest:
    """Record the next steps of a solution request (responded, submitted, reviewed …)."""
    unknown = set(fields) - SOLUTION_REQUEST_UPDATABLE
    if unknown:
        raise TypeError(f"solution_request_update cannot change {sorted(unknown)}")
    locked = SolutionRequest.objects.select_for_update().get(pk=solution_request.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    _check_solution_request(locked)
    if fields:
        locked.save(update_fields=list(fields))
    return locked


def _check_solution_request(request: SolutionRequest) -> None:
    for step in SOLUTION_STEPS:
        value = getattr(request, step)
        if value is not None:
            require_aware(value, field=step)
    if request.opportunity is not None and request.opportunity.account_id != request.account_id:
        raise ValidationError(
            {"opportunity": _("The opportunity belongs to another account.")},
            code="opportunity_of_other_account",
        )
    request.full_clean()
