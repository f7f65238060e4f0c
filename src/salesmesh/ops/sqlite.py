"""Copy, check and replace SQLite database files — the mechanics behind backup and restore.

Every write goes to a temporary file in the target's own directory, is flushed to disk
and then renamed over the target, so a crash leaves either the old file or the new one,
never half of one. A copy is only kept after ``PRAGMA integrity_check`` says ``ok``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

# Seconds to wait for a writer's lock while copying from a live database.
BUSY_TIMEOUT_S = 20
# Seconds to wait for other connections to close before a restore gives up.
IN_USE_TIMEOUT_S = 2


class Refused(Exception):
    """The operation was refused and nothing was changed; the message says why."""

    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@contextlib.contextmanager
def opened(path: Path, *, timeout: float = BUSY_TIMEOUT_S) -> Iterator[sqlite3.Connection]:
    """A plain connection that is always closed (``sqlite3``'s own ``with`` only commits)."""
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def temporary_beside(target: Path, purpose: str) -> Path:
    """A fresh temporary name in the target's directory, so the final rename is atomic."""
    return target.with_name(f".{target.name}.{purpose}.{os.getpid()}.tmp")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_directory(directory: Path) -> None:
    """Make a rename durable: the directory entry must reach the disk too."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms cannot open a directory; the rename stands anyway
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def integrity_problem(conn: sqlite3.Connection) -> str | None:
    """None when ``PRAGMA integrity_check`` answers ``ok``, else its first complaint."""
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    if [tuple(row) for row in rows] == [("ok",)]:
        return None
    return str(rows[0][0]) if rows else "no answer"


def online_copy(source: Path, destination: Path) -> int:
    """Copy a live database with SQLite's online backup API; return the copy's size in bytes.

    The backup API reads a consistent snapshot (WAL content included) while the web app
    keeps writing. The copy is switched to a rollback journal so it is one self-contained
    file, checked, flushed and renamed into place.
    """
    if not source.is_file():
        raise Refused(_("There is no database file at %(path)s.") % {"path": source})
    if destination.exists():
        raise Refused(
            _("%(path)s already exists; choose another name.") % {"path": destination},
            exit_code=2,
        )
    tmp = temporary_beside(destination, "backup")
    try:
        with opened(source) as src, opened(tmp) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            problem = integrity_problem(dst)
        if problem is not None:
            raise Refused(
                _("The copy failed its integrity check (%(problem)s); nothing was kept.")
                % {"problem": problem}
            )
        fsync_file(tmp)
        os.replace(tmp, destination)
        fsync_directory(destination.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return destination.stat().st_size


def applied_migrations(path: Path) -> set[tuple[str, str]]:
    """The (app, migration) pairs a database file records, after checking it is sound.

    Refuses a file that is not SQLite, fails the integrity check, or has no
    ``django_migrations`` table with the ``org`` app in it (so is not a salesmesh database).
    """
    if not path.is_file():
        raise Refused(_("There is no file at %(path)s.") % {"path": path})
    try:
        with opened(path) as conn:
            problem = integrity_problem(conn)
            if problem is not None:
                raise Refused(
                    _("%(path)s is damaged (integrity check: %(problem)s).")
                    % {"path": path, "problem": problem}
                )
            has_table = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
            rows = (
                conn.execute("SELECT app, name FROM django_migrations").fetchall()
                if has_table
                else []
            )
    except sqlite3.DatabaseError as exc:
        raise Refused(
            _("%(path)s is not a readable SQLite database (%(reason)s).")
            % {"path": path, "reason": exc}
        ) from exc
    applied = {(str(app), str(name)) for app, name in rows}
    if not any(app == "org" for app, _name in applied):
        raise Refused(_("%(path)s is not a salesmesh database.") % {"path": path})
    return applied


def unknown_migrations(
    applied: set[tuple[str, str]], *, known: set[tuple[str, str]], apps: set[str]
) -> list[str]:
    """Migrations the file has applied that this code does not have: the file is newer.

    Only apps this code migrates are compared; rows of an app it no longer installs
    cannot be judged and are left alone.
    """
    return sorted(f"{app}.{name}" for app, name in applied - known if app in apps)


def release_live(live: Path) -> None:
    """Fold the live database's write-ahead log into it and leave WAL mode.

    A stale ``-wal`` file beside a replaced database would be replayed into the new
    one. Leaving WAL needs the only connection, so this also proves that no web server
    or worker has the database open.
    """
    with opened(live, timeout=IN_USE_TIMEOUT_S) as conn:
        try:
            mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError:
            mode = "busy"
    if str(mode).lower() != "delete":
        raise Refused(
            _(
                "The database at %(path)s is in use; stop the web server and the "
                "background worker, then restore again."
            )
            % {"path": live},
            exit_code=2,
        )


def replace_database(new: Path, live: Path) -> Path | None:
    """Put a checked copy of ``new`` in place of ``live``; return where the old one was kept.

    The previous file is kept as ``<name>.bak`` (replacing an older .bak). The copy is
    made beside the live file and renamed over it in one step.
    """
    tmp = temporary_beside(live, "restore")
    backup: Path | None = None
    try:
        shutil.copyfile(new, tmp)
        with opened(tmp) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")
            problem = integrity_problem(conn)
        if problem is not None:
            raise Refused(
                _("The copy of %(path)s failed its integrity check (%(problem)s).")
                % {"path": new, "problem": problem}
            )
        fsync_file(tmp)
        if live.exists():
            release_live(live)
            backup = live.with_name(live.name + ".bak")
            backup_tmp = temporary_beside(backup, "bak")
            try:
                shutil.copyfile(live, backup_tmp)
                fsync_file(backup_tmp)
                os.replace(backup_tmp, backup)
            finally:
                backup_tmp.unlink(missing_ok=True)
        os.replace(tmp, live)
        for suffix in ("-wal", "-shm"):
            live.with_name(live.name + suffix).unlink(missing_ok=True)
        fsync_directory(live.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return backup
