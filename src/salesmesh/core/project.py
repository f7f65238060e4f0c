"""The project planner: milestones, revenue, critical path, resources and stakeholders.

DESIGN.md §1.3: in the project paradigm a government or large-enterprise project is
controlled by milestones set in advance. Revenue follows milestones (contract, payment
or acceptance), the PMO pulls resources in before each milestone, and the business
role pre-empts the customer-side people who can derail it. From the projects this
module computes:

* **Revenue by period.** ``split_money(contract_value, shares)`` gives each milestone
  its revenue, cent-exact, so the milestones add up to the contract value; each amount
  falls in the ``grain`` period (``FiscalCalendar.period_containing``) of the
  milestone's date. Revenue shares are exact Decimals that must sum to exactly 1.
* **Schedule (CPM).** Every day count in this module is in **working days** of the
  caller's ``WorkCalendar`` (durations, slack, lead times, action offsets), so China's
  holidays and make-up working days (调休) are respected everywhere.
  A milestone is an activity that starts when all its dependencies are reached
  (finish-to-start) and ends on its date. Its date is either planned, or derived as
  ``duration`` working days after its latest dependency (after ``start_date`` for a
  milestone without dependencies). Its *duration* is the working days from its latest
  dependency's date to its own — working days after the one date up to and including
  the other — or, for a milestone without dependencies, from the project start
  (``start_date`` if earlier than every milestone, else the first milestone date).
  Forward pass: ``EF(m) = max EF(dependencies) + duration(m)``, which reproduces every
  date, so a milestone's earliest date *is* its date. Backward pass:
  ``LF = project finish`` for milestones nothing depends on, else
  ``LF(m) = min over dependants s of LF(s) - duration(s)``; ``slack = LF - EF >= 0``.
  The critical path runs back from the last milestone through each milestone's latest
  (binding) dependency; every milestone on it has zero slack.
  A planned date before a dependency's date is an **error**: the duration would be
  negative and the plan promises revenue for work that cannot have happened.
* **Resources.** A resource with lead time ``L`` must be ready by the ``L``-th working
  date before its milestone (``L`` working days remain between readiness and the
  milestone; ``L = 0`` means on the milestone date). It is *late* when that date is
  before ``as_of`` while the milestone is still ahead (on or after ``as_of``); for a
  milestone already past the lead time is history and raises nothing.
* **Stakeholder actions.** Each action of a stakeholder is due ``working_days_before``
  its milestone (every milestone the stakeholder is linked to, or the one it names).
  Actions towards opponents of influence ≥ ``high_influence`` are high priority: they
  are the people who can derail a milestone (DESIGN.md §1.3, business role).

Errors (``ProjectPlanError``) are collected across all projects and raised once: cyclic
dependencies (reported as ``m2 → m3 → m2``, each milestone before the next, found with
``graphlib``), unknown milestone ids, revenue shares not summing to 1, dates before a
dependency, and malformed fields.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from graphlib import CycleError, TopologicalSorter

from salesmesh.core.calendar import FiscalCalendar, Grain, Period, WorkCalendar
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.money import split_money, to_money

__all__ = [
    "DEFAULT_HIGH_INFLUENCE",
    "INFLUENCE_MAX",
    "INFLUENCE_MIN",
    "MAX_WORKING_DAYS",
    "ActionDue",
    "ActionPriority",
    "Attitude",
    "Milestone",
    "MilestonePlan",
    "MilestoneResource",
    "MilestoneRevenue",
    "OwningRole",
    "PeriodRevenue",
    "PortfolioPlan",
    "Project",
    "ProjectPlan",
    "ProjectPlanError",
    "ProjectWarning",
    "ProjectWarningCode",
    "ResourceKind",
    "ResourceReadiness",
    "RevenueKind",
    "Stakeholder",
    "StakeholderAction",
    "plan_project",
    "plan_projects",
    "project_problems",
]

# Influence is rated on a 1..5 scale, the same Likert scale the advisor's forms use.
INFLUENCE_MIN = 1
INFLUENCE_MAX = 5

# 4 and 5 on the 1..5 scale are the people whose word alone can block a sign-off
# (the bureau director, the CIO); an opponent among them gets high-priority actions.
DEFAULT_HIGH_INFLUENCE = 4

# About ten years of working days. No milestone gap, lead time or action offset in a
# real project is longer; a larger number is a typo (minutes or hours for days), and
# refusing it keeps every date shift far inside the supported date range.
MAX_WORKING_DAYS = 2500

# Dates are shifted by working days through the holidays library's calendars; a year
# outside this range in a sales plan is a typo (0205 for 2025) and would also take the
# date shifts out of range.
_MIN_YEAR = 1900
_MAX_YEAR = 2200

_ONE_DAY = timedelta(days=1)

Problems = list[tuple[str, Message]]


class ProjectPlanError(ValueError):
    """Invalid project input; ``problems`` lists every (path, message) found."""

    def __init__(self, problems: Problems) -> None:
        """Keep every problem and state them all in the exception text."""
        self.problems = problems
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))


# --------------------------------------------------------------------------- enums


class RevenueKind(StrEnum):
    """What a milestone's revenue is tied to."""

    CONTRACT = "contract"
    PAYMENT = "payment"
    ACCEPTANCE = "acceptance"


