"""pydantic's validation errors as plan-file problems: document paths, translatable messages.

pydantic locates an error by a tuple (``('probability', 'funnel', 'stages', 2,
'conversion')``); the plan file shows it as ``probability.funnel.stages[2].conversion``.
The schema's own checks carry a ``Message``; pydantic's generic errors (missing key,
unknown key, wrong type, too few items) get a translatable template here, and an unknown
key comes with the closest known key of the same mapping.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.planfile.amounts import SchemaValueError
from salesmesh.planfile.errors import Problem
from salesmesh.planfile.schema import (
    PARADIGMS,
    BehaviourPlanDocument,
    PlanDocument,
    PlanHeader,
    ProbabilityPlanDocument,
    ProjectPlanDocument,
)

__all__ = ["schema_problems"]

_DOCUMENT_CLASSES: dict[str, type[PlanDocument]] = {
    "probability": ProbabilityPlanDocument,
    "behaviour": BehaviourPlanDocument,
    "project": ProjectPlanDocument,
}
# difflib's default: close enough that "conversoin" finds "conversion", "foo" finds nothing.
_SUGGESTION_CUTOFF = 0.6


def schema_problems(exc: ValidationError, data: Mapping[str, Any]) -> list[Problem]:
    """Every schema error as (document path, message), in document order."""
    paradigm = data.get("paradigm")
    document_class = _DOCUMENT_CLASSES.get(paradigm) if isinstance(paradigm, str) else None
    problems: list[Problem] = []
    errors = exc.errors()
    for error in errors:
        if error["type"] == "too_short" and _has_item_errors(error["loc"], errors):
            # pydantic counts only the valid items; the list is not short, its items are bad.
            continue
        if error["type"] in {"union_tag_invalid", "union_tag_not_found"}:
            problems.append(_paradigm_problem(data))
            problems.extend(_header_problems(data))
            continue
        loc = tuple(error["loc"])
        # Errors inside the tagged union start with the tag (the paradigm); drop it.
        if document_class is not None and loc[:1] == (paradigm,):
            loc = loc[1:]
        problems.append((_path(loc), _message(error, loc, document_class, paradigm)))
    return problems


def _has_item_errors(loc: tuple[int | str, ...], errors: Sequence[ErrorDetails]) -> bool:
    """True when some error lies inside an item of the list at ``loc``."""
    size = len(loc)
    return any(
        len(other["loc"]) > size
        and tuple(other["loc"][:size]) == tuple(loc)
        and isinstance(other["loc"][size], int)
        for other in errors
    )


def _paradigm_problem(data: Mapping[str, Any]) -> Problem:
    """The problem with a missing or unknown paradigm."""
    if "paradigm" not in data:
        return ("paradigm", Message(gettext_noop("is required")))
    value = data["paradigm"]
    close = difflib.get_close_matches(str(value), PARADIGMS, n=1, cutoff=_SUGGESTION_CUTOFF)
    if close:
        return (
            "paradigm",
            Message(
                gettext_noop("%(value)s is not a paradigm; did you mean %(suggestion)s?"),
                {"value": repr(value), "suggestion": close[0]},
            ),
        )
    return (
        "paradigm",
        Message(gettext_noop("must be one of: %(choices)s"), {"choices": ", ".join(PARADIGMS)}),
    )


def _header_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Problems of the header alone, when the paradigm section cannot be checked."""
    header = {key: value for key, value in data.items() if key != "paradigm"}
    try:
        PlanHeader.model_validate(header)
    except ValidationError as exc:
        return [
            (_path(tuple(error["loc"])), _message(error, tuple(error["loc"]), PlanHeader, None))
            for error in exc.errors()
        ]
    return []


def _path(loc: Sequence[int | str]) -> str:
    """pydantic's location as a document path: ``funnel.stages[2].conversion``."""
    path = ""
    for position, item in enumerate(loc):
        if item == "[key]":
            continue  # a mapping key's own error: the path already ends in the key
        if isinstance(item, int) and not (position == 1 and loc[0] == "seasonality"):
            path += f"[{item}]"
        else:
            path += f".{item}" if path else str(item)
    return path


