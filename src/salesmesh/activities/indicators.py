"""Actual indicators of one org unit over a window, from the rollups and the stage history.

Fetch, then compute (DESIGN.md §3): :func:`probability_actuals` loads what the
probability paradigm's mesh needs (``core.mesh.ActualIndicators``) in a fixed
number of queries — one for the unit's reps unless the caller passes their ids,
then one each for won deals, stage entries, leads and behaviours — whatever the
number of deals, leads or activities. :func:`probability_actuals_by_rep` runs the
same queries grouped by rep, so a whole team's per-person trees cost no more
than its total; the unit's figures are the sum of its reps' (every deal, lead and
activity has one owner). Behaviours come from ``ActivityDailyRollup``, never from
raw activities (DESIGN.md §4).

A funnel stage is measured by a *stage code*: a ``pipeline.models.Stage`` value
counts the deals that entered that stage (the stage history), and three more
codes count what a funnel drawn from records rather than deal stages needs —
``LEADS_CREATED`` (lead records created: the leads every source feeds),
``LEADS_QUALIFIED`` (lead records qualified) and ``DEALS_OPENED`` (deals created,
whatever stage they start in).

The window is ``start`` … ``end`` inclusive in local days of ``TIME_ZONE``, as
the rollups count them: a deal won at 23:30 in Shanghai counts on that day.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import reduce
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Count, F, IntegerField, Q, QuerySet, Subquery, Sum, Value
from django.db.models.lookups import In
from django.utils import timezone

from salesmesh.activities.models import ActivityDailyRollup, ActivityType
from salesmesh.core.mesh import ActualIndicators, ActualSource, ActualStage
from salesmesh.core.money import to_money
from salesmesh.org.models import Membership, OrgUnit, Role, UnitKind, User
from salesmesh.pipeline.models import (
    Lead,
    LeadSource,
    Opportunity,
    OpportunityStageChange,
    Stage,
)

__all__ = [
    "DEALS_OPENED",
    "LEADS_CREATED",
    "LEADS_QUALIFIED",
    "STAGE_CODES",
    "probability_actuals",
    "probability_actuals_by_rep",
    "sum_actuals",
    "unit_rep_ids",
]

# Stage codes measured from records rather than from the deals' stage history.
LEADS_CREATED = "leads_created"
LEADS_QUALIFIED = "leads_qualified"
DEALS_OPENED = "deals_opened"
_RECORD_CODES = (LEADS_CREATED, LEADS_QUALIFIED, DEALS_OPENED)
# Every code a funnel stage may be measured by.
STAGE_CODES = frozenset({*_RECORD_CODES, *Stage.values})


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


def _line_of(unit: OrgUnit) -> int | Subquery:
    """The id of the business line holding ``unit``: its own for a line, else a subquery.

    A rep's deals and leads in another line (someone who sells in two) are that line's:
    each of the queries below keeps to the unit's line. A subquery, so the query count
    stays fixed: the line is the unit's ancestor (or itself) of the business-line kind.
    A line is its own line, and its id as a value lets PostgreSQL's planner see which
    line it is: behind a subquery it guessed and read a line's leads by a parallel
    sequential scan (the company mesh 104 → 140 ms, benchmarks/mesh.py).
    """
    if unit.kind == UnitKind.BUSINESS_LINE:
        return unit.pk
    steplen = OrgUnit.steplen
    prefixes = [unit.path[: steplen * depth] for depth in range(1, len(unit.path) // steplen + 1)]
    return Subquery(
        OrgUnit.objects.filter(kind=UnitKind.BUSINESS_LINE, path__in=prefixes)
        .order_by("-depth")
        .values("pk")[:1]
    )


class _AmongIds(In):
    """``field IN (ids)`` as a filter, with the ids as one array parameter on PostgreSQL.

    ``_AmongIds(F("owner_id"), ids)`` in ``filter()``. A line's thousand reps as a thousand
    parameters cost on PostgreSQL: psycopg caches the parsing of a statement only up to
    4 kB of text, so each call split the long statement again (≈ 13 ms a query), and Django
    prepared every id. ``= ANY(%s)`` keeps the statement short and the same from call to
    call; the array is still sent as a literal, so the planner sees how many ids there are.
    SQLite keeps the list of literals, which its planner reads to choose between the reps'
    indexes and the window's (a subquery there would be guessed small and send a line's
    query through every rep's deals). No ids match nothing, as with ``__in``. The ids are
    integers already: they are not prepared one by one as ``__in`` prepares its values.
    """

    def get_prep_lookup(self) -> list[int]:
        # The ids as integers, once: ``__in`` checks and prepares each value on its own.
        return sorted({int(pk) for pk in self.rhs if pk is not None})

    def _ids(self) -> list[int]:
        if not self.rhs:
            raise EmptyResultSet
        return list(self.rhs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        ids = self._ids()
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        marks = ", ".join(["%s"] * len(ids))
        return f"{lhs_sql} IN ({marks})", [*lhs_params, *ids]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        ids = self._ids()
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        cast = self.lhs.output_field.db_type(connection)
        # The array in PostgreSQL's text form, written at once: psycopg would dump a list
        # of 1,000 ints element by element, checking each for quotes.
        array = "{" + ",".join(map(str, ids)) + "}"
        return f"{lhs_sql} = ANY(%s::{cast}[])", [*lhs_params, array]


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start 00:00, end + 1 day 00:00)`` on the project's local wall clock, aware."""
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _check(
    start: date, end: date, stages: Sequence[str], stage_names: Sequence[str] | None
) -> tuple[str, ...]:
    """Refuse a window that ends before it starts and unknown or repeated stage codes."""
    if end < start:
        raise ValueError("the window must not end before it starts")
    unknown = [code for code in stages if code not in STAGE_CODES]
    if unknown:
        raise ValueError(f"unknown stages: {unknown}")
    if len(set(stages)) != len(stages):
        raise ValueError("each stage may appear once")
    names = tuple(stage_names) if stage_names is not None else tuple(stages)
    if len(names) != len(stages):
        raise ValueError("stage_names must name every stage, in the same order")
    return names


