"""Allocation of a target over the org tree and over time, exact to the cent (or unit).

Every split here is a ``largest_remainder`` split in integer units (cents for money,
ones for counts such as calls), so at every level the parts add back to the whole:

* ``split_amount`` / ``split_count`` split one total over weights, falling back to an
  equal split when every weight is zero.
* ``allocate_tree`` / ``allocate_tree_counts`` walk an org tree (company -> lines ->
  teams -> people) and split each node's amount over its children by a method (equal,
  historical share, potential, ramped capacity). Locked overrides keep their amount and
  the rest of the parent rebalances over the unlocked siblings.
* ``allocate_period`` / ``allocate_period_counts`` split a total over the months of a
  period by a seasonality curve, then each month over its working days; the result rolls
  up to ISO weeks clipped to the period (``PeriodAllocation.weeks``).

Period model: a month's weight is its seasonality weight times the share of the month's
working days that fall inside the period (1 for whole months, so a flat curve gives whole
months equal amounts whatever their working days). A month with no working days weighs 0,
so largest remainder hands its share to the other months in proportion to theirs (with a
warning). Inside a month the amount is split equally over its working days, the leftover
cents going to the earliest days. Totals, overrides and weights must not be negative.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from salesmesh.core.calendar import Grain, Period, WorkCalendar, tenure_months
from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.core.money import CENT, Weight, largest_remainder, to_money

__all__ = [
    "DEFAULT_RAMP_MONTHS",
    "AllocatedNode",
    "AllocationError",
    "AllocationMethod",
    "AllocationNode",
    "DayAmount",
    "MonthAllocation",
    "PeriodAllocation",
    "PeriodAllocationRequest",
    "RampCurve",
    "Seasonality",
    "Split",
    "TreeAllocation",
    "TreeAllocationRequest",
    "WeekAmount",
    "allocate_period",
    "allocate_period_counts",
    "allocate_tree",
    "allocate_tree_counts",
    "split_amount",
    "split_count",
    "weekly_totals",
]

# Six months is the usual time for a B2B rep to reach full quota productivity; with the
# linear default a hire in their first month counts 1/6 of a full rep, fully ramped in
# their sixth month (tenure 5 completed months).
DEFAULT_RAMP_MONTHS = 6

# Twelve calendar months, January first.
_MONTHS_IN_YEAR = 12
_ONE_DAY = timedelta(days=1)

type Problem = tuple[str, Message]


class AllocationError(ValueError):
    """Invalid or infeasible allocation input; ``problems`` lists every (path, message)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        """Keep all problems and show them one per line as ``path: message``."""
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(f"{path}: {message}" for path, message in self.problems))


# --- flat splits -------------------------------------------------------------------------


@dataclass(frozen=True)
class Split[A: (Decimal, int)]:
    """Parts of one split, in the order of the weights, and whether it fell back to equal."""

    parts: tuple[A, ...]
    equal_fallback: bool


def _split_units(units: int, weights: Sequence[Weight]) -> tuple[list[int], bool]:
    """Largest-remainder split of integer units; all-zero weights fall back to equal."""
    if units == 0:
        # Nothing to share: zero parts whatever the weights (even if they are all zero).
        return [0] * len(weights), False
    if not any(weights):
        return largest_remainder(units, [1] * len(weights)), True
    return largest_remainder(units, weights), False


def split_amount(total: Decimal, weights: Sequence[Weight]) -> Split[Decimal]:
    """Split money over weights to the cent (largest remainder); zero weights split equally."""
    cents, fell_back = _split_units(_money_units(total), weights)
    return Split(tuple(_money_from_units(c) for c in cents), fell_back)


def split_count(total: int, weights: Sequence[Weight]) -> Split[int]:
    """Split an integer count over weights exactly; zero weights split equally."""
    parts, fell_back = _split_units(total, weights)
    return Split(tuple(parts), fell_back)


def _money_units(value: Decimal | int) -> int:
    """Whole cents of ``to_money(value)``."""
    return int(to_money(value) / CENT)


def _money_from_units(cents: int) -> Decimal:
    """Decimal amount of a number of cents, with two places."""
    return Decimal(cents) * CENT


def _count_from_units(units: int) -> int:
    """Counts are their own units."""
    return units


# --- inputs shared by the tree allocation ------------------------------------------------


