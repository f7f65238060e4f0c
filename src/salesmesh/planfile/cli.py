"""``salesmesh plan FILE``: read a plan file, run its planner, show the decomposition.

Prints the tree (default), or JSON with every computed number (``--json``),
and optionally writes a workbook (``--xlsx OUT``). Needs neither Django nor a
database: ``salesmesh.cli`` dispatches here before any Django setup.

Exit status:
  0   the plan was computed and shown — an infeasible plan too (the output
      says "Infeasible" and lists the fixes), unless ``--strict``;
  1   ``--strict`` and the plan is infeasible;
  2   the plan file is missing, unreadable or invalid (every problem is
      listed on stderr as ``path: message``), bad arguments, or the
      workbook cannot be written;
  70  an internal error (a bug): one line on stderr, never a traceback
      (set SALESMESH_DEBUG=1 to get the traceback instead).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console

from salesmesh.core.i18n import Message, gettext_noop
from salesmesh.planfile.render_tree import print_report
from salesmesh.planfile.report import Translate, report_to_json
from salesmesh.planfile.translation import (
    CHINESE,
    ENGLISH,
    language_from_environment,
    normalize_language,
    translator,
)

if TYPE_CHECKING:
    from salesmesh.planfile.report import PlanReport

PROG = "salesmesh plan"

DEBUG_VARIABLE = "SALESMESH_DEBUG"

EXIT_OK = 0
EXIT_INFEASIBLE = 1  # only with --strict: scripts can gate on a plan that fits capacity
EXIT_INVALID = 2  # the same status argparse uses for bad arguments: "your input is wrong"
EXIT_INTERNAL = 70  # EX_SOFTWARE from sysexits.h: a bug, not the user's input
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE, as shells report a writer whose reader left

DESCRIPTION = gettext_noop(
    "Read a plan file (YAML or JSON) of any paradigm, run its planner and show the "
    "decomposition from target to indicators to behaviours."
)
EPILOG = gettext_noop(
    "Exit status: 0 when the plan was computed (an infeasible plan too: the output says "
    "so, unless --strict); 1 with --strict when the plan is infeasible; 2 when the file is "
    "missing, unreadable or invalid (every problem is listed), or the workbook cannot be "
    "written."
)
HELP_FILE = gettext_noop("the plan file (.yaml, .yml or .json)")
HELP_JSON = gettext_noop("print JSON with every computed number instead of the tree")
HELP_XLSX = gettext_noop("also write a formatted workbook (.xlsx) to OUT")
HELP_LANG = gettext_noop(
    "language of the output (default: from LANGUAGE, LC_ALL, LC_MESSAGES, LANG)"
)
HELP_STRICT = gettext_noop("exit with status 1 when the plan is infeasible")

NO_SUCH_FILE = gettext_noop("no such file")
IS_A_DIRECTORY = gettext_noop("is a directory, not a file")
PERMISSION_DENIED = gettext_noop("permission denied")
CANNOT_READ = gettext_noop("cannot read %(file)s: %(reason)s")
CANNOT_WRITE = gettext_noop("cannot write %(file)s: %(reason)s")
AT_LINE = gettext_noop("%(problem)s (line %(line)s)")
NOT_TEXT = gettext_noop("not UTF-8 text")
WORKBOOK_WRITTEN = gettext_noop("Workbook written to %(file)s")
INTERNAL_ERROR = gettext_noop("internal error, please report it: %(error)s")

LANG_CHOICES = (CHINESE, "zh", ENGLISH)


def _language_argument(value: str) -> str:
    """argparse type for --lang: a supported language, normalised."""
    try:
        return normalize_language(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _requested_language(argv: Sequence[str]) -> str:
    """The --lang given on the command line, else the environment's (before parsing, for help)."""
    for index, arg in enumerate(argv):
        value: str | None = None
        if arg == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        if value is not None:
            try:
                return normalize_language(value)
            except ValueError:
                break
    return language_from_environment()


def build_parser(translate: Translate) -> argparse.ArgumentParser:
    """The argument parser, its help in the output language."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=translate(DESCRIPTION),
        epilog=translate(EPILOG),
    )
    parser.add_argument("file", metavar="FILE", type=Path, help=translate(HELP_FILE))
    parser.add_argument("--json", action="store_true", help=translate(HELP_JSON))
    parser.add_argument("--xlsx", metavar="OUT", type=Path, help=translate(HELP_XLSX))
    parser.add_argument(
        "--lang",
        type=_language_argument,
        metavar="{" + ",".join(LANG_CHOICES) + "}",
        help=translate(HELP_LANG),
    )
    parser.add_argument("--strict", action="store_true", help=translate(HELP_STRICT))
    return parser


def _os_reason(exc: OSError, translate: Translate) -> str:
    """A short, translated reason for a file-system error."""
    if isinstance(exc, FileNotFoundError):
        return translate(NO_SUCH_FILE)
    if isinstance(exc, IsADirectoryError):
        return translate(IS_A_DIRECTORY)
    if isinstance(exc, PermissionError):
        return translate(PERMISSION_DENIED)
    return exc.strerror or type(exc).__name__


def _render(message: object, translate: Translate) -> str:
    """A problem's message: a core Message translated, anything else as text."""
    return message.render(translate) if isinstance(message, Message) else str(message)


