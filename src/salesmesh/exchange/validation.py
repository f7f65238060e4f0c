"""Check and convert the rows of a file, a chunk at a time, column by column.

Each mapped column of a chunk is converted in one pass with the parser of its
field; columns whose values repeat (types, stages, people, accounts, yes/no)
are parsed once per distinct value and then looked up, which is what makes a
million-row file affordable. A row with any bad cell is reported — row
number, column, value, reason — and left out; a row is only handed on when
every cell of it is good.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from django.db.models import TextChoices
from django.utils import translation
from django.utils.translation import gettext as _

from salesmesh.exchange.import_fields import REPEATING_TYPES, FieldType, ImportField, ImportSpec
from salesmesh.exchange.mapping import ColumnMapping, MappingError
from salesmesh.exchange.parsing import (
    ValueParseError,
    is_blank,
    normalise_key,
    parse_amount,
    parse_bool,
    parse_choice,
    parse_date,
    parse_datetime,
    parse_int,
    parse_text,
)
from salesmesh.exchange.resolve import ReferenceError_, Resolver

# Errors kept in full for the report; the count goes on beyond it.
MAX_REPORTED_ERRORS = 1000
# Cells shown in an error message are cut to this length.
SHOWN_VALUE_LENGTH = 80
# Text a spreadsheet would run as a formula; the exporter neutralises such text
# with a leading apostrophe, which the importer takes off again.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CURRENCY_WORDS = {
    "人民币": "CNY",
    "rmb": "CNY",
    "¥": "CNY",
    "元": "CNY",
    "美元": "USD",
    "$": "USD",
    "us$": "USD",
    "欧元": "EUR",
    "€": "EUR",
    "港币": "HKD",
    "港元": "HKD",
    "hk$": "HKD",
}


@dataclass(frozen=True)
class RowError:
    """One bad cell (or row): where it is, what it holds and why it is refused."""

    row: int
    column: str
    value: str
    message: str

    def as_data(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class ErrorSink:
    """Collects row errors: every one is counted, the first ``MAX_REPORTED_ERRORS`` kept."""

    count: int = 0
    items: list[RowError] = field(default_factory=list)
    rows: set[int] = field(default_factory=set)

    def add(self, row: int, column: str, value: object, message: str) -> None:
        self.count += 1
        self.rows.add(row)
        if len(self.items) < MAX_REPORTED_ERRORS:
            self.items.append(RowError(row, column, shown(value), message))


def shown(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= SHOWN_VALUE_LENGTH else text[: SHOWN_VALUE_LENGTH - 1] + "…"


@dataclass
class ParsedRow:
    """A row whose every mapped cell is good: field key → typed value (ids for references)."""

    number: int
    values: dict[str, Any]


class Failed(Exception):
    """A cell that is refused; carries the translated reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def un_neutralise(text: str) -> str:
    """Take off the apostrophe the exporter put before formula-like text."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def choice_lookup(choices: type[TextChoices], extra: dict[str, str]) -> dict[str, str]:
    """Words → code: the codes, their labels in both languages, and the mapping's own words."""
    lookup: dict[str, str] = {}
    for code, label in choices.choices:
        lookup[normalise_key(code)] = code
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup.setdefault(normalise_key(str(label)), code)
    for word, code in extra.items():
        if code not in choices.values:
            raise MappingError(
                _("The mapping sends “%(word)s” to “%(code)s”, which is not one of: %(allowed)s")
                % {"word": word, "code": code, "allowed": ", ".join(choices.values)}
            )
        lookup[normalise_key(word)] = code
    return lookup