class AllocationMethod(StrEnum):
    """How a node's amount is split over its children."""

    EQUAL = "equal"
    HISTORICAL_SHARE = "historical_share"
    POTENTIAL = "potential"
    CAPACITY = "capacity"


@dataclass(frozen=True)
class RampCurve:
    """Productivity factor of a new hire by whole months of tenure at the period start."""

    # Default (no factors): linear, min(1, (t + 1) / ramp_months) for t completed months,
    # so with 6 a hire counts 1/6, 2/6, ... and is full from tenure 5.
    ramp_months: int = DEFAULT_RAMP_MONTHS
    # A custom curve: factors[t] in [0, 1] at tenure t; beyond its end a person counts 1.
    factors: tuple[Weight, ...] = ()

    def factor(self, tenure: int) -> Fraction:
        """Ramp factor in [0, 1] for ``tenure`` completed months."""
        if self.factors:
            return Fraction(self.factors[tenure]) if tenure < len(self.factors) else Fraction(1)
        return min(Fraction(1), Fraction(tenure + 1, self.ramp_months))


@dataclass(frozen=True)
class AllocationNode:
    """An org unit or person to allocate to, with its weight inputs and optional override."""

    # Unique in the tree.
    id: str
    children: tuple[AllocationNode, ...] = ()
    # Weight inputs. Left None on a node with children, each is the sum over the children
    # (a team's historical revenue is its members'); a leaf must have the one its
    # parent's method uses. Capacity is per person (e.g. calls a day or FTE) and is
    # multiplied by the ramp factor of the tenure below.
    historical_revenue: Weight | None = None
    potential: Weight | None = None
    capacity: Weight | None = None
    # Tenure, either in completed months or as a hire date measured at the request's
    # tenure_as_of; neither means fully ramped.
    tenure_months: int | None = None
    hire_date: date | None = None
    # A manual override: the node keeps exactly this amount; its siblings rebalance.
    locked: Decimal | int | None = None
    # How this node's own amount is split over its children; None = the request's method.
    method: AllocationMethod | None = None


@dataclass(frozen=True)
class TreeAllocationRequest:
    """A total to allocate down a tree; ``tenure_as_of`` is normally the period start."""

    total: Decimal | int
    root: AllocationNode
    method: AllocationMethod = AllocationMethod.EQUAL
    ramp: RampCurve = field(default_factory=RampCurve)
    tenure_as_of: date | None = None