class OwningRole(StrEnum):
    """The role accountable for a milestone (DESIGN.md §1.3)."""

    PMO = "pmo"
    BUSINESS = "business"
    SOLUTION = "solution"


class ResourceKind(StrEnum):
    """What the solution role must bring in before a milestone."""

    PRODUCT = "product"
    SECONDARY_DEVELOPMENT = "secondary_development"
    INTEGRATION = "integration"
    SERVICES = "services"


class Attitude(StrEnum):
    """A customer-side stakeholder's stance towards the project."""

    SUPPORTER = "supporter"
    NEUTRAL = "neutral"
    OPPONENT = "opponent"


class ActionPriority(StrEnum):
    """Urgency of a stakeholder action; high for influential opponents."""

    HIGH = "high"
    NORMAL = "normal"


class ProjectWarningCode(StrEnum):
    """What a project warning is about, for the UI to pick an icon or a link."""

    MILESTONE_WITHOUT_OWNER = "milestone_without_owner"
    FINISHES_AFTER_CONTRACT_END = "finishes_after_contract_end"
    RESOURCE_LATE = "resource_late"
    ACTION_OVERDUE = "action_overdue"
    OPPONENT_WITHOUT_ACTION = "opponent_without_action"


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class MilestoneResource:
    """A resource needed for a milestone and its lead time in working days."""

    kind: ResourceKind
    description: str
    lead_time_working_days: int


@dataclass(frozen=True)
class Milestone:
    """A project milestone: its date (planned or as a duration), dependencies and revenue."""

    id: str
    name: str
    revenue_share: Decimal
    revenue_kind: RevenueKind
    planned_date: date | None = None
    # Working days after the latest dependency (or the project's start_date); give this
    # or planned_date, not both.
    duration_working_days: int | None = None
    depends_on: tuple[str, ...] = ()
    owner: OwningRole | None = None
    resources: tuple[MilestoneResource, ...] = ()


@dataclass(frozen=True)
class StakeholderAction:
    """An action towards a stakeholder, due some working days before a milestone."""

    description: str
    working_days_before: int
    # None: before every milestone the stakeholder is linked to; else only that one.
    milestone_id: str | None = None


@dataclass(frozen=True)
class Stakeholder:
    """A customer-side person who can help or derail the milestones linked to them."""

    name: str
    title: str
    influence: int
    attitude: Attitude
    milestone_ids: tuple[str, ...]
    actions: tuple[StakeholderAction, ...] = ()


@dataclass(frozen=True)
class Project:
    """A project: the customer's goal, the contract value, milestones and stakeholders."""

    id: str
    name: str
    goal: str
    contract_value: Decimal
    milestones: tuple[Milestone, ...]
    stakeholders: tuple[Stakeholder, ...] = ()
    # Needed only when a milestone without dependencies is given as a duration.
    start_date: date | None = None
    contract_end: date | None = None


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ResourceReadiness:
    """The date a milestone's resource must be ready, and whether it is already late."""

    project_id: str
    milestone_id: str
    kind: ResourceKind
    description: str
    lead_time_working_days: int
    milestone_date: date
    ready_by: date
    is_late: bool


@dataclass(frozen=True)
class ActionDue:
    """A stakeholder action with its due date before a milestone, and its priority."""

    project_id: str
    milestone_id: str
    stakeholder: str
    title: str
    influence: int
    attitude: Attitude
    description: str
    working_days_before: int
    due_date: date
    priority: ActionPriority
    is_overdue: bool


@dataclass(frozen=True)
class MilestoneRevenue:
    """Revenue one milestone brings in, in the period of its date."""

    project_id: str
    milestone_id: str
    revenue_kind: RevenueKind
    date: date
    amount: Decimal


@dataclass(frozen=True)
class PeriodRevenue:
    """Revenue of one period and the milestones it comes from."""

    period: Period
    amount: Decimal
    milestones: tuple[MilestoneRevenue, ...]


@dataclass(frozen=True)
class MilestonePlan:
    """A milestone's schedule (CPM), revenue, resource dates and stakeholder actions."""

    id: str
    name: str
    owner: OwningRole | None
    revenue_kind: RevenueKind
    revenue_share: Decimal
    revenue: Decimal
    period: Period
    # Given, or derived from the duration; also the CPM earliest date.
    planned_date: date
    latest_date: date
    duration_working_days: int
    slack_working_days: int
    is_critical: bool
    resources: tuple[ResourceReadiness, ...]
    # High priority first, then by due date.
    actions: tuple[ActionDue, ...]


@dataclass(frozen=True)
class ProjectWarning:
    """Something in a valid project plan that needs attention."""

    code: ProjectWarningCode
    project_id: str
    milestone_id: str | None
    message: Message


