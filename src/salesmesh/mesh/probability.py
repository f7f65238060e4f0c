"""The probability paradigm's mesh of a business line or a unit inside it, from the database.

Fetch, then compute (DESIGN.md §3):

- **plan**: the approved version's document, planned again (``plans.load_plan``). For the
  whole line the node's plan is the planner's (``core.mesh.plan_indicators``, with the
  lead sources); for a team inside it, the sum of its reps' plans
  (``rep_plan_indicators``): their customers, stage counts, calls and visits, the
  conversions the ratios of the summed counts — lead sources are planned for the line as a
  whole, so a team's tree has none.
- **actual**: the unit's reps' figures over the period's first day … ``as_of``
  (``activities.indicators.probability_actuals_by_rep``), in a fixed number of queries
  whatever the number of reps: one for the reps, four for their deals won, stage entries,
  leads and behaviours. The unit's figures are the sum of its reps'. Stages and sources are
  measured as ``funnel`` maps the plan's names.
- ``as_of`` is held inside the period (``plans.clamp_as_of``): after it, its last day;
  before it, nothing has elapsed.
- **compute**: ``core.mesh`` builds the tree, splits the revenue gap over the funnel's
  factors and says the bottleneck in words, for the node and for each of its reps the plan
  names; the catch-up plan re-plans the remaining target (the node's target less the
  revenue closed) with the unit's reps over the working days left.

Reps are matched to people by username, else employee number (``plans.match_people``).
Someone in the unit the plan does not name counts in the unit's actuals but gets no tree
of their own; a rep of the plan no longer in the unit counts in the line's plan only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext

from salesmesh.activities.indicators import probability_actuals_by_rep, sum_actuals
from salesmesh.core.calendar import Period, WorkCalendar
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.mesh import (
    ActualIndicators,
    ActualSource,
    ActualStage,
    HealthThresholds,
    MeshError,
    PlanIndicators,
    PlanStage,
    catch_up,
    funnel_gap,
    plan_indicators,
    probability_mesh,
    rep_plan_indicators,
)
from salesmesh.core.money import to_money
from salesmesh.core.probability import ProbabilityInputs, ProbabilityPlan
from salesmesh.mesh.funnel import FunnelMap, funnel_map, source_label
from salesmesh.mesh.plans import Person, clamp_as_of, load_plan, match_people, unit_persons
from salesmesh.mesh.report import CatchUpRow, CatchUpView, MeshReport, PeopleWanted, PersonMesh
from salesmesh.org.models import OrgUnit, Role
from salesmesh.planning.models import PlanVersion

__all__ = ["build", "line_plan", "team_plan"]

# Conversions of a summed plan to 12 decimals, as core.mesh.rep_plan_indicators has them.
_CONVERSION_PLACES = Decimal("1e-12")
# Per-working-day behaviours to the hundredth, rounded up, as core.mesh.daily_targets.
_PER_DAY_PLACES = Decimal("0.01")


def _ratio(numerator: int, denominator: int, places: Decimal, rounding: str) -> Decimal:
    """numerator ÷ denominator as a Decimal quantised to ``places``."""
    with localcontext() as context:
        context.prec = 60
        return (Decimal(numerator) / Decimal(denominator)).quantize(places, rounding=rounding)


def _per_day(count: int, days: int) -> Decimal:
    """count ÷ days rounded up to the hundredth (0 without days), as the catch-up's figures."""
    return _ratio(count, days, _PER_DAY_PLACES, ROUND_CEILING) if days else Decimal(0)


def _stages(
    counts: Sequence[int], customers: int, result: ProbabilityPlan
) -> tuple[PlanStage, ...]:
    """Planned stages whose conversions are the ratios of the planned counts.

    Each stage converts the count of the next stage (customers after the last) over its
    own — the plan's conversion where that count is zero. So leads × conversions =
    customers, with the reps' capability multipliers in it: the planner's stage rates are
    a reference rep's, and a stronger team needs fewer leads per customer.
    """
    following = [*counts[1:], customers]
    return tuple(
        PlanStage(
            name=stage.name,
            entered=counts[k],
            conversion=(
                _ratio(following[k], counts[k], _CONVERSION_PLACES, ROUND_HALF_UP)
                if counts[k]
                else stage.effective_conversion
            ),
        )
        for k, stage in enumerate(result.stages)
    )


def line_plan(*, inputs: ProbabilityInputs, result: ProbabilityPlan) -> PlanIndicators:
    """The whole line's plan: the planner's target, counts, sources and behaviours.

    ``core.mesh.plan_indicators`` with the conversions taken from the planned counts
    (:func:`_stages`), as a rep's and a team's are: then the funnel's own product (leads ×
    conversions × deal value), which gap attribution compares the revenue with, is the
    planned revenue up to the rounding of whole customers — with the planner's reference
    rates it would miss it by the team's average capability, and the tree and its
    attribution would disagree about whether the line is behind.
    """
    plan = plan_indicators(inputs=inputs, plan=result)
    return replace(
        plan, stages=_stages([stage.count for stage in result.stages], result.customers, result)
    )