# Plain pydantic error types → the message shown; the others come from the schema's checks.
_TEMPLATES: dict[str, str] = {
    "missing": gettext_noop("is required"),
    "string_type": gettext_noop("must be a text"),
    "int_type": gettext_noop("must be a whole number"),
    "int_parsing": gettext_noop("must be a whole number"),
    "int_from_float": gettext_noop("must be a whole number"),
    "float_type": gettext_noop("must be a number"),
    "float_parsing": gettext_noop("must be a number"),
    "decimal_type": gettext_noop("must be a number"),
    "decimal_parsing": gettext_noop("must be a number"),
    "bool_type": gettext_noop("must be true or false"),
    "date_type": gettext_noop("must be a date written YYYY-MM-DD"),
    "date_parsing": gettext_noop("must be a date written YYYY-MM-DD"),
    "list_type": gettext_noop("must be a list"),
    "tuple_type": gettext_noop("must be a list"),
    "dict_type": gettext_noop("must be a mapping of keys to values"),
    "model_type": gettext_noop("must be a mapping of keys to values"),
    "model_attributes_type": gettext_noop("must be a mapping of keys to values"),
}


def _message(
    error: ErrorDetails,
    loc: Sequence[int | str],
    model: type[BaseModel] | None,
    paradigm: object,
) -> Message:
    """A translatable message for one pydantic error."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, SchemaValueError):
        return cause.message
    if kind == "extra_forbidden":
        return _unknown_key_message(loc, model, paradigm)
    if kind == "too_short":
        if ctx.get("min_length") == 1:
            return Message(gettext_noop("must list at least one item"))
        return Message(
            gettext_noop("must list at least %(count)s items"), {"count": ctx.get("min_length")}
        )
    if kind in _TEMPLATES:
        return Message(_TEMPLATES[kind])
    # Anything else (rare: pydantic's own checks the schema does not override) in its words.
    return Message(gettext_noop("invalid value: %(error)s"), {"error": error["msg"]})


def _unknown_key_message(
    loc: Sequence[int | str], model: type[BaseModel] | None, paradigm: object
) -> Message:
    """An unknown key, with the closest known one when there is one."""
    key = str(loc[-1]) if loc else ""
    if len(loc) == 1 and key in PARADIGMS and isinstance(paradigm, str):
        return Message(
            gettext_noop(
                "this plan's paradigm is %(paradigm)s, so it takes a %(paradigm)s section and "
                "no %(section)s section"
            ),
            {"paradigm": paradigm, "section": key},
        )
    known = sorted(_fields_at(model, loc[:-1]))
    close = difflib.get_close_matches(key, known, n=1, cutoff=_SUGGESTION_CUTOFF)
    if close:
        return Message(
            gettext_noop("unknown key %(key)s; did you mean %(suggestion)s?"),
            {"key": key, "suggestion": close[0]},
        )
    if known:
        return Message(
            gettext_noop("unknown key %(key)s; the keys here are: %(keys)s"),
            {"key": key, "keys": ", ".join(known)},
        )
    return Message(gettext_noop("unknown key %(key)s"), {"key": key})


def _fields_at(model: type[BaseModel] | None, loc: Sequence[int | str]) -> set[str]:
    """The keys the model at ``loc`` (inside ``model``) accepts."""
    current: Any = model
    for item in loc:
        if isinstance(item, int) or item == "[key]":
            continue  # a list index: the element type was unwrapped already
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return set()
        field = current.model_fields.get(item)
        if field is None:
            return set()
        current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return set(current.model_fields)
    return set()


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as ``tuple[StageSpec, ...] | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is None:
        return None
    for argument in get_args(annotation):
        found = _inner_model(argument)
        if found is not None:
            return found
    return None