@dataclass(frozen=True)
class ProjectPlan:
    """One project's plan: milestones, revenue by period, critical path and warnings."""

    id: str
    name: str
    goal: str
    contract_value: Decimal
    # In input order.
    milestones: tuple[MilestonePlan, ...]
    # Only periods with revenue, in date order.
    revenue_by_period: tuple[PeriodRevenue, ...]
    critical_path: tuple[str, ...]
    finish_date: date
    # Working days from the project start (start_date or the first milestone date) to finish.
    length_working_days: int
    warnings: tuple[ProjectWarning, ...]

    @property
    def resources(self) -> tuple[ResourceReadiness, ...]:
        """Every resource of the project, by ready-by date."""
        items = [r for m in self.milestones for r in m.resources]
        return tuple(sorted(items, key=lambda r: r.ready_by))

    @property
    def actions(self) -> tuple[ActionDue, ...]:
        """Every stakeholder action of the project, by due date, high priority first."""
        items = [a for m in self.milestones for a in m.actions]
        return tuple(sorted(items, key=lambda a: (a.due_date, a.priority != ActionPriority.HIGH)))


@dataclass(frozen=True)
class PortfolioPlan:
    """Plans of several projects and their combined revenue by period."""

    projects: tuple[ProjectPlan, ...]
    revenue_by_period: tuple[PeriodRevenue, ...]

    @property
    def warnings(self) -> tuple[ProjectWarning, ...]:
        """Every project's warnings, project by project."""
        return tuple(w for p in self.projects for w in p.warnings)


# --------------------------------------------------------------------------- working days


def _shift_working_days(work: WorkCalendar, start: date, count: int) -> date:
    """The ``count``-th working date after ``start`` (before it if negative); 0 → ``start``."""
    if count == 0:
        return start
    needed = abs(count)
    # Working days are well over a third of calendar days even around China's week-long
    # holidays, so three times the count plus two weeks nearly always suffices in one go;
    # the loop widens the window if a calendar is sparser than that.
    span = 3 * needed + 14
    while True:
        if count > 0:
            dates = work.working_dates(start + _ONE_DAY, start + timedelta(days=span))
            if len(dates) >= needed:
                return dates[needed - 1]
        else:
            dates = work.working_dates(start - timedelta(days=span), start - _ONE_DAY)
            if len(dates) >= needed:
                return dates[-needed]
        span *= 2


# --------------------------------------------------------------------------- validation


def _is_int(value: object) -> bool:
    """True for an int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_exact_number(value: object) -> bool:
    """True for a finite Decimal or an int (not a bool); floats cannot hold 0.3 exactly."""
    if isinstance(value, Decimal):
        return value.is_finite()
    return _is_int(value)


def _is_date(value: object) -> bool:
    """True for a plain date in the supported year range (a datetime is not a date here)."""
    return (
        isinstance(value, date)
        and not isinstance(value, datetime)
        and _MIN_YEAR <= value.year <= _MAX_YEAR
    )


def _is_text(value: object) -> bool:
    """True for a string with something other than whitespace."""
    return isinstance(value, str) and bool(value.strip())


def _choices[E: StrEnum](kind: type[E]) -> str:
    """The enum's values for an error message."""
    return ", ".join(member.value for member in kind)


