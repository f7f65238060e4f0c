"""A vectorised path for large, clean activity files (DESIGN.md §4: validate column-wise).

Reading a CSV row by row in Python and converting every cell costs more than
the database insert itself. For activities — the kind that comes by the
million — this module reads the file with polars a block at a time, converts each
column in one vectorised step, and hands the database whole batches:

* repeating columns (type, person, account, deal, reached, duration) are
  converted by the ordinary converters once per *distinct* value, then
  mapped over the column;
* times are parsed as ISO 8601 with an offset (what every export writes);
* rows whose external IDs are new are inserted in one statement per batch
  (``COPY`` on PostgreSQL), their rollup deltas computed by a group-by; rows
  already stored go through the ordinary upsert, which compares and updates.

It is only an optimisation. The moment anything is not plainly valid — a cell
the converters refuse, a blank, a time in another form, a duplicate ID, an
ID the user may not see — it gives up (its savepoint rolls back) and the
import runs the ordinary path, which reports every problem with its row,
column, value and reason. A clean file therefore gives exactly the same
database either way (a property test compares the two).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from salesmesh.activities.upsert import COLUMNS, ActivityUpserter
from salesmesh.exchange.activity_writer import ActivityWriter
from salesmesh.exchange.import_fields import FieldType
from salesmesh.exchange.sources import Table
from salesmesh.exchange.validation import Failed, RowParser

logger = logging.getLogger(__name__)

# Bytes read per batch (about 25,000 rows of a typical export): polars parses a
# block at a time, so memory stays flat whatever the file's size.
BLOCK_BYTES = 2 * 1024 * 1024
# The time forms read here: what isoformat() writes (with or without a fraction).
ISO_WITH_OFFSET = "%Y-%m-%dT%H:%M:%S%.f%z"
EXTERNAL_ID_MAX = 64
# Repeating columns with more distinct values than this are not worth mapping.
MAX_DISTINCT = 200_000
REPEATING = {
    FieldType.CHOICE,
    FieldType.USER,
    FieldType.ACCOUNT,
    FieldType.OPPORTUNITY,
    FieldType.BOOL,
    FieldType.INT,
}


class GiveUp(Exception):
    """The file is not plainly valid: let the ordinary path check and report it."""


@dataclass
class FastOutcome:
    """What the vectorised path did."""

    rows: int
    created: int
    updated: int
    unchanged: int
    changes: list[tuple[int, str, dict[str, tuple[object, object]]]]


def usable(table: Table, parser: RowParser) -> bool:
    """Whether the file can go down this path at all (UTF-8 CSV, known columns)."""
    if (
        table.path is None
        or table.encoding != "utf-8-sig"
        or len(set(table.headers)) != len(table.headers)
    ):
        return False
    keys = {field.key for field, _index, _header in parser.columns}
    return {"external_id", "type", "person", "occurred_at"} <= keys


def attempt(
    *,
    table: Table,
    parser: RowParser,
    writer: ActivityWriter,
    progress: Callable[[float, int], None] | None,
) -> FastOutcome | None:
    """Import the whole file the fast way, or return None having written nothing."""
    if not usable(table, parser):
        return None
    try:
        with transaction.atomic():
            return _run(table, parser, writer, progress)
    except GiveUp as reason:
        logger.info("activity import takes the ordinary path: %s", reason)
        return None
    except DatabaseError:
        # A duplicate external ID across batches, say: the ordinary path names the row.
        logger.info("activity import takes the ordinary path after a database refusal")
        return None


def _run(
    table: Table,
    parser: RowParser,
    writer: ActivityWriter,
    progress: Callable[[float, int], None] | None,
) -> FastOutcome:
    assert table.path is not None  # noqa: S101 - checked by usable()
    columns = {field.key: header for field, _index, header in parser.columns}
    fields = {field.key: field for field, _index, _header in parser.columns}
    wanted = [pl.col(header).alias(key) for key, header in columns.items()]
    upserter = ActivityUpserter(keep=writer.upserter_keep)
    mappings: dict[str, dict[str, Any]] = {}
    rows = 0
    done_bytes = 0
    for block in _blocks(table.path):
        try:
            batch = pl.read_csv(
                io.BytesIO(block),
                has_header=False,
                new_columns=table.headers,
                infer_schema=False,
                separator=table.delimiter,
                quote_char='"',
            ).select(wanted)
        except pl.exceptions.PolarsError as error:
            raise GiveUp(f"polars cannot read a block: {error}") from error
        converted = _convert(batch, parser, fields, mappings)
        _refuse_hidden(writer, converted)
        _write(converted, upserter)
        # The deltas of a year of a large team are many keys: applied when they
        # grow large rather than all at the end, so memory stays flat.
        upserter.flush_if_large()
        rows += batch.height
        done_bytes += len(block)
        if progress is not None:
            progress(min(done_bytes / max(table.size_bytes, 1), 0.99), rows)
    if rows == 0:
        raise GiveUp("no rows")
    if rows > settings.SALESMESH_IMPORT_MAX_ROWS:
        raise GiveUp("too many rows")
    result = upserter.finish()
    return FastOutcome(rows, result.created, result.updated, result.unchanged, result.changes)


def _blocks(path: Path) -> Iterator[bytes]:
    """The file after its header row in blocks of whole CSV records.

    A block ends at a line break outside quotes: the number of quote
    characters before it is even (a quote inside a field is doubled, so the
    parity holds).
    """
    with path.open("rb") as stream:
        stream.readline()  # the header row (with the BOM, if any)
        rest = b""
        while data := stream.read(BLOCK_BYTES):
            data = rest + data
            cut = data.rfind(b"\n")
            while cut != -1 and data.count(b'"', 0, cut) % 2:
                cut = data.rfind(b"\n", 0, cut)
            if cut == -1:
                rest = data
                continue
            yield data[: cut + 1]
            rest = data[cut + 1 :]
        if rest.strip():
            yield rest


def _convert(
    batch: pl.DataFrame,
    parser: RowParser,
    fields: dict[str, Any],
    mappings: dict[str, dict[str, Any]],
) -> pl.DataFrame:
    """The batch as typed columns in the upsert's order; GiveUp at the first doubtful cell."""
    out: dict[str, pl.Series] = {}
    external = batch["external_id"]
    if external.null_count() or external.str.len_chars().max() > EXTERNAL_ID_MAX:  # type: ignore[operator]
        raise GiveUp("external IDs blank or too long")
    careful = external.str.contains(r"^[\s'=]|\s$")
    if careful.any():
        raise GiveUp("external IDs that need trimming or un-neutralising")
    if external.is_duplicated().any():
        raise GiveUp("an external ID twice in the file")
    out["external_id"] = external
    for key, import_field in fields.items():
        if key in ("external_id", "occurred_at"):
            continue
        if import_field.type not in REPEATING:
            raise GiveUp(f"column {key} is not a repeating column")
        out[key] = _mapped(batch[key], import_field, parser, mappings.setdefault(key, {}))
    times = batch["occurred_at"].str.to_datetime(
        format=ISO_WITH_OFFSET, strict=False, time_zone="UTC"
    )
    if times.null_count():
        raise GiveUp("times not in ISO 8601 with an offset")
    out["occurred_at"] = times
    frame = pl.DataFrame(out)
    if "opportunity" in frame.columns:
        frame = _deal_accounts(frame, parser)
    return frame


