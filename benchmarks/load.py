"""Load benchmark: 50 demo users browsing the demo company on a production server (issue #6).

    python -m benchmarks.load [--users 50 --spawn-rate 10 --run-time 60s --think-time 1-5]
                              [--workers N --threads N] [--keep]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load python -m benchmarks.load

Steps, each timed and printed:

1. a fresh database: a temporary SQLite file, or the PostgreSQL database named by
   ``DATABASE_URL`` (its name must start with ``bench``; it is dropped and created again,
   and dropped at the end unless ``--keep``);
2. ``salesmesh migrate``, ``salesmesh seed-demo`` (the demo company and its year of
   process data up to today) and ``salesmesh collectstatic``, with the production settings;
3. gunicorn (docs/operations.md) on 127.0.0.1 and a free port, serving
   ``salesmesh.config.wsgi`` with the production settings — DEBUG off, JSON logs (to a
   file), whitenoise — except HTTPS, which loopback has not: no redirect to HTTPS and
   cookies without the Secure flag;
4. locust, headless, with ``benchmarks/load/locustfile.py`` (the users and what they do
   are described there and in ``benchmarks/load/scenario.py``).

Then a table per group of requests — lists, details, dashboards, sign-in — with the count,
failures, median, p95 and p99 (ms), the issue's budget (p95 < 300 ms for lists and details,
< 800 ms for dashboards, no failures) and whether it holds, for the whole run and again for
the part after the last user signed in (the ramp-up's Argon2 password checks over); the
p95 of each budgeted group window by window (``--window``), which shows whether the slow
requests bunch up (the ramp-up, a burst) or run through; then the slowest request names,
any failures, and the CPU the server, the database and locust used. Nothing is asserted:
the exit status is non-zero only when a step crashes. Locust runs on the same machine as
the server, so it takes a share of the same cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "benchmarks" / "load" / "locustfile.py"
BIN = Path(sys.executable).parent

# p95 budgets (ms) by group of request names; groups without one are reported only.
BUDGETS = {"list": 300.0, "detail": 300.0, "dashboard": 800.0}
GROUP_ORDER = ("list", "detail", "dashboard", "auth", "page")


def default_workers() -> int:
    """gunicorn's own advice for synchronous workers: two per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


# -- the database ----------------------------------------------------------------------------


