"""Reading a plan file: YAML or JSON in, a validated ``PlanDocument`` out, or every problem.

``load_plan(path)`` reads a ``.yaml``/``.yml`` or ``.json`` file (UTF-8, with or without a
byte-order mark); ``load_plan_data(mapping)`` validates a document already parsed (the web
stores plans as JSON). Both raise ``PlanFileError`` listing every problem at once, each
with its path in the document and a translatable message:

1. the file itself — unreadable, not UTF-8, not YAML/JSON (with the line), a duplicate
   key — is one problem, as nothing else can be checked;
2. every key and value checked by the schema (unknown keys with the closest known one,
   missing keys, types, ranges, choices, the period label);
3. once those pass, the rules the core planners check across values (probabilities
   summing to 1, owners in the team, cyclic milestones …), with their paths prefixed by
   the section they sit in.

Numbers are read exactly: YAML floats and JSON numbers with a decimal point become
``Decimal`` from their text, never via a binary float.

Hostile or broken text fails fast as a ``PlanFileError``: YAML anchors and aliases are
refused (a few hundred bytes of nested aliases would otherwise expand to millions of
nodes), as is nesting deeper than ``MAX_NESTING``; integer literals too long for a plan
become ``Decimal`` so that the schema refuses them with their path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.planfile.amounts import MAX_DIGITS
from salesmesh.planfile.errors import PlanFileError, Problem
from salesmesh.planfile.runner import plan_problems
from salesmesh.planfile.schema import PLAN_DOCUMENT, PlanDocument
from salesmesh.planfile.schema_errors import schema_problems

__all__ = ["PlanFileError", "load_plan", "load_plan_data", "parse_plan_text"]

YAML_SUFFIXES = frozenset({".yaml", ".yml"})
JSON_SUFFIXES = frozenset({".json"})

# Lists and mappings nest about six levels in a plan (project.projects[0].milestones[0].
# resources[0]); 50 leaves ample room and keeps every later recursive walk of the data
# (the line map, validation, rendering, diffs) far below Python's recursion limit.
MAX_NESTING = 50
# An integer literal with more digits than a plan number may have is read as a Decimal:
# Python's int() raises a bare ValueError beyond 4,300 digits, and the schema's number
# checks refuse the Decimal with its path ("… is too large").
_LONG_INT_DIGITS = MAX_DIGITS

_ALIASES_REFUSED = gettext_noop(
    "line %(line)s, column %(column)s: anchors and aliases (&, *) are not allowed in a plan file"
)
_TOO_DEEP_AT = gettext_noop(
    "line %(line)s, column %(column)s: the document is nested too deeply (more than "
    "%(limit)s levels)"
)
_TOO_DEEP = gettext_noop("the document is nested too deeply (more than %(limit)s levels)")


# -- reading ----------------------------------------------------------------------------------


class _RefusedYaml(Exception):
    """YAML that is well formed but refused in a plan file, with where it starts."""

    def __init__(self, template: str, event: yaml.Event, **params: object) -> None:
        """The message with the 1-based line and column of ``event`` (0 if unknown)."""
        super().__init__(template)
        mark = event.start_mark
        position = {"line": mark.line + 1, "column": mark.column + 1} if mark else {}
        self.message = Message(template, {"line": 0, "column": 0, **position, **params})


class _PlanYamlLoader(yaml.SafeLoader):
    """Safe YAML with exact decimals; duplicate keys, anchors, aliases, deep nesting refused."""

    def __init__(self, stream: str) -> None:
        """Read ``stream``, counting how deep the lists and mappings being composed are."""
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Compose one node, refusing anchors, aliases and nesting beyond MAX_NESTING.

        Refused here, before any node is built: PyYAML shares an aliased node, but every
        walk over the tree (and every consumer of the data) visits it once per alias, so
        nine aliases of nine aliases … grow exponentially. A plan never needs them.
        """
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call] # untyped stub
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            raise _RefusedYaml(_ALIASES_REFUSED, event)
        nested = 1 if isinstance(event, yaml.CollectionStartEvent) else 0
        if nested and self._depth >= MAX_NESTING:
            raise _RefusedYaml(_TOO_DEEP_AT, event, limit=MAX_NESTING)
        self._depth += nested
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= nested

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """Build a value; a value its tag cannot build (``!!int abc``) is a located error."""
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, LookupError, TypeError, ArithmeticError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value ({exc})", node.start_mark
            ) from exc


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    """A YAML float as the Decimal of its text (``0.1`` stays exactly 0.1)."""
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        # .inf, .nan and base-60 floats: let PyYAML read them; the schema refuses them.
        return loader.construct_yaml_float(node)
    return number


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    """A YAML integer; a very long decimal one as a Decimal for the schema to refuse."""
    text = str(loader.construct_scalar(node)).replace("_", "")
    digits = text.lstrip("+-")
    if len(digits) <= _LONG_INT_DIGITS:
        return loader.construct_yaml_int(node)
    if digits.isascii() and digits.isdigit() and not digits.startswith("0"):
        return Decimal(text)
    # Binary, octal, hexadecimal or base 60 this long: no plan holds one.
    raise yaml.constructor.ConstructorError(
        None, None, f"the integer is too long ({len(digits)} characters)", node.start_mark
    )


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    """A YAML date; one that does not exist (2026-02-30) stays text for the schema to name."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A mapping whose keys are unique: YAML would silently keep the last duplicate."""
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict):
            continue  # unhashable; PyYAML reports it below
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"found a duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_PlanYamlLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_PlanYamlLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_PlanYamlLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_PlanYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _json_int(text: str) -> int | Decimal:
    """A JSON integer; a very long one as a Decimal for the schema to refuse."""
    return Decimal(text) if len(text.lstrip("-")) > _LONG_INT_DIGITS else int(text)


def _json_float(text: str) -> Decimal | float:
    """A JSON number with a point or exponent, exactly (``0.1`` stays 0.1)."""
    try:
        return Decimal(text)
    except InvalidOperation:
        # An exponent beyond Decimal's range (1e99999999999999999999): ±inf, which the
        # schema refuses, or 0.0, which it is to within any precision a plan uses.
        return float(text)


def _nested_deeper_than(data: object, limit: int) -> bool:
    """Whether lists and mappings in ``data`` nest more than ``limit`` levels (no recursion)."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Iterable[object] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _yaml_lines(root: yaml.Node | None) -> dict[str, int]:
    """Document path → 1-based line of its key (or item) in the composed YAML tree."""
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                child = f"{path}.{key}" if path else str(key)
                lines.setdefault(child, key_node.start_mark.line + 1)
                walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = f"{path}[{index}]"
                lines.setdefault(child, item.start_mark.line + 1)
                walk(item, child)

    if root is not None:
        walk(root, "")
    return lines


def _syntax_problem(
    template: str, located: str, line: int | None, column: int | None, detail: str
) -> Problem:
    """One whole-file problem; ``located`` is the template with the line and column."""
    if line is None:
        return ("", Message(template, {"detail": detail}))
    return ("", Message(located, {"line": line, "column": column or 1, "detail": detail}))


def _too_deep() -> PlanFileError:
    """The error for a document nested deeper than MAX_NESTING (position unknown)."""
    return PlanFileError([("", Message(_TOO_DEEP, {"limit": MAX_NESTING}))])


def _load_yaml(text: str) -> tuple[object, dict[str, int]]:
    """Parse YAML with the plan loader; the data and each path's line, from one parse."""
    loader = _PlanYamlLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return data, _yaml_lines(root)


