"""What the probability dashboard shows, each part assembled in a fixed number of queries.

- :func:`behaviour_board` — each person's calls and visits today and this week against
  their daily plan, worst pacing first: one query for the people, one aggregate over the
  daily rollup table (never raw activities, DESIGN.md §4), whatever the number of people
  or activities. The benchmark (1,000 people × 10M activities) calls it directly.
- :func:`capability_panel` — exam results and tenure against lead→won conversion, in four
  queries (people, exam sittings, leads by owner, deals won by owner).
- :func:`board_plan` — the per-person daily plan the board compares with, from an approved
  plan version as the mesh loads it (no query).
- :func:`funnel_view` — each funnel stage's entrants planned to date against actual, beside
  the mesh report's conversions (five queries on top of the report's).
- :func:`worst_people` — the people furthest behind their revenue plan, for the bottlenecks.

Pacing follows docs/metrics.md: the plan expects ``daily plan × working days elapsed``
(the day itself included) and ``pacing = actual ÷ expected``, None while nothing is
expected; health uses the configured thresholds through ``core.mesh.health_of``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext

from salesmesh.activities.indicators import local_bounds, probability_actuals
from salesmesh.activities.models import ActivityDailyRollup, ActivityType
from salesmesh.core.calendar import WorkCalendar, tenure_months
from salesmesh.core.mesh import (
    Direction,
    Health,
    HealthThresholds,
    MeshNode,
    daily_targets,
    health_of,
)
from salesmesh.mesh.funnel import funnel_map
from salesmesh.mesh.plans import clamp_as_of, load_plan, match_people, unit_people
from salesmesh.mesh.report import PersonMesh
from salesmesh.mesh.services import health_thresholds
from salesmesh.org.models import ExamKind, ExamResult, OrgUnit, Role, User, bilingual
from salesmesh.pipeline.models import Lead, Opportunity, OpportunityStageChange, Stage
from salesmesh.planning.models import PlanVersion

__all__ = [
    "BehaviourBoard",
    "BoardPlan",
    "BoardRow",
    "Capability",
    "CapabilityRow",
    "DailyPlan",
    "ExamSummary",
    "FunnelStep",
    "FunnelView",
    "Pace",
    "behaviour_board",
    "board_plan",
    "capability_panel",
    "conversion_window",
    "funnel_view",
    "worst_people",
]

# Pacing to 0.01 %, as the mesh reports it.
_PACING_PLACES = Decimal("0.0001")
# Conversions to a millionth (0.0001 %), as the mesh's rates.
_RATE_PLACES = Decimal("0.000001")
# Worst first: red before amber before green (no plan last, handled separately).
_HEALTH_RANK = {Health.RED: 0, Health.AMBER: 1, Health.GREEN: 2}


# -- the behaviour board ---------------------------------------------------------------------


@dataclass(frozen=True)
class DailyPlan:
    """One person's planned behaviours per working day."""

    calls: Decimal
    visits: Decimal


@dataclass(frozen=True)
class BoardPlan:
    """What the board compares with: each person's daily plan and the working calendar.

    ``people`` is keyed by user id; someone missing from it (hired after the plan was
    approved, say) is shown with their actuals and no plan.
    """

    people: Mapping[int, DailyPlan]
    calendar: WorkCalendar
    thresholds: HealthThresholds = field(default_factory=HealthThresholds)


@dataclass(frozen=True)
class Pace:
    """Behaviours done against the plan to date."""

    actual: int
    # Planned to date (daily plan × working days elapsed); None without a plan.
    expected: Decimal | None
    # actual ÷ expected to 4 decimals; None without a plan or while nothing is expected.
    pacing: Decimal | None
    # None without a plan; green while nothing is expected.
    health: Health | None


