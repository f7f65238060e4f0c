"""`salesmesh backup` / `salesmesh restore`: a real round trip, and every refusal.

The round trip runs the console script on a SQLite file in a throw-away data directory
(the suite's own test database is in memory, or PostgreSQL under CI), exactly as an
operator would; the refusals run in-process against the same kind of files.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from salesmesh.ops.sqlite import Refused, online_copy, release_live

SALESMESH = Path(sys.executable).with_name("salesmesh")


def salesmesh(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run the console script on the SQLite database of ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "SALESMESH_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "salesmesh.config.settings.test",
    }
    return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(SALESMESH), *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied and two users, made once, copied by tests."""
    data_dir = tmp_path_factory.mktemp("migrated")
    # One process for both steps: starting the console script is the slow part.
    result = salesmesh(
        data_dir,
        "shell",
        "-c",
        "from django.core.management import call_command\n"
        "from salesmesh.org.models import User\n"
        "call_command('migrate', verbosity=0)\n"
        "for name in ('alice', 'bob'): User.objects.create_user(name, password='pw-' + name)",
    )
    assert result.returncode == 0, result.stderr
    return data_dir / "salesmesh.sqlite3"


def users(path: Path) -> list[tuple[str, str]]:
    """Each user's name and password hash, straight from the file."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT username, password FROM org_user ORDER BY username").fetchall()
    finally:
        conn.close()


def names(path: Path) -> list[str]:
    return [name for name, _hash in users(path)]


def test_round_trip_brings_the_data_back(tmp_path, migrated):
    live = tmp_path / "salesmesh.sqlite3"
    shutil.copyfile(migrated, live)
    seeded = users(live)
    assert [name for name, _hash in seeded] == ["alice", "bob"]

    made = salesmesh(tmp_path, "backup")
    assert made.returncode == 0, made.stderr
    (backup,) = (tmp_path / "backups").glob("salesmesh-*Z.sqlite3")
    assert str(backup) in made.stdout
    assert str(backup.stat().st_size) in made.stdout
    assert users(backup) == seeded

    # Life goes on after the backup.
    conn = sqlite3.connect(live)
    with conn:
        conn.execute("DELETE FROM org_user WHERE username = 'alice'")
        conn.execute("UPDATE org_user SET username = 'robert' WHERE username = 'bob'")
    conn.close()
    assert names(live) == ["robert"]

    restored = salesmesh(tmp_path, "restore", str(backup), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert users(live) == seeded
    # The replaced database is kept beside it; no stale write-ahead log or temporary is left.
    assert names(tmp_path / "salesmesh.sqlite3.bak") == ["robert"]
    assert not (tmp_path / "salesmesh.sqlite3-wal").exists()
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.fixture
def live_file(tmp_path, migrated):
    """The commands pointed at a SQLite file of their own, whatever the suite's database is."""
    live = tmp_path / "live" / "salesmesh.sqlite3"
    live.parent.mkdir()
    shutil.copyfile(migrated, live)
    with (
        mock.patch(f"{COMMANDS}.backup.live_sqlite_path", return_value=live),
        mock.patch(f"{COMMANDS}.restore.live_sqlite_path", return_value=live),
        translation.override("en"),
    ):
        yield live


COMMANDS = "salesmesh.ops.management.commands"


def run(*args: str, answer: str | None = None) -> str:
    out = io.StringIO()
    with mock.patch("builtins.input", return_value=answer) as asked:
        call_command(*args, stdout=out)
    assert asked.called == (answer is not None)
    return out.getvalue()


@pytest.mark.django_db
def test_backup_to_a_named_file_is_checked_and_self_contained(tmp_path, live_file):
    out = tmp_path / "named.sqlite3"
    printed = run("backup", "--out", str(out))
    size = out.stat().st_size
    assert printed.startswith(f"Backup written: {out} (")
    assert printed.rstrip().endswith(f", {size} bytes)")
    assert users(out) == users(live_file)
    conn = sqlite3.connect(out)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    with pytest.raises(CommandError, match="already exists") as refused:
        run("backup", "--out", str(out))
    assert refused.value.returncode == 2


@pytest.mark.django_db
def test_restore_asks_first_and_no_changes_nothing(tmp_path, live_file):
    backup = tmp_path / "b.sqlite3"
    run("backup", "--out", str(backup))
    conn = sqlite3.connect(live_file)
    with conn:
        conn.execute("DELETE FROM org_user")
    conn.close()
    for answer in ("no", "", "y"):
        assert run("restore", str(backup), answer=answer).strip() == "Nothing was changed."
    assert names(live_file) == []
    assert not live_file.with_name("salesmesh.sqlite3.bak").exists()
    with pytest.raises(CommandError, match="is the live database itself"):
        run("restore", str(live_file), "--yes")