def _problems(exc: BaseException) -> list[tuple[str, Any]] | None:
    """The (path, message) list a domain error carries, if it carries one."""
    problems = getattr(exc, "problems", None)
    if not isinstance(problems, list | tuple) or not problems:
        return None
    pairs = [p for p in problems if isinstance(p, tuple) and len(p) == 2]
    return pairs if len(pairs) == len(problems) else None


def _print_problems(exc: BaseException, file: Path, translate: Translate, stderr: TextIO) -> None:
    """Every problem on its own line as ``path: message``; the file name if no path."""
    problems = _problems(exc)
    if problems is None:
        _say(stderr, f"{file}: {exc}")
        return
    # The loader knows the YAML line of most paths; editors and people both want it.
    lines = getattr(exc, "lines", None)
    lines = lines if isinstance(lines, dict) else {}
    for path, message in problems:
        rendered = _render(message, translate)
        # File-level problems carry no path; name the file unless the message already does.
        text = rendered if not path and str(file) in rendered else f"{path or file}: {rendered}"
        if path and isinstance(lines.get(path), int):
            text = Message(AT_LINE, {"problem": text, "line": lines[path]}).render(translate)
        _say(stderr, text)


def _say(stream: TextIO, text: str) -> None:
    """One line on ``stream`` (the command's whole output goes through here or rich)."""
    stream.write(text + "\n")


def _check_readable(file: Path) -> None:
    """Raise the OSError a read would, before the loader turns it into something vaguer."""
    if file.is_dir():
        raise IsADirectoryError(file)
    with file.open("rb"):
        pass


def _tolerant(stream: TextIO) -> None:
    """Never fail on a character the terminal's encoding lacks (e.g. Chinese under LANG=C)."""
    encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
    if isinstance(stream, io.TextIOWrapper) and encoding != "utf8":
        stream.reconfigure(errors="backslashreplace")


def run(args: argparse.Namespace, translate: Translate, stdout: TextIO, stderr: TextIO) -> int:
    """Load, plan, show and (if asked) write the workbook; the exit status."""
    file: Path = args.file
    try:
        _check_readable(file)
    except OSError as exc:
        reason = _os_reason(exc, translate)
        _say(stderr, Message(CANNOT_READ, {"file": file, "reason": reason}).render(translate))
        return EXIT_INVALID

    # Imported here, not at the top, so `--help` and the checks above work on
    # their own, and an import failure ends as one line rather than a traceback.
    from salesmesh.planfile.loader import PlanFileError, load_plan
    from salesmesh.planfile.runner import run_plan

    try:
        document = load_plan(file)
    except PlanFileError as exc:
        _print_problems(exc, file, translate, stderr)
        return EXIT_INVALID
    except OSError as exc:
        reason = _os_reason(exc, translate)
        _say(stderr, Message(CANNOT_READ, {"file": file, "reason": reason}).render(translate))
        return EXIT_INVALID
    except UnicodeDecodeError:
        reason = translate(NOT_TEXT)
        _say(stderr, Message(CANNOT_READ, {"file": file, "reason": reason}).render(translate))
        return EXIT_INVALID

    try:
        report: PlanReport = run_plan(document)
    except ValueError as exc:
        # A planner's domain error (e.g. a cyclic dependency): the input is wrong, not the code.
        _print_problems(exc, file, translate, stderr)
        return EXIT_INVALID

    if args.json:
        stdout.write(report_to_json(report, translate) + "\n")
    else:
        print_report(report, translate, Console(file=stdout, highlight=False, emoji=False))
    stdout.flush()

    if args.xlsx is not None:
        from salesmesh.planfile.xlsx import write_workbook

        try:
            written = write_workbook(report, args.xlsx, translate)
        except OSError as exc:
            reason = _os_reason(exc, translate)
            message = Message(CANNOT_WRITE, {"file": args.xlsx, "reason": reason})
            _say(stderr, message.render(translate))
            return EXIT_INVALID
        # With --json, stdout is the JSON document alone; the note goes to stderr.
        note = Message(WORKBOOK_WRITTEN, {"file": written}).render(translate)
        _say(stderr if args.json else stdout, note)
        stdout.flush()  # inside main's BrokenPipeError guard, not at interpreter exit

    if args.strict and not report.feasible:
        return EXIT_INFEASIBLE
    return EXIT_OK


def main(argv: list[str]) -> int:
    """Run ``salesmesh plan`` with ``argv`` (the arguments after ``plan``); the exit status."""
    stdout, stderr = sys.stdout, sys.stderr
    _tolerant(stdout)
    _tolerant(stderr)
    translate = translator(_requested_language(argv))
    parser = build_parser(translate)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has already printed
        return exc.code if isinstance(exc.code, int) else EXIT_INVALID
    if args.lang is not None:
        translate = translator(args.lang)
    try:
        return run(args, translate, stdout, stderr)
    except BrokenPipeError:
        # The reader (e.g. `| head`) left: stop quietly; silence the final flush too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
        return EXIT_PIPE_CLOSED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # the promise is "never a traceback", even for our own bugs
        if os.environ.get(DEBUG_VARIABLE):
            raise  # a developer asked for the traceback
        error = f"{type(exc).__name__}: {exc}"
        _say(stderr, Message(INTERNAL_ERROR, {"error": error}).render(translate))
        return EXIT_INTERNAL
