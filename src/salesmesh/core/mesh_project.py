"""The project paradigm's mesh (DESIGN.md §1.3, §2): milestones, resources, stakeholders, reviews.

In the project paradigm revenue follows milestones, so a node's tree is::

    revenue recognised (target)   = Σ revenue share × contract value of the milestones reached
    ├─ milestones on time         = reached by the planned date ÷ milestones due
    │  └─ milestones reached      (the period's milestones reached so far)
    ├─ slippage days              = Σ days late ÷ milestones due              (lower is better)
    ├─ resources ready in time    = ready by their ready-by date ÷ resources due
    │  └─ resources readied       (behaviour: the period's resources, ready so far)
    ├─ stakeholder actions done   = handled ÷ actions due
    │  └─ stakeholder actions     (behaviour: the period's actions, handled so far)
    └─ stage reviews held         (one review expected per milestone reached)

**Definitions** over a window ``start`` … ``end`` as of ``as_of``; *to date* is ``start`` …
``min(end, as_of)``. Days are calendar days, and a milestone's planned date is its baseline.

- A milestone is **due** when its planned date falls to date, **reached** once its actual
  date is on or before ``as_of``, **on time** when reached on or before its planned date. A
  milestone planned for ``as_of`` itself and still open is due and not on time: the
  indicators are read at the end of ``as_of``.
- **Slippage** of a due milestone: actual − planned days when reached, ``as_of`` − planned
  while open; 0 when on time or early (an early milestone does not offset a late one). The
  indicator is the mean over the milestones due.
- A resource must be ready by its milestone's planned date minus its lead time (its
  **ready-by** date). It is **due** when the ready-by date falls to date and **ready in time**
  when its ready date is on or before both the ready-by date and ``as_of``.
- A stakeholder with planned actions and a milestone is one **stakeholder action**, due by
  that milestone's planned date — it pre-empts the person who could derail the milestone —
  and **done** once handled on or before ``as_of``. A stakeholder without a milestone or
  without planned actions has nothing due.
- **Stage reviews** (复盘): one is expected for every milestone reached, within
  ``review_within_days`` (default 10) days; expected to date = milestones reached in ``start``
  … ``min(end, as_of − review_within_days)``, held = reviews held to date. The period's plan
  is one review per milestone planned in it. A review belongs to the stage closed by the
  latest milestone of its project reached on or before it was held (``ReviewRecord``).
- **Revenue recognised**: Σ revenue of the milestones reached to date, whatever their planned
  date — a late milestone brings its revenue into the period it lands in. A milestone's
  revenue is its revenue share × its project's contract value, to the cent
  (``milestone_revenue``).

**Pacing.** Milestone revenue is lumpy, so it is expected on the plan's own schedule rather
than pro rata: expected to date = target × revenue of the milestones planned to date ÷
revenue of the milestones planned in the period (pro rata by working days elapsed when none
is planned in the period). Counts (milestones reached, resources readied, actions handled)
expect what falls due to date, reviews what the milestones reached call for; rates should
hold at 100 % all along (level). Slippage is planned at 0 days, and its health compares the
actual with a tolerance (``slippage_tolerance_days``, default 5 — what a weekly progress
meeting can still recover), because any ratio to a plan of 0 would paint one day late as red
as a month.

**Catch-up.** ``project_catch_up`` re-plans the rest of the period. The remaining target
(target − revenue recognised) must come from the open milestones planned up to the period's
end: a late one must land on the first working day after ``as_of`` (every further day adds
slippage), the others by their planned dates. The pending actions and resources they need
are due by their usual dates (the milestone's planned date, its ready-by date) — on the first
working day after ``as_of`` when that is already past. When those milestones bring less than
the remaining target, the fix pulls later milestones in, earliest first (the closest to
landing; a milestone comes with its open prerequisites), each to land by the period's last
working day, and stops as soon as the shortfall is covered; whatever is still short needs new
business. A node exactly on plan — everything due to date done on time, nothing ahead — gets
back the original plan for the rest of the period.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from salesmesh.core.calendar import Period, WorkCalendar
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.mesh import (
    COUNT_PLACES,
    PACING_PLACES,
    RATE_PLACES,
    Accrual,
    Direction,
    HealthThresholds,
    MeshError,
    MeshNode,
    Unit,
    quantize_fraction,
    scheduled_node,
    unmeasured_node,
)
from salesmesh.core.money import to_money

__all__ = [
    "DEFAULT_REVIEW_WITHIN_DAYS",
    "DEFAULT_SLIPPAGE_TOLERANCE_DAYS",
    "ActionRecord",
    "ActionTarget",
    "CatchUpTargets",
    "MilestoneRecord",
    "MilestoneTarget",
    "ProjectActuals",
    "ProjectCatchUp",
    "ProjectRecords",
    "ResourceRecord",
    "ResourceTarget",
    "ReviewRecord",
    "diagnose_projects",
    "expected_revenue",
    "milestone_revenue",
    "project_actuals_of",
    "project_catch_up",
    "project_mesh",
    "restrict_to_roles",
]

# The demo and most PMOs hold the review of a stage within two working weeks of its
# milestone; until then a missing review is not yet a gap.
DEFAULT_REVIEW_WITHIN_DAYS = 10
# A working week: a milestone up to a week late can still be recovered at the next weekly
# progress meeting; beyond that the period's revenue is at risk.
DEFAULT_SLIPPAGE_TOLERANCE_DAYS = Decimal(5)

_PACING_PLACES = PACING_PLACES
_PLACES = COUNT_PLACES
_RATE_PLACES = RATE_PLACES
_ONE_DAY = timedelta(days=1)


# -- records: what the projects' data says --------------------------------------------------


@dataclass(frozen=True)
class MilestoneRecord:
    """A milestone as recorded: baseline (planned) date, actual date, revenue, owning role."""

    id: str
    project_id: str
    project: str
    name: str
    owning_role: str
    planned_date: date
    actual_date: date | None
    # Revenue share × contract value, to the cent (``milestone_revenue``).
    revenue: Decimal
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResourceRecord:
    """A resource a milestone needs ``lead_time_days`` before it, and when it was ready."""

    id: str
    milestone_id: str
    description: str
    lead_time_days: int
    ready_date: date | None


@dataclass(frozen=True)
class ActionRecord:
    """A stakeholder's planned actions towards a milestone, and when they were handled."""

    id: str
    milestone_id: str
    stakeholder: str
    handled_on: date | None