def _as_enum[E: StrEnum](value: object, kind: type[E]) -> E | None:
    """``value`` as a member of ``kind`` (members and their string values), else None."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            return None
    return None


_MSG_TEXT = gettext_noop("must be a non-empty text")
_MSG_DATE = gettext_noop("must be a date (not a datetime) in the years %(low)s..%(high)s")
_MSG_WORKING_DAYS = gettext_noop("must be a whole number of working days from 0 to %(max)s")
_MSG_CHOICE = gettext_noop("must be one of: %(choices)s")


def _date_message() -> Message:
    """The message for a malformed date."""
    return Message(_MSG_DATE, {"low": _MIN_YEAR, "high": _MAX_YEAR})


def _working_days_message() -> Message:
    """The message for a malformed working-day count."""
    return Message(_MSG_WORKING_DAYS, {"max": MAX_WORKING_DAYS})


def _is_working_days(value: object) -> bool:
    """True for an int in [0, MAX_WORKING_DAYS]."""
    return _is_int(value) and 0 <= value <= MAX_WORKING_DAYS  # type: ignore[operator]


def _format_cycle(cycle: Sequence[str], order: dict[str, int]) -> list[str]:
    """The closed cycle (first == last) rotated to start at its earliest milestone."""
    nodes = list(cycle[:-1])
    first = min(range(len(nodes)), key=lambda i: order[nodes[i]])
    rotated = nodes[first:] + nodes[:first]
    return [*rotated, rotated[0]]


def _find_cycles(ids: Sequence[str], deps: dict[str, list[str]]) -> list[list[str]]:
    """The cycles graphlib finds, breaking each one until the graph is acyclic.

    graphlib reports one cycle per attempt; removing the closing edge of each reported
    cycle and asking again reports the others too, so every tangle of dependencies is
    reported at once (loops sharing the removed edge are reported through another one).
    Each cycle reads in precedence order: every milestone must come before the next.
    """
    order = {mid: i for i, mid in enumerate(ids)}
    edges = {mid: list(deps[mid]) for mid in ids}
    cycles: list[list[str]] = []
    while True:
        try:
            TopologicalSorter(edges).prepare()
        except CycleError as exc:
            found: list[str] = list(exc.args[1])
            cycles.append(_format_cycle(found, order))
            # In graphlib's cycle each node is a dependency of the next one.
            before, after = found[-2], found[-1]
            edges[after] = [d for d in edges[after] if d != before]
            continue
        return cycles


@dataclass
class _Checked:
    """What validation learnt about one project, for the date resolution step."""

    deps: dict[str, list[str]]
    graph_ok: bool
    dates_ok: bool


def _check_milestones(project: Project, path: str, problems: Problems) -> _Checked:
    """Check the milestones' fields, ids, shares and dependency graph."""
    milestones = project.milestones
    mpath = f"{path}.milestones"
    ids: list[str] = []
    index_of: dict[str, int] = {}
    for j, m in enumerate(milestones):
        if not _is_text(m.id):
            problems.append((f"{mpath}[{j}].id", Message(_MSG_TEXT)))
        elif m.id in index_of:
            problems.append(
                (
                    f"{mpath}[{j}].id",
                    Message(
                        gettext_noop("duplicate milestone id %(id)s in project %(project)s"),
                        {"id": m.id, "project": project.id},
                    ),
                )
            )
        else:
            index_of[m.id] = j
            ids.append(m.id)

    shares_ok = True
    dates_ok = True
    graph_ok = True
    deps: dict[str, list[str]] = {mid: [] for mid in ids}
    for j, m in enumerate(milestones):
        p = f"{mpath}[{j}]"
        if not _is_text(m.name):
            problems.append((f"{p}.name", Message(_MSG_TEXT)))
        share: object = m.revenue_share
        if not (_is_exact_number(share) and 0 <= share <= 1):  # type: ignore[operator]
            shares_ok = False
            problems.append(
                (
                    f"{p}.revenue_share",
                    Message(gettext_noop("must be a Decimal from 0 to 1 (not a float)")),
                )
            )
        if _as_enum(m.revenue_kind, RevenueKind) is None:
            problems.append(
                (f"{p}.revenue_kind", Message(_MSG_CHOICE, {"choices": _choices(RevenueKind)}))
            )
        if m.owner is not None and _as_enum(m.owner, OwningRole) is None:
            problems.append((f"{p}.owner", Message(_MSG_CHOICE, {"choices": _choices(OwningRole)})))

        has_date = m.planned_date is not None
        has_duration = m.duration_working_days is not None
        if has_date and not _is_date(m.planned_date):
            dates_ok = False
            problems.append((f"{p}.planned_date", _date_message()))
        if has_duration and not _is_working_days(m.duration_working_days):
            dates_ok = False
            problems.append((f"{p}.duration_working_days", _working_days_message()))
        if has_date and has_duration:
            dates_ok = False
            problems.append(
                (
                    p,
                    Message(
                        gettext_noop(
                            "give either a planned_date or a duration_working_days, not both"
                        )
                    ),
                )
            )
        elif not has_date and not has_duration:
            dates_ok = False
            problems.append(
                (p, Message(gettext_noop("give a planned_date or a duration_working_days")))
            )
        elif has_duration and not m.depends_on and project.start_date is None:
            dates_ok = False
            problems.append(
                (
                    f"{p}.duration_working_days",
                    Message(
                        gettext_noop(
                            "a milestone without dependencies needs a planned_date, "
                            "or the project a start_date to count its duration from"
                        )
                    ),
                )
            )

        for k, dep in enumerate(m.depends_on):
            if isinstance(dep, str) and dep in index_of:
                # A repeated dependency holds once; a milestone with a duplicate id (already
                # reported) adds nothing, or its edges would be taken for the first one's.
                if index_of.get(m.id) == j and dep not in deps[m.id]:
                    deps[m.id].append(dep)
            else:
                graph_ok = False
                problems.append(
                    (
                        f"{p}.depends_on[{k}]",
                        Message(
                            gettext_noop("unknown milestone %(id)s in project %(project)s"),
                            {"id": str(dep), "project": project.id},
                        ),
                    )
                )

        for r, res in enumerate(m.resources):
            rp = f"{p}.resources[{r}]"
            if _as_enum(res.kind, ResourceKind) is None:
                problems.append(
                    (f"{rp}.kind", Message(_MSG_CHOICE, {"choices": _choices(ResourceKind)}))
                )
            if not _is_text(res.description):
                problems.append((f"{rp}.description", Message(_MSG_TEXT)))
            if not _is_working_days(res.lead_time_working_days):
                problems.append((f"{rp}.lead_time_working_days", _working_days_message()))

    if not milestones:
        problems.append((mpath, Message(gettext_noop("a project needs at least one milestone"))))
    elif shares_ok:
        # Fractions: the check is exact whatever the number of Decimal digits.
        total = sum((Fraction(m.revenue_share) for m in milestones), Fraction(0))
        if total != 1:
            problems.append(
                (
                    mpath,
                    Message(
                        gettext_noop(
                            "revenue shares of project %(project)s sum to %(total)s; "
                            "they must sum to exactly 1"
                        ),
                        {
                            "project": project.id,
                            "total": str(sum((m.revenue_share for m in milestones), Decimal(0))),
                        },
                    ),
                )
            )

    for cycle in _find_cycles(ids, deps):
        graph_ok = False
        problems.append(
            (
                f"{mpath}[{index_of[cycle[0]]}].depends_on",
                Message(
                    gettext_noop(
                        "dependencies form a cycle: %(cycle)s "
                        "(each milestone would have to come before the next)"
                    ),
                    {"cycle": " → ".join(cycle)},
                ),
            )
        )
    return _Checked(deps=deps, graph_ok=graph_ok, dates_ok=dates_ok and len(ids) == len(milestones))


