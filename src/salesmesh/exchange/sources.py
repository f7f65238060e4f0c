"""Read an uploaded table — CSV in any encoding people save, or XLSX — as a stream of rows.

CSV files arrive as UTF-8 (with or without the BOM Excel writes) or as
GBK/GB18030 (what Excel on a Chinese Windows saves as "CSV"). The encoding is
decided from the first block: a BOM decides; else the block is tried as strict
UTF-8 and, failing that, as GB18030 (a superset of GBK and GB2312). The
delimiter (comma, semicolon, tab) is sniffed from the same block.

XLSX files are read row by row (openpyxl's read-only mode), first sheet.

Nothing here loads the whole file: rows are yielded one by one with the row
number a person sees in their spreadsheet, and limits on size and rows are
enforced as the file is read.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t"
XLSX_MAGIC = b"PK\x03\x04"
# A 1,000-character cell is already more than any field takes; a much larger
# one is a broken file (an unclosed quote swallowing the rest), not data.
CSV_FIELD_LIMIT = 1024 * 1024


class SourceError(ValueError):
    """The file cannot be read as a table; the message is translated and names the cause."""


@dataclass
class Table:
    """A table being read: its header row and an iterator of (row number, cells)."""

    headers: list[str]
    rows: Iterator[tuple[int, list[object]]]
    encoding: str
    size_bytes: int
    _stream: IO[bytes]
    # Where the file is and how its fields are separated (CSV only): what a
    # vectorised reader needs to read the same table again.
    path: Path | None = None
    delimiter: str = ","

    def position(self) -> float:
        """How far through the file reading has got, 0..1 (for progress bars)."""
        if not self.size_bytes:
            return 1.0
        try:
            return min(self._stream.tell() / self.size_bytes, 1.0)
        except (OSError, ValueError):
            return 0.0

    def close(self) -> None:
        self._stream.close()


def open_table(path: Path, *, filename: str, max_bytes: int, max_rows: int) -> Table:
    """Open ``path`` (uploaded as ``filename``) as a table; SourceError for anything unreadable."""
    try:
        size = path.stat().st_size
    except OSError:
        # An upload removed since (prune-imports), or a path that never existed.
        raise SourceError(_("The file is no longer here; upload it again.")) from None
    if size > max_bytes:
        raise SourceError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": _megabytes(size), "limit": _megabytes(max_bytes)}
        )
    if size == 0:
        raise SourceError(_("The file is empty."))
    stream = path.open("rb")
    try:
        head = stream.read(len(XLSX_MAGIC))
        stream.seek(0)
        if head == XLSX_MAGIC or filename.lower().endswith((".xlsx", ".xlsm")):
            return _xlsx_table(stream, size, max_rows)
        if filename.lower().endswith(".xls"):
            raise SourceError(
                _("Old Excel files (.xls) cannot be read; save the sheet as .xlsx or CSV.")
            )
        return _csv_table(stream, size, max_rows)
    except BaseException:
        stream.close()
        raise


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def _headers(cells: list[object]) -> list[str]:
    headers = ["" if cell is None else str(cell).strip() for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise SourceError(_("The first row must hold the column headers; it is empty."))
    return headers


def _too_many_rows(max_rows: int) -> SourceError:
    return SourceError(
        _("The file has more than %(limit)s rows; split it or raise the limit.")
        % {"limit": f"{max_rows:,}"}
    )


# CSV ----------------------------------------------------------------------


def _is_utf16(head: bytes) -> bool:
    """A UTF-16 BOM, or (no BOM) NULs in a block that reads as UTF-16 text, lines and all."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = head[:4096]
    if b"\x00" not in sample:
        return False
    sample = sample[: len(sample) // 2 * 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        text = sample.decode(encoding, errors="replace")
        if "\ufffd" in text[:-1] or not any(mark in text for mark in ",;\t\n"):
            continue
        if all(char.isprintable() or char in "\t\r\n" for char in text[:-1]):
            return True
    return False


def detect_encoding(head: bytes, rest: IO[bytes] | None = None) -> str:
    """``utf-8-sig`` (BOM or plain UTF-8) or ``gb18030``; decided from the first block.

    When that block is plain ASCII it decides nothing, and ``rest`` (the
    stream after it) is read on, block by block, to the first one holding
    other bytes: a GBK file whose first rows happen to be ASCII is still GBK.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if _is_utf16(head):
        raise SourceError(_("The file is UTF-16; save it as CSV UTF-8 or as XLSX."))
    decoder = codecs.getincrementaldecoder("utf-8")()
    block = head
    while True:
        try:
            # final=False: a character cut at the block's end is not an error.
            decoder.decode(block, final=False)
        except UnicodeDecodeError:
            return "gb18030"
        pending = decoder.getstate()[0]  # a character cut at the block's end
        if rest is None or (not block.isascii() and not pending):
            return "utf-8-sig"
        block = rest.read(SNIFF_BYTES)
        if not block:
            return "utf-8-sig"


def _csv_table(stream: IO[bytes], size: int, max_rows: int) -> Table:
    head = stream.read(SNIFF_BYTES)
    if _is_utf16(head):
        raise SourceError(_("The file is UTF-16; save it as CSV UTF-8 or as XLSX."))
    if b"\x00" in head:
        raise SourceError(_("This is not a CSV or XLSX file."))
    encoding = detect_encoding(head, stream)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")
    sample = head.decode(encoding, errors="ignore")
    try:
        dialect: Any = csv.Sniffer().sniff(sample.split("\n", 20)[0], delimiters=DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(text, delimiter=dialect.delimiter, quotechar='"', doublequote=True)
    try:
        first = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as error:
        raise _csv_error(1, error) from error
    if first is None:
        raise SourceError(_("The file is empty."))
    headers = _headers(list(first))
    return Table(
        headers,
        _csv_rows(reader, max_rows),
        encoding,
        size,
        stream,
        path=Path(stream.name) if isinstance(getattr(stream, "name", None), str) else None,
        delimiter=dialect.delimiter,
    )


def _csv_error(row: int, error: Exception) -> SourceError:
    if isinstance(error, UnicodeDecodeError):
        return SourceError(
            _("Row %(row)s: the text is in neither UTF-8 nor GBK; save the file as CSV UTF-8.")
            % {"row": row}
        )
    return SourceError(_("Row %(row)s: %(error)s") % {"row": row, "error": error})


def _csv_rows(reader: Any, max_rows: int) -> Iterator[tuple[int, list[object]]]:
    count = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (UnicodeDecodeError, csv.Error) as error:
            raise _csv_error(reader.line_num, error) from error
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are not rows
        count += 1
        if count > max_rows:
            raise _too_many_rows(max_rows)
        yield reader.line_num, list(cells)


# XLSX ---------------------------------------------------------------------


def _xlsx_table(stream: IO[bytes], size: int, max_rows: int) -> Table:
    try:
        workbook = load_workbook(stream, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as error:
        raise SourceError(_("The file is not a readable XLSX workbook.")) from error
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        raise SourceError(_("The workbook has no sheet."))
    rows = sheet.iter_rows(values_only=True)
    first = next(rows, None)
    if first is None:
        raise SourceError(_("The file is empty."))
    headers = _headers(list(first))
    return Table(headers, _xlsx_rows(rows, max_rows), "xlsx", size, stream)


def _xlsx_rows(
    rows: Iterator[tuple[object, ...]], max_rows: int
) -> Iterator[tuple[int, list[object]]]:
    count = 0
    for number, cells in enumerate(rows, start=2):
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue
        count += 1
        if count > max_rows:
            raise _too_many_rows(max_rows)
        yield number, list(cells)
