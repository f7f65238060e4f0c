"""Number formats of the probability dashboard (pacing, rates, per-day plans)."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pct(value: Decimal | None) -> str:
    """A ratio as a whole percentage ("87%"); "—" when there is none."""
    if value is None:
        return "—"
    return f"{value * 100:,.0f}%"


@register.filter
def amount(value: Decimal | int | None) -> str:
    """A count or a plan to date: whole numbers plain, fractions to one decimal; "—" for none."""
    if value is None:
        return "—"
    number = Decimal(value)
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number:,.1f}"


@register.filter
def money(value: Decimal | None) -> str:
    """Money to the yuan with thousands separators, the sign kept; "—" for none."""
    if value is None:
        return "—"
    return f"{value:,.0f}"


@register.filter
def pct1(value: Decimal | None) -> str:
    """A ratio as a percentage to one decimal ("12.5%"); "—" when there is none."""
    if value is None:
        return "—"
    return f"{value * 100:,.1f}%"
