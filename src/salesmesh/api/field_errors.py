"""Pydantic's per-field validation errors in the caller's language.

Pydantic writes its messages in English only. Each error also carries a stable ``type``
and the numbers behind it (``ctx``), so the common ones are said again here through
gettext; an error type not listed keeps pydantic's English text, and salesmesh's own
validators (``PydanticCustomError``, ``ValueError``) are already translated where raised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _

Context = Mapping[str, Any]


def _choices(ctx: Context) -> str:
    return str(ctx.get("expected", ""))


MESSAGES: dict[str, Callable[[Context], str]] = {
    "missing": lambda ctx: _("This field is required."),
    "extra_forbidden": lambda ctx: _("This field is not known here."),
    "string_type": lambda ctx: _("Enter text."),
    "string_too_short": lambda ctx: (
        _("Enter at least %(min)s characters.") % {"min": ctx["min_length"]}
    ),
    "string_too_long": lambda ctx: (
        _("Enter at most %(max)s characters.") % {"max": ctx["max_length"]}
    ),
    "int_type": lambda ctx: _("Enter a whole number."),
    "int_parsing": lambda ctx: _("Enter a whole number."),
    "int_from_float": lambda ctx: _("Enter a whole number."),
    "float_type": lambda ctx: _("Enter a number."),
    "float_parsing": lambda ctx: _("Enter a number."),
    "decimal_type": lambda ctx: _("Enter a number."),
    "decimal_parsing": lambda ctx: _("Enter a number."),
    "finite_number": lambda ctx: _("Enter a finite number."),
    "decimal_max_digits": lambda ctx: (
        _("Enter at most %(max)s digits in all.") % {"max": ctx["max_digits"]}
    ),
    "decimal_max_places": lambda ctx: (
        _("Enter at most %(max)s decimal places.") % {"max": ctx["decimal_places"]}
    ),
    "decimal_whole_digits": lambda ctx: (
        _("Enter at most %(max)s digits before the point.") % {"max": ctx["whole_digits"]}
    ),
    "greater_than": lambda ctx: _("Enter a value greater than %(limit)s.") % {"limit": ctx["gt"]},
    "greater_than_equal": lambda ctx: (
        _("Enter a value of at least %(limit)s.") % {"limit": ctx["ge"]}
    ),
    "less_than": lambda ctx: _("Enter a value less than %(limit)s.") % {"limit": ctx["lt"]},
    "less_than_equal": lambda ctx: _("Enter a value of at most %(limit)s.") % {"limit": ctx["le"]},
    "bool_type": lambda ctx: _("Enter true or false."),
    "bool_parsing": lambda ctx: _("Enter true or false."),
    "date_type": lambda ctx: _("Enter a date (YYYY-MM-DD)."),
    "date_parsing": lambda ctx: _("Enter a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": lambda ctx: _("Enter a date (YYYY-MM-DD)."),
    "date_from_datetime_inexact": lambda ctx: _("Enter a date without a time."),
    "datetime_type": lambda ctx: _("Enter a date and time (ISO 8601)."),
    "datetime_parsing": lambda ctx: _("Enter a date and time (ISO 8601)."),
    "datetime_from_date_parsing": lambda ctx: _("Enter a date and time (ISO 8601)."),
    "enum": lambda ctx: _("Choose one of: %(choices)s.") % {"choices": _choices(ctx)},
    "literal_error": lambda ctx: _("Choose one of: %(choices)s.") % {"choices": _choices(ctx)},
    "list_type": lambda ctx: _("Enter a list."),
    "too_short": lambda ctx: _("Enter at least %(min)s items.") % {"min": ctx["min_length"]},
    "too_long": lambda ctx: _("Enter at most %(max)s items.") % {"max": ctx["max_length"]},
    "dict_type": lambda ctx: _("Enter an object."),
    "model_type": lambda ctx: _("Enter an object."),
    "model_attributes_type": lambda ctx: _("Enter an object."),
    "json_invalid": lambda ctx: _("The request body is not valid JSON."),
    "uuid_parsing": lambda ctx: _("Enter a UUID."),
    "uuid_type": lambda ctx: _("Enter a UUID."),
    # A validator's ValueError: its own (translated) text, without pydantic's prefix.
    "value_error": lambda ctx: str(ctx["error"]),
}


def field_message(error: Mapping[str, Any]) -> str:
    """The message of one pydantic error in the active language (pydantic's when unknown)."""
    english = str(error.get("msg", ""))
    make = MESSAGES.get(str(error.get("type", "")))
    if make is None:
        return english
    try:
        return make(error.get("ctx") or {})
    except (KeyError, TypeError, ValueError):  # a context without the expected numbers
        return english