def _mapped(
    column: pl.Series, import_field: Any, parser: RowParser, known: dict[str, Any]
) -> pl.Series:
    """A repeating column converted once per distinct value by the ordinary converter."""
    distinct = column.unique()
    if distinct.len() > MAX_DISTINCT:
        raise GiveUp(f"too many distinct values in {import_field.key}")
    convert = parser.converter(import_field)
    for raw in distinct.to_list():
        if raw in known:
            continue
        value = parser.cell(import_field, convert, raw, {})
        if isinstance(value, Failed):
            raise GiveUp(f"a value of {import_field.key} is refused")
        known[raw] = value
    present = {raw: value for raw, value in known.items() if raw is not None}
    values = column.replace_strict(
        list(present), list(present.values()), default=None, return_dtype=_dtype(import_field)
    )
    if known.get(None) is not None:
        values = values.fill_null(known[None])
    return values


def _dtype(import_field: Any) -> pl.DataType:
    if import_field.type == FieldType.BOOL:
        return pl.Boolean()
    if import_field.type == FieldType.CHOICE:
        return pl.String()
    return pl.Int64()


def _deal_accounts(frame: pl.DataFrame, parser: RowParser) -> pl.DataFrame:
    """An activity on a deal is an activity with the deal's account (as the ordinary path)."""
    deal_account = parser.resolver.opportunity_account
    deals = frame["opportunity"].drop_nulls().unique().to_list()
    lookup = pl.DataFrame(
        {"opportunity": deals, "deal_account": [deal_account[deal] for deal in deals]},
        schema={"opportunity": pl.Int64, "deal_account": pl.Int64},
    )
    joined = frame.join(lookup, on="opportunity", how="left", maintain_order="left")
    if "account" not in joined.columns:
        joined = joined.with_columns(pl.lit(None, dtype=pl.Int64).alias("account"))
    clash = joined.filter(
        pl.col("deal_account").is_not_null()
        & pl.col("account").is_not_null()
        & (pl.col("account") != pl.col("deal_account"))
    )
    if clash.height:
        raise GiveUp("an activity's account is not its deal's")
    return joined.with_columns(pl.coalesce("account", "deal_account").alias("account")).drop(
        "deal_account"
    )