@dataclass(frozen=True)
class ReviewRecord:
    """A stage review and the role owning the milestone whose stage it closes (if any)."""

    id: str
    project_id: str
    held_on: date
    owning_role: str | None = None


@dataclass(frozen=True)
class ProjectRecords:
    """The milestones of one node and their resources, stakeholder actions and reviews."""

    milestones: tuple[MilestoneRecord, ...]
    resources: tuple[ResourceRecord, ...] = ()
    actions: tuple[ActionRecord, ...] = ()
    reviews: tuple[ReviewRecord, ...] = ()

    def __post_init__(self) -> None:
        """Resources and actions must belong to a milestone of the records."""
        ids = {m.id for m in self.milestones}
        if len(ids) != len(self.milestones):
            raise MeshError("milestone ids must be unique")
        strays = sorted(
            {r.milestone_id for r in self.resources} | {a.milestone_id for a in self.actions}
        )
        unknown = [key for key in strays if key not in ids]
        if unknown:
            raise MeshError(f"resources or actions of unknown milestones: {unknown}")


def milestone_revenue(contract_value: Decimal, share: Decimal) -> Decimal:
    """A milestone's revenue: share × contract value, half up to the cent."""
    return to_money(Decimal(contract_value) * Decimal(share))


def restrict_to_roles(records: ProjectRecords, *, roles: Collection[str]) -> ProjectRecords:
    """The milestones the ``roles`` own, with their resources, actions and stage reviews."""
    milestones = tuple(m for m in records.milestones if m.owning_role in roles)
    ids = {m.id for m in milestones}
    return ProjectRecords(
        milestones=milestones,
        resources=tuple(r for r in records.resources if r.milestone_id in ids),
        actions=tuple(a for a in records.actions if a.milestone_id in ids),
        reviews=tuple(r for r in records.reviews if r.owning_role in roles),
    )


# -- actual indicators ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectActuals:
    """A node's project indicators over a window as of a day (see the module docstring).

    ``*_planned`` count what the window holds by its baseline dates, ``*_due`` what falls to
    date; every rate is a Decimal with six places, None when nothing is due.
    """

    milestones_planned: int
    revenue_planned: Decimal
    milestones_due: int
    revenue_due: Decimal
    # Of the window's milestones, reached by as_of (early ones included).
    milestones_reached: int
    milestones_on_time: int
    on_time_rate: Decimal | None
    slippage_days: int
    average_slippage_days: Decimal | None
    revenue_recognised: Decimal
    resources_planned: int
    resources_due: int
    resources_ready_in_time: int
    resources_ready_rate: Decimal | None
    # Of the window's resources, ready by as_of.
    resources_readied: int
    actions_planned: int
    actions_due: int
    actions_done: int
    actions_done_rate: Decimal | None
    # Of the window's actions, handled by as_of.
    actions_handled: int
    reviews_expected: int
    reviews_held: int