def _resolve_dates(project: Project, checked: _Checked, work: WorkCalendar) -> dict[str, date]:
    """Every milestone's date: planned, or its duration after the latest dependency.

    Needs a valid, acyclic graph; otherwise only the planned dates are returned.
    """
    dates: dict[str, date] = {
        m.id: m.planned_date for m in project.milestones if m.planned_date is not None
    }
    if not (checked.graph_ok and checked.dates_ok):
        return dates
    by_id = {m.id: m for m in project.milestones}
    for mid in TopologicalSorter(checked.deps).static_order():
        m = by_id[mid]
        if m.planned_date is None and m.duration_working_days is not None:
            deps = checked.deps[mid]
            base = max(dates[d] for d in deps) if deps else project.start_date
            # Validation has already reported a duration with no base (no start_date).
            if base is not None:
                dates[mid] = _shift_working_days(work, base, m.duration_working_days)
    return dates


def _check_date_order(
    project: Project, path: str, checked: _Checked, dates: dict[str, date], problems: Problems
) -> None:
    """A planned date must not come before the date of any of its dependencies."""
    for j, m in enumerate(project.milestones):
        if m.planned_date is None or not _is_date(m.planned_date) or m.id not in checked.deps:
            continue
        for dep in checked.deps[m.id]:
            dep_date = dates.get(dep)
            if dep_date is not None and _is_date(dep_date) and m.planned_date < dep_date:
                problems.append(
                    (
                        f"{path}.milestones[{j}].planned_date",
                        Message(
                            gettext_noop(
                                "%(date)s is before %(dependency)s's date %(dependency_date)s; "
                                "a milestone cannot come before a milestone it depends on"
                            ),
                            {
                                "date": m.planned_date.isoformat(),
                                "dependency": dep,
                                "dependency_date": dep_date.isoformat(),
                            },
                        ),
                    )
                )


def _check_stakeholders(project: Project, path: str, problems: Problems) -> None:
    """Check each stakeholder's fields, linked milestones and actions."""
    known = {m.id for m in project.milestones}
    for s, holder in enumerate(project.stakeholders):
        sp = f"{path}.stakeholders[{s}]"
        if not _is_text(holder.name):
            problems.append((f"{sp}.name", Message(_MSG_TEXT)))
        title: object = holder.title
        if not isinstance(title, str):
            problems.append((f"{sp}.title", Message(gettext_noop("must be a text"))))
        if not (_is_int(holder.influence) and INFLUENCE_MIN <= holder.influence <= INFLUENCE_MAX):
            problems.append(
                (
                    f"{sp}.influence",
                    Message(
                        gettext_noop("must be a whole number from %(low)s to %(high)s"),
                        {"low": INFLUENCE_MIN, "high": INFLUENCE_MAX},
                    ),
                )
            )
        if _as_enum(holder.attitude, Attitude) is None:
            problems.append(
                (f"{sp}.attitude", Message(_MSG_CHOICE, {"choices": _choices(Attitude)}))
            )
        for k, mid in enumerate(holder.milestone_ids):
            if mid not in known:
                problems.append(
                    (
                        f"{sp}.milestone_ids[{k}]",
                        Message(
                            gettext_noop("unknown milestone %(id)s in project %(project)s"),
                            {"id": str(mid), "project": project.id},
                        ),
                    )
                )
        for a, action in enumerate(holder.actions):
            ap = f"{sp}.actions[{a}]"
            if not _is_text(action.description):
                problems.append((f"{ap}.description", Message(_MSG_TEXT)))
            if not _is_working_days(action.working_days_before):
                problems.append((f"{ap}.working_days_before", _working_days_message()))
            if action.milestone_id is not None and action.milestone_id not in holder.milestone_ids:
                problems.append(
                    (
                        f"{ap}.milestone_id",
                        Message(
                            gettext_noop(
                                "%(id)s is not among the milestones this stakeholder is linked to"
                            ),
                            {"id": str(action.milestone_id)},
                        ),
                    )
                )