@dataclass(frozen=True)
class AllocatedNode[A: (Decimal, int)]:
    """A node's allocated amount; its children's amounts add up to it exactly."""

    id: str
    path: str
    amount: A
    locked: bool
    # The weight this node carried among its unlocked siblings; None if locked or root.
    weight: Fraction | None
    # How this node's amount was split over its children; None for a leaf.
    method: AllocationMethod | None
    children: tuple[AllocatedNode[A], ...] = ()

    def walk(self) -> Iterator[AllocatedNode[A]]:
        """This node and every descendant, depth first, parents before children."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class TreeAllocation[A: (Decimal, int)]:
    """The allocated tree and the warnings raised on the way (path, message)."""

    root: AllocatedNode[A]
    warnings: tuple[Problem, ...] = ()

    def amounts(self) -> dict[str, A]:
        """Allocated amount by node id."""
        return {node.id: node.amount for node in self.root.walk()}


# --- tree allocation ---------------------------------------------------------------------


@dataclass(frozen=True)
class _UnitNode:
    """Internal result in integer units, converted to money or counts at the end."""

    id: str
    path: str
    units: int
    locked: bool
    weight: Fraction | None
    method: AllocationMethod | None
    children: tuple[_UnitNode, ...]


_WEIGHT_FIELD: dict[AllocationMethod, str] = {
    AllocationMethod.HISTORICAL_SHARE: "historical_revenue",
    AllocationMethod.POTENTIAL: "potential",
    AllocationMethod.CAPACITY: "capacity",
}


@dataclass
class _Checker:
    """Collects problems, remembering which fields were invalid so they are reported once."""

    problems: list[Problem] = field(default_factory=list)
    # Fields that already failed validation; later steps treat them as absent and do not
    # report them twice.
    invalid: set[str] = field(default_factory=set)

    def problem(self, path: str, message: Message) -> None:
        """Record a problem."""
        self.problems.append((path, message))

    def reject(self, path: str, message: Message) -> None:
        """Record a problem with a field and mark the field invalid."""
        self.invalid.add(path)
        self.problem(path, message)


@dataclass
class _TreeContext(_Checker):
    """State of one tree allocation: settings, problems, warnings, weight cache."""

    request: TreeAllocationRequest = field(kw_only=True)
    to_units: Callable[[Decimal | int], int] = field(kw_only=True)
    # Shows a number of units as the user's amount (money or count) in messages.
    display: Callable[[int], Decimal | int] = field(kw_only=True)
    warnings: list[Problem] = field(default_factory=list)
    # Aggregated weights by (path, method); None means unknown (missing or invalid).
    weights: dict[tuple[str, AllocationMethod], Fraction | None] = field(default_factory=dict)


def _child_path(path: str, index: int) -> str:
    """Path of the index-th child of the node at ``path``."""
    return f"{path}.children[{index}]"


def _check_weight_value(ctx: _Checker, path: str, value: object) -> None:
    """Record a problem unless ``value`` is a finite, non-negative exact number."""
    # Floats are refused like in money.to_money: binary fractions would make the
    # largest-remainder tie-break depend on representation error.
    if isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction):
        ctx.reject(
            path,
            Message(
                gettext_noop("must be a Decimal, an int or a Fraction, not %(type)s"),
                {"type": type(value).__name__},
            ),
        )
    elif isinstance(value, Decimal) and not value.is_finite():
        ctx.reject(path, Message(gettext_noop("must be a finite number")))
    elif value < 0:
        ctx.reject(path, Message(gettext_noop("must not be negative")))


def _check_amount(ctx: _Checker, path: str, value: object, counts: bool) -> None:
    """Record a problem unless ``value`` is a valid non-negative amount (or whole count)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        ctx.reject(
            path,
            Message(
                gettext_noop("must be a Decimal or an int, not %(type)s"),
                {"type": type(value).__name__},
            ),
        )
    elif isinstance(value, Decimal) and not value.is_finite():
        ctx.reject(path, Message(gettext_noop("must be a finite number")))
    elif value < 0:
        ctx.reject(path, Message(gettext_noop("must not be negative")))
    elif counts and value != int(value):
        ctx.reject(path, Message(gettext_noop("must be a whole number")))


def _validate_tree(ctx: _TreeContext, counts: bool) -> None:
    """Check every field of the request that can be checked without allocating."""
    request = ctx.request
    _check_amount(ctx, "total", request.total, counts)
    ramp = request.ramp
    if (
        isinstance(ramp.ramp_months, bool)
        or not isinstance(ramp.ramp_months, int)
        or ramp.ramp_months < 1
    ):
        ctx.reject(
            "ramp.ramp_months", Message(gettext_noop("must be a whole number of months, 1 or more"))
        )
        ctx.invalid.add("ramp")
    for index, factor in enumerate(ramp.factors):
        factor_path = f"ramp.factors[{index}]"
        _check_weight_value(ctx, factor_path, factor)
        if factor_path not in ctx.invalid and factor > 1:
            ctx.reject(factor_path, Message(gettext_noop("must be between 0 and 1")))
        if factor_path in ctx.invalid:
            ctx.invalid.add("ramp")

    root = request.root
    if root.locked is not None:
        _check_amount(ctx, "root.locked", root.locked, counts)
        if {"root.locked", "total"}.isdisjoint(ctx.invalid) and ctx.to_units(
            root.locked
        ) != ctx.to_units(request.total):
            ctx.reject(
                "root.locked",
                Message(
                    gettext_noop(
                        "the root's amount is the total %(total)s; it cannot be locked at "
                        "%(locked)s"
                    ),
                    {"total": request.total, "locked": root.locked},
                ),
            )

    first_seen: dict[str, str] = {}
    stack: list[tuple[AllocationNode, str]] = [(root, "root")]
    while stack:
        node, path = stack.pop()
        if node.id in first_seen:
            ctx.problem(
                f"{path}.id",
                Message(
                    gettext_noop("id %(id)s is already used at %(first)s"),
                    {"id": node.id, "first": first_seen[node.id]},
                ),
            )
        else:
            first_seen[node.id] = path
        if node.locked is not None and node is not root:
            _check_amount(ctx, f"{path}.locked", node.locked, counts)
        for name in _WEIGHT_FIELD.values():
            value = getattr(node, name)
            if value is not None:
                _check_weight_value(ctx, f"{path}.{name}", value)
        tenure = node.tenure_months
        if tenure is not None and (
            isinstance(tenure, bool) or not isinstance(tenure, int) or tenure < 0
        ):
            ctx.reject(
                f"{path}.tenure_months",
                Message(gettext_noop("must be a whole number of months, 0 or more")),
            )
        if node.hire_date is not None:
            if tenure is not None:
                ctx.reject(
                    f"{path}.tenure_months",
                    Message(gettext_noop("give either hire_date or tenure_months, not both")),
                )
            elif request.tenure_as_of is None:
                ctx.invalid.add(f"{path}.tenure_months")
                ctx.problem(
                    "tenure_as_of",
                    Message(
                        gettext_noop("required because %(path)s has a hire_date"),
                        {"path": path},
                    ),
                )
        # Reversed so that problems come out in document order.
        stack.extend(
            (child, _child_path(path, i)) for i, child in reversed(list(enumerate(node.children)))
        )