def _rate(numerator: int, denominator: int) -> Decimal | None:
    return (
        quantize_fraction(Fraction(numerator, denominator), _RATE_PLACES) if denominator else None
    )


def _reached(actual: date | None, as_of: date) -> bool:
    return actual is not None and actual <= as_of


def _ready_by(milestone: MilestoneRecord, resource: ResourceRecord) -> date:
    return milestone.planned_date - timedelta(days=resource.lead_time_days)


def _slippage(milestone: MilestoneRecord, as_of: date) -> int:
    """Days late of a due milestone (0 when on time or early)."""
    actual = milestone.actual_date
    landed = actual if actual is not None and actual <= as_of else as_of
    return max(0, (landed - milestone.planned_date).days)


def project_actuals_of(
    records: ProjectRecords,
    *,
    start: date,
    end: date,
    as_of: date,
    review_within_days: int = DEFAULT_REVIEW_WITHIN_DAYS,
) -> ProjectActuals:
    """The indicators of ``records`` over ``start`` … ``end`` as of ``as_of``."""
    if end < start:
        raise MeshError("the window must not end before it starts")
    if review_within_days < 0:
        raise MeshError("review_within_days must not be negative")
    to_date = min(end, as_of)
    by_id = {m.id: m for m in records.milestones}

    def in_window(day: date) -> bool:
        return start <= day <= end

    def so_far(day: date | None) -> bool:
        return day is not None and start <= day <= to_date

    planned = [m for m in records.milestones if in_window(m.planned_date)]
    due = [m for m in planned if m.planned_date <= to_date]
    on_time = [
        m for m in due if m.actual_date is not None and m.actual_date <= min(m.planned_date, as_of)
    ]
    slippage = sum(_slippage(m, as_of) for m in due)

    resources = [(r, _ready_by(by_id[r.milestone_id], r)) for r in records.resources]
    resources_planned = [(r, by) for r, by in resources if in_window(by)]
    resources_due = [(r, by) for r, by in resources_planned if by <= to_date]
    in_time = [
        r for r, by in resources_due if r.ready_date is not None and r.ready_date <= min(by, as_of)
    ]

    actions_planned = [a for a in records.actions if in_window(by_id[a.milestone_id].planned_date)]
    actions_due = [a for a in actions_planned if by_id[a.milestone_id].planned_date <= to_date]
    review_cutoff = min(end, as_of - timedelta(days=review_within_days))
    return ProjectActuals(
        milestones_planned=len(planned),
        revenue_planned=sum((m.revenue for m in planned), Decimal("0.00")),
        milestones_due=len(due),
        revenue_due=sum((m.revenue for m in due), Decimal("0.00")),
        milestones_reached=sum(1 for m in planned if _reached(m.actual_date, as_of)),
        milestones_on_time=len(on_time),
        on_time_rate=_rate(len(on_time), len(due)),
        slippage_days=slippage,
        average_slippage_days=(
            quantize_fraction(Fraction(slippage, len(due)), _PLACES) if due else None
        ),
        revenue_recognised=sum(
            (m.revenue for m in records.milestones if so_far(m.actual_date)), Decimal("0.00")
        ),
        resources_planned=len(resources_planned),
        resources_due=len(resources_due),
        resources_ready_in_time=len(in_time),
        resources_ready_rate=_rate(len(in_time), len(resources_due)),
        resources_readied=sum(1 for r, _ in resources_planned if _reached(r.ready_date, as_of)),
        actions_planned=len(actions_planned),
        actions_due=len(actions_due),
        actions_done=sum(1 for a in actions_due if _reached(a.handled_on, as_of)),
        actions_done_rate=_rate(
            sum(1 for a in actions_due if _reached(a.handled_on, as_of)), len(actions_due)
        ),
        actions_handled=sum(1 for a in actions_planned if _reached(a.handled_on, as_of)),
        reviews_expected=sum(
            1
            for m in records.milestones
            if m.actual_date is not None and start <= m.actual_date <= review_cutoff
        ),
        reviews_held=sum(1 for r in records.reviews if so_far(r.held_on)),
    )


# -- the tree ---------------------------------------------------------------------------------


