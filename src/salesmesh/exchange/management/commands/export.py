"""`salesmesh export KIND [--format csv|xlsx] [--out FILE]`: every row of a kind, unscoped."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from salesmesh.exchange.exports import FORMATS, KINDS, write_csv, write_xlsx


class _Text:
    """Hands CSV text to the command's stdout without adding line endings."""

    def __init__(self, command: BaseCommand) -> None:
        self.command = command

    def write(self, text: str) -> None:
        self.command.stdout.write(text, ending="")


class Command(BaseCommand):
    help = "Export every row of one kind of process data to CSV (default) or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("--format", choices=FORMATS, default="csv", dest="fmt")
        parser.add_argument(
            "--out", type=Path, help="File to write (atomically); CSV goes to stdout without it."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind, fmt, out = options["kind"], options["fmt"], options["out"]
        queryset = KINDS[kind].all_rows()
        if out is None:
            if fmt == "xlsx":
                write_xlsx(kind, queryset, sys.stdout.buffer)
                return
            write_csv(kind, queryset, _Text(self))  # type: ignore[arg-type]
            return
        directory = out.resolve().parent
        handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", dir=directory)
        try:
            if fmt == "csv":
                with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                    write_csv(kind, queryset, stream)
                    stream.flush()
                    os.fsync(stream.fileno())
            else:
                with os.fdopen(handle, "wb") as binary:
                    write_xlsx(kind, queryset, binary)
                    binary.flush()
                    os.fsync(binary.fileno())
            os.replace(temp_name, out)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise
