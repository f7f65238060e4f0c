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
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.planfile.errors import PlanFileError, Problem
from salesmesh.planfile.runner import plan_problems
from salesmesh.planfile.schema import PLAN_DOCUMENT, PlanDocument
from salesmesh.planfile.schema_errors import schema_problems

__all__ = ["PlanFileError", "load_plan", "load_plan_data", "parse_plan_text"]

YAML_SUFFIXES = frozenset({".yaml", ".yml"})
JSON_SUFFIXES = frozenset({".json"})


# -- reading ----------------------------------------------------------------------------------


class _PlanYamlLoader(yaml.SafeLoader):
    """Safe YAML with exact decimals and duplicate keys refused."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    """A YAML float as the Decimal of its text (``0.1`` stays exactly 0.1)."""
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        # .inf, .nan and base-60 floats: let PyYAML read them; the schema refuses them.
        return loader.construct_yaml_float(node)
    return number


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


def _yaml_lines(text: str) -> dict[str, int]:
    """Document path → 1-based line of its key (or item) in the YAML text."""
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

    root = yaml.compose(text, Loader=yaml.SafeLoader)
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
            return json.loads(text, parse_float=Decimal), {}
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
    try:
        data = yaml.load(text, Loader=_PlanYamlLoader)  # noqa: S506 - a SafeLoader subclass
        return data, _yaml_lines(text)
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
