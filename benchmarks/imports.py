"""Import benchmark: a generated activity file through the whole import, beside bare executemany.

    python -m benchmarks.imports [--rows 1000000]            # SQLite in a temp directory
    DATABASE_URL=postgres://… python -m benchmarks.imports   # PostgreSQL (COPY)

Each phase runs in its own process on a fresh database, so its peak memory
(ru_maxrss) is its own:

* ``baseline`` — the same rows, already converted to ids and datetimes, inserted
  with one ``executemany`` in one transaction: the floor any import pays;
* ``import`` — the CSV file through ``import_path``: reading, header mapping,
  column-wise checks, reference lookups, the upsert and the rollups, in one
  transaction;
* ``reimport`` — the same file again into the loaded database: every row is
  looked up and found unchanged.

The table prints rows/s, the ratio to the baseline and peak RSS. Nothing is
asserted; figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ACCOUNTS = 2_000
SEED = 11
TYPES = ("call", "call", "call", "visit", "meeting", "wecom", "email")
START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


def generate(path: Path, rows: int, people: list[str]) -> None:
    """A CSV as a CRM would export it: ISO times with offsets, true/false, minutes."""
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            ["external_id", "type", "person", "account", "occurred_at", "reached", "duration"]
        )
        for index in range(rows):
            moment = START + timedelta(minutes=index % 500_000, seconds=rng.randrange(60))
            writer.writerow(
                [
                    f"ACT-{index:08d}",
                    rng.choice(TYPES),
                    people[index % len(people)],
                    f"BENCH-{rng.randrange(ACCOUNTS):05d}",
                    moment.astimezone().isoformat(timespec="seconds"),
                    "true" if rng.random() < 0.4 else "false",
                    rng.randrange(0, 30),
                ]
            )


def _setup_django(data_dir: Path, *, prepare: bool = True) -> None:
    """Django on the benchmark's database; ``prepare`` migrates and seeds the company.

    The phases only set Django up: their peak memory is the import's, not the
    seeding's.
    """
    os.environ["SALESMESH_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesmesh.config.settings.dev")
    import django

    django.setup()
    if not prepare:
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from salesmesh.demo.seed import seed_demo_company

    seed_demo_company()


def _seed_accounts() -> list[str]:
    from salesmesh.accounts.models import Account
    from salesmesh.org.models import OrgUnit, User

    line = OrgUnit.objects.get(code="smb")
    owner = User.objects.get(username="rep")
    # Idempotent: a PostgreSQL benchmark database outlives the run.
    Account.objects.bulk_create(
        (
            Account(line=line, external_id=f"BENCH-{i:05d}", name=f"客户{i}", owner=owner)
            for i in range(ACCOUNTS)
        ),
        ignore_conflicts=True,
    )
    return list(User.objects.filter(memberships__role="rep").values_list("username", flat=True))


def _reset_database() -> None:
    """Drop the benchmark's rows so each phase starts from the same empty tables."""
    from salesmesh.activities.models import AccountWeeklyTouch, Activity, ActivityDailyRollup

    Activity.objects.all().delete()
    ActivityDailyRollup.objects.all().delete()
    AccountWeeklyTouch.objects.all().delete()


def phase(name: str, data_dir: Path, csv_path: Path) -> dict[str, Any]:
    """Run one phase in this process and return its figures."""
    _setup_django(data_dir, prepare=False)
    from django.db import connection, transaction

    from salesmesh.accounts.models import Account
    from salesmesh.exchange.importer import import_path
    from salesmesh.org.models import User

    admin = User.objects.get(username="admin")
    started = time.perf_counter()
    rows = 0
    if name == "baseline":
        people = dict(User.objects.values_list("username", "pk"))
        accounts = dict(Account.objects.values_list("external_id", "pk"))
        adapt = connection.ops.adapt_datetimefield_value
        converted = []
        with csv_path.open(encoding="utf-8", newline="") as stream:
            reader = csv.reader(stream)
            next(reader)
            for ext, kind, person, account, occurred, reached, minutes in reader:
                converted.append(
                    (
                        ext,
                        kind,
                        people[person],
                        accounts[account],
                        adapt(datetime.fromisoformat(occurred)),
                        reached == "true",
                        int(minutes),
                    )
                )
        started = time.perf_counter()  # the baseline is the insert alone
        table = connection.ops.quote_name("activities_activity")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (external_id, type, person_id, account_id, "  # noqa: S608
                "occurred_at, reached, duration_minutes) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                converted,
            )
        rows = len(converted)
    else:
        outcome = import_path(
            kind="activities", path=csv_path, filename=csv_path.name, user=admin, commit=True
        )
        if not outcome.ok:
            raise SystemExit(f"import failed: {outcome.errors.items[:3]}")
        rows = outcome.rows
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"phase": name, "rows": rows, "seconds": seconds, "peak_mb": peak_kb / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.data_dir, args.csv)))
        return
    with tempfile.TemporaryDirectory(prefix="salesmesh-bench-") as workdir:
        work = Path(workdir)
        prepare = work / "prepare"
        prepare.mkdir()
        _setup_django(prepare)
        people = _seed_accounts()
        csv_path = work / "activities.csv"
        generate(csv_path, args.rows, people)
        size_mb = csv_path.stat().st_size / (1024 * 1024)
        from django.db import connection

        vendor = connection.vendor
        results = []
        for name in ("baseline", "import", "reimport"):
            if name != "reimport":
                _reset_database()
            results.append(_child(name, prepare, csv_path))
        connection.close()
    base_rate = results[0]["rows"] / results[0]["seconds"]
    print(f"import of {args.rows:,} activity rows ({size_mb:.0f} MB CSV) on {vendor}")
    print(f"{'phase':<10} {'seconds':>9} {'rows/s':>10} {'÷ baseline':>11} {'peak RSS MB':>12}")
    for result in results:
        rate = result["rows"] / result["seconds"]
        print(
            f"{result['phase']:<10} {result['seconds']:>9.1f} {rate:>10,.0f} "
            f"{rate / base_rate:>11.2f} {result['peak_mb']:>12.0f}"
        )


def _child(name: str, data_dir: Path, csv_path: Path) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.imports",
        "--phase",
        name,
        "--data-dir",
        str(data_dir),
        "--csv",
        str(csv_path),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


if __name__ == "__main__":
    main()