def test_an_online_copy_includes_writes_still_in_the_write_ahead_log(tmp_path):
    live = tmp_path / "live.sqlite3"
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (x INTEGER)")
    writer.execute("BEGIN")
    writer.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(1000)])
    writer.execute("COMMIT")
    assert (tmp_path / "live.sqlite3-wal").stat().st_size > 0
    size = online_copy(live, tmp_path / "copy.sqlite3")
    writer.close()
    assert size == (tmp_path / "copy.sqlite3").stat().st_size
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("SELECT count(*), sum(x) FROM t").fetchone() == (1000, 499500)
    copy.close()


def test_an_online_copy_never_overwrites(tmp_path):
    live = tmp_path / "live.sqlite3"
    sqlite3.connect(live).close()
    (tmp_path / "taken.sqlite3").write_bytes(b"precious")
    with pytest.raises(Refused) as refused:
        online_copy(live, tmp_path / "taken.sqlite3")
    assert refused.value.exit_code == 2
    assert (tmp_path / "taken.sqlite3").read_bytes() == b"precious"


def test_a_database_in_use_is_not_replaced(tmp_path, migrated):
    live = tmp_path / "salesmesh.sqlite3"
    shutil.copyfile(migrated, live)
    server = sqlite3.connect(live, isolation_level=None)
    server.execute("PRAGMA journal_mode=WAL")
    server.execute("SELECT count(*) FROM org_user").fetchone()
    with pytest.raises(Refused) as refused:
        release_live(live)
    server.close()
    assert refused.value.exit_code == 2


def restore(path: Path) -> None:
    with translation.override("en"):
        call_command("restore", str(path), "--yes")


@pytest.mark.django_db
def test_a_corrupt_file_is_refused(tmp_path, migrated):
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(CommandError, match="not a readable SQLite database") as refused:
        restore(garbage)
    assert refused.value.returncode == 1

    # A real database with a page overwritten in the middle.
    damaged = tmp_path / "damaged.sqlite3"
    shutil.copyfile(migrated, damaged)
    with sqlite3.connect(damaged) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    with damaged.open("r+b") as handle:
        handle.seek(page_size * (pages // 2))
        handle.write(b"\xff" * page_size * 3)
    with pytest.raises(CommandError, match="database disk image is malformed") as refused:
        restore(damaged)
    assert refused.value.returncode == 1


def break_an_index(path: Path) -> None:
    """A file SQLite still opens but whose integrity check fails: duplicates in a unique index."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.execute("CREATE INDEX t_x ON t (x)")
    conn.executemany("INSERT INTO t VALUES (?)", [(1,), (1,)])
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE UNIQUE INDEX t_x ON t (x)' WHERE name = 't_x'"
    )
    conn.close()


@pytest.mark.django_db
def test_a_file_failing_the_integrity_check_is_refused(tmp_path, migrated):
    broken = tmp_path / "broken.sqlite3"
    shutil.copyfile(migrated, broken)
    break_an_index(broken)
    with pytest.raises(CommandError, match=r"is damaged \(integrity check: non-unique entry"):
        restore(broken)


def test_a_backup_failing_the_integrity_check_is_not_kept(tmp_path, migrated):
    live = tmp_path / "live.sqlite3"
    shutil.copyfile(migrated, live)
    break_an_index(live)
    with translation.override("en"), pytest.raises(Refused, match="failed its integrity check"):
        online_copy(live, tmp_path / "copy.sqlite3")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live.sqlite3"]


@pytest.mark.django_db
def test_a_database_of_another_application_is_refused(tmp_path):
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.close()
    with pytest.raises(CommandError, match="not a salesmesh database"):
        restore(other)
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE django_migrations (app TEXT, name TEXT, applied TEXT)")
        conn.execute("INSERT INTO django_migrations VALUES ('blog', '0001_initial', '')")
    conn.close()
    with pytest.raises(CommandError, match="not a salesmesh database"):
        restore(other)
    with pytest.raises(CommandError, match="no file"):
        restore(tmp_path / "missing.sqlite3")


@pytest.mark.django_db
def test_a_file_from_a_newer_version_is_refused(tmp_path, migrated):
    newer = tmp_path / "newer.sqlite3"
    shutil.copyfile(migrated, newer)
    with sqlite3.connect(newer) as conn:
        conn.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('org', '9999_from_the_future', '2030-01-01')"
        )
        # An app this version does not install is not judged.
        conn.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('retired_app', '0001_initial', '2020-01-01')"
        )
    conn.close()
    with pytest.raises(CommandError, match=r"newer salesmesh.*org\.9999_from_the_future\)"):
        restore(newer)


@pytest.mark.django_db
@pytest.mark.parametrize(("command", "tool"), [("backup", "pg_dump"), ("restore", "pg_restore")])
def test_postgresql_is_refused_naming_its_tool(tmp_path, migrated, command, tool):
    args = [str(migrated)] if command == "restore" else []
    with (
        mock.patch.object(connection, "vendor", "postgresql"),
        translation.override("en"),
        pytest.raises(CommandError, match=tool) as refused,
    ):
        call_command(command, *args)
    assert refused.value.returncode == 2
    assert "\n" not in str(refused.value)
