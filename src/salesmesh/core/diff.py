"""Differences between two nested documents (plan assumptions, plan results)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

JsonLike = Any


class _Missing:
    """The type of ``_MISSING``: a path that one of the two documents does not have."""


# Not None: a key present with the value None (a JSON null) is not a missing key.
_MISSING: Final = _Missing()


@dataclass(frozen=True)
class Change:
    """One leaf that differs: its path, the old and new values (None if absent), presence.

    ``old`` and ``new`` are None both for an absent leaf and for a leaf whose value is
    None (null); ``old_present`` and ``new_present`` tell them apart, so a null that
    becomes a value is "changed", not "added".
    """

    path: str
    old: JsonLike
    new: JsonLike
    old_present: bool = True
    new_present: bool = True

    @property
    def kind(self) -> str:
        """'added', 'removed' or 'changed'."""
        if not self.old_present:
            return "added"
        if not self.new_present:
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


def _same_leaf(a: JsonLike, b: JsonLike) -> bool:
    """Whether two leaves are equal, a yes/no never equal to a number.

    Python counts ``True == 1`` and ``False == 0.0``, which would hide a switch that
    became a count; numbers of different types still compare by value (1 == 1.0).
    """
    return isinstance(a, bool) == isinstance(b, bool) and bool(a == b)


def diff(old: JsonLike, new: JsonLike) -> list[Change]:
    """Every leaf that was added, removed or changed, in path order."""
    before, after = flatten(old), flatten(new)
    changes: list[Change] = []
    for path in sorted(before.keys() | after.keys()):
        was, now = before.get(path, _MISSING), after.get(path, _MISSING)
        if was is _MISSING or now is _MISSING or not _same_leaf(was, now):
            changes.append(
                Change(
                    path=path,
                    old=None if was is _MISSING else was,
                    new=None if now is _MISSING else now,
                    old_present=was is not _MISSING,
                    new_present=now is not _MISSING,
                )
            )
    return changes
