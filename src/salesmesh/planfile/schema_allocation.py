"""The optional ``allocation:`` section: how the target splits over the line's org tree.

Every paradigm may add it. ``org`` is a tree of units and people whose root receives the
plan's target; the core's ``allocation.allocate_tree`` splits each node's amount over its
children by ``method`` (equal, historical share, potential, or capacity ramped for new
hires), keeping ``locked`` overrides exactly and rebalancing the rest. The models check
each value on its own; rules that relate values (an override above its parent, unique
ids, a weight the method needs) are the core's, reported by ``allocation_report`` under
``allocation.org``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator

from salesmesh.core.allocation import (
    DEFAULT_RAMP_MONTHS,
    AllocationMethod,
    AllocationNode,
    RampCurve,
    TreeAllocationRequest,
)
from salesmesh.core.i18n import gettext_noop
from salesmesh.planfile.amounts import AmountError, parse_amount, parse_number
from salesmesh.planfile.values import (
    MaybeCount,
    MaybeDay,
    OptionalText,
    PositiveInt,
    SpecModel,
    Text,
    fail,
    nullable,
)

__all__ = ["AllocationSpec", "OrgNodeSpec"]

METHODS = tuple(method.value for method in AllocationMethod)


def _method(value: object) -> AllocationMethod:
    """One of the core's allocation methods, by its name (case-insensitive)."""
    if isinstance(value, str) and value.strip().lower() in METHODS:
        return AllocationMethod(value.strip().lower())
    raise fail(gettext_noop("must be one of: %(choices)s"), choices=", ".join(METHODS))


def _amount(value: object) -> Decimal:
    """An amount of money ≥ 0 (the forms of ``target``: 200万, 2,000,000 …)."""
    amount = parse_amount(value)
    if amount < 0:
        raise fail(gettext_noop("must not be negative"))
    return amount


def _weight(value: object) -> Decimal:
    """A weight ≥ 0 written as a number (0.35, 35%) or as an amount (1200万, 800k)."""
    try:
        number = parse_number(value)
    except AmountError:
        # Potentials are often wallet sizes written like money; the amount's error message
        # lists those forms, which is the more helpful one when both fail.
        number = parse_amount(value)
    if number < 0:
        raise fail(gettext_noop("must not be negative"))
    return number


def _capacity(value: object) -> Decimal:
    """A capacity > 0 (calls a day, FTE …): a person who cannot work gets no node."""
    number = parse_number(value)
    if number <= 0:
        raise fail(gettext_noop("must be positive"))
    return number


MaybeAmount = Annotated[Decimal | None, BeforeValidator(nullable(_amount))]
MaybeWeight = Annotated[Decimal | None, BeforeValidator(nullable(_weight))]
MaybeCapacity = Annotated[Decimal | None, BeforeValidator(nullable(_capacity))]
MaybeMethod = Annotated[AllocationMethod | None, BeforeValidator(nullable(_method))]
Method = Annotated[AllocationMethod, BeforeValidator(_method)]


class OrgNodeSpec(SpecModel):
    """A unit or person of the org tree, its weight inputs and an optional override."""

    id: Text
    name: OptionalText = ""
    # Left out on a unit, each weight is the sum over its children.
    historical_revenue: MaybeAmount = None
    potential: MaybeWeight = None
    capacity: MaybeCapacity = None
    # Tenure in completed months, or a hire date measured at the period's start.
    tenure_months: MaybeCount = None
    hire_date: MaybeDay = None
    # A manual override: this node keeps exactly this amount, its siblings rebalance.
    locked: MaybeAmount = None
    # How this node's amount splits over its children; None = the section's method.
    method: MaybeMethod = None
    children: tuple[OrgNodeSpec, ...] = ()

    def to_core(self) -> AllocationNode:
        """The core's allocation node, children in the document's order."""
        return AllocationNode(
            id=self.id,
            children=tuple(child.to_core() for child in self.children),
            historical_revenue=self.historical_revenue,
            potential=self.potential,
            capacity=self.capacity,
            tenure_months=self.tenure_months,
            hire_date=self.hire_date,
            locked=self.locked,
            method=self.method,
        )


class AllocationSpec(SpecModel):
    """The org tree the target is allocated over, and how."""

    # Capacity by default: a telesales line plans by what each rep can work.
    method: Method = AllocationMethod.CAPACITY
    ramp_months: PositiveInt = DEFAULT_RAMP_MONTHS
    org: OrgNodeSpec

    def to_request(self, target: Decimal, tenure_as_of: date) -> TreeAllocationRequest:
        """The core's request: the target down the org tree, tenure at ``tenure_as_of``."""
        return TreeAllocationRequest(
            total=target,
            root=self.org.to_core(),
            method=self.method,
            ramp=RampCurve(ramp_months=self.ramp_months),
            tenure_as_of=tenure_as_of,
        )


# Pydantic resolves the self-reference of ``children`` once the class exists.
OrgNodeSpec.model_rebuild()