@dataclass(frozen=True)
class BoardRow:
    """One person on the board: today and the week so far, calls and visits."""

    person_id: int
    name: str
    calls_today: Pace
    visits_today: Pace
    calls_week: Pace
    visits_week: Pace
    # Calls that reached someone this week (the reach rate's numerator).
    reached_week: int
    # The worse of the week's calls and visits pacing: what the row is coloured and sorted by.
    pacing: Decimal | None
    health: Health | None

    @property
    def has_plan(self) -> bool:
        return self.calls_week.expected is not None

    @property
    def reach_rate_week(self) -> Decimal | None:
        """Reached ÷ call attempts this week, to 4 decimals (None without calls)."""
        if not self.calls_week.actual:
            return None
        return (Decimal(self.reached_week) / self.calls_week.actual).quantize(_PACING_PLACES)


@dataclass(frozen=True)
class BehaviourBoard:
    """The behaviour board of some people of a line on one day, worst pacing first."""

    line_id: int
    as_of: date
    # Monday of as_of's ISO week: the week runs week_start … as_of.
    week_start: date
    # Whether as_of is a working day (on a day off nothing is planned for today).
    working_day: bool
    # Working days from week_start to as_of inclusive.
    week_working_days: int
    rows: tuple[BoardRow, ...]
    # The rows summed (None without rows).
    totals: BoardRow | None = None

    @property
    def counts_by_health(self) -> dict[str, int]:
        """How many rows are red, amber, green and without a plan."""
        counts = {"red": 0, "amber": 0, "green": 0, "none": 0}
        for row in self.rows:
            counts[row.health.value if row.health else "none"] += 1
        return counts


def _pace(actual: int, daily: Decimal | None, days: int, thresholds: HealthThresholds) -> Pace:
    """``actual`` against ``daily × days``."""
    if daily is None:
        return Pace(actual=actual, expected=None, pacing=None, health=None)
    expected = daily * days
    pacing = (Decimal(actual) / expected).quantize(_PACING_PLACES) if expected > 0 else None
    health = health_of(
        actual=Decimal(actual),
        expected=expected,
        direction=Direction.HIGHER_IS_BETTER,
        thresholds=thresholds,
    )
    return Pace(actual=actual, expected=expected, pacing=pacing, health=health)


def _worst(paces: Iterable[Pace]) -> tuple[Decimal | None, Health | None]:
    """The lowest pacing and the worst health among ``paces`` (None where none has any)."""
    paces = list(paces)
    pacings = [p.pacing for p in paces if p.pacing is not None]
    healths = [p.health for p in paces if p.health is not None]
    return (
        min(pacings) if pacings else None,
        min(healths, key=_HEALTH_RANK.__getitem__) if healths else None,
    )


def _row(
    *,
    person_id: int,
    name: str,
    counts: Mapping[str, int],
    daily: DailyPlan | None,
    today_days: int,
    week_days: int,
    thresholds: HealthThresholds,
) -> BoardRow:
    calls = daily.calls if daily else None
    visits = daily.visits if daily else None
    calls_week = _pace(counts["calls_week"], calls, week_days, thresholds)
    visits_week = _pace(counts["visits_week"], visits, week_days, thresholds)
    pacing, health = _worst((calls_week, visits_week))
    return BoardRow(
        person_id=person_id,
        name=name,
        calls_today=_pace(counts["calls_today"], calls, today_days, thresholds),
        visits_today=_pace(counts["visits_today"], visits, today_days, thresholds),
        calls_week=calls_week,
        visits_week=visits_week,
        reached_week=counts["reached_week"],
        pacing=pacing,
        health=health,
    )


def _sort_key(row: BoardRow) -> tuple[int, int, Decimal, str, int]:
    """Worst first: by health, then pacing; nothing expected yet next; no plan last."""
    if row.health is None:
        return (2, 0, Decimal(0), row.name, row.person_id)
    if row.pacing is None:
        return (1, _HEALTH_RANK[row.health], Decimal(0), row.name, row.person_id)
    return (0, _HEALTH_RANK[row.health], row.pacing, row.name, row.person_id)