def _ramp_factor(ctx: _TreeContext, node: AllocationNode, path: str) -> Fraction | None:
    """Ramp factor of a person (1 when no tenure is known); None if the inputs are invalid."""
    if f"{path}.tenure_months" in ctx.invalid or "ramp" in ctx.invalid:
        return None
    if node.hire_date is not None and ctx.request.tenure_as_of is not None:
        return ctx.request.ramp.factor(tenure_months(node.hire_date, ctx.request.tenure_as_of))
    if node.tenure_months is not None:
        return ctx.request.ramp.factor(node.tenure_months)
    return Fraction(1)


def _weight(
    ctx: _TreeContext,
    node: AllocationNode,
    path: str,
    method: AllocationMethod,
    parent_id: str,
) -> Fraction | None:
    """The node's weight for ``method``: its own input, or its children's sum; None if unknown."""
    if method is AllocationMethod.EQUAL:
        return Fraction(1)
    key = (path, method)
    if key in ctx.weights:
        return ctx.weights[key]
    name = _WEIGHT_FIELD[method]
    own = getattr(node, name)
    result: Fraction | None
    if f"{path}.{name}" in ctx.invalid:
        result = None
    elif own is not None:
        result = Fraction(own)
        if method is AllocationMethod.CAPACITY:
            ramp = _ramp_factor(ctx, node, path)
            result = None if ramp is None else result * ramp
    elif node.children:
        parts = [
            _weight(ctx, child, _child_path(path, i), method, parent_id)
            for i, child in enumerate(node.children)
        ]
        known = [p for p in parts if p is not None]
        result = sum(known, Fraction(0)) if len(known) == len(parts) else None
    else:
        ctx.problem(
            f"{path}.{name}",
            Message(
                gettext_noop("required to split the target of %(parent)s by %(method)s"),
                {"parent": parent_id, "method": str(method)},
            ),
        )
        result = None
    ctx.weights[key] = result
    return result


def _locked_units(ctx: _TreeContext, node: AllocationNode, path: str) -> int | None:
    """The node's override in units, or None if it is not (validly) locked."""
    if node.locked is None or f"{path}.locked" in ctx.invalid:
        return None
    return ctx.to_units(node.locked)


