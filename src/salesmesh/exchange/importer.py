"""Import one file of one kind: check every row, then write all of it or nothing.

A dry run and a commit take the same path — the rows are checked and written
inside one transaction — and differ only at the end: a dry run (or any error)
rolls the transaction back, a commit keeps it. So the preview's counts are
exactly what the commit will do, database constraints included, and a failed
import leaves the database as it was.

Rows stream through in chunks (``CHUNK_ROWS``): a million-row file never sits
in memory. After the first bad row nothing more is written, but every row is
still checked so the report lists all the problems at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesmesh.exchange import fast_activities
from salesmesh.exchange.activity_writer import ActivityWriter
from salesmesh.exchange.import_fields import FieldType, ImportSpec, import_spec
from salesmesh.exchange.mapping import (
    ColumnMapping,
    MappingError,
    mapping_from_data,
    missing_required,
)
from salesmesh.exchange.models import ImportKind, ImportRun, ImportStatus
from salesmesh.exchange.resolve import Resolver
from salesmesh.exchange.sources import SourceError, Table, open_table
from salesmesh.exchange.target_writer import TargetWriter
from salesmesh.exchange.validation import ErrorSink, ParsedRow, RowParser
from salesmesh.exchange.writers import (
    AccountWriter,
    ContactWriter,
    LeadWriter,
    OpportunityWriter,
    StageHistoryWriter,
    Writer,
)
from salesmesh.ops.statistics import refresh_planner_statistics
from salesmesh.org.models import User

logger = logging.getLogger(__name__)

# Rows checked and written together; bounds memory, keeps the per-chunk queries few.
CHUNK_ROWS = 10_000
# The header row is row 1 in the person's spreadsheet: file-level problems point there.
HEADER_ROW = 1

WRITERS: dict[str, type[Writer]] = {
    ImportKind.ACCOUNTS: AccountWriter,
    ImportKind.CONTACTS: ContactWriter,
    ImportKind.LEADS: LeadWriter,
    ImportKind.OPPORTUNITIES: OpportunityWriter,
    ImportKind.STAGE_HISTORY: StageHistoryWriter,
    ImportKind.ACTIVITIES: ActivityWriter,
    ImportKind.TARGETS: TargetWriter,
}

Progress = Callable[[float, int], None]


@dataclass
class ImportOutcome:
    """What an import did (committed) or would do (dry run), and every problem found."""

    kind: str
    headers: list[str]
    mapping: ColumnMapping | None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: ErrorSink = field(default_factory=ErrorSink)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.errors.count == 0


# SQLite's page cache during an import, in KiB (negative = KiB in the pragma): the
# indexes of a million-row table stop fitting the default 2 MB and inserts would
# re-read pages from disk. 32 MB buys most of the gain (measured: 256 MB was no
# faster at a million rows) and keeps the import's memory under 300 MB.
# Restored afterwards; PostgreSQL's shared buffers are the server's business.
IMPORT_CACHE_KIB = 32 * 1024


@contextmanager
def large_page_cache() -> Iterator[None]:
    """A larger SQLite page cache for the length of an import (no-op elsewhere)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _chunks(rows: Iterator[tuple[int, list[object]]]) -> Iterator[list[tuple[int, list[object]]]]:
    while chunk := list(islice(rows, CHUNK_ROWS)):
        yield chunk


def _needs(spec: ImportSpec, mapping: ColumnMapping) -> set[str]:
    mapped = {key for key in mapping.columns.values() if key}
    types = {spec.field(key).type for key in mapped}
    need = set()
    if FieldType.USER in types:
        need.add("user")
    # Accounts' referrers are looked up among accounts too, after the rows are in.
    if FieldType.ACCOUNT in types or spec.kind == ImportKind.ACCOUNTS:
        need.add("account")
    if FieldType.OPPORTUNITY in types:
        need.add("opportunity")
    return need


def import_path(
    *,
    kind: str,
    path: Path,
    filename: str,
    user: User,
    mapping_data: dict[str, Any] | None = None,
    commit: bool,
    run: ImportRun | None = None,
    progress: Progress | None = None,
    create_missing: bool = False,
) -> ImportOutcome:
    """Open the file at ``path`` and import it (``commit=False``: check only).

    ``create_missing``: an account the file names (by name, within the row's
    line) that does not exist is created instead of reported.
    """
    spec = import_spec(kind)
    try:
        table = open_table(
            path,
            filename=filename,
            max_bytes=settings.SALESMESH_IMPORT_MAX_BYTES,
            max_rows=settings.SALESMESH_IMPORT_MAX_ROWS,
        )
    except SourceError as error:
        outcome = ImportOutcome(kind, [], None)
        outcome.errors.add(HEADER_ROW, "", "", str(error))
        return outcome
    try:
        return import_table(
            spec=spec,
            table=table,
            user=user,
            mapping_data=mapping_data,
            commit=commit,
            run=run,
            progress=progress,
            create_missing=create_missing,
        )
    finally:
        table.close()