def behaviour_board(
    *,
    line: OrgUnit,
    people_ids: Iterable[int],
    as_of: date,
    plan: BoardPlan,
) -> BehaviourBoard:
    """Each person's calls and visits today and this week against plan, worst first (2 queries).

    ``people_ids`` are the people to show — the caller has scoped them (a rep passes only
    themselves). Actuals are summed from ``ActivityDailyRollup`` over the ISO week up to
    ``as_of`` in one aggregate query grouped by person; names come from one query on the
    people. The plan to date is the person's daily plan × working days elapsed: today's is
    the daily plan on a working day (0 on a day off), the week's the daily plan × the working
    days from Monday to ``as_of``. A row's colour is the worse of its week's calls and visits.
    """
    ids = sorted(set(people_ids))
    week_start = as_of - timedelta(days=as_of.weekday())
    working_day = plan.calendar.is_working_day(as_of)
    week_days = plan.calendar.working_days(week_start, as_of)
    if not ids:
        return BehaviourBoard(
            line_id=line.pk,
            as_of=as_of,
            week_start=week_start,
            working_day=working_day,
            week_working_days=week_days,
            rows=(),
        )
    people = list(
        User.objects.filter(pk__in=ids)
        .order_by()
        .values_list("pk", "username", "name_zh", "name_en")
    )
    today = Q(day=as_of)
    call = Q(type=ActivityType.CALL)
    visit = Q(type=ActivityType.VISIT)
    sums = {
        person_id: rest
        for person_id, *rest in ActivityDailyRollup.objects.filter(
            person_id__in=ids,
            day__range=(week_start, as_of),
            type__in=(ActivityType.CALL, ActivityType.VISIT),
        )
        .order_by()
        .values("person_id")
        .annotate(
            calls_today=Sum("attempts", filter=today & call),
            visits_today=Sum("attempts", filter=today & visit),
            calls_week=Sum("attempts", filter=call),
            visits_week=Sum("attempts", filter=visit),
            reached_week=Sum("reached", filter=call),
        )
        .values_list(
            "person_id",
            "calls_today",
            "visits_today",
            "calls_week",
            "visits_week",
            "reached_week",
        )
    }
    keys = ("calls_today", "visits_today", "calls_week", "visits_week", "reached_week")
    today_days = 1 if working_day else 0
    rows = []
    for pk, username, name_zh, name_en in people:
        values = sums.get(pk, [None] * len(keys))
        counts = {key: value or 0 for key, value in zip(keys, values, strict=True)}
        rows.append(
            _row(
                person_id=pk,
                name=_display_name(username, name_zh, name_en),
                counts=counts,
                daily=plan.people.get(pk),
                today_days=today_days,
                week_days=week_days,
                thresholds=plan.thresholds,
            )
        )
    rows.sort(key=_sort_key)
    return BehaviourBoard(
        line_id=line.pk,
        as_of=as_of,
        week_start=week_start,
        working_day=working_day,
        week_working_days=week_days,
        rows=tuple(rows),
        totals=_totals(rows, today_days=today_days, week_days=week_days, plan=plan),
    )


def _totals(
    rows: list[BoardRow], *, today_days: int, week_days: int, plan: BoardPlan
) -> BoardRow | None:
    """The rows summed; the plan is the sum of the planned people's daily plans."""
    if not rows:
        return None
    planned = [plan.people[row.person_id] for row in rows if row.person_id in plan.people]
    daily = (
        DailyPlan(
            calls=sum((p.calls for p in planned), Decimal(0)),
            visits=sum((p.visits for p in planned), Decimal(0)),
        )
        if planned
        else None
    )
    counts = {
        "calls_today": sum(row.calls_today.actual for row in rows),
        "visits_today": sum(row.visits_today.actual for row in rows),
        "calls_week": sum(row.calls_week.actual for row in rows),
        "visits_week": sum(row.visits_week.actual for row in rows),
        "reached_week": sum(row.reached_week for row in rows),
    }
    return _row(
        person_id=0,
        name="",
        counts=counts,
        daily=daily,
        today_days=today_days,
        week_days=week_days,
        thresholds=plan.thresholds,
    )


