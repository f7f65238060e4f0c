"""Template helpers: translate messages coming from the core."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import template
from django.utils.translation import gettext

from salesmesh.core.i18n import Message

register = template.Library()


@register.filter
def tr(message: Message | str) -> str:
    """Render a core ``Message`` (or a plain msgid) in the active language."""
    if isinstance(message, Message):
        return message.render(gettext)
    return gettext(message)


@register.filter
def plan_number(value: object) -> str:
    """Money with two decimals, counts and other numbers with thousands separators."""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


@register.filter
def plan_cell(value: object) -> str:
    """A report table cell: messages translated, numbers formatted, dates as ISO."""
    if value is None:
        return "—"
    if isinstance(value, Message):
        return value.render(gettext)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return plan_number(value)
    return str(value)