def _allocate_node(
    ctx: _TreeContext,
    node: AllocationNode,
    path: str,
    units: int,
    locked: bool,
    weight: Fraction | None,
) -> _UnitNode:
    """Allocate ``units`` to ``node`` and, recursively, its subtree."""
    if not node.children:
        return _UnitNode(node.id, path, units, locked, weight, None, ())
    method = node.method or ctx.request.method
    child_paths = [_child_path(path, i) for i in range(len(node.children))]
    locks = [
        _locked_units(ctx, child, child_path)
        for child, child_path in zip(node.children, child_paths, strict=True)
    ]
    target = ctx.display(units)

    feasible = True
    for child, child_path, lock in zip(node.children, child_paths, locks, strict=True):
        if lock is not None and lock > units:
            feasible = False
            ctx.problem(
                f"{child_path}.locked",
                Message(
                    gettext_noop(
                        "override %(locked)s of node %(node)s exceeds parent %(parent)s's "
                        "target %(target)s"
                    ),
                    {
                        "locked": ctx.display(lock),
                        "node": child.id,
                        "parent": node.id,
                        "target": target,
                    },
                ),
            )
    locked_total = sum(lock for lock in locks if lock is not None)
    remaining = units - locked_total
    unlocked = [i for i, lock in enumerate(locks) if lock is None]
    if feasible and remaining < 0:
        feasible = False
        ctx.problem(
            f"{path}.children",
            Message(
                gettext_noop(
                    "the overrides of the children of %(parent)s add up to %(locked)s, "
                    "exceeding its target %(target)s"
                ),
                {"parent": node.id, "locked": ctx.display(locked_total), "target": target},
            ),
        )
    if feasible and not unlocked and remaining != 0:
        feasible = False
        ctx.problem(
            f"{path}.children",
            Message(
                gettext_noop(
                    "every child of %(parent)s is locked but the overrides add up to "
                    "%(locked)s, not its target %(target)s"
                ),
                {"parent": node.id, "locked": ctx.display(locked_total), "target": target},
            ),
        )

    shares: dict[int, tuple[int, Fraction]] = {}
    if unlocked:
        weights = [
            _weight(ctx, node.children[i], child_paths[i], method, node.id) for i in unlocked
        ]
        known = [w for w in weights if w is not None]
        # Unknown weights were reported where they are missing or invalid.
        if feasible and len(known) == len(weights):
            parts, fell_back = _split_units(remaining, known)
            if fell_back:
                ctx.warnings.append(
                    (
                        f"{path}.children",
                        Message(
                            gettext_noop(
                                "every unlocked child of %(node)s has zero weight by "
                                "%(method)s; its remaining target %(amount)s was split equally"
                            ),
                            {
                                "node": node.id,
                                "method": str(method),
                                "amount": ctx.display(remaining),
                            },
                        ),
                    )
                )
            shares = dict(zip(unlocked, zip(parts, known, strict=True), strict=True))

    children: list[_UnitNode] = []
    for i, child in enumerate(node.children):
        lock = locks[i]
        if lock is not None and lock <= units:
            # A locked child's amount is known even when its siblings' are not, so its
            # subtree is still checked and its problems reported in the same error.
            children.append(_allocate_node(ctx, child, child_paths[i], lock, True, None))
        elif i in shares:
            child_units, child_weight = shares[i]
            children.append(
                _allocate_node(ctx, child, child_paths[i], child_units, False, child_weight)
            )
    # When infeasible the children are incomplete, but the caller raises then.
    return _UnitNode(node.id, path, units, locked, weight, method, tuple(children))


def _convert[A: (Decimal, int)](
    node: _UnitNode, from_units: Callable[[int], A]
) -> AllocatedNode[A]:
    """Turn a unit tree into amounts."""
    return AllocatedNode(
        id=node.id,
        path=node.path,
        amount=from_units(node.units),
        locked=node.locked,
        weight=node.weight,
        method=node.method,
        children=tuple(_convert(child, from_units) for child in node.children),
    )


def _allocate_tree_units(
    request: TreeAllocationRequest,
    to_units: Callable[[Decimal | int], int],
    display: Callable[[int], Decimal | int],
    counts: bool,
) -> tuple[_UnitNode, list[Problem]]:
    """Validate, then allocate in units; raise AllocationError with every problem found."""
    ctx = _TreeContext(request=request, to_units=to_units, display=display)
    _validate_tree(ctx, counts)
    if "total" in ctx.invalid:
        raise AllocationError(ctx.problems)
    root = request.root
    tree = _allocate_node(ctx, root, "root", to_units(request.total), root.locked is not None, None)
    if ctx.problems:
        raise AllocationError(ctx.problems)
    return tree, ctx.warnings


def allocate_tree(request: TreeAllocationRequest) -> TreeAllocation[Decimal]:
    """Allocate a money total down the tree; every node's children add up to it to the cent."""
    tree, warnings = _allocate_tree_units(request, _money_units, _money_from_units, counts=False)
    return TreeAllocation(_convert(tree, _money_from_units), tuple(warnings))


def allocate_tree_counts(request: TreeAllocationRequest) -> TreeAllocation[int]:
    """Allocate an integer count (calls, visits) down the tree; children add up exactly."""
    tree, warnings = _allocate_tree_units(request, int, _count_from_units, counts=True)
    return TreeAllocation(_convert(tree, _count_from_units), tuple(warnings))


# --- period allocation -------------------------------------------------------------------