def expected_revenue(
    *,
    target: Decimal,
    actuals: ProjectActuals,
    period: Period,
    as_of: date,
    calendar: WorkCalendar,
) -> Decimal:
    """The target expected by ``as_of`` on the milestones' schedule (module docstring)."""
    if actuals.revenue_planned > 0:
        share = Fraction(actuals.revenue_due) / Fraction(actuals.revenue_planned)
    else:
        share = calendar.elapsed_share(period, as_of)
    return to_money(quantize_fraction(Fraction(target) * share, _RATE_PLACES))


def _node(
    *,
    key: str,
    label: Message,
    formula: Message,
    plan: Decimal,
    expected: Decimal,
    actual: Decimal | None,
    thresholds: HealthThresholds,
    unit: Unit,
    accrual: Accrual,
    direction: Direction = Direction.HIGHER_IS_BETTER,
    health_reference: Decimal | None = None,
    children: Sequence[MeshNode] = (),
) -> MeshNode:
    """A node with an explicit expected-to-date value (``core.mesh.mesh_node``'s conventions).

    ``health_reference`` replaces the expected value in the health score (slippage's
    tolerance); ``actual=None`` is a level indicator with nothing to measure yet.
    """
    if actual is None:
        return unmeasured_node(
            key=key,
            label=label,
            formula=formula,
            plan=plan,
            unit=unit,
            accrual=accrual,
            direction=direction,
            children=children,
        )
    return scheduled_node(
        key=key,
        label=label,
        formula=formula,
        plan=plan,
        actual=actual,
        expected=expected,
        shown_expected=expected,
        thresholds=thresholds,
        unit=unit,
        accrual=accrual,
        direction=direction,
        health_reference=health_reference,
        children=children,
    )


def project_mesh(
    *,
    records: ProjectRecords,
    period: Period,
    as_of: date,
    calendar: WorkCalendar,
    target: Decimal | None = None,
    thresholds: HealthThresholds | None = None,
    slippage_tolerance_days: Decimal = DEFAULT_SLIPPAGE_TOLERANCE_DAYS,
    review_within_days: int = DEFAULT_REVIEW_WITHIN_DAYS,
) -> MeshNode:
    """The mesh tree of one project-paradigm node over ``period`` as of ``as_of``.

    ``target`` is the plan's revenue target for the node; None takes the revenue its
    milestones are planned to bring in the period (a role's or a person's share).
    """
    if not Decimal(slippage_tolerance_days).is_finite() or slippage_tolerance_days < 0:
        raise MeshError("slippage_tolerance_days must be a finite, non-negative number")
    limits = thresholds or HealthThresholds()
    actuals = project_actuals_of(
        records,
        start=period.start,
        end=period.end,
        as_of=as_of,
        review_within_days=review_within_days,
    )
    plan_target = to_money(target) if target is not None else actuals.revenue_planned
    one = Decimal(1)

    def rate(
        key: str,
        label: Message,
        formula: Message,
        value: Decimal | None,
        children: Sequence[MeshNode],
    ) -> MeshNode:
        return _node(
            key=key,
            label=label,
            formula=formula,
            plan=one,
            expected=one,
            actual=value,
            thresholds=limits,
            unit=Unit.RATE,
            accrual=Accrual.LEVEL,
            children=children,
        )

    def count(
        key: str, label: Message, formula: Message, plan: int, expected: int, actual: int
    ) -> MeshNode:
        return _node(
            key=key,
            label=label,
            formula=formula,
            plan=Decimal(plan),
            expected=Decimal(expected),
            actual=Decimal(actual),
            thresholds=limits,
            unit=Unit.COUNT,
            accrual=Accrual.CUMULATIVE,
        )

    reached = count(
        "milestones_reached",
        Message(gettext_noop("Milestones reached")),
        Message(gettext_noop("the period's milestones reached so far; expected: those due")),
        actuals.milestones_planned,
        actuals.milestones_due,
        actuals.milestones_reached,
    )
    on_time = rate(
        "milestones_on_time",
        Message(gettext_noop("Milestones on time")),
        Message(gettext_noop("reached on or before the planned date ÷ milestones due")),
        actuals.on_time_rate,
        (reached,),
    )
    slippage = _node(
        key="slippage_days",
        label=Message(gettext_noop("Slippage days")),
        formula=Message(
            gettext_noop(
                "Σ days late ÷ milestones due (health against a tolerance of %(days)s days)"
            ),
            {"days": slippage_tolerance_days},
        ),
        plan=Decimal(0),
        expected=Decimal(0),
        actual=actuals.average_slippage_days,
        thresholds=limits,
        unit=Unit.COUNT,
        accrual=Accrual.LEVEL,
        direction=Direction.LOWER_IS_BETTER,
        health_reference=slippage_tolerance_days,
    )
    readied = count(
        "resources_readied",
        Message(gettext_noop("Resources readied")),
        Message(gettext_noop("the period's resources ready so far; expected: those due")),
        actuals.resources_planned,
        actuals.resources_due,
        actuals.resources_readied,
    )
    resources = rate(
        "resources_ready",
        Message(gettext_noop("Resources ready in time")),
        Message(
            gettext_noop(
                "ready by the milestone's planned date − lead time ÷ resources due by then"
            )
        ),
        actuals.resources_ready_rate,
        (readied,),
    )
    handled = count(
        "stakeholder_actions",
        Message(gettext_noop("Stakeholder actions")),
        Message(gettext_noop("the period's stakeholder actions handled so far; expected: due")),
        actuals.actions_planned,
        actuals.actions_due,
        actuals.actions_handled,
    )
    actions = rate(
        "stakeholder_actions_done",
        Message(gettext_noop("Stakeholder actions done")),
        Message(gettext_noop("handled ÷ actions due by their milestone's planned date")),
        actuals.actions_done_rate,
        (handled,),
    )
    reviews = count(
        "reviews_held",
        Message(gettext_noop("Stage reviews held")),
        Message(
            gettext_noop(
                "reviews held; one expected within %(days)s days of each milestone reached"
            ),
            {"days": review_within_days},
        ),
        actuals.milestones_planned,
        actuals.reviews_expected,
        actuals.reviews_held,
    )
    return _node(
        key="revenue",
        label=Message(gettext_noop("Revenue recognised")),
        formula=Message(gettext_noop("Σ revenue share × contract value of the milestones reached")),
        plan=plan_target,
        expected=expected_revenue(
            target=plan_target, actuals=actuals, period=period, as_of=as_of, calendar=calendar
        ),
        actual=actuals.revenue_recognised,
        thresholds=limits,
        unit=Unit.MONEY,
        accrual=Accrual.CUMULATIVE,
        children=(on_time, slippage, resources, actions, reviews),
    )


