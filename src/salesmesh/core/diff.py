"""Differences between two nested documents (plan assumptions, plan results)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

JsonLike = Any


@dataclass(frozen=True)
class Change:
    """One leaf that differs: its path, and the old and new values (None if absent)."""

    path: str
    old: JsonLike
    new: JsonLike

    @property
    def kind(self) -> str:
        """'added', 'removed' or 'changed'."""
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


def flatten(document: JsonLike, prefix: str = "") -> dict[str, JsonLike]:
    """Leaves of a nested mapping/list keyed by path, e.g. ``funnel.stages[2].conversion``."""
    leaves: dict[str, JsonLike] = {}
    if isinstance(document, Mapping):
        for key, value in document.items():
            leaves.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(document, Sequence) and not isinstance(document, str | bytes):
        for index, value in enumerate(document):
            leaves.update(flatten(value, f"{prefix}[{index}]"))
    else:
        leaves[prefix] = document
    return leaves


def diff(old: JsonLike, new: JsonLike) -> list[Change]:
    """Every leaf that was added, removed or changed, in path order."""
    before, after = flatten(old), flatten(new)
    return [
        Change(path=path, old=before.get(path), new=after.get(path))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    ]