# Read once: ``LeadSource.values`` builds a new list on every access, and the order is
# needed once per rep (a thousand times for a large line).
_DECLARED_SOURCES = tuple(LeadSource.values)
_KNOWN_SOURCES = frozenset(_DECLARED_SOURCES)


def _source_order(codes: Iterable[str]) -> list[str]:
    """Source codes in their declared order, so the dashboards' order is stable.

    Unknown codes, if a migration ever leaves some, follow in alphabetical order rather
    than vanish.
    """
    present = set(codes)
    order = [code for code in _DECLARED_SOURCES if code in present]
    return order + sorted(present - _KNOWN_SOURCES)


def probability_actuals_by_rep(
    *,
    unit: OrgUnit,
    start: date,
    end: date,
    stages: Sequence[str],
    reps: QuerySet[User] | Sequence[int] | None = None,
    stage_names: Sequence[str] | None = None,
) -> dict[int, ActualIndicators]:
    """Each rep's probability-paradigm actuals over ``start`` … ``end``, by user id.

    The same fixed queries as :func:`probability_actuals`, grouped by rep: one for the
    reps unless given, then won deals, stage entries, leads and behaviours — the number of
    reps, deals, leads and activities does not change it. Every rep gets an entry (zeros
    when they did nothing) with ``reps=1``.

    ``stages`` are the funnel's stage codes in funnel order (a ``Stage`` value or one of
    ``LEADS_CREATED``, ``LEADS_QUALIFIED``, ``DEALS_OPENED``); ``stage_names`` name them as
    the plan does (default: the codes).

    - revenue, customers: amount and number of the rep's deals moved to won in the window
      (each deal once, however often it was won in the window; owner as recorded now);
    - a ``Stage`` code: the rep's deals that entered that stage in the window (each deal
      once); ``DEALS_OPENED``: the rep's deals created in the window;
    - ``LEADS_CREATED`` and sources: leads the rep owns created in the window (per source
      with any lead); ``LEADS_QUALIFIED``: leads the rep owns qualified in the window;
    - calls, reached calls, visits: call attempts, calls reached and visit attempts in the
      window, from the daily rollup.

    Deals and leads count in the unit's business line only: a rep who also sells in another
    line brings that line's deals to that line's figures, not to these. (Activities belong
    to the person, not to a line, and count wherever they are a rep.)
    """
    names = _check(start, end, stages, stage_names)
    rep_ids = _rep_ids(unit=unit, reps=reps)
    since, until = local_bounds(start, end)
    line = _line_of(unit)
    changes = OpportunityStageChange.objects.filter(
        _AmongIds(F("opportunity__owner_id"), rep_ids),
        changed_at__gte=since,
        changed_at__lt=until,
        opportunity__line_id=line,
    )

    # A deal won, reopened and won again in the window is one customer: select the deals,
    # then sum over them by owner, rather than summing over the history rows. The reps
    # filter the deals themselves, not the subquery: Django would copy and relabel the
    # list of rep ids inside a subquery on every call.
    won_in_window = OpportunityStageChange.objects.filter(
        changed_at__gte=since, changed_at__lt=until, to_stage=Stage.WON
    ).values("opportunity_id")
    won: dict[int, tuple[Decimal, int]] = {
        owner: (revenue or Decimal(0), customers)
        for owner, revenue, customers in Opportunity.objects.filter(
            _AmongIds(F("owner_id"), rep_ids), pk__in=won_in_window, line_id=line
        )
        .order_by()
        .values("owner_id")
        .annotate(revenue=Sum("amount"), customers=Count("pk"))
        .values_list("owner_id", "revenue", "customers")
    }

    # One conditional distinct count per deal-stage code, grouped by owner: one query.
    history_codes = [code for code in stages if code in Stage.values or code == DEALS_OPENED]
    entered: dict[str, dict[int, int]] = defaultdict(dict)  # code → rep → deals
    if history_codes:
        conditions = {
            code: Q(from_stage="") if code == DEALS_OPENED else Q(to_stage=code)
            for code in history_codes
        }
        counts = {
            f"n{k}": Count("opportunity_id", distinct=True, filter=conditions[code])
            for k, code in enumerate(history_codes)
        }
        # Only the moves some count reads go on to the join and the grouping: a funnel
        # measured by the deals opened reads a third of a window's moves.
        counted = reduce(operator.or_, conditions.values())
        for row in (
            changes.filter(counted)
            .order_by()
            .values("opportunity__owner_id")
            .annotate(**counts)
            .values("opportunity__owner_id", *counts)
        ):
            owner = row["opportunity__owner_id"]
            for k, code in enumerate(history_codes):
                entered[code][owner] = row[f"n{k}"]

    # Leads created or qualified in the window, by owner and source: one query, the union of
    # two disjoint halves — the leads created in the window (and how many of them were
    # qualified in it), then those qualified in it but created before (or after) it. Each
    # half is one range of a covering owner index, (owner, line, created_on, source,
    # qualified_on) and (owner, line, qualified_on, created_on, source), read without the
    # table; ``owner IN … AND (created OR qualified)`` read every lead of every rep, and even an
    # OR of two owner ranges fetched each lead from the table.
    window = (start, end)
    created_half = (
        Lead.objects.filter(
            _AmongIds(F("owner_id"), rep_ids), line_id=line, created_on__range=window
        )
        .order_by()
        .values("owner_id", "source")
        .annotate(created=Count("pk"), qualified=Count("pk", filter=Q(qualified_on__range=window)))
        .values_list("owner_id", "source", "created", "qualified")
    )
    qualified_half = (
        Lead.objects.filter(
            _AmongIds(F("owner_id"), rep_ids), line_id=line, qualified_on__range=window
        )
        .exclude(created_on__range=window)
        .order_by()
        .values("owner_id", "source")
        .annotate(created=Value(0, output_field=IntegerField()), qualified=Count("pk"))
        .values_list("owner_id", "source", "created", "qualified")
    )
    by_source: dict[int, dict[str, int]] = defaultdict(dict)
    qualified: dict[int, int] = defaultdict(int)
    rows = created_half.union(qualified_half, all=True).order_by()
    for owner, source, created_count, qualified_count in rows:
        if created_count:
            by_source[owner][source] = created_count
        qualified[owner] += qualified_count

    behaviours: dict[int, tuple[int, int, int]] = {
        person: (calls or 0, reached or 0, visits or 0)
        for person, calls, reached, visits in ActivityDailyRollup.objects.filter(
            # Only the two types summed: the other types' rows are never read.
            _AmongIds(F("person_id"), rep_ids),
            day__range=(start, end),
            type__in=(ActivityType.CALL, ActivityType.VISIT),
        )
        .order_by()
        .values("person_id")
        .annotate(
            calls=Sum("attempts", filter=Q(type=ActivityType.CALL)),
            reached_calls=Sum("reached", filter=Q(type=ActivityType.CALL)),
            visits=Sum("attempts", filter=Q(type=ActivityType.VISIT)),
        )
        .values_list("person_id", "calls", "reached_calls", "visits")
    }

    # Each stage's count by rep, then the reps' figures. Equal stages and sources are one
    # shared (immutable) object: a line's thousand reps hold a few hundred distinct ones,
    # and building 7,000 frozen dataclasses was a third of this function's Python time.
    counts_by_stage: list[dict[int, int]] = []
    for code in stages:
        if code == LEADS_CREATED:
            counts_by_stage.append({rep: sum(mine.values()) for rep, mine in by_source.items()})
        elif code == LEADS_QUALIFIED:
            counts_by_stage.append(qualified)
        else:
            counts_by_stage.append(entered.get(code, {}))
    shared_stages: dict[tuple[str, int], ActualStage] = {}
    shared_sources: dict[tuple[str, int], ActualSource] = {}

    def stage(name: str, count: int) -> ActualStage:
        found = shared_stages.get((name, count))
        if found is None:
            found = shared_stages[(name, count)] = ActualStage(name=name, entered=count)
        return found

    def source(code: str, leads: int) -> ActualSource:
        found = shared_sources.get((code, leads))
        if found is None:
            found = shared_sources[(code, leads)] = ActualSource(name=code, leads=leads)
        return found

    nothing = to_money(Decimal(0))
    named_counts = list(zip(names, counts_by_stage, strict=True))
    result: dict[int, ActualIndicators] = {}
    for rep in rep_ids:
        revenue, customers = won.get(rep, (None, 0))
        calls, reached_calls, visits = behaviours.get(rep, (0, 0, 0))
        sources = by_source.get(rep, {})
        result[rep] = ActualIndicators(
            revenue=nothing if revenue is None else to_money(revenue),
            customers=customers,
            stages=tuple(stage(name, counts.get(rep, 0)) for name, counts in named_counts),
            sources=tuple(source(code, sources[code]) for code in _source_order(sources)),
            calls=calls,
            reached_calls=reached_calls,
            visits=visits,
            reps=1,
        )
    return result