def diagnose_projects(
    records: ProjectRecords, *, start: date, end: date, as_of: date
) -> tuple[Message, ...]:
    """The late milestones, late resources and pending actions in words, worst first."""
    to_date = min(end, as_of)
    by_id = {m.id: m for m in records.milestones}
    late = sorted(
        (
            (_slippage(m, as_of), m)
            for m in records.milestones
            if start <= m.planned_date <= to_date and _slippage(m, as_of) > 0
        ),
        key=lambda item: (-item[0], item[1].planned_date, item[1].id),
    )
    messages = [
        Message(
            gettext_noop(
                "“%(milestone)s” of %(project)s landed %(days)s days late, on %(date)s "
                "(%(amount)s)."
            )
            if _reached(m.actual_date, as_of)
            else gettext_noop(
                "“%(milestone)s” of %(project)s is %(days)s days late and still open "
                "(%(amount)s waiting)."
            ),
            {
                "milestone": m.name,
                "project": m.project,
                "days": days,
                "date": (m.actual_date or as_of).isoformat(),
                "amount": m.revenue,
            },
        )
        for days, m in late
    ]
    late_resources = [
        r
        for r in records.resources
        if start <= _ready_by(by_id[r.milestone_id], r) <= to_date
        and not (
            r.ready_date is not None
            and r.ready_date <= min(_ready_by(by_id[r.milestone_id], r), as_of)
        )
    ]
    if late_resources:
        messages.append(
            Message(
                gettext_noop("Resources not ready by their ready-by date: %(count)s."),
                {"count": len(late_resources)},
            )
        )
    pending = [
        a
        for a in records.actions
        if start <= by_id[a.milestone_id].planned_date <= to_date
        and not _reached(a.handled_on, as_of)
    ]
    if pending:
        messages.append(
            Message(
                gettext_noop("Stakeholder actions due and not handled yet: %(count)s."),
                {"count": len(pending)},
            )
        )
    if not messages:
        messages.append(
            Message(
                gettext_noop("Every milestone, resource and stakeholder action due is on time.")
            )
        )
    return tuple(messages)


# -- catch-up ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneTarget:
    """A milestone that must land by ``land_by`` (its planned date unless it is late)."""

    milestone_id: str
    project: str
    name: str
    revenue: Decimal
    planned_date: date
    land_by: date
    # Planned on or before as_of and still open.
    overdue: bool = False
    # Planned after the period and pulled into it by a fix.
    pulled_forward: bool = False


@dataclass(frozen=True)
class ActionTarget:
    """Stakeholder actions to handle by ``do_by`` (``due``: by the original plan)."""

    action_id: str
    stakeholder: str
    milestone_id: str
    milestone: str
    due: date
    do_by: date