def _check_project(
    project: Project, path: str, work: WorkCalendar, problems: Problems
) -> dict[str, date]:
    """Append every problem of one project; return the milestone dates resolved so far."""
    if not _is_text(project.id):
        problems.append((f"{path}.id", Message(_MSG_TEXT)))
    if not _is_text(project.name):
        problems.append((f"{path}.name", Message(_MSG_TEXT)))
    goal: object = project.goal
    if not isinstance(goal, str):
        problems.append((f"{path}.goal", Message(gettext_noop("must be a text"))))
    value: object = project.contract_value
    if not (_is_exact_number(value) and value >= 0):  # type: ignore[operator]
        problems.append(
            (
                f"{path}.contract_value",
                Message(gettext_noop("must be a Decimal amount ≥ 0 (not a float)")),
            )
        )
    for name in ("start_date", "contract_end"):
        field_value: object = getattr(project, name)
        if field_value is not None and not _is_date(field_value):
            problems.append((f"{path}.{name}", _date_message()))
    checked = _check_milestones(project, path, problems)
    if project.start_date is not None and not _is_date(project.start_date):
        checked.dates_ok = False
    dates = _resolve_dates(project, checked, work)
    _check_date_order(project, path, checked, dates, problems)
    _check_stakeholders(project, path, problems)
    return dates


def _validate(
    projects: Sequence[Project], paths: Sequence[str], work: WorkCalendar
) -> tuple[Problems, list[dict[str, date]]]:
    """Every problem of every project, and each project's milestone dates resolved so far."""
    problems: Problems = []
    resolved: list[dict[str, date]] = []
    seen: set[str] = set()
    for project, p in zip(projects, paths, strict=True):
        if isinstance(project.id, str) and project.id in seen:
            problems.append(
                (
                    f"{p}.id",
                    Message(gettext_noop("duplicate project id %(id)s"), {"id": project.id}),
                )
            )
        if isinstance(project.id, str):
            seen.add(project.id)
        resolved.append(_check_project(project, p, work, problems))
    return problems, resolved


def _project_paths(projects: Sequence[Project], path: str) -> list[str]:
    """``path[i]`` for each project."""
    return [f"{path}[{i}]" for i in range(len(projects))]


def project_problems(
    projects: Sequence[Project], work: WorkCalendar, path: str = "projects"
) -> Problems:
    """Every problem with ``projects`` as (field path, message); empty when valid."""
    problems, _ = _validate(projects, _project_paths(projects, path), work)
    return problems


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class _Schedule:
    """CPM quantities of one project, in working days from the project start."""

    duration: dict[str, int]
    early: dict[str, int]
    slack: dict[str, int]
    critical_path: tuple[str, ...]
    length: int


def _schedule(
    ids: Sequence[str],
    deps: dict[str, list[str]],
    dates: dict[str, date],
    project_start: date | None,
    work: WorkCalendar,
) -> _Schedule:
    """Forward and backward CPM passes over the dependency DAG."""
    first = min(dates.values())
    anchor = first if project_start is None else min(project_start, first)
    # Working days after the anchor up to each date: the time axis of the passes.
    offset = {mid: work.working_days(anchor + _ONE_DAY, dates[mid]) for mid in ids}
    duration = {mid: offset[mid] - max((offset[d] for d in deps[mid]), default=0) for mid in ids}
    order = list(TopologicalSorter({mid: deps[mid] for mid in ids}).static_order())

    early: dict[str, int] = {}
    for mid in order:
        early[mid] = max((early[d] for d in deps[mid]), default=0) + duration[mid]
    length = max(early.values())

    dependants: dict[str, list[str]] = defaultdict(list)
    for mid in ids:
        for d in deps[mid]:
            dependants[d].append(mid)
    late: dict[str, int] = {}
    for mid in reversed(order):
        late[mid] = min((late[s] - duration[s] for s in dependants[mid]), default=length)
    slack = {mid: late[mid] - early[mid] for mid in ids}

    # Walk back from the milestone with the latest date through the dependency that binds
    # each step. A weekend date shares its working-day offset with the Friday before, so
    # ties go to the later calendar date, then to input order, keeping the path
    # deterministic and its end on the project's last date.
    rank = {mid: i for i, mid in enumerate(ids)}

    def latest_first(mid: str) -> tuple[int, int]:
        """Sort key: later date first, then input order."""
        return (-dates[mid].toordinal(), rank[mid])

    current = min(ids, key=latest_first)
    path = [current]
    while deps[current]:
        start = early[current] - duration[current]
        current = min((d for d in deps[current] if early[d] == start), key=latest_first)
        path.append(current)
    return _Schedule(
        duration=duration,
        early=early,
        slack=slack,
        critical_path=tuple(reversed(path)),
        length=length,
    )


def _group_by_period(
    items: Sequence[MilestoneRevenue], fiscal: FiscalCalendar, grain: Grain
) -> tuple[PeriodRevenue, ...]:
    """Sum milestone revenue by the period containing each date, in date order."""
    groups: dict[Period, list[MilestoneRevenue]] = defaultdict(list)
    for item in items:
        groups[fiscal.period_containing(item.date, grain)].append(item)
    return tuple(
        PeriodRevenue(
            period=period,
            amount=sum((i.amount for i in members), Decimal("0.00")),
            milestones=tuple(members),
        )
        for period, members in sorted(groups.items(), key=lambda kv: kv[0].start)
    )