def team_plan(*, plans: Sequence[PlanIndicators], result: ProbabilityPlan) -> PlanIndicators:
    """Several reps' plans as one node's: counts add up, conversions follow the sums.

    No sources: the planner splits leads by source for the line as a whole. One rep's plan
    comes back equal.
    """
    if not plans:
        raise MeshError("a unit's plan needs at least one rep of the plan")
    customers = sum(plan.customers for plan in plans)
    counts = [sum(plan.stages[k].entered for plan in plans) for k in range(len(result.stages))]
    return PlanIndicators(
        target=to_money(sum((plan.target for plan in plans), Decimal(0))),
        customers=customers,
        deal_value=result.deal_value,
        stages=_stages(counts, customers, result),
        sources=(),
        calls=sum(plan.calls for plan in plans),
        visits=sum(plan.visits for plan in plans),
        reach_rate=plans[0].reach_rate,
        reps=len(plans),
    )


def _nothing(stage_names: Sequence[str]) -> ActualIndicators:
    """One rep's actuals before the period starts."""
    return ActualIndicators(
        revenue=Decimal("0.00"),
        customers=0,
        stages=tuple(ActualStage(name=name, entered=0) for name in stage_names),
        sources=(),
        calls=0,
        reached_calls=0,
        visits=0,
        reps=1,
    )


def _line_sources(
    actual: ActualIndicators, funnel: FunnelMap
) -> tuple[tuple[ActualSource, ...], list[Message]]:
    """The actual leads by source under the plan's source names, and notes on the others."""
    sources: list[ActualSource] = []
    notes: list[Message] = []
    for source in actual.sources:
        name = funnel.plan_source_of(source.name)
        if name is not None:
            sources.append(ActualSource(name=name, leads=source.leads))
        else:
            notes.append(
                Message(
                    gettext_noop(
                        "%(count)s leads came from %(source)s, a source the plan does not "
                        "name; they count in the leads but in no source."
                    ),
                    {"count": source.leads, "source": source_label(source.name)},
                )
            )
    return tuple(sources), notes


def _catch_up_view(
    *,
    inputs: ProbabilityInputs,
    plan: PlanIndicators,
    revenue: Decimal,
    as_of: date,
    period: Period,
    calendar: WorkCalendar,
) -> CatchUpView:
    """The node's remaining target re-planned with its reps, beside its original daily plan."""
    catch = catch_up(
        inputs=inputs,
        remaining_target=plan.target - revenue,
        as_of=as_of,
        period_end=period.end,
        calendar=calendar,
    )
    period_days = calendar.working_days_in(period)
    days = catch.remaining_working_days
    targets = catch.targets
    rows = (
        CatchUpRow(
            key="customers",
            label=Message(gettext_noop("Customers won per working day")),
            baseline=_per_day(plan.customers, period_days),
            catch_up=_per_day(targets.customers, days),
        ),
        CatchUpRow(
            key="leads",
            label=Message(gettext_noop("Leads per working day")),
            baseline=_per_day(plan.stages[0].entered, period_days),
            catch_up=targets.leads_per_day,
        ),
        CatchUpRow(
            key="calls",
            label=Message(gettext_noop("Calls per working day")),
            baseline=_per_day(plan.calls, period_days),
            catch_up=targets.calls_per_day,
        ),
        CatchUpRow(
            key="visits",
            label=Message(gettext_noop("Visits per working day")),
            baseline=_per_day(plan.visits, period_days),
            catch_up=targets.visits_per_day,
        ),
    )
    fixes = tuple(fix.message for fix in catch.fixes)
    messages = [message for message in catch.messages if message not in fixes]
    if catch.plan is not None:
        # The same sentence the core adds when it is given the original plan: here the
        # node's own plan, which for a team is its reps' share of the line's.
        messages.insert(
            1,
            Message(
                gettext_noop(
                    "The original plan asked for %(calls)s calls and %(visits)s visits a "
                    "working day."
                ),
                {"calls": rows[2].baseline, "visits": rows[3].baseline},
            ),
        )
    return CatchUpView(
        remaining_target=catch.remaining_target,
        remaining_working_days=days,
        feasible=catch.feasible,
        rows=rows,
        messages=tuple(messages),
        fixes=fixes,
    )