@dataclass(frozen=True)
class ResourceTarget:
    """A resource to have ready by ``do_by`` (``due``: its ready-by date in the plan)."""

    resource_id: str
    description: str
    milestone_id: str
    milestone: str
    due: date
    do_by: date


@dataclass(frozen=True)
class CatchUpTargets:
    """Revenue to recognise and what must happen for it in the rest of the period."""

    revenue: Decimal
    milestones: tuple[MilestoneTarget, ...]
    actions: tuple[ActionTarget, ...]
    resources: tuple[ResourceTarget, ...]

    @property
    def milestone_revenue(self) -> Decimal:
        """What the milestones bring when they land."""
        return sum((m.revenue for m in self.milestones), Decimal("0.00"))


@dataclass(frozen=True)
class ProjectCatchUp:
    """The rest of the period re-planned: new targets beside the original plan's."""

    remaining_target: Decimal
    remaining_working_days: int
    # The first working day after as_of in the period: when late work is now due.
    now: date | None
    targets: CatchUpTargets
    baseline: CatchUpTargets
    # Later milestones to pull into the period (with their prerequisites), in order.
    pull_forward: tuple[MilestoneTarget, ...]
    # Remaining target the milestones (and the pulled-in ones) cannot bring.
    shortfall: Decimal
    feasible: bool
    fixes: tuple[Message, ...]
    messages: tuple[Message, ...]


def _working_day(calendar: WorkCalendar, start: date, end: date, *, last: bool) -> date | None:
    """The first (or last) working day in ``start`` … ``end``; None when there is none."""
    if start > end:
        return None
    day = end if last else start
    step = -_ONE_DAY if last else _ONE_DAY
    while start <= day <= end:
        if calendar.is_working_day(day):
            return day
        if day in (date.min, date.max):
            return None
        day += step
    return None


def _targets_of(
    records: ProjectRecords,
    milestones: Sequence[MilestoneTarget],
    *,
    revenue: Decimal,
    as_of: date,
    now: date,
    rest_start: date,
    end: date,
) -> CatchUpTargets:
    """The pending actions and resources the ``milestones`` (landing as targeted) need."""
    land_by = {m.milestone_id: m.land_by for m in milestones}
    by_id = {m.id: m for m in records.milestones}
    actions = []
    for action in records.actions:
        milestone = by_id[action.milestone_id]
        if action.milestone_id not in land_by or _reached(action.handled_on, as_of):
            continue
        due = milestone.planned_date
        do_by = min(due, land_by[action.milestone_id])
        actions.append(
            ActionTarget(
                action_id=action.id,
                stakeholder=action.stakeholder,
                milestone_id=milestone.id,
                milestone=milestone.name,
                due=due,
                do_by=do_by if do_by > as_of else now,
            )
        )
    resources = []
    for resource in records.resources:
        milestone = by_id[resource.milestone_id]
        if _reached(milestone.actual_date, as_of) or _reached(resource.ready_date, as_of):
            continue
        due = _ready_by(milestone, resource)
        lands = land_by.get(milestone.id, milestone.planned_date)
        do_by = min(due, lands - timedelta(days=resource.lead_time_days))
        do_by = do_by if do_by > as_of else now
        if rest_start <= do_by <= end:
            resources.append(
                ResourceTarget(
                    resource_id=resource.id,
                    description=resource.description,
                    milestone_id=milestone.id,
                    milestone=milestone.name,
                    due=due,
                    do_by=do_by,
                )
            )
    return CatchUpTargets(
        revenue=revenue,
        milestones=tuple(milestones),
        actions=tuple(sorted(actions, key=lambda a: (a.do_by, a.milestone_id, a.action_id))),
        resources=tuple(sorted(resources, key=lambda r: (r.do_by, r.milestone_id, r.resource_id))),
    )


