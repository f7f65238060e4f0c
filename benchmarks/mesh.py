"""Mesh benchmark: the company behaviour board and mesh tree over 10M activities, beside raw scans.

    python -m benchmarks.mesh [--people 1000 --activities 10000000] [--reuse DIR] [--runs 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_mesh python -m benchmarks.mesh

One business line on the probability paradigm with 1,000 reps in 50 teams, a year of
generated activities, leads and deals, and the line's approved plan for the quarter that
holds the day looked at (``benchmarks/mesh_data.py`` says how it is generated). Then, in a
fresh process on that database, warm, ``--runs`` times each (:func:`phase_time`):

* ``board`` — the company behaviour board: ``board_plan`` and ``behaviour_board`` for all
  1,000 reps (each rep's calls and visits today and this week against plan);
* ``mesh`` — ``mesh_report`` of the line, the tree without per-person trees
  (``people=False``); with one rep's own tree too (``people={id}``, what one person's page
  asks for; checked equal to that rep's tree in the full build); and with the 1,000
  per-rep trees, attributions and diagnoses (``people=True``);
* the raw-scan baselines, answering the same questions with one ``GROUP BY`` over the
  activity table: each rep's calls and visits today and this week (the board's counts), and
  each rep's calls, reached calls and visits over the period to date (the mesh's
  behaviours). Both are checked equal to what the rollups give before anything is timed.

The table prints the median and p95 in ms, the number of queries and their time in the
database (:func:`_sql_time`), the ratio baseline ÷ ours and the timing process's peak RSS.
Nothing is asserted; figures go to docs/benchmarks.md.

Generating 10M activities takes minutes. SQLite: ``--reuse DIR`` keeps the database in DIR
and a later run with the same sizes only times (without it a temporary directory is used
and removed, unless ``--keep``). PostgreSQL: the database named by ``DATABASE_URL`` (its
name must start with ``bench``) is created if missing, reused when it holds the same
dataset, regenerated otherwise, and dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from benchmarks.mesh_data import AS_OF, LINE_CODE, META_TABLE, Shape

JOBS = ("board", "mesh", "mesh_one", "mesh_people", "raw_board", "raw_period")
LABELS = {
    "board": "behaviour board (all reps)",
    "mesh": "mesh tree (people=False)",
    "mesh_one": "mesh tree + one person's (people={id})",
    "mesh_people": "mesh tree (people=True)",
    "raw_board": "baseline: board counts by GROUP BY",
    "raw_period": "baseline: period totals by GROUP BY",
}
# Which baseline answers each of our jobs' questions.
BASELINE_OF = {
    "board": "raw_board",
    "mesh": "raw_period",
    "mesh_one": "raw_period",
    "mesh_people": "raw_period",
}


def _setup_django(data_dir: Path) -> None:
    os.environ["SALESMESH_DATA_DIR"] = str(data_dir)
    # As deployed: no debug cursor recording every query.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesmesh.config.settings.dev")
    import django

    django.setup()


# -- phase: generate -------------------------------------------------------------------------


def phase_generate(shape: Shape) -> dict[str, Any]:
    """Migrate, then reuse the dataset if it has this shape, else (re)generate it."""
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.mesh_data import generate, stored_shape

    call_command("migrate", verbosity=0)
    stored = stored_shape()
    if stored is not None and stored["shape"] == shape.key():
        return {"reused": True, "steps": stored["steps"], "notes": stored["notes"]}
    if stored is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {META_TABLE}")
    from salesmesh.org.models import User

    if User.objects.exists():
        call_command("flush", interactive=False, verbosity=0)

    def report(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    started = time.perf_counter()
    result = generate(shape, report)
    return {"reused": False, "seconds": time.perf_counter() - started, **result}


# -- phase: time -----------------------------------------------------------------------------


def _jobs() -> tuple[dict[str, Callable[[], Any]], dict[str, Any]]:
    """The timed calls and the baselines, over the generated line; checked equal first."""
    from django.db.models import Count, Q

    from salesmesh.activities.indicators import (
        LEADS_CREATED,
        local_bounds,
        probability_actuals_by_rep,
    )
    from salesmesh.activities.models import Activity, ActivityType
    from salesmesh.dashboards.probability_data import behaviour_board, board_plan
    from salesmesh.mesh.plans import clear_cache, load_plan, unit_people
    from salesmesh.mesh.services import health_thresholds, mesh_report
    from salesmesh.org.models import OrgUnit, Role
    from salesmesh.planning.models import PlanStatus, PlanVersion

    line = OrgUnit.objects.get(code=LINE_CODE)
    version = PlanVersion.objects.select_related("unit").get(unit=line, status=PlanStatus.APPROVED)
    reps = unit_people(unit=line, roles=[Role.REP])
    ids = [rep.pk for rep in reps]
    thresholds = health_thresholds()
    clear_cache()
    started = time.perf_counter()
    period = load_plan(version).period
    plan_load_ms = (time.perf_counter() - started) * 1000

    def board() -> Any:
        plan = board_plan(version=version, people=reps, thresholds=thresholds)
        return behaviour_board(line=line, people_ids=ids, as_of=AS_OF, plan=plan)

    def mesh() -> Any:
        return mesh_report(version=version, as_of=AS_OF, unit=line, people=False)

    def mesh_one() -> Any:
        # What one person's page asks for: the line's tree and that rep's own.
        return mesh_report(version=version, as_of=AS_OF, unit=line, people={ids[0]})

    def mesh_people() -> Any:
        return mesh_report(version=version, as_of=AS_OF, unit=line, people=True)

    call, visit = Q(type=ActivityType.CALL), Q(type=ActivityType.VISIT)
    week_start = AS_OF - timedelta(days=AS_OF.weekday())

    def raw_board() -> dict[int, tuple[int, ...]]:
        since, until = local_bounds(week_start, AS_OF)
        today = Q(occurred_at__gte=local_bounds(AS_OF, AS_OF)[0])
        return {
            person: tuple(counts)
            for person, *counts in Activity.objects.filter(
                person_id__in=ids,
                occurred_at__gte=since,
                occurred_at__lt=until,
                type__in=(ActivityType.CALL, ActivityType.VISIT),
            )
            .order_by()
            .values("person_id")
            .annotate(
                calls_today=Count("pk", filter=today & call),
                visits_today=Count("pk", filter=today & visit),
                calls_week=Count("pk", filter=call),
                visits_week=Count("pk", filter=visit),
                reached_week=Count("pk", filter=call & Q(reached=True)),
            )
            .values_list(
                "person_id",
                "calls_today",
                "visits_today",
                "calls_week",
                "visits_week",
                "reached_week",
            )
        }

    def raw_period() -> dict[int, tuple[int, ...]]:
        since, until = local_bounds(period.start, AS_OF)
        return {
            person: tuple(counts)
            for person, *counts in Activity.objects.filter(
                person_id__in=ids,
                occurred_at__gte=since,
                occurred_at__lt=until,
                type__in=(ActivityType.CALL, ActivityType.VISIT),
            )
            .order_by()
            .values("person_id")
            .annotate(
                calls=Count("pk", filter=call),
                reached_calls=Count("pk", filter=call & Q(reached=True)),
                visits=Count("pk", filter=visit),
            )
            .values_list("person_id", "calls", "reached_calls", "visits")
        }

    # The baselines must answer the same questions: compare them with the rollups' answers.
    shown = board()
    ours_board = {
        row.person_id: (
            row.calls_today.actual,
            row.visits_today.actual,
            row.calls_week.actual,
            row.visits_week.actual,
            row.reached_week,
        )
        for row in shown.rows
        if row.calls_week.actual or row.visits_week.actual
    }
    if ours_board != raw_board():
        raise SystemExit("the board's counts differ from the raw scan's")
    by_rep = probability_actuals_by_rep(
        unit=line, start=period.start, end=AS_OF, stages=[LEADS_CREATED], reps=ids
    )
    ours_period = {
        rep: (a.calls, a.reached_calls, a.visits)
        for rep, a in by_rep.items()
        if a.calls or a.reached_calls or a.visits
    }
    if ours_period != raw_period():
        raise SystemExit("the mesh's behaviour totals differ from the raw scan's")
    report = mesh_people()
    one = mesh_one()
    if one.people != tuple(p for p in report.people if p.person_id == ids[0]) or not one.people:
        raise SystemExit("one person's tree differs from the full build's")
    facts = {
        "plan_load_ms": plan_load_ms,
        "reps": len(ids),
        "board_rows": len(shown.rows),
        "board_health": shown.counts_by_health,
        "mesh_people": len(report.people),
        "mesh_health": str(report.root.health),
        "week_calls": sum(v[2] for v in ours_board.values()),
        "period_calls": sum(v[0] for v in ours_period.values()),
        "as_of": AS_OF.isoformat(),
        "period": str(period),
    }
    jobs = {
        "board": board,
        "mesh": mesh,
        "mesh_one": mesh_one,
        "mesh_people": mesh_people,
        "raw_board": raw_board,
        "raw_period": raw_period,
    }
    return jobs, facts


def phase_time(runs: int, warmup: int) -> dict[str, Any]:
    """Time each job ``runs`` times after ``warmup`` calls, job by job; then count its queries.

    Job by job rather than interleaved: a raw scan reads far more pages than PostgreSQL's
    128 MB of shared buffers hold, and would otherwise evict the rollup pages the next
    call of ours reads — each job is measured warm, as a dashboard refreshed in a loop is.
    The load average before and after is reported: the machine may be shared.
    """
    from django.db import connection

    jobs, facts = _jobs()
    load_before = os.getloadavg()
    samples: dict[str, list[float]] = {name: [] for name in jobs}
    for name, job in jobs.items():
        for _ in range(warmup):
            job()
        for _ in range(runs):
            started = time.perf_counter()
            job()
            samples[name].append((time.perf_counter() - started) * 1000)
    load_after = os.getloadavg()
    queries = {name: _sql_time(job) for name, job in jobs.items()}
    return {
        "vendor": connection.vendor,
        "server": _server_version(),
        "facts": facts,
        "samples": samples,
        "queries": queries,
        "load": [load_before[0], load_after[0]],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _sql_time(job: Callable[[], Any]) -> tuple[int, float]:
    """How many queries ``job`` runs, and their time in the database (ms).

    The statements of one run are captured, then each is run again and read to the end —
    on SQLite most of a query's work happens while its rows are fetched, after
    ``execute`` has returned — best of three. The rest of a job's time is Python's.
    """
    from django.db import connection

    captured: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        job()
    total = 0.0
    with connection.cursor() as cursor:
        for sql, params in captured:
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                best = min(best, time.perf_counter() - started)
            total += best
    return len(captured), total * 1000


def _server_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


# -- the driver ------------------------------------------------------------------------------


def _child(phase: str, args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.mesh",
        "--phase",
        phase,
        "--data-dir",
        str(data_dir),
        "--people",
        str(args.people),
        "--activities",
        str(args.activities),
        "--leads",
        str(args.leads),
        "--opportunities",
        str(args.opportunities),
        "--runs",
        str(args.runs),
        "--warmup",
        str(args.warmup),
    ]
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout  # noqa: S603
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _maintenance(url: str) -> tuple[str, str]:
    """(database name, URL of the server's ``postgres`` database) for a DATABASE_URL."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("bench"):
        raise SystemExit(
            f"DATABASE_URL names {name!r}: the benchmark creates and drops its database, so "
            "its name must start with 'bench' (e.g. postgres://postgres@127.0.0.1:5432/bench_mesh)"
        )
    return name, urlunsplit(parts._replace(path="/postgres"))


def _pg_admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def _ensure_pg_database(url: str) -> str:
    import psycopg

    name, admin = _maintenance(url)
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    return name


def _forget_other_sqlite_dataset(path: Path, shape: Shape) -> None:
    """Delete a cached SQLite database of another shape: a new file beats deleting 10M rows."""
    import sqlite3

    if not path.exists():
        return
    connection = sqlite3.connect(path)
    try:
        row = connection.execute(
            f"SELECT value FROM {META_TABLE} WHERE name = 'dataset'"  # noqa: S608
        ).fetchone()
    except sqlite3.OperationalError:  # no marker table: an unfinished generation
        row = None
    finally:
        connection.close()
    if row is None or json.loads(row[0])["shape"] != shape.key():
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def _print(shape: Shape, generated: dict[str, Any], timed: dict[str, Any]) -> None:
    samples, queries, facts = timed["samples"], timed["queries"], timed["facts"]
    median = {name: statistics.median(values) for name, values in samples.items()}
    print(
        f"mesh benchmark on {timed['server']}: {shape.people:,} reps in {shape.teams} teams, "
        f"{shape.activities:,} activities, {shape.leads:,} leads, "
        f"{shape.opportunities:,} deals; as of {facts['as_of']} in {facts['period']}"
    )
    steps = generated["steps"]
    origin = "reused; generated" if generated["reused"] else "generated"
    print(
        f"data {origin} in {sum(steps.values()):.0f} s: "
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in steps.items())
    )
    notes = generated["notes"]
    print(
        f"rollups: {notes['daily_rollup_rows']:,} daily rows, "
        f"{notes['weekly_rollup_rows']:,} weekly rows "
        f"({notes['rollup_rows_checked']:,} checked against the recount); "
        f"{notes['stage_changes']:,} stage changes; plan of {notes['plan_reps']:,} reps "
        f"loaded in {facts['plan_load_ms']:.0f} ms (once per process)"
    )
    print(
        f"{'job':<40} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'SQL ms':>7} "
        f"{'baseline ÷ ours':>16}"
    )
    for name in JOBS:
        count, sql_ms = queries[name]
        baseline = BASELINE_OF.get(name)
        ratio = f"{median[baseline] / median[name]:.1f}" if baseline else "—"
        print(
            f"{LABELS[name]:<40} {median[name]:>10.1f} {_percentile(samples[name], 95):>8.1f} "
            f"{count:>8} {sql_ms:>7.1f} {ratio:>16}"
        )
    print(
        f"{len(samples['board'])} warm runs each; load average {timed['load'][0]:.1f} before, "
        f"{timed['load'][1]:.1f} after; peak RSS of the timing process "
        f"{timed['peak_mb']:.0f} MB; board health {facts['board_health']}, "
        f"mesh root {facts['mesh_health']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--activities", type=int, default=10_000_000)
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--opportunities", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--reuse", type=Path, help="SQLite: keep and reuse the database in DIR")
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated database for a later run"
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    shape = Shape(
        people=args.people,
        activities=args.activities,
        leads=args.leads,
        opportunities=args.opportunities,
    )
    if args.phase:
        _setup_django(args.data_dir)
        result = (
            phase_generate(shape)
            if args.phase == "generate"
            else phase_time(args.runs, args.warmup)
        )
        print(json.dumps(result, default=str))
        return
    url = os.environ.get("DATABASE_URL", "").strip()
    database = _ensure_pg_database(url) if url else None
    if args.reuse is not None:
        data_dir = args.reuse.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        cleanup = None
        if database is None:
            _forget_other_sqlite_dataset(data_dir / "salesmesh.sqlite3", shape)
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="salesmesh-bench-mesh-"))
        cleanup = data_dir
    try:
        generated = _child("generate", args, data_dir)
        timed = _child("time", args, data_dir)
    finally:
        if database is not None and not args.keep:
            _pg_admin(_maintenance(url)[1], f'DROP DATABASE "{database}" WITH (FORCE)')
        if database is not None and args.keep:
            print(f"kept the database {database}: the same command times it again")
        if cleanup is not None and (database is not None or not args.keep):
            # On PostgreSQL the directory holds only the dev secret and the file cache.
            shutil.rmtree(cleanup, ignore_errors=True)
        elif cleanup is not None:
            print(f"kept the database in {cleanup} (--reuse {cleanup} times it again)")
    _print(shape, generated, timed)


if __name__ == "__main__":
    main()
