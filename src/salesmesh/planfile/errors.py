"""The one error a plan file raises, whatever is wrong with it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from salesmesh.core.i18n import Message

__all__ = ["PlanFileError", "Problem", "prefixed"]

Problem = tuple[str, Message]


class PlanFileError(ValueError):
    """An invalid plan; ``problems`` lists every (path in the document, message) at once.

    A path is dotted with list indexes in brackets, as the author wrote the keys
    (``probability.funnel.stages[2].conversion``); "" means the file as a whole.
    ``lines`` maps a path to its line in a YAML file where it is known.
    """

    def __init__(self, problems: Iterable[Problem], lines: Mapping[str, int] | None = None) -> None:
        """Keep every problem; the exception text lists them in English."""
        self.problems: list[Problem] = list(problems)
        self.lines: dict[str, int] = dict(lines or {})
        super().__init__(
            "; ".join(
                f"{path}: {message}" if path else str(message) for path, message in self.problems
            )
        )


def prefixed(
    problems: Iterable[Problem], prefix: str, top_level: frozenset[str] = frozenset()
) -> list[Problem]:
    """A core planner's problems with paths made relative to the document.

    The planners name paths relative to their own input (``funnel.stages[2].conversion``);
    in the document that input is the section ``prefix`` — except the fields in
    ``top_level`` (such as ``target`` and ``period``), which live in the header.
    """
    result: list[Problem] = []
    for path, message in problems:
        root = path.split(".", 1)[0].split("[", 1)[0]
        if root in top_level or not prefix:
            result.append((path, message))
        elif path:
            result.append((f"{prefix}.{path}", message))
        else:
            result.append((prefix, message))
    return result