@dataclass(frozen=True)
class Seasonality:
    """Relative weight of each calendar month, January first; flat by default."""

    weights: tuple[Weight, ...] = (1,) * _MONTHS_IN_YEAR

    @classmethod
    def from_months(cls, weights: Mapping[int, Weight]) -> Seasonality:
        """Build from a {month number 1..12: weight} mapping; months left out weigh 0."""
        return cls(tuple(weights.get(month, 0) for month in range(1, _MONTHS_IN_YEAR + 1)))


@dataclass(frozen=True)
class PeriodAllocationRequest:
    """A total to spread over a period: months by seasonality, then working days."""

    total: Decimal | int
    period: Period
    work_calendar: WorkCalendar
    seasonality: Seasonality = field(default_factory=Seasonality)


@dataclass(frozen=True)
class DayAmount[A: (Decimal, int)]:
    """The amount planned on one working day."""

    day: date
    amount: A


@dataclass(frozen=True)
class MonthAllocation[A: (Decimal, int)]:
    """One month of the period (clipped to it), its weight, amount and working days."""

    period: Period
    working_days: int
    # Seasonality weight times the share of the month's working days inside the period.
    weight: Fraction
    amount: A
    days: tuple[DayAmount[A], ...]


@dataclass(frozen=True)
class WeekAmount[A: (Decimal, int)]:
    """One ISO week of the period (clipped to it) and the sum of its days."""

    period: Period
    working_days: int
    amount: A


@dataclass(frozen=True)
class PeriodAllocation[A: (Decimal, int)]:
    """A total spread over a period's months and working days; parts add up exactly."""

    period: Period
    total: A
    months: tuple[MonthAllocation[A], ...]
    warnings: tuple[Problem, ...] = ()

    def days(self) -> tuple[DayAmount[A], ...]:
        """Every working day of the period with its amount, in date order."""
        return tuple(day for month in self.months for day in month.days)

    def weeks(self) -> tuple[WeekAmount[A], ...]:
        """ISO weeks of the period, clipped to it, with the sum of their days."""
        days = self.days()
        zero = self.total - self.total  # 0.00 or 0 in the allocation's own type
        result: list[WeekAmount[A]] = []
        index = 0
        for week in _week_pieces(self.period):
            amount = zero
            count = 0
            while index < len(days) and days[index].day <= week.end:
                amount += days[index].amount
                count += 1
                index += 1
            result.append(WeekAmount(week, count, amount))
        return tuple(result)


def _month_end(d: date) -> date:
    """Last day of the month of ``d``."""
    return d.replace(day=_stdlib_calendar.monthrange(d.year, d.month)[1])


def _month_pieces(period: Period) -> list[Period]:
    """The period cut at month boundaries, each piece a (possibly clipped) month."""
    if period.grain.rank <= Grain.MONTH.rank:
        return period.calendar.split(period, Grain.MONTH)
    # Weeks and days are finer than months, which FiscalCalendar.split refuses to go up
    # to; a week can still straddle two months, so cut it by hand.
    pieces: list[Period] = []
    cursor = period.start
    while cursor <= period.end:
        end = min(_month_end(cursor), period.end)
        pieces.append(Period(Grain.MONTH, cursor, end, period.calendar))
        if end == period.end:
            break
        cursor = end + _ONE_DAY
    return pieces


def _week_pieces(period: Period) -> list[Period]:
    """ISO weeks of the period clipped to it (a day period is its own clipped week)."""
    if period.grain is Grain.DAY:
        return [Period(Grain.WEEK, period.start, period.end, period.calendar)]
    return period.calendar.split(period, Grain.WEEK)


def _split_days(units: int, days: list[date]) -> list[int]:
    """Equal split over working days; leftover units go to the earliest days.

    Same result as ``largest_remainder`` with equal weights (ties go to the earlier
    part), computed with one divmod because this runs for every rep and every month.
    """
    if not days:
        return []
    base, extra = divmod(abs(units), len(days))
    sign = -1 if units < 0 else 1
    return [sign * (base + (1 if i < extra else 0)) for i in range(len(days))]