def build(
    *,
    version: PlanVersion,
    unit: OrgUnit,
    as_of: date,
    thresholds: HealthThresholds,
    people: bool | Collection[int],
) -> MeshReport:
    """The probability mesh of ``version``'s line, or of ``unit`` inside it, as of ``as_of``.

    Five queries (the unit's reps, then their deals won, stage entries, leads and
    behaviours), six for a unit inside the line when ``version.unit`` is not loaded yet —
    whatever the number of reps, deals or activities. ``people`` says which of the plan's
    reps in the unit get their own tree (``PeopleWanted``: all, none or those user ids);
    it skips per-rep work (≈ 2 ms a rep), not queries. Raises ``MeshError`` for a unit
    outside the line, or a unit inside it where no rep of the plan works.
    """
    wanted = PeopleWanted.of(people)
    loaded = load_plan(version)
    inputs, result = loaded.probability()
    period, calendar = loaded.period, loaded.work_calendar
    whole_line = unit.pk == version.unit_id
    if not whole_line and not unit.path.startswith(version.unit.path):
        raise MeshError(f"unit {unit.code!r} is not inside the plan's business line")
    day = clamp_as_of(period=period, as_of=as_of)
    funnel = funnel_map(
        stages=[stage.name for stage in inputs.funnel.stages],
        sources=[source.name for source in inputs.funnel.sources],
    )
    stage_names = tuple(stage.name for stage in result.stages)
    warnings: list[Message] = list(funnel.warnings)

    reps = unit_persons(unit=unit, roles=[Role.REP])
    matched = match_people((rep.rep_id for rep in inputs.reps), reps)
    if day >= period.start:
        per_rep = probability_actuals_by_rep(
            unit=unit,
            start=period.start,
            end=day,
            stages=funnel.stage_codes,
            reps=[person.pk for person in reps],
            stage_names=stage_names,
        )
    else:
        per_rep = {person.pk: _nothing(stage_names) for person in reps}
    total = sum_actuals(per_rep.values(), stage_names=stage_names)

    # The plan's reps working in this unit, in the plan's order.
    planned: list[tuple[str, Person]] = [
        (rep.rep_id, matched[rep.rep_id]) for rep in inputs.reps if rep.rep_id in matched
    ]
    unplanned = len(reps) - len(planned)
    if unplanned:
        warnings.append(
            Message(
                gettext_noop(
                    "%(count)s reps of this unit are not in the plan: their work counts in "
                    "the unit's actuals, but they have no plan of their own."
                ),
                {"count": unplanned},
            )
        )
    if whole_line:
        node_plan = line_plan(inputs=inputs, result=result)
        sources, notes = _line_sources(total, funnel)
        actual = replace(total, sources=sources)
        warnings.extend(notes)
        gone = len(inputs.reps) - len(planned)
        if gone:
            warnings.append(
                Message(
                    gettext_noop(
                        "%(count)s reps of the plan are no longer reps of the line; their "
                        "share stays in the line's plan."
                    ),
                    {"count": gone},
                )
            )
        catch_inputs = inputs
        catch_reps: frozenset[str] | None = None
    else:
        if not planned:
            raise MeshError(f"no rep of the plan works in unit {unit.code!r}")
        node_plan = team_plan(
            plans=[
                rep_plan_indicators(inputs=inputs, plan=result, rep_id=rep_id)
                for rep_id, _person in planned
            ],
            result=result,
        )
        actual = replace(total, sources=())
        mine = {rep_id for rep_id, _person in planned}
        catch_inputs = replace(inputs, reps=tuple(r for r in inputs.reps if r.rep_id in mine))
        catch_reps = frozenset(mine)

    elapsed = calendar.elapsed_share(period, day)
    root = probability_mesh(
        plan=node_plan,
        actual=actual,
        period=period,
        as_of=day,
        calendar=calendar,
        thresholds=thresholds,
    )
    person_meshes: list[PersonMesh] = []
    if wanted:
        for rep_id, person in planned:
            if person.pk not in wanted:
                continue
            mine_plan = rep_plan_indicators(inputs=inputs, plan=result, rep_id=rep_id)
            mine_actual = replace(per_rep[person.pk], sources=())
            attribution, diagnosis = funnel_gap(plan=mine_plan, actual=mine_actual, elapsed=elapsed)
            person_meshes.append(
                PersonMesh(
                    person_id=person.pk,
                    name=person.display_name,
                    root=probability_mesh(
                        plan=mine_plan,
                        actual=mine_actual,
                        period=period,
                        as_of=day,
                        calendar=calendar,
                        thresholds=thresholds,
                    ),
                    attribution=attribution,
                    diagnosis=diagnosis,
                )
            )
    attribution, diagnosis = funnel_gap(plan=node_plan, actual=actual, elapsed=elapsed)
    return MeshReport(
        version_id=version.pk,
        unit_id=unit.pk,
        unit_name=unit.display_name,
        paradigm=version.paradigm,
        period=period,
        as_of=day,
        root=root,
        attribution=attribution,
        diagnosis=diagnosis,
        people=tuple(person_meshes),
        # The re-plan depends on the plan, the node's reps of it, the day and the revenue
        # closed alone: kept with the loaded plan (≈ 15 ms for a line of 1,000 reps).
        catch_up=loaded.memo(
            ("probability.catch_up", catch_reps, day, actual.revenue),
            lambda: _catch_up_view(
                inputs=catch_inputs,
                plan=node_plan,
                revenue=actual.revenue,
                as_of=day,
                period=period,
                calendar=calendar,
            ),
        ),
        warnings=tuple(warnings),
    )