def _plan_one(
    project: Project,
    dates: dict[str, date],
    *,
    as_of: date,
    grain: Grain,
    fiscal: FiscalCalendar,
    work: WorkCalendar,
    high_influence: int,
) -> ProjectPlan:
    """Plan one validated project."""
    milestones = project.milestones
    ids = [m.id for m in milestones]
    deps: dict[str, list[str]] = {m.id: list(dict.fromkeys(m.depends_on)) for m in milestones}
    sched = _schedule(ids, deps, dates, project.start_date, work)
    contract_value = to_money(project.contract_value)
    amounts = split_money(contract_value, [m.revenue_share for m in milestones])
    warnings: list[ProjectWarning] = []

    actions_by_milestone: dict[str, list[ActionDue]] = defaultdict(list)
    for holder in project.stakeholders:
        attitude = Attitude(holder.attitude)
        high = attitude is Attitude.OPPONENT and holder.influence >= high_influence
        priority = ActionPriority.HIGH if high else ActionPriority.NORMAL
        if high and not holder.actions:
            warnings.append(
                ProjectWarning(
                    ProjectWarningCode.OPPONENT_WITHOUT_ACTION,
                    project.id,
                    None,
                    Message(
                        gettext_noop(
                            "%(stakeholder)s (influence %(influence)s) opposes project "
                            "%(project)s but no action towards them is planned."
                        ),
                        {
                            "stakeholder": holder.name,
                            "influence": holder.influence,
                            "project": project.id,
                        },
                    ),
                )
            )
        for mid in dict.fromkeys(holder.milestone_ids):
            for action in holder.actions:
                if action.milestone_id not in (None, mid):
                    continue
                due = _shift_working_days(work, dates[mid], -action.working_days_before)
                actions_by_milestone[mid].append(
                    ActionDue(
                        project_id=project.id,
                        milestone_id=mid,
                        stakeholder=holder.name,
                        title=holder.title,
                        influence=holder.influence,
                        attitude=attitude,
                        description=action.description,
                        working_days_before=action.working_days_before,
                        due_date=due,
                        priority=priority,
                        is_overdue=due < as_of <= dates[mid],
                    )
                )

    plans: list[MilestonePlan] = []
    revenue: list[MilestoneRevenue] = []
    for m, amount in zip(milestones, amounts, strict=True):
        when = dates[m.id]
        owner = None if m.owner is None else OwningRole(m.owner)
        kind = RevenueKind(m.revenue_kind)
        if owner is None:
            warnings.append(
                ProjectWarning(
                    ProjectWarningCode.MILESTONE_WITHOUT_OWNER,
                    project.id,
                    m.id,
                    Message(
                        gettext_noop(
                            "Milestone %(milestone)s of project %(project)s has no owning "
                            "role (PMO, business or solution)."
                        ),
                        {"milestone": m.id, "project": project.id},
                    ),
                )
            )
        resources: list[ResourceReadiness] = []
        for res in m.resources:
            ready_by = _shift_working_days(work, when, -res.lead_time_working_days)
            late = ready_by < as_of <= when
            resources.append(
                ResourceReadiness(
                    project_id=project.id,
                    milestone_id=m.id,
                    kind=ResourceKind(res.kind),
                    description=res.description,
                    lead_time_working_days=res.lead_time_working_days,
                    milestone_date=when,
                    ready_by=ready_by,
                    is_late=late,
                )
            )
            if late:
                warnings.append(
                    ProjectWarning(
                        ProjectWarningCode.RESOURCE_LATE,
                        project.id,
                        m.id,
                        Message(
                            gettext_noop(
                                "%(resource)s for milestone %(milestone)s of project "
                                "%(project)s had to be ready by %(ready_by)s (%(lead)s working "
                                "days before %(date)s); as of %(as_of)s it is late unless "
                                "already in place."
                            ),
                            {
                                "resource": res.description,
                                "milestone": m.id,
                                "project": project.id,
                                "ready_by": ready_by.isoformat(),
                                "lead": res.lead_time_working_days,
                                "date": when.isoformat(),
                                "as_of": as_of.isoformat(),
                            },
                        ),
                    )
                )
        actions = sorted(
            actions_by_milestone[m.id],
            key=lambda a: (a.priority != ActionPriority.HIGH, a.due_date),
        )
        for due_action in actions:
            if due_action.is_overdue and due_action.priority is ActionPriority.HIGH:
                warnings.append(
                    ProjectWarning(
                        ProjectWarningCode.ACTION_OVERDUE,
                        project.id,
                        m.id,
                        Message(
                            gettext_noop(
                                "High-priority action “%(action)s” towards "
                                "%(stakeholder)s was due on %(due)s before milestone "
                                "%(milestone)s of project %(project)s; as of %(as_of)s it "
                                "is overdue."
                            ),
                            {
                                "action": due_action.description,
                                "stakeholder": due_action.stakeholder,
                                "due": due_action.due_date.isoformat(),
                                "milestone": m.id,
                                "project": project.id,
                                "as_of": as_of.isoformat(),
                            },
                        ),
                    )
                )
        slack = sched.slack[m.id]
        plans.append(
            MilestonePlan(
                id=m.id,
                name=m.name,
                owner=owner,
                revenue_kind=kind,
                revenue_share=m.revenue_share,
                revenue=amount,
                period=fiscal.period_containing(when, grain),
                planned_date=when,
                latest_date=_shift_working_days(work, when, slack),
                duration_working_days=sched.duration[m.id],
                slack_working_days=slack,
                is_critical=slack == 0,
                resources=tuple(resources),
                actions=tuple(actions),
            )
        )
        if m.revenue_share > 0:
            revenue.append(MilestoneRevenue(project.id, m.id, kind, when, amount))

    finish = dates[sched.critical_path[-1]]
    if project.contract_end is not None and finish > project.contract_end:
        warnings.append(
            ProjectWarning(
                ProjectWarningCode.FINISHES_AFTER_CONTRACT_END,
                project.id,
                sched.critical_path[-1],
                Message(
                    gettext_noop(
                        "Project %(project)s finishes on %(finish)s, after its contract end "
                        "%(contract_end)s (critical path: %(path)s)."
                    ),
                    {
                        "project": project.id,
                        "finish": finish.isoformat(),
                        "contract_end": project.contract_end.isoformat(),
                        "path": " → ".join(sched.critical_path),
                    },
                ),
            )
        )

    return ProjectPlan(
        id=project.id,
        name=project.name,
        goal=project.goal,
        contract_value=contract_value,
        milestones=tuple(plans),
        revenue_by_period=_group_by_period(revenue, fiscal, grain),
        critical_path=sched.critical_path,
        finish_date=finish,
        length_working_days=sched.length,
        warnings=tuple(warnings),
    )