def _baseline(
    records: ProjectRecords, *, revenue: Decimal, rest_start: date, end: date
) -> CatchUpTargets:
    """The original plan for ``rest_start`` … ``end``: whatever falls due then, as dated."""
    by_id = {m.id: m for m in records.milestones}
    milestones = tuple(
        MilestoneTarget(
            milestone_id=m.id,
            project=m.project,
            name=m.name,
            revenue=m.revenue,
            planned_date=m.planned_date,
            land_by=m.planned_date,
        )
        for m in sorted(records.milestones, key=lambda m: (m.planned_date, m.id))
        if rest_start <= m.planned_date <= end
    )
    actions = [
        ActionTarget(
            action_id=a.id,
            stakeholder=a.stakeholder,
            milestone_id=a.milestone_id,
            milestone=by_id[a.milestone_id].name,
            due=by_id[a.milestone_id].planned_date,
            do_by=by_id[a.milestone_id].planned_date,
        )
        for a in records.actions
        if rest_start <= by_id[a.milestone_id].planned_date <= end
    ]
    resources = [
        ResourceTarget(
            resource_id=r.id,
            description=r.description,
            milestone_id=r.milestone_id,
            milestone=by_id[r.milestone_id].name,
            due=_ready_by(by_id[r.milestone_id], r),
            do_by=_ready_by(by_id[r.milestone_id], r),
        )
        for r in records.resources
        if rest_start <= _ready_by(by_id[r.milestone_id], r) <= end
    ]
    return CatchUpTargets(
        revenue=revenue,
        milestones=milestones,
        actions=tuple(sorted(actions, key=lambda a: (a.do_by, a.milestone_id, a.action_id))),
        resources=tuple(sorted(resources, key=lambda r: (r.do_by, r.milestone_id, r.resource_id))),
    )


def _pull_forward(
    records: ProjectRecords, *, short: Decimal, as_of: date, end: date, land_by: date
) -> tuple[list[MilestoneTarget], list[list[MilestoneTarget]]]:
    """Later open milestones, earliest first with their open prerequisites, until covered."""
    by_id = {m.id: m for m in records.milestones}
    later = sorted(
        (
            m
            for m in records.milestones
            if m.planned_date > end and not _reached(m.actual_date, as_of)
        ),
        key=lambda m: (m.planned_date, m.id),
    )
    later_ids = {m.id for m in later}
    taken: list[MilestoneTarget] = []
    steps: list[list[MilestoneTarget]] = []
    chosen: set[str] = set()
    covered = Decimal("0.00")
    for candidate in later:
        if covered >= short:
            break
        if candidate.id in chosen or candidate.revenue <= 0:
            continue
        group: list[MilestoneRecord] = []
        stack = [candidate.id]
        while stack:
            key = stack.pop()
            if key in chosen or key not in later_ids:
                continue
            chosen.add(key)
            group.append(by_id[key])
            stack.extend(by_id[key].depends_on)
        step = [
            MilestoneTarget(
                milestone_id=m.id,
                project=m.project,
                name=m.name,
                revenue=m.revenue,
                planned_date=m.planned_date,
                land_by=land_by,
                pulled_forward=True,
            )
            for m in sorted(group, key=lambda m: (m.planned_date, m.id))
        ]
        steps.append(step)
        taken.extend(step)
        covered += sum((m.revenue for m in step), Decimal("0.00"))
    return taken, steps