def _maintenance(url: str) -> tuple[str, str]:
    """(database name, URL of the server's ``postgres`` database) for a DATABASE_URL."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("bench"):
        raise SystemExit(
            f"DATABASE_URL names {name!r}: the benchmark drops and creates its database, so "
            "its name must start with 'bench' (e.g. postgres://postgres@127.0.0.1:5432/bench_load)"
        )
    return name, urlunsplit(parts._replace(path="/postgres"))


def _pg_admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def _fresh_pg_database(url: str) -> str:
    name, admin = _maintenance(url)
    _pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(admin, f'CREATE DATABASE "{name}"')
    return name


# -- the server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_environment(data_dir: Path) -> dict[str, str]:
    """The production settings, on loopback without TLS, with their data in ``data_dir``."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "salesmesh.config.settings.prod",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SALESMESH_DATA_DIR": str(data_dir),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "false",
            # Loopback has no TLS: plain HTTP and cookies without the Secure flag.
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def _salesmesh(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own console script
        [str(BIN / "salesmesh"), *args],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return result.stdout


def _wait_until_healthy(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url}/healthz within {timeout:.0f} s")


def start_server(
    env: dict[str, str], port: int, *, workers: int, threads: int, log: Path
) -> subprocess.Popen[bytes]:
    command = [
        str(BIN / "gunicorn"),
        "salesmesh.config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        # As docs/operations.md serves it: the master imports the app once, then forks.
        "--preload",
    ]
    with log.open("ab") as sink:
        return subprocess.Popen(command, env=env, stdout=sink, stderr=sink)  # noqa: S603


def _processes() -> tuple[dict[int, int], dict[int, float]]:
    """(parent of each process, CPU seconds it used so far: user + system) from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        # The command name (field 2) may hold spaces: fields are counted after its ")".
        fields = text[text.rindex(")") + 2 :].split()
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return parents, used


def database_cpu(name: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving database ``name``."""
    _parents, used = _processes()
    found = {}
    for pid, seconds in used.items():
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        # A backend's title: "postgres: 15/main: user database 127.0.0.1(port) state".
        if title.startswith("postgres:") and f" {name} " in title:
            found[pid] = seconds
    return found


class DatabaseCpu:
    """The CPU the PostgreSQL backends of one database use while it runs.

    Backends come and go (the app closes a connection after CONN_MAX_AGE), and an ended
    process's CPU can no longer be read, so /proc is polled twice a second: a backend's
    last reading counts, losing at most its final half second.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.first = database_cpu(name)
        self.last = dict(self.first)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(0.5):
            self.last.update(database_cpu(self.name))

    def stop(self) -> float:
        """Stop polling; the CPU seconds used since the start."""
        self._stop.set()
        self._thread.join()
        self.last.update(database_cpu(self.name))
        return sum(seconds - self.first.get(pid, 0.0) for pid, seconds in self.last.items())


def process_tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by a process and its live descendants."""
    parents, used = _processes()
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(used.get(pid, 0.0) for pid in tree)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# -- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    label: str
    requests: int
    failures: int
    median: float
    p95: float
    p99: float
    budget: float | None

    @property
    def verdict(self) -> str:
        if self.budget is None:
            return ""
        return "yes" if self.p95 < self.budget and self.failures == 0 else "NO"


def _row(label: str, samples: list[tuple[float, bool]], budget: float | None) -> Row:
    times = np.array([t for t, _ok in samples], dtype=float)
    return Row(
        label=label,
        requests=len(samples),
        failures=sum(1 for _t, ok in samples if not ok),
        median=float(np.percentile(times, 50)),
        p95=float(np.percentile(times, 95)),
        p99=float(np.percentile(times, 99)),
        budget=budget,
    )


def summarise(samples: list[list[Any]]) -> tuple[list[Row], list[Row]]:
    """(one row per group, one row per request name) from locust's raw samples.

    A sample is ``[name, milliseconds, ok, start]`` (start in epoch seconds, unused here).
    """
    by_group: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    by_name: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for name, elapsed, ok, *_start in samples:
        group = name.split(":", 1)[0]
        by_group[group].append((elapsed, ok))
        by_name[name].append((elapsed, ok))
    order = [g for g in GROUP_ORDER if g in by_group] + sorted(set(by_group) - set(GROUP_ORDER))
    groups = [_row(g, by_group[g], BUDGETS.get(g)) for g in order]
    names = [_row(n, s, BUDGETS.get(n.split(":", 1)[0])) for n, s in by_name.items()]
    return groups, sorted(names, key=lambda row: row.p95, reverse=True)


def after_sign_in(samples: list[list[Any]]) -> tuple[list[list[Any]], float]:
    """The samples that started after the last user had signed in, and when that was.

    Signing in is the ramp-up: every user's Argon2 password check lands in the first
    seconds. The steady state is what the users do once all of them are in.
    """
    first = min(sample[3] for sample in samples)
    ends = [start + ms / 1000 for name, ms, _ok, start in samples if name == "auth: sign in"]
    signed_in = max(ends, default=first)
    return [sample for sample in samples if sample[3] >= signed_in], signed_in - first


def timeline(samples: list[list[Any]], step: float) -> list[tuple[float, dict[str, float]]]:
    """p95 (ms) of each budgeted group, window by window of ``step`` seconds from the start.

    Shows where in the run the slow requests were: the ramp-up, a burst, or throughout.
    """
    first = min(sample[3] for sample in samples)
    windows: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for name, ms, _ok, start in samples:
        group = name.split(":", 1)[0]
        if group in BUDGETS:
            windows[int((start - first) // step)][group].append(ms)
    return [
        (index * step, {g: float(np.percentile(t, 95)) for g, t in windows[index].items()})
        for index in sorted(windows)
    ]


def _table(rows: list[Row], first: str, width: int) -> None:
    print(
        f"{first:<{width}} {'requests':>8} {'failures':>8} {'median':>7} {'p95':>7} "
        f"{'p99':>7} {'budget p95':>10} {'met':>4}"
    )
    for row in rows:
        budget = f"< {row.budget:.0f}" if row.budget is not None else "—"
        print(
            f"{row.label:<{width}} {row.requests:>8} {row.failures:>8} {row.median:>7.0f} "
            f"{row.p95:>7.0f} {row.p99:>7.0f} {budget:>10} {row.verdict:>4}"
        )


def _failures(csv_prefix: Path) -> list[str]:
    path = Path(f"{csv_prefix}_failures.csv")
    if not path.exists():
        return []
    lines = path.read_text().splitlines()[1:]
    return [line for line in lines if line.strip()]


def _sign_in_record(env: dict[str, str]) -> str:
    """What django-axes saw: sign-ins logged, failed attempts still counted, pairs locked out.

    A success resets the count of its username and address, so the failures shown are the
    ones no later success cleared; locust counts every refused sign-in as a failure anyway.
    """
    code = (
        "from axes.models import AccessAttempt, AccessLog;"
        "from django.conf import settings;"
        "from django.db.models import Sum;"
        "a = AccessAttempt.objects;"
        "print(AccessLog.objects.count(),"
        " a.aggregate(n=Sum('failures_since_start'))['n'] or 0,"
        " a.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).count())"
    )
    logged, failed, locked = _salesmesh(env, "shell", "-v", "0", "-c", code).split()
    return f"django-axes: {logged} sign-ins logged, {failed} failed attempts, {locked} locked out"


# -- the driver ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", default="60s", help="locust's --run-time (60s, 5m …)")
    parser.add_argument("--think-time", default="1-5", help="seconds between tasks: MIN-MAX")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="gunicorn worker processes (default: 2 × cores + 1)",
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--names", type=int, default=15, help="slowest request names to list")
    parser.add_argument(
        "--window", type=float, default=10, help="seconds per window of the p95 timeline"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the data directory (and PostgreSQL database)"
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "").strip()
    database = _fresh_pg_database(url) if url else None
    data_dir = Path(tempfile.mkdtemp(prefix="salesmesh-bench-load-"))
    env = server_environment(data_dir)
    server: subprocess.Popen[bytes] | None = None
    try:
        steps: dict[str, float] = {}
        started = time.perf_counter()
        _salesmesh(env, "migrate", "--no-input", "-v", "0")
        steps["migrate"] = time.perf_counter() - started
        started = time.perf_counter()
        _salesmesh(env, "seed-demo")
        steps["seed"] = time.perf_counter() - started
        _salesmesh(env, "collectstatic", "--no-input", "-v", "0")
        backend = f"PostgreSQL ({database})" if database else "SQLite"
        print(
            f"demo data on {backend}: migrated in {steps['migrate']:.0f} s, "
            f"seeded in {steps['seed']:.0f} s"
        )

        port = _free_port()
        host = f"http://127.0.0.1:{port}"
        log = data_dir / "server.log"
        server = start_server(env, port, workers=args.workers, threads=args.threads, log=log)
        _wait_until_healthy(host, server)
        print(
            f"gunicorn on {host}: {args.workers} workers × {args.threads} thread(s), "
            f"{os.cpu_count()} cores; locust: {args.users} users, {args.spawn_rate:g}/s, "
            f"{args.run_time}, think time {args.think_time} s"
        )

        samples_file = data_dir / "samples.json"
        csv_prefix = data_dir / "locust"
        load_before = os.getloadavg()
        command = [
            str(BIN / "locust"),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--only-summary",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            args.run_time,
            "--host",
            host,
            "--think-time",
            args.think_time,
            "--samples",
            str(samples_file),
            "--csv",
            str(csv_prefix),
            "--loglevel",
            "WARNING",
        ]
        started = time.perf_counter()
        server_cpu = process_tree_cpu(server.pid)
        db_watch = DatabaseCpu(database) if database else None
        children_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        # Locust exits 1 when a request failed: that is a result (reported below), not a crash.
        subprocess.run(command, cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL)  # noqa: S603
        elapsed = time.perf_counter() - started
        load_after = os.getloadavg()
        server_cpu = process_tree_cpu(server.pid) - server_cpu
        db_cpu = db_watch.stop() if db_watch is not None else 0.0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust_cpu = (after.ru_utime + after.ru_stime) - (
            children_cpu.ru_utime + children_cpu.ru_stime
        )
        if not samples_file.exists():
            raise SystemExit("locust wrote no samples: it crashed (its output is above)")
        samples = json.loads(samples_file.read_text())
        if not samples:
            raise SystemExit("locust made no request")

        groups, names = summarise(samples)
        total = sum(row.requests for row in groups)
        cores = os.cpu_count() or 1
        print(
            f"\n{total} requests in {elapsed:.0f} s ({total / elapsed:.1f}/s); load average "
            f"{load_before[0]:.1f} before, {load_after[0]:.1f} after ({cores} cores)\n"
            f"CPU: the server {server_cpu:.0f} s ({server_cpu * 1000 / total:.0f} ms a request, "
            f"{server_cpu / elapsed / cores:.0%} of the cores), "
            + (f"PostgreSQL {db_cpu:.0f} s ({db_cpu / elapsed / cores:.0%}), " if database else "")
            + f"locust {locust_cpu:.0f} s ({locust_cpu / elapsed / cores:.0%})\n"
            f"{_sign_in_record(env)}\n"
        )
        _table(groups, "group", 10)
        steady, ramp_up = after_sign_in(samples)
        if steady:
            steady_groups, _names = summarise(steady)
            print(f"\nafter the last sign-in ({ramp_up:.0f} s into the run):")
            _table(steady_groups, "group", 10)
        print(f"\np95 (ms) by {args.window:g}-s window: " + " ".join(f"{g:>9}" for g in BUDGETS))
        for at, p95 in timeline(samples, args.window):
            cells = " ".join(f"{p95[g]:>9.0f}" if g in p95 else f"{'—':>9}" for g in BUDGETS)
            print(f"{f'from {at:.0f} s':>26} {cells}")
        print()
        _table(names[: args.names], "slowest request names (by p95)", 44)
        failures = _failures(csv_prefix)
        if failures:
            print("\nfailures (method, name, error, count):")
            for line in failures:
                print(f"  {line}")
        met = all(row.verdict != "NO" for row in groups)
        print(f"\nbudgets {'met' if met else 'NOT met'}")
        return 0
    finally:
        if server is not None:
            stop_server(server)
        if args.keep:
            print(f"kept {data_dir}" + (f" and the database {database}" if database else ""))
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
            if database is not None:
                _pg_admin(_maintenance(url)[1], f'DROP DATABASE "{database}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
