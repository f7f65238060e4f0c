"""Actual indicators of one org unit over a window, from the rollups and the stage history.

Fetch, then compute (DESIGN.md §3): :func:`probability_actuals` loads what the
probability paradigm's mesh needs (``core.mesh.ActualIndicators``) in a fixed
number of queries — one for the unit's reps unless the caller passes their ids,
then one each for won deals, stage entries, leads by source and behaviours —
whatever the number of deals, leads or activities. Behaviours come from
``ActivityDailyRollup``, never from raw activities (DESIGN.md §4).

The window is ``start`` … ``end`` inclusive in local days of ``TIME_ZONE``, as
the rollups count them: a deal won at 23:30 in Shanghai counts on that day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from salesmesh.activities.models import ActivityDailyRollup, ActivityType
from salesmesh.core.mesh import ActualIndicators, ActualSource, ActualStage
from salesmesh.core.money import to_money
from salesmesh.org.models import Membership, OrgUnit, Role, User
from salesmesh.pipeline.models import (
    Lead,
    LeadSource,
    Opportunity,
    OpportunityStageChange,
    Stage,
)

__all__ = ["probability_actuals", "unit_rep_ids"]


def unit_rep_ids(*, unit: OrgUnit) -> list[int]:
    """Ids of the people with the rep role anywhere in the unit's subtree (one query)."""
    return list(
        Membership.objects.filter(unit__path__startswith=unit.path, role=Role.REP)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )


def _rep_ids(*, unit: OrgUnit, reps: QuerySet[User] | Sequence[int] | None) -> list[int]:
    """The reps as a list of ids: given ids cost no query, a queryset or the default one."""
    if reps is None:
        return unit_rep_ids(unit=unit)
    if isinstance(reps, QuerySet):
        return list(reps.order_by().values_list("pk", flat=True).distinct())
    # dict.fromkeys: a rep listed twice is still one rep in the per-rep denominators.
    return list(dict.fromkeys(reps))


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start 00:00, end + 1 day 00:00)`` on the project's local wall clock, aware."""
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def probability_actuals(
    *,
    unit: OrgUnit,
    start: date,
    end: date,
    stages: Sequence[str],
    reps: QuerySet[User] | Sequence[int] | None = None,
    stage_names: Sequence[str] | None = None,
) -> ActualIndicators:
    """A unit's probability-paradigm actuals over ``start`` … ``end`` (fixed queries).

    ``stages`` are the plan's funnel stages as ``pipeline.models.Stage`` codes, in funnel
    order; ``stage_names`` (default: the codes) name them as the plan does, so the result
    meets ``core.mesh.probability_mesh``'s check. ``reps`` defaults to the reps of the
    unit's subtree (:func:`unit_rep_ids`); passing their ids saves that query.

    - revenue, customers: amount and number of the reps' deals moved to won in the window
      (each deal once, however often it was won in the window; owner as recorded now);
    - stages: the reps' deals that entered each stage in the window (each deal once);
    - sources: leads the reps own created in the window, per source with any lead;
    - calls, reached calls, visits: call attempts, calls reached and visit attempts of the
      reps in the window, from the daily rollup.
    """
    if end < start:
        raise ValueError("the window must not end before it starts")
    unknown = [code for code in stages if code not in Stage.values]
    if unknown:
        raise ValueError(f"unknown stages: {unknown}")
    if len(set(stages)) != len(stages):
        raise ValueError("each stage may appear once")
    names = tuple(stage_names) if stage_names is not None else tuple(stages)
    if len(names) != len(stages):
        raise ValueError("stage_names must name every stage, in the same order")

    rep_ids = _rep_ids(unit=unit, reps=reps)
    since, until = local_bounds(start, end)
    in_window = Q(changed_at__gte=since, changed_at__lt=until)
    changes = OpportunityStageChange.objects.filter(in_window, opportunity__owner_id__in=rep_ids)

    # A deal won, reopened and won again in the window is one customer: select the deals,
    # then sum over them, rather than summing over the history rows.
    won = Opportunity.objects.filter(
        pk__in=changes.filter(to_stage=Stage.WON).values("opportunity_id")
    ).aggregate(revenue=Sum("amount"), customers=Count("pk"))

    entered: dict[str, int] = dict(
        changes.filter(to_stage__in=list(stages))
        .order_by()
        .values("to_stage")
        .annotate(deals=Count("opportunity_id", distinct=True))
        .values_list("to_stage", "deals")
    )

    by_source: dict[str, int] = dict(
        Lead.objects.filter(owner_id__in=rep_ids, created_on__range=(start, end))
        .order_by()
        .values("source")
        .annotate(leads=Count("pk"))
        .values_list("source", "leads")
    )

    behaviours = ActivityDailyRollup.objects.filter(
        person_id__in=rep_ids, day__range=(start, end)
    ).aggregate(
        calls=Sum("attempts", filter=Q(type=ActivityType.CALL)),
        reached_calls=Sum("reached", filter=Q(type=ActivityType.CALL)),
        visits=Sum("attempts", filter=Q(type=ActivityType.VISIT)),
    )

    # Sources in their declared order (stable for the dashboards); unknown codes, if a
    # migration ever leaves some, follow in alphabetical order rather than vanish.
    order = [code for code in LeadSource.values if code in by_source]
    order += sorted(set(by_source) - set(LeadSource.values))
    return ActualIndicators(
        revenue=to_money(won["revenue"] or Decimal(0)),
        customers=won["customers"],
        stages=tuple(
            ActualStage(name=name, entered=entered.get(code, 0))
            for code, name in zip(stages, names, strict=True)
        ),
        sources=tuple(ActualSource(name=code, leads=by_source[code]) for code in order),
        calls=behaviours["calls"] or 0,
        reached_calls=behaviours["reached_calls"] or 0,
        visits=behaviours["visits"] or 0,
        reps=len(rep_ids),
    )