def _display_name(username: str, name_zh: str, name_en: str) -> str:
    """The person's name in the active language, as ``User.display_name`` gives it.

    Its rule without building a ``User`` per row (a quarter of a 1,000-rep board's time).
    """
    return bilingual(name_zh, name_en) or username


def board_plan(
    *,
    version: PlanVersion,
    people: Iterable[User],
    thresholds: HealthThresholds | None = None,
) -> BoardPlan:
    """Each rep's daily calls and visits under an approved probability plan (no query).

    The plan is loaded as the mesh loads it (``mesh.plans.load_plan``: the stored document
    planned again, cached per process) and spread over its period's working days by
    ``core.mesh.daily_targets`` — each rep's calls and visits ÷ working days, rounded up to
    the hundredth. The plan's reps are matched to ``people`` as the mesh matches them (by
    username, else employee number); a person the plan does not name gets no plan. The
    calendar is the plan's own.
    """
    loaded = load_plan(version)
    _inputs, result = loaded.probability()
    targets = daily_targets(
        plan=result, working_days=loaded.work_calendar.working_days_in(loaded.period)
    )
    matched = match_people((rep.rep_id for rep in targets.reps), people)
    daily = {
        matched[rep.rep_id].pk: DailyPlan(calls=rep.calls_per_day, visits=rep.visits_per_day)
        for rep in targets.reps
        if rep.rep_id in matched
    }
    return BoardPlan(
        people=daily,
        calendar=loaded.work_calendar,
        thresholds=thresholds or HealthThresholds(),
    )


# -- the capability panel ---------------------------------------------------------------------


@dataclass(frozen=True)
class ExamSummary:
    """One person's sittings of one exam: the latest score and the pass rate."""

    latest_score: Decimal
    latest_passed: bool
    latest_on: date
    sittings: int
    passed: int

    @property
    def pass_rate(self) -> Decimal:
        return (Decimal(self.passed) / self.sittings).quantize(_PACING_PLACES)


