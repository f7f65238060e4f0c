"""Marking user-facing text in the core without importing a translation framework.

The core returns messages as an English template plus parameters
(``Message``); the web layer translates the template with Django's gettext,
the CLI with the standard library's, both from the same shipped catalog.
``gettext_noop`` only marks a literal for extraction: Django's makemessages
recognises that name, so every core message lands in the zh-Hans catalog.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def gettext_noop(message: str) -> str:
    """Return ``message`` unchanged; marks it for extraction into the catalog."""
    return message


@dataclass(frozen=True)
class Message:
    """A translatable message: a %-style template and its named parameters."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = lambda text: text) -> str:
        """The message in the language ``translate`` maps to (English by default).

        A parameter that is itself a ``Message`` (a paradigm's name, say) is
        rendered in the same language first.
        """
        text = translate(self.template)
        if not self.params:
            return text
        params = {
            name: value.render(translate) if isinstance(value, Message) else value
            for name, value in self.params.items()
        }
        return text % params

    def __str__(self) -> str:
        """The English text."""
        return self.render()