def import_table(
    *,
    spec: ImportSpec,
    table: Table,
    user: User,
    mapping_data: dict[str, Any] | None,
    commit: bool,
    run: ImportRun | None = None,
    progress: Progress | None = None,
    create_missing: bool = False,
) -> ImportOutcome:
    """Check and write the table's rows in one transaction, kept only if all is well."""
    try:
        mapping = mapping_from_data(spec, table.headers, mapping_data)
    except MappingError as error:
        outcome = ImportOutcome(spec.kind, table.headers, None)
        outcome.errors.add(HEADER_ROW, "", "", str(error))
        return outcome
    outcome = ImportOutcome(spec.kind, table.headers, mapping)
    missing = missing_required(spec, mapping)
    if missing:
        labels = ", ".join(str(spec.field(key).label) for key in missing)
        outcome.errors.add(
            HEADER_ROW,
            "",
            "",
            _("Required columns are missing: %(columns)s. Add them or map a column to them.")
            % {"columns": labels},
        )
        return outcome
    headers = {key: header for header, key in mapping.columns.items() if key}
    try:
        with large_page_cache(), transaction.atomic():
            resolver = Resolver(
                user=user, need=_needs(spec, mapping), create_missing=create_missing
            )
            _check_and_write(spec, table, resolver, mapping, headers, outcome, run, progress)
            if not (commit and outcome.ok):
                transaction.set_rollback(True)
    except (SourceError, MappingError) as error:
        # The file broke while being read (bad bytes half-way, too many rows).
        outcome.errors.add(HEADER_ROW, "", "", str(error))
    except DatabaseError as error:
        logger.exception("import of %s refused by the database", spec.kind)
        outcome.errors.add(
            HEADER_ROW,
            "",
            "",
            _("The database refused the import; nothing was written. (%(error)s)")
            % {"error": type(error).__name__},
        )
    outcome.committed = commit and outcome.ok
    if outcome.committed and (outcome.created or outcome.updated):
        # A table may have grown by a large factor at once: SQLite plans from statistics.
        refresh_planner_statistics()
    if not outcome.ok:
        # A refused import does nothing; a dry run's counts say what a commit would do.
        outcome.created = outcome.updated = outcome.unchanged = 0
    return outcome


def _check_and_write(
    spec: ImportSpec,
    table: Table,
    resolver: Resolver,
    mapping: ColumnMapping,
    headers: dict[str, str],
    outcome: ImportOutcome,
    run: ImportRun | None,
    progress: Progress | None,
) -> None:
    user = resolver.user
    parser = RowParser(
        spec=spec,
        headers=table.headers,
        mapping=mapping,
        resolver=resolver,
        tz=timezone.get_current_timezone(),
    )
    writer = WRITERS[spec.kind](spec=spec, resolver=resolver, user=user, run=run, headers=headers)
    if isinstance(writer, ActivityWriter):
        fast = fast_activities.attempt(table=table, parser=parser, writer=writer, progress=progress)
        if fast is not None:
            outcome.rows = fast.rows
            outcome.created, outcome.updated, outcome.unchanged = (
                fast.created,
                fast.updated,
                fast.unchanged,
            )
            writer.record_changes(fast.changes)
            return
    seen: dict[Any, int] = {}
    errors = outcome.errors
    key_header = headers.get(spec.key[-1], spec.key[-1])
    single_key = spec.key[0] if len(spec.key) == 1 else None
    key_index = table.headers.index(key_header) if key_header in table.headers else None
    for chunk in _chunks(table.rows):
        outcome.rows += len(chunk)
        good = parser.parse_chunk(chunk, errors)
        cells_of: dict[int, list[object]] | None = None  # built on the first duplicate
        unique: list[ParsedRow] = []
        for row in good:
            values = row.values
            key: Any = (
                values[single_key]
                if single_key is not None
                else tuple(values.get(name) for name in spec.key)
            )
            first = seen.setdefault(key, row.number)
            if first != row.number:
                if cells_of is None:
                    cells_of = dict(chunk)
                errors.add(
                    row.number,
                    key_header,
                    _cell(cells_of[row.number], key_index, row.values.get(spec.key[-1])),
                    _("The same record is already in row %(row)s of this file.") % {"row": first},
                )
                continue
            unique.append(row)
        if not errors.count:
            writer.write(unique, errors)
        if progress is not None:
            progress(table.position(), outcome.rows)
    if not outcome.rows:
        errors.add(HEADER_ROW, "", "", _("The file has a header row but no data rows."))
    if not errors.count:
        writer.finish(errors)
    outcome.created = writer.counts.created
    outcome.updated = writer.counts.updated
    outcome.unchanged = writer.counts.unchanged


def _cell(cells: list[object], index: int | None, fallback: object) -> object:
    """A key cell as the file has it (a parsed date would read differently)."""
    return cells[index] if index is not None and index < len(cells) else fallback


def run_import(*, run: ImportRun, commit: bool, progress: Progress | None = None) -> ImportRun:
    """Check (or commit) a stored upload and record the outcome on its run."""
    run.status = ImportStatus.IMPORTING if commit else ImportStatus.VALIDATING
    run.progress = 0
    run.save(update_fields=["status", "progress"])
    user = User.objects.get(pk=run.created_by_id)
    outcome = import_path(
        kind=run.kind,
        path=Path(run.stored_path),
        filename=run.filename,
        user=user,
        mapping_data=run.mapping or None,
        commit=commit,
        run=run if commit else None,
        progress=progress,
        create_missing=run.create_missing,
    )
    run.rows = outcome.rows
    run.created, run.updated, run.unchanged = outcome.created, outcome.updated, outcome.unchanged
    run.error_count = outcome.errors.count
    run.errors = [error.as_data() for error in outcome.errors.items]
    run.headers = outcome.headers
    if outcome.mapping is not None:
        run.mapping = outcome.mapping.as_data()
    run.progress = 100
    if not outcome.ok:
        run.status = ImportStatus.INVALID
    elif commit:
        run.status = ImportStatus.DONE
        run.finished_at = timezone.now()
        Path(run.stored_path).unlink(missing_ok=True)
    else:
        run.status = ImportStatus.VALID
    run.save()
    return run