def _parse(path: Path) -> tuple[object, dict[str, int]]:
    """The parsed content of a plan file and, for YAML, the line of each path."""
    suffix = path.suffix.lower()
    if suffix not in YAML_SUFFIXES | JSON_SUFFIXES:
        raise PlanFileError(
            [
                (
                    "",
                    Message(
                        gettext_noop(
                            "cannot tell the format from the extension %(suffix)s; name the "
                            "file .yaml, .yml or .json"
                        ),
                        {"suffix": repr(path.suffix)},
                    ),
                )
            ]
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PlanFileError(
            [
                (
                    "",
                    Message(
                        gettext_noop("cannot read %(file)s: %(reason)s"),
                        {"file": str(path), "reason": exc.strerror or str(exc)},
                    ),
                )
            ]
        ) from exc
    try:
        # utf-8-sig drops a byte-order mark if there is one (Windows editors add it).
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PlanFileError(
            [
                _syntax_problem(
                    gettext_noop("the file is not UTF-8 text (%(detail)s)"),
                    gettext_noop("line %(line)s: the file is not UTF-8 text (%(detail)s)"),
                    line,
                    None,
                    exc.reason,
                )
            ]
        ) from exc
    return parse_plan_text(text, json_format=suffix in JSON_SUFFIXES)


def parse_plan_text(text: str, *, json_format: bool = False) -> tuple[object, dict[str, int]]:
    """Parse plan text (YAML, or JSON) exactly; return the data and each path's YAML line.

    Used for files and for the web editor alike, so both read numbers the same way.
    """
    if json_format:
        try:
            data = json.loads(text, parse_float=_json_float, parse_int=_json_int)
        except RecursionError:
            raise _too_deep() from None
        except json.JSONDecodeError as exc:
            raise PlanFileError(
                [
                    _syntax_problem(
                        gettext_noop("not valid JSON: %(detail)s"),
                        gettext_noop(
                            "line %(line)s, column %(column)s: not valid JSON: %(detail)s"
                        ),
                        exc.lineno,
                        exc.colno,
                        exc.msg,
                    )
                ]
            ) from exc
        if _nested_deeper_than(data, MAX_NESTING):
            raise _too_deep()
        return data, {}
    try:
        return _load_yaml(text)
    except _RefusedYaml as exc:
        raise PlanFileError([("", exc.message)]) from None
    except RecursionError:
        # MAX_NESTING stops nesting first, unless the caller's own stack is already deep.
        raise _too_deep() from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = " ".join(part for part in (exc.context, exc.problem) if part)
        raise PlanFileError(
            [
                _syntax_problem(
                    gettext_noop("not valid YAML: %(detail)s"),
                    gettext_noop("line %(line)s, column %(column)s: not valid YAML: %(detail)s"),
                    mark.line + 1 if mark else None,
                    mark.column + 1 if mark else None,
                    detail,
                )
            ]
        ) from exc
    except yaml.YAMLError as exc:
        raise PlanFileError(
            [("", Message(gettext_noop("not valid YAML: %(detail)s"), {"detail": str(exc)}))]
        ) from exc


def load_plan(path: Path) -> PlanDocument:
    """Read and validate a YAML or JSON plan file; raise ``PlanFileError`` with every problem."""
    data, lines = _parse(Path(path))
    try:
        return _load(data)
    except PlanFileError as exc:
        raise PlanFileError(exc.problems, lines) from None


def load_plan_data(data: Mapping[str, Any]) -> PlanDocument:
    """Validate an already parsed plan document (e.g. stored as JSON by the web)."""
    return _load(data)


def _load(data: object) -> PlanDocument:
    """Schema first; when the document is well formed, the core planners' own rules."""
    if not isinstance(data, Mapping):
        raise PlanFileError(
            [
                (
                    "",
                    Message(
                        gettext_noop(
                            "a plan must be a mapping of keys to values (version, paradigm, "
                            "name, period, target and a paradigm section)"
                        )
                    ),
                )
            ]
        )
    try:
        document: PlanDocument = PLAN_DOCUMENT.validate_python(data)
    except ValidationError as exc:
        raise PlanFileError(schema_problems(exc, data)) from None
    problems = plan_problems(document)
    if problems:
        raise PlanFileError(problems)
    return document