class RowParser:
    """Turns raw rows into ``ParsedRow`` for one spec, mapping, user and time zone."""

    def __init__(
        self,
        *,
        spec: ImportSpec,
        headers: list[str],
        mapping: ColumnMapping,
        resolver: Resolver,
        tz: tzinfo,
    ) -> None:
        self.spec = spec
        self.resolver = resolver
        self.tz = tz
        self.order = mapping.date_order
        # (field, column index, header) for every mapped column, the line first:
        # accounts and deals are looked up within the row's line.
        position = {header: index for index, header in enumerate(headers)}
        mapped = [
            (spec.field(key), position[header], header)
            for header, key in mapping.columns.items()
            if key and header in position
        ]
        mapped.sort(key=lambda item: item[0].type != FieldType.LINE)
        self.columns = mapped
        self.lookups: dict[str, dict[str, str]] = {}
        for import_field, _index, _header in mapped:
            if import_field.choices is not None:
                self.lookups[import_field.key] = choice_lookup(
                    import_field.choices, mapping.values.get(import_field.key, {})
                )
        self.has_line = any(f.type == FieldType.LINE for f, _i, _h in mapped)

    def parse_chunk(
        self, chunk: list[tuple[int, list[object]]], errors: ErrorSink
    ) -> list[ParsedRow]:
        """The good rows of ``chunk``; every bad cell goes to ``errors``.

        Column by column: each column's cells go through one tight loop with
        its converter; repeating values are converted once per distinct value.
        """
        parsed = [ParsedRow(number, {}) for number, _cells in chunk]
        bad: set[int] = set()
        for import_field, index, header in self.columns:
            raws = [cells[index] if index < len(cells) else None for _number, cells in chunk]
            key = import_field.key
            convert = self.converter(import_field)
            line_bound = self.has_line and import_field.type in LINE_BOUND_TYPES
            if import_field.type in REPEATING_TYPES or import_field.type in CACHED_TYPES:
                cache: dict[Any, Any] = {}
                for position, raw in enumerate(raws):
                    values = parsed[position].values
                    memo = (raw, values.get("line")) if line_bound else raw
                    hit = cache.get(memo, _MISSING)
                    if hit is _MISSING:
                        hit = cache[memo] = self.cell(import_field, convert, raw, values)
                    if hit.__class__ is Failed:
                        errors.add(parsed[position].number, header, raw, hit.message)
                        bad.add(position)
                    else:
                        values[key] = hit
                continue
            fast = FAST_PATHS.get(import_field.type)
            for position, raw in enumerate(raws):
                values = parsed[position].values
                value = fast(raw, import_field, self.tz) if fast is not None else _MISSING
                if value is _MISSING:
                    value = self.cell(import_field, convert, raw, values)
                if value.__class__ is Failed:
                    errors.add(parsed[position].number, header, raw, value.message)
                    bad.add(position)
                else:
                    values[key] = value
        if not bad:
            return parsed
        return [row for position, row in enumerate(parsed) if position not in bad]

    def cell(
        self,
        import_field: ImportField,
        convert: Callable[[object, dict[str, Any]], Any],
        raw: object,
        values: dict[str, Any],
    ) -> Any:
        """One cell's value, or the ``Failed`` that says why it cannot be taken."""
        try:
            if is_blank(raw):
                if import_field.required:
                    raise Failed(_("This column is required; the cell is empty."))
                return _empty(import_field)
            if isinstance(raw, str) and raw.startswith("=") and len(raw) > 1:
                raise Failed(
                    _("The cell holds a formula; formulas are not imported, paste values.")
                )
            return convert(raw, values)
        except Failed as error:
            return error

    # Converters ----------------------------------------------------------------

    def converter(self, import_field: ImportField) -> Callable[[object, dict[str, Any]], Any]:
        kind = import_field.type
        converters: dict[FieldType, Callable[[object, dict[str, Any]], Any]] = {
            FieldType.TEXT: lambda raw, _row: self._text(raw, import_field.max_length),
            FieldType.INT: lambda raw, _row: self._int(raw),
            FieldType.MONEY: lambda raw, _row: self._money(raw),
            FieldType.DATE: lambda raw, _row: _parsed(parse_date, raw, order=self.order),
            FieldType.DATETIME: lambda raw, _row: self._datetime(raw),
            FieldType.BOOL: lambda raw, _row: _parsed(parse_bool, raw),
            FieldType.CHOICE: lambda raw, _row: self._choice(import_field, raw),
            FieldType.CURRENCY: lambda raw, _row: self._currency(raw),
            FieldType.LINE: lambda raw, _row: _resolved(self.resolver.line, str(raw).strip()),
            FieldType.USER: lambda raw, _row: _resolved(self.resolver.person, str(raw).strip()),
            FieldType.ACCOUNT: lambda raw, row: self._record(self.resolver.account, raw, row),
            FieldType.OPPORTUNITY: lambda raw, row: self._record(
                self.resolver.opportunity, raw, row
            ),
        }
        return converters[kind]

    def _text(self, raw: object, max_length: int) -> str:
        text = _parsed(parse_text, raw, max_length=max_length or 10_000)
        return un_neutralise(text)

    def _int(self, raw: object) -> int:
        value: int = _parsed(parse_int, raw)
        if value < 0:
            raise Failed(_("The number cannot be negative."))
        return value

    def _money(self, raw: object) -> Decimal:
        value: Decimal = _parsed(parse_amount, raw)
        if value < 0:
            raise Failed(_("The amount cannot be negative."))
        return value

    def _datetime(self, raw: object) -> datetime:
        result: datetime = _parsed(parse_datetime, raw, tz=self.tz, order=self.order)
        return result

    def _choice(self, import_field: ImportField, raw: object) -> str:
        result: str = _parsed(parse_choice, raw, choices=self.lookups[import_field.key])
        return result

    def _currency(self, raw: object) -> str:
        text = str(raw).strip()
        code = CURRENCY_WORDS.get(text.casefold(), text.upper())
        if len(code) != 3 or not code.isascii() or not code.isalpha():
            raise Failed(
                _("“%(value)s” is not a currency; use a three-letter code such as CNY or USD.")
                % {"value": text}
            )
        return code

    def _record(
        self, lookup: Callable[[str, int | None], int], raw: object, row: dict[str, Any]
    ) -> int:
        word = un_neutralise(str(raw).strip())
        line = row.get("line") if self.has_line else None
        if self.has_line and line is None:
            # The row's line is bad and already reported: nothing to look the name up in.
            raise Failed(_("Cannot be looked up without a valid business line."))
        return _resolved(lookup, word, line)