@dataclass(frozen=True)
class CapabilityRow:
    """One person's exams, tenure and lead→won conversion over the window."""

    person_id: int
    name: str
    tenure_months: int | None
    product: ExamSummary | None
    scenario: ExamSummary | None
    leads: int
    won: int

    @property
    def conversion(self) -> Decimal | None:
        """Deals won ÷ leads created in the window, to a millionth (None without leads)."""
        if not self.leads:
            return None
        return (Decimal(self.won) / self.leads).quantize(_RATE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Capability:
    """The capability panel: a row per person, in name order, and the conversion window."""

    as_of: date
    since: date
    rows: tuple[CapabilityRow, ...]


def conversion_window(as_of: date) -> tuple[date, date]:
    """The last 12 months up to ``as_of``: from the day after ``as_of`` a year earlier."""
    try:
        year_before = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February: a year earlier has none
        year_before = as_of.replace(year=as_of.year - 1, day=28)
    return year_before + timedelta(days=1), as_of


def _exam_summaries(ids: list[int], as_of: date) -> dict[tuple[int, str], ExamSummary]:
    """Per person and exam: the latest sitting up to ``as_of`` and the pass count (1 query)."""
    sittings: dict[tuple[int, str], list[tuple[date, Decimal, bool]]] = {}
    for user_id, kind, taken_on, score, passed in (
        ExamResult.objects.filter(user_id__in=ids, taken_on__lte=as_of)
        .order_by("user_id", "kind", "taken_on")
        .values_list("user_id", "kind", "taken_on", "score", "passed")
    ):
        sittings.setdefault((user_id, kind), []).append((taken_on, score, passed))
    summaries = {}
    for key, rows in sittings.items():
        latest_on, latest_score, latest_passed = rows[-1]
        summaries[key] = ExamSummary(
            latest_score=latest_score,
            latest_passed=latest_passed,
            latest_on=latest_on,
            sittings=len(rows),
            passed=sum(1 for _on, _score, passed in rows if passed),
        )
    return summaries


def capability_panel(*, people_ids: Iterable[int], as_of: date) -> Capability:
    """Exam results, tenure and lead→won conversion of the given people (4 queries).

    Conversion over the last 12 months (:func:`conversion_window`) is a period ratio, as the
    mesh's conversions are (docs/metrics.md): the person's deals moved to won in the window
    (each deal once, owner as recorded now) ÷ the leads they own created in the window.
    Tenure is whole months from the hire date to ``as_of``; exams count sittings up to
    ``as_of``.
    """
    ids = sorted(set(people_ids))
    since, until = conversion_window(as_of)
    if not ids:
        return Capability(as_of=as_of, since=since, rows=())
    people = list(
        User.objects.filter(pk__in=ids)
        .order_by()
        .values_list("pk", "username", "name_zh", "name_en", "hire_date")
    )
    exams = _exam_summaries(ids, as_of)
    leads = dict(
        Lead.objects.filter(owner_id__in=ids, created_on__range=(since, until))
        .order_by()
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )
    start, end = local_bounds(since, until)
    won_changes = OpportunityStageChange.objects.filter(
        to_stage=Stage.WON, changed_at__gte=start, changed_at__lt=end
    )
    won = dict(
        Opportunity.objects.filter(owner_id__in=ids, pk__in=won_changes.values("opportunity_id"))
        .order_by()
        .values("owner_id")
        .annotate(n=Count("pk"))
        .values_list("owner_id", "n")
    )
    rows = [
        CapabilityRow(
            person_id=pk,
            name=_display_name(username, name_zh, name_en),
            tenure_months=tenure_months(hire_date, as_of) if hire_date else None,
            product=exams.get((pk, ExamKind.PRODUCT)),
            scenario=exams.get((pk, ExamKind.SCENARIO)),
            leads=leads.get(pk, 0),
            won=won.get(pk, 0),
        )
        for pk, username, name_zh, name_en, hire_date in people
    ]
    rows.sort(key=lambda row: (row.name, row.person_id))
    return Capability(as_of=as_of, since=since, rows=tuple(rows))


# -- the funnel, plan against actual ------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    """One funnel stage (or the customers won at its end): entrants planned and actual."""

    name: str
    # Over the whole plan period.
    plan: int
    # plan × working days elapsed ÷ working days in the period, to the hundredth.
    expected: Decimal
    actual: int
    pacing: Decimal | None
    health: Health
    # The mesh node of the conversion from this stage to the next (None for the last step).
    conversion: MeshNode | None = None


@dataclass(frozen=True)
class FunnelView:
    """A node's funnel to date: stage entrants and conversions, overall conversion, revenue."""

    steps: tuple[FunnelStep, ...]
    # Conversion lead → won and revenue, straight from the mesh report.
    overall: MeshNode
    revenue: MeshNode
    elapsed_working_days: int
    period_working_days: int


def _funnel_plan_counts(
    *,
    version: PlanVersion,
    unit: OrgUnit,
    person: User | None,
    people: Sequence[User],
) -> tuple[int, ...]:
    """The planned entrants of each stage, then the customers, of the node the report is of.

    The line: the planner's stage counts; a unit inside it: the sum of its planned reps'
    (as ``mesh.probability.team_plan`` sums them); a person: their own share.
    """
    inputs, result = load_plan(version).probability()
    if person is None and unit.pk == version.unit_id:
        return (*(stage.count for stage in result.stages), result.customers)
    chosen = [person] if person is not None else list(people)
    matched = match_people((rep.rep_id for rep in inputs.reps), chosen)
    reps = [rep for rep in result.reps if rep.rep_id in matched]
    return (
        *(sum(rep.stage_counts[k] for rep in reps) for k in range(len(result.stages))),
        sum(rep.customers for rep in reps),
    )


def funnel_view(
    *,
    root: MeshNode,
    version: PlanVersion,
    unit: OrgUnit,
    as_of: date,
    person: User | None = None,
    thresholds: HealthThresholds | None = None,
) -> FunnelView:
    """Each stage's entrants planned to date against actual, beside the mesh's conversions.

    ``root`` is the tree ``mesh_report`` built for ``unit`` (or ``person``'s own tree) as of
    ``as_of``; its conversion, lead→won and revenue nodes are shown as they are. The mesh
    keeps only the first stage's and the customers' counts, so the stage entrants are
    counted again here with the mesh's own pieces — the plan loaded as the mesh loads it,
    the actuals by ``activities.indicators.probability_actuals`` over the stages as
    ``mesh.funnel`` maps them, for the same reps over the same days: 1 query for the unit's
    reps and 4 for the actuals, whatever the number of people or records.
    """
    loaded = load_plan(version)
    inputs, result = loaded.probability()
    period, calendar = loaded.period, loaded.work_calendar
    day = clamp_as_of(period=period, as_of=as_of)
    names = tuple(stage.name for stage in result.stages)
    people = [person] if person is not None else unit_people(unit=unit, roles=[Role.REP])
    plan_counts = _funnel_plan_counts(version=version, unit=unit, person=person, people=people)
    if day >= period.start:
        funnel = funnel_map(
            stages=[stage.name for stage in inputs.funnel.stages],
            sources=[source.name for source in inputs.funnel.sources],
        )
        actual = probability_actuals(
            unit=unit,
            start=period.start,
            end=day,
            stages=funnel.stage_codes,
            reps=[p.pk for p in people],
            stage_names=names,
        )
        actual_counts = (*(stage.entered for stage in actual.stages), actual.customers)
    else:
        actual_counts = (0,) * (len(names) + 1)
    elapsed = calendar.elapsed_share(period, day)
    thresholds = thresholds or health_thresholds()
    steps = []
    step_names = (*names, root.find("customers").label.render(gettext))
    for k, (name, planned, done) in enumerate(
        zip(step_names, plan_counts, actual_counts, strict=True)
    ):
        exact = Fraction(planned) * elapsed
        expected = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        steps.append(
            FunnelStep(
                name=name,
                plan=planned,
                expected=expected,
                actual=done,
                pacing=(Decimal(done) / expected).quantize(_PACING_PLACES) if expected else None,
                health=health_of(
                    actual=Decimal(done),
                    expected=exact,
                    direction=Direction.HIGHER_IS_BETTER,
                    thresholds=thresholds,
                ),
                conversion=root.find(f"conversion/{name}") if k < len(names) else None,
            )
        )
    return FunnelView(
        steps=tuple(steps),
        overall=root.find("conversion"),
        revenue=root,
        elapsed_working_days=calendar.working_days(period.start, day),
        period_working_days=calendar.working_days_in(period),
    )


# -- bottlenecks ------------------------------------------------------------------------------

# How many people the bottleneck card names, worst gap first.
WORST_PEOPLE = 5


def worst_people(people: Iterable[PersonMesh], *, limit: int = WORST_PEOPLE) -> list[PersonMesh]:
    """The people furthest behind their revenue plan to date (the most negative gap) first."""

    def gap(person: PersonMesh) -> tuple[int, Decimal, str]:
        if person.attribution is None:
            return (1, Decimal(0), person.name)
        return (0, person.attribution.gap, person.name)

    return sorted(people, key=gap)[:limit]