def _refuse_hidden(writer: ActivityWriter, frame: pl.DataFrame) -> None:
    if writer.hidden_ids(set(frame["external_id"].to_list())):
        raise GiveUp("an external ID of an activity the user may not see")


def _write(frame: pl.DataFrame, upserter: ActivityUpserter) -> None:
    """New rows in one statement with their deltas by group-by; stored rows via the upsert."""
    for name, default in (("account", None), ("opportunity", None)):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(default, dtype=pl.Int64).alias(name))
    if "reached" not in frame.columns:
        frame = frame.with_columns(pl.lit(False).alias("reached"))
    if "duration_minutes" not in frame.columns:
        frame = frame.with_columns(pl.lit(0, dtype=pl.Int64).alias("duration_minutes"))
    frame = frame.with_columns(pl.col("duration_minutes").fill_null(0))
    if frame["duration_minutes"].max() > 24 * 60:  # type: ignore[operator]
        raise GiveUp("a duration longer than a day")
    stored = upserter.stored_ids(set(frame["external_id"].to_list()))
    if stored:
        known = frame.filter(pl.col("external_id").is_in(list(stored)))
        frame = frame.filter(~pl.col("external_id").is_in(list(stored)))
        upserter.add([_tuple(row) for row in known.iter_rows(named=True)])
    if frame.height:
        daily, weekly = _deltas(frame, upserter)
        upserter.insert_prepared(frame_params(_ordered(frame)), daily=daily, weekly=weekly)


def _ordered(frame: pl.DataFrame) -> pl.DataFrame:
    names = {"person_id": "person", "account_id": "account", "opportunity_id": "opportunity"}
    return frame.select([pl.col(names.get(column, column)).alias(column) for column in COLUMNS])


def _tuple(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["external_id"],
        row["type"],
        row["person"],
        row["account"],
        row["opportunity"],
        row["occurred_at"].astimezone(UTC),
        bool(row["reached"]),
        row["duration_minutes"],
    )


def _deltas(
    frame: pl.DataFrame, upserter: ActivityUpserter
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Rollup deltas of the new rows by group-by: (person, day, type, n, reached) and weekly."""
    local = frame.with_columns(
        pl.col("occurred_at").dt.convert_time_zone(upserter.zone_name).dt.date().alias("day"),
        pl.col("reached").cast(pl.Int64).alias("hit"),
    )
    daily = local.group_by(["person", "day", "type"]).agg(
        pl.len().alias("n"), pl.col("hit").sum().alias("hits")
    )
    weekly = (
        local.filter(pl.col("account").is_not_null())
        .with_columns(pl.col("day").dt.truncate("1w").alias("week"))
        .group_by(["account", "week"])
        .agg(pl.len().alias("n"), pl.col("hit").sum().alias("hits"))
    )
    return list(daily.iter_rows()), list(weekly.iter_rows())


def sqlite_text(column: pl.Expr) -> pl.Expr:
    """Django's SQLite text for a UTC datetime: seconds, plus microseconds when there are any."""
    naive = column.dt.replace_time_zone(None)
    return (
        pl.when(naive.dt.microsecond() == 0)
        .then(naive.dt.strftime("%Y-%m-%d %H:%M:%S"))
        .otherwise(naive.dt.strftime("%Y-%m-%d %H:%M:%S%.6f"))
    )


def frame_params(frame: pl.DataFrame) -> list[tuple[Any, ...]]:
    """Rows to bind: SQLite gets the time as Django's text, PostgreSQL the aware value."""
    if connection.vendor == "sqlite":
        frame = frame.with_columns(sqlite_text(pl.col("occurred_at")).alias("occurred_at"))
    return list(frame.iter_rows())