def _parameter_problems(grain: object, high_influence: object) -> Problems:
    """Problems with the planning parameters that may come from a plan file."""
    problems: Problems = []
    if _as_enum(grain, Grain) is None:
        problems.append(("grain", Message(_MSG_CHOICE, {"choices": _choices(Grain)})))
    if not (_is_int(high_influence) and INFLUENCE_MIN <= high_influence <= INFLUENCE_MAX):  # type: ignore[operator]
        problems.append(
            (
                "high_influence",
                Message(
                    gettext_noop("must be a whole number from %(low)s to %(high)s"),
                    {"low": INFLUENCE_MIN, "high": INFLUENCE_MAX},
                ),
            )
        )
    return problems


def _plan(
    projects: Sequence[Project],
    paths: Sequence[str],
    *,
    as_of: date,
    grain: Grain,
    fiscal: FiscalCalendar,
    work: WorkCalendar,
    high_influence: int,
) -> PortfolioPlan:
    """Validate everything, raise once if anything is wrong, else plan each project."""
    problems = _parameter_problems(grain, high_influence)
    project_issues, resolved = _validate(projects, paths, work)
    problems.extend(project_issues)
    if problems:
        raise ProjectPlanError(problems)
    grain = Grain(grain)
    plans = tuple(
        _plan_one(
            project,
            dates,
            as_of=as_of,
            grain=grain,
            fiscal=fiscal,
            work=work,
            high_influence=high_influence,
        )
        for project, dates in zip(projects, resolved, strict=True)
    )
    everything = [
        m for plan in plans for period in plan.revenue_by_period for m in period.milestones
    ]
    return PortfolioPlan(
        projects=plans, revenue_by_period=_group_by_period(everything, fiscal, grain)
    )


def plan_projects(
    projects: Sequence[Project],
    *,
    as_of: date,
    grain: Grain,
    fiscal: FiscalCalendar,
    work: WorkCalendar,
    high_influence: int = DEFAULT_HIGH_INFLUENCE,
    path: str = "projects",
) -> PortfolioPlan:
    """Plan every project and sum their revenue by ``grain`` period of ``fiscal``.

    Raises ``ProjectPlanError`` listing every invalid field of every project at once,
    with paths such as ``projects[0].milestones[2].revenue_share``.
    """
    return _plan(
        projects,
        _project_paths(projects, path),
        as_of=as_of,
        grain=grain,
        fiscal=fiscal,
        work=work,
        high_influence=high_influence,
    )


def plan_project(
    project: Project,
    *,
    as_of: date,
    grain: Grain,
    fiscal: FiscalCalendar,
    work: WorkCalendar,
    high_influence: int = DEFAULT_HIGH_INFLUENCE,
) -> ProjectPlan:
    """Plan one project; error paths start with ``project.`` (``project.milestones[1]...``)."""
    portfolio = _plan(
        [project],
        ["project"],
        as_of=as_of,
        grain=grain,
        fiscal=fiscal,
        work=work,
        high_influence=high_influence,
    )
    return portfolio.projects[0]