def project_catch_up(
    *,
    records: ProjectRecords,
    period: Period,
    as_of: date,
    calendar: WorkCalendar,
    target: Decimal | None = None,
) -> ProjectCatchUp:
    """Re-plan the rest of ``period`` after ``as_of`` (module docstring, **Catch-up**)."""
    start, end = period.start, period.end
    actuals = project_actuals_of(records, start=start, end=end, as_of=as_of)
    plan_target = to_money(target) if target is not None else actuals.revenue_planned
    remaining = max(plan_target - actuals.revenue_recognised, Decimal("0.00"))
    expected = expected_revenue(
        target=plan_target, actuals=actuals, period=period, as_of=as_of, calendar=calendar
    )
    rest_start = max(start, as_of + _ONE_DAY)
    baseline = _baseline(
        records,
        revenue=max(plan_target - expected, Decimal("0.00")),
        rest_start=rest_start,
        end=end,
    )
    days = calendar.remaining_working_days(period, as_of)
    now = _working_day(calendar, rest_start, end, last=False)
    last = _working_day(calendar, rest_start, end, last=True)
    if now is None or last is None:
        empty = CatchUpTargets(revenue=remaining, milestones=(), actions=(), resources=())
        message = (
            Message(gettext_noop("The target is reached."))
            if remaining == 0
            else Message(
                gettext_noop(
                    "No working day is left in the period; %(amount)s of the target cannot be "
                    "recognised any more."
                ),
                {"amount": remaining},
            )
        )
        return ProjectCatchUp(
            remaining_target=remaining,
            remaining_working_days=days,
            now=None,
            targets=empty,
            baseline=baseline,
            pull_forward=(),
            shortfall=remaining,
            feasible=remaining == 0,
            fixes=(),
            messages=(message,),
        )
    milestones = [
        MilestoneTarget(
            milestone_id=m.id,
            project=m.project,
            name=m.name,
            revenue=m.revenue,
            planned_date=m.planned_date,
            land_by=m.planned_date if m.planned_date > as_of else now,
            overdue=m.planned_date <= as_of,
        )
        for m in records.milestones
        if (m.planned_date <= as_of or rest_start <= m.planned_date <= end)
        and not _reached(m.actual_date, as_of)
    ]
    milestones.sort(key=lambda m: (m.land_by, m.planned_date, m.milestone_id))
    targets = _targets_of(
        records,
        milestones,
        revenue=remaining,
        as_of=as_of,
        now=now,
        rest_start=rest_start,
        end=end,
    )
    short = max(remaining - targets.milestone_revenue, Decimal("0.00"))
    pulled, steps = _pull_forward(records, short=short, as_of=as_of, end=end, land_by=last)
    shortfall = max(short - sum((m.revenue for m in pulled), Decimal("0.00")), Decimal("0.00"))
    fixes = [
        Message(
            gettext_noop(
                "Pull “%(milestone)s” of %(project)s forward from %(planned)s to land by "
                "%(date)s: %(amount)s."
            ),
            {
                "milestone": " + ".join(m.name for m in step),
                "project": step[-1].project,
                "planned": step[-1].planned_date.isoformat(),
                "date": last.isoformat(),
                "amount": sum((m.revenue for m in step), Decimal("0.00")),
            },
        )
        for step in steps
    ]
    if shortfall > 0:
        fixes.append(
            Message(
                gettext_noop(
                    "%(amount)s of the remaining target has no milestone to come from: it "
                    "needs new projects or a larger scope."
                ),
                {"amount": shortfall},
            )
        )
    return ProjectCatchUp(
        remaining_target=remaining,
        remaining_working_days=days,
        now=now,
        targets=targets,
        baseline=baseline,
        pull_forward=tuple(pulled),
        shortfall=shortfall,
        feasible=short == 0,
        fixes=tuple(fixes),
        messages=_catch_up_messages(targets, baseline, remaining=remaining, end=end),
    )


def _catch_up_messages(
    targets: CatchUpTargets, baseline: CatchUpTargets, *, remaining: Decimal, end: date
) -> tuple[Message, ...]:
    """The catch-up in words: totals beside the original plan, then what moved."""
    messages = [
        Message(
            gettext_noop(
                "To recognise the remaining %(amount)s by %(end)s — milestones to land: "
                "%(milestones)s; stakeholder actions to handle: %(actions)s; resources to "
                "ready: %(resources)s."
            ),
            {
                "amount": remaining,
                "end": end.isoformat(),
                "milestones": len(targets.milestones),
                "actions": len(targets.actions),
                "resources": len(targets.resources),
            },
        ),
        Message(
            gettext_noop(
                "The original plan for the rest of the period — milestones: %(milestones)s; "
                "stakeholder actions: %(actions)s; resources: %(resources)s."
            ),
            {
                "milestones": len(baseline.milestones),
                "actions": len(baseline.actions),
                "resources": len(baseline.resources),
            },
        ),
    ]
    for m in targets.milestones:
        messages.append(
            Message(
                gettext_noop(
                    "Land “%(milestone)s” of %(project)s by %(date)s — planned for "
                    "%(planned)s, now late (%(amount)s)."
                )
                if m.overdue
                else gettext_noop(
                    "Land “%(milestone)s” of %(project)s by %(date)s as planned (%(amount)s)."
                ),
                {
                    "milestone": m.name,
                    "project": m.project,
                    "date": m.land_by.isoformat(),
                    "planned": m.planned_date.isoformat(),
                    "amount": m.revenue,
                },
            )
        )
    for a in targets.actions:
        if a.do_by != a.due:
            messages.append(
                Message(
                    gettext_noop(
                        "Now due by %(date)s: the actions towards %(stakeholder)s for "
                        "“%(milestone)s” (planned by %(due)s)."
                    ),
                    {
                        "date": a.do_by.isoformat(),
                        "stakeholder": a.stakeholder,
                        "milestone": a.milestone,
                        "due": a.due.isoformat(),
                    },
                )
            )
    for r in targets.resources:
        if r.do_by != r.due:
            messages.append(
                Message(
                    gettext_noop(
                        "Now due by %(date)s: %(resource)s for “%(milestone)s” (needed by %(due)s)."
                    ),
                    {
                        "date": r.do_by.isoformat(),
                        "resource": r.description,
                        "milestone": r.milestone,
                        "due": r.due.isoformat(),
                    },
                )
            )
    return tuple(messages)
