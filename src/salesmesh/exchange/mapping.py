"""Which column of a file feeds which field, and how its words map to stored codes.

A mapping is plain data (it is saved as a preset, sent by the preview form and
read from the CLI's mapping file)::

    columns:     {"拜访类型": "type", "员工": "person", "备注": ""}   # "" = ignore
    values:      {"type": {"上门": "visit"}, "stage": {"赢单": "won"}}
    date_order:  "DMY"        # how 03/04/2025 reads; omitted = ambiguity is an error

``auto_mapping`` proposes the columns from the headers: a header matches a
field when, normalised (case, width, spaces, punctuation), it equals the
field's key, its label in English or Chinese, or one of its synonyms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.utils import translation
from django.utils.translation import gettext as _

from salesmesh.exchange.import_fields import ImportSpec
from salesmesh.exchange.parsing import DateOrder, normalise_key

LANGUAGES = ("en", "zh-hans")


class MappingError(ValueError):
    """A mapping that cannot be used; the message is translated."""


@dataclass(frozen=True)
class ColumnMapping:
    """Header → field key (``""`` ignores a column), extra value words, the date order."""

    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_order: DateOrder | None = None

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"columns": dict(self.columns)}
        if self.values:
            data["values"] = {key: dict(words) for key, words in self.values.items()}
        if self.date_order:
            data["date_order"] = str(self.date_order)
        return data


def header_index(spec: ImportSpec) -> dict[str, str]:
    """Normalised header words → field key, in both languages.

    A field's own key and labels come first, so they beat another field's
    synonym (the activities' "account" header is the account, even though
    "account" is also a word people use for the owner elsewhere).
    """
    index: dict[str, str] = {}
    for import_field in spec.fields:
        own = [import_field.key]
        for language in LANGUAGES:
            with translation.override(language):
                own.append(str(import_field.label))
        for word in own:
            index.setdefault(normalise_key(word), import_field.key)
    for import_field in spec.fields:
        for word in import_field.synonyms:
            index.setdefault(normalise_key(word), import_field.key)
    return index


def auto_mapping(spec: ImportSpec, headers: list[str]) -> ColumnMapping:
    """The fields the headers name; each field is taken by the first column naming it."""
    index = header_index(spec)
    columns: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = index.get(normalise_key(header), "")
        if key in taken:
            key = ""
        columns[header] = key
        if key:
            taken.add(key)
    return ColumnMapping(columns)


def mapping_from_data(
    spec: ImportSpec, headers: list[str], data: dict[str, Any] | None
) -> ColumnMapping:
    """A mapping for these headers: the automatic one, overridden by ``data`` where it says."""
    proposed = auto_mapping(spec, headers)
    if not data:
        return proposed
    if not isinstance(data, dict):
        raise MappingError(_("A mapping must be a set of “header: field” pairs."))
    known = set(spec.keys)
    given_columns = data.get("columns", {}) or {}
    if not isinstance(given_columns, dict):
        raise MappingError(_("“columns” must map each header to a field."))
    columns = dict(proposed.columns)
    for header, key in given_columns.items():
        key = "" if key is None else str(key).strip()
        if key and key not in known:
            raise MappingError(
                _("“%(key)s” is not a field of this kind; use one of: %(fields)s")
                % {"key": key, "fields": ", ".join(spec.keys)}
            )
        if str(header) in columns:
            columns[str(header)] = key
    chosen = [key for key in columns.values() if key]
    duplicated = sorted({key for key in chosen if chosen.count(key) > 1})
    if duplicated:
        raise MappingError(
            _("Each field can be fed by one column only: %(fields)s")
            % {"fields": ", ".join(duplicated)}
        )
    values = data.get("values", {}) or {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise MappingError(_("“values” must map each field to its “word: code” pairs."))
    order = data.get("date_order") or None
    if order is not None:
        try:
            order = DateOrder(str(order).upper())
        except ValueError:
            raise MappingError(
                _("The date order must be one of YMD, DMY or MDY, not “%(value)s”.")
                % {"value": order}
            ) from None
    return ColumnMapping(
        columns,
        {str(key): {str(w): str(c) for w, c in words.items()} for key, words in values.items()},
        order,
    )


def missing_required(spec: ImportSpec, mapping: ColumnMapping) -> list[str]:
    """Keys of the required fields no column feeds."""
    mapped = set(mapping.columns.values())
    return [f.key for f in spec.fields if f.required and f.key not in mapped]


def read_mapping_file(path: Path) -> dict[str, Any]:
    """The CLI's ``--mapping`` file, YAML or JSON (the same shape as a preset)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise MappingError(
            _("Cannot read the mapping file: %(error)s") % {"error": error.strerror}
        ) from error
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise MappingError(
            _("The mapping file is not valid YAML or JSON: %(error)s") % {"error": error}
        ) from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MappingError(_("A mapping must be a set of “header: field” pairs."))
    return data