_MISSING: Any = object()
LINE_BOUND_TYPES = frozenset({FieldType.ACCOUNT, FieldType.OPPORTUNITY})
# Few distinct values per file (durations, dates): converted once each, too.
CACHED_TYPES = frozenset({FieldType.INT, FieldType.DATE})
# Characters that send a text cell down the careful path: blanks, formulas,
# the exporter's apostrophe.
_CAREFUL_TEXT_START = frozenset(" \t\r\n\u3000'=")


def _fast_text(raw: object, import_field: ImportField, _tz: tzinfo) -> Any:
    """Plain text that needs no stripping, un-neutralising or formula check; else _MISSING."""
    if (
        raw.__class__ is str
        and raw
        and raw[0] not in _CAREFUL_TEXT_START  # type: ignore[index]
        and not raw[-1].isspace()  # type: ignore[index]
        and len(raw) <= (import_field.max_length or 10_000)  # type: ignore[arg-type]
        and "\x00" not in raw  # type: ignore[operator]
    ):
        return raw
    return _MISSING


def _fast_datetime(raw: object, _field: ImportField, tz: tzinfo) -> Any:
    """An ISO date and time (the export's own form); else _MISSING."""
    if raw.__class__ is not str or len(raw) < 16:  # type: ignore[arg-type]
        return _MISSING
    try:
        moment = datetime.fromisoformat(raw)  # type: ignore[arg-type]
    except ValueError:
        return _MISSING
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


FAST_PATHS: dict[FieldType, Callable[[object, ImportField, tzinfo], Any]] = {
    FieldType.TEXT: _fast_text,
    FieldType.DATETIME: _fast_datetime,
}


def _empty(import_field: ImportField) -> Any:
    if import_field.type in (FieldType.TEXT, FieldType.CHOICE):
        return ""
    return None


def _parsed(parser: Callable[..., Any], raw: object, **options: Any) -> Any:
    try:
        return parser(raw, **options)
    except ValueParseError as error:
        raise Failed(error.message.render(_)) from error


def _resolved(lookup: Callable[..., int], *args: Any) -> int:
    try:
        return lookup(*args)
    except ReferenceError_ as error:
        raise Failed(str(error)) from error