def _allocate_period_units(
    request: PeriodAllocationRequest,
    to_units: Callable[[Decimal | int], int],
    counts: bool,
) -> tuple[int, list[tuple[Period, int, Fraction, int, list[date], list[int]]], list[Problem]]:
    """Months and days in units; raise AllocationError with every problem found."""
    ctx = _Checker()
    _check_amount(ctx, "total", request.total, counts)
    weights = request.seasonality.weights
    if len(weights) != _MONTHS_IN_YEAR:
        ctx.problem(
            "seasonality.weights",
            Message(
                gettext_noop("must have 12 weights, January first; got %(count)s"),
                {"count": len(weights)},
            ),
        )
    else:
        for month, weight in enumerate(weights, start=1):
            _check_weight_value(ctx, f"seasonality.weights[{month - 1}]", weight)
    if ctx.problems:
        raise AllocationError(ctx.problems)

    units = to_units(request.total)
    calendar = request.work_calendar
    warnings: list[Problem] = []
    pieces = _month_pieces(request.period)
    dates = [calendar.working_dates(piece.start, piece.end) for piece in pieces]
    month_weights: list[Fraction] = []
    for piece, piece_dates in zip(pieces, dates, strict=True):
        seasonal = Fraction(weights[piece.start.month - 1])
        whole_month = calendar.working_days(piece.start.replace(day=1), _month_end(piece.start))
        if whole_month == 0:
            # No working day to put the month's share on: it weighs nothing, so
            # largest_remainder hands its seasonality share to the other months in
            # proportion to their own weights.
            month_weights.append(Fraction(0))
            if seasonal and units:
                warnings.append(
                    (
                        "period",
                        Message(
                            gettext_noop(
                                "%(month)s has no working days; its seasonality share was "
                                "spread over the other months"
                            ),
                            {"month": piece.label},
                        ),
                    )
                )
        else:
            # A month clipped by the period keeps the share of its seasonality weight
            # that its working days inside the period represent.
            month_weights.append(seasonal * Fraction(len(piece_dates), whole_month))

    if units and not any(month_weights):
        if not any(dates):
            raise AllocationError(
                [
                    (
                        "period",
                        Message(
                            gettext_noop(
                                "%(period)s has no working days to spread a total of %(total)s over"
                            ),
                            {"period": request.period.label, "total": request.total},
                        ),
                    )
                ]
            )
        # Every month with working days has a zero seasonality weight: rather than
        # refuse, spread by working days (a flat curve) and say so.
        month_weights = [Fraction(len(d)) for d in dates]
        warnings.append(
            (
                "seasonality.weights",
                Message(
                    gettext_noop(
                        "every month of %(period)s that has working days has a zero "
                        "seasonality weight; the total was spread by working days instead"
                    ),
                    {"period": request.period.label},
                ),
            )
        )

    month_units = [0] * len(pieces) if units == 0 else largest_remainder(units, month_weights)
    months = [
        (piece, len(piece_dates), weight, amount, piece_dates, _split_days(amount, piece_dates))
        for piece, piece_dates, weight, amount in zip(
            pieces, dates, month_weights, month_units, strict=True
        )
    ]
    return units, months, warnings


def _period_result[A: (Decimal, int)](
    request: PeriodAllocationRequest,
    to_units: Callable[[Decimal | int], int],
    from_units: Callable[[int], A],
    counts: bool,
) -> PeriodAllocation[A]:
    """Shared body of the money and count period allocations."""
    units, months, warnings = _allocate_period_units(request, to_units, counts)
    return PeriodAllocation(
        period=request.period,
        total=from_units(units),
        months=tuple(
            MonthAllocation(
                period=piece,
                working_days=working_days,
                weight=weight,
                amount=from_units(amount),
                days=tuple(
                    DayAmount(day, from_units(part))
                    for day, part in zip(day_list, parts, strict=True)
                ),
            )
            for piece, working_days, weight, amount, day_list, parts in months
        ),
        warnings=tuple(warnings),
    )


def allocate_period(request: PeriodAllocationRequest) -> PeriodAllocation[Decimal]:
    """Spread money over months by seasonality, then equally over each month's working days."""
    return _period_result(request, _money_units, _money_from_units, counts=False)


def allocate_period_counts(request: PeriodAllocationRequest) -> PeriodAllocation[int]:
    """Spread an integer count over months by seasonality, then over working days."""
    return _period_result(request, int, _count_from_units, counts=True)


def weekly_totals(request: PeriodAllocationRequest) -> tuple[WeekAmount[Decimal], ...]:
    """Money per ISO week of the period (weeks clipped to it), for weekly planning."""
    return allocate_period(request).weeks()
