"""Alert messages stored as JSON and rendered in the reader's language.

A rule describes its condition with a ``core.i18n.Message`` (an English template and its
parameters, some of which are messages themselves — a mesh node's label, a list of
reasons). The alert keeps the template and the parameters as JSON; a nested message is
stored as ``{"$message": [template, params]}``. Rendering rebuilds the ``Message`` and
translates every template with Django's gettext, so the same alert reads in Chinese or
English depending on who looks at it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, override

from salesmesh.core.i18n import Message

NESTED = "$message"


def _param_to_json(value: Any) -> Any:
    if isinstance(value, Message):
        return {NESTED: [value.template, params_to_json(value.params)]}
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def params_to_json(params: Mapping[str, Any]) -> dict[str, Any]:
    """A message's parameters as JSON values (nested messages kept as messages)."""
    return {name: _param_to_json(value) for name, value in params.items()}


def _param_from_json(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {NESTED}:
        template, params = value[NESTED]
        return message_from_json(template, params)
    return value


def message_from_json(template: str, params: Mapping[str, Any] | None) -> Message:
    """The ``Message`` an alert stored."""
    return Message(
        template, {name: _param_from_json(value) for name, value in (params or {}).items()}
    )


def alert_text(template: str, params: Mapping[str, Any] | None) -> str:
    """The stored message in the active language."""
    return message_from_json(template, params).render(gettext)


def joined(messages: Sequence[Message], separator: str = "; ") -> Message:
    """Several messages as one, each translated on its own when rendered.

    The joining template (``%(m0)s; %(m1)s``) has no words, so it is in no catalog and
    gettext returns it unchanged.
    """
    template = separator.join(f"%(m{index})s" for index in range(len(messages)))
    return Message(template, {f"m{index}": message for index, message in enumerate(messages)})


def label_message(label: Any) -> Message:
    """A model choice's label (a lazy translation) as a message that translates later.

    The catalog's key for an app string is its English text, so the label rendered in
    English is the template.
    """
    with override("en"):
        return Message(str(label))