def sum_actuals(
    actuals: Iterable[ActualIndicators], *, stage_names: Sequence[str]
) -> ActualIndicators:
    """Several reps' (or teams') actuals as one node's: counts and money add up.

    Exact for reps' figures from :func:`probability_actuals_by_rep`: each deal, lead and
    activity has one owner, so no deal is counted twice. ``stage_names`` names the stages
    when ``actuals`` is empty.
    """
    items = list(actuals)
    sources: dict[str, int] = defaultdict(int)
    entered = [0] * len(stage_names)
    for item in items:
        if [stage.name for stage in item.stages] != list(stage_names):
            raise ValueError("every actual must have the same stages, in the same order")
        for k, stage in enumerate(item.stages):
            entered[k] += stage.entered
        for source in item.sources:
            sources[source.name] += source.leads
    return ActualIndicators(
        revenue=to_money(sum((item.revenue for item in items), Decimal(0))),
        customers=sum(item.customers for item in items),
        stages=tuple(
            ActualStage(name=name, entered=count)
            for name, count in zip(stage_names, entered, strict=True)
        ),
        sources=tuple(
            ActualSource(name=code, leads=sources[code]) for code in _source_order(sources)
        ),
        calls=sum(item.calls for item in items),
        reached_calls=sum(item.reached_calls for item in items),
        visits=sum(item.visits for item in items),
        reps=sum(item.reps for item in items),
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

    ``stages`` are the plan's funnel stages as stage codes (a ``pipeline.models.Stage``
    value, ``LEADS_CREATED``, ``LEADS_QUALIFIED`` or ``DEALS_OPENED``), in funnel order;
    ``stage_names`` (default: the codes) name them as the plan does, so the result meets
    ``core.mesh.probability_mesh``'s check. ``reps`` defaults to the reps of the unit's
    subtree (:func:`unit_rep_ids`); passing their ids saves that query. Each figure is the
    sum of the reps' (:func:`probability_actuals_by_rep` says what each counts); ``reps``
    is how many reps there are, whether or not they did anything.
    """
    names = _check(start, end, stages, stage_names)
    by_rep = probability_actuals_by_rep(
        unit=unit, start=start, end=end, stages=stages, reps=reps, stage_names=names
    )
    return sum_actuals(by_rep.values(), stage_names=names)
