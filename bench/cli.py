"""`python -m bench [PATH ...]`: every path of the platform measured beside its anchor in the same run.

Paths, run in this order (all of them by default):
  department  the full simulated department loaded through the public APIs (<= 5 min), beside the same requests
              sent to a bare FastAPI app
  rebuild     reporting's replay of the three topics, beside a bare aiokafka consumer (ratio >= 0.5, >= 50,000/s)
  appends     the event store with 8 writers, single events and batches of 10, beside pyeventsourcing's
              PostgreSQL recorder (ratio >= 2) and a bare COPY (reported)
  api         p99 and failed requests of 4 routes at 200 and 500 requests/s, beside a bare FastAPI app
              (p99 <= 50 ms at 200/s, <= 100 ms at 500/s, no failed request)
  lag         from a command's answer until GET /indicators counts it, 200 commands/s for 30 s (p95 <= 1 s)
  import      the 17,000-row referral file, from its upload until reporting counts all its entries (<= 20 s)

Each figure is printed as one line
  bench <name>: project <x> <unit>, anchor <y> <unit>, ratio <r> (goal <op> <g>)
where ratio = project / anchor; a goal with a unit applies to the project's figure, a goal without one to the
ratio, and `goal none` is reported only. Lines starting with `#` give details. The exit status is 1 when a
goal is missed or a path fails.

Where it runs: `appends` needs only PostgreSQL (schemas `bench_appends_*`, dropped at the end). The other paths
run on the benchmark's OWN platform: the four services started as processes on ports 8101-8104, on topics
`ali.*.bench` and schemas `bench_*` of the same Kafka and PostgreSQL, each service with its own principal and role
from the secrets directory (a platform run by `make up`, on ports 8001-8004, is never read or written). The
`department` path loads the full simulated department into it (from scratch: a previous benchmark platform is
removed first); `rebuild`, `api`, `lag` and `import` run on the department loaded, and load it first when it is
not (that load is then printed as the `department` line).
At the end the benchmark platform is removed (services stopped, topics and schemas deleted) unless --keep;
a kept platform is used again by the next run when `department` is not asked for.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

from bench import platform as bench_platform
from bench.profiling import Profiler, nothing
from bench.results import Line

PATHS = ("department", "rebuild", "appends", "api", "lag", "import")
MODULES = {
    "department": "bench.department",
    "rebuild": "bench.rebuild",
    "appends": "bench.appends",
    "api": "bench.api",
    "lag": "bench.lag",
    "import": "bench.intake_import",
}
ON_PLATFORM = {"department", "rebuild", "api", "lag", "import"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.splitlines()[0],
        epilog="\n".join(__doc__.splitlines()[2:]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help=f"paths to run: {', '.join(PATHS)} (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark platform running and loaded")
    parser.add_argument("--size", default="full", help="simulated department: full (default), small, or a caseload")
    parser.add_argument("--concurrency", type=int, default=None, help="department: people played at once (default 400)")
    parser.add_argument(
        "--batch", type=int, default=None, help="department: requests per POST /batch (default 50; 1: one by one)"
    )
    parser.add_argument("--connections", type=int, default=None, help="department: connections per service (default 4)")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="",
        metavar="DIR",
        help="profile every path with py-spy and pg_stat_activity (default DIR: .data/bench/profiles/<time>)",
    )
    parser.add_argument("--seconds", type=float, default=20, help="api: seconds per route and rate (default 20)")
    parser.add_argument(
        "--rates", default="200,500", help="api: requests per second, comma-separated (default 200,500)"
    )
    parser.add_argument("--lag-rate", type=int, default=200, help="lag: commands per second (default 200)")
    parser.add_argument("--lag-seconds", type=float, default=30, help="lag: seconds of commands (default 30)")
    parser.add_argument("--rows", type=int, default=17_000, help="import: rows of the file (default 17,000)")
    parser.add_argument("--writers", type=int, default=8, help="appends: concurrent writers (default 8)")
    parser.add_argument(
        "--appends", type=int, default=500, help="appends: single-event appends per writer (default 500)"
    )
    parser.add_argument(
        "--batch-appends", type=int, default=250, help="appends: 10-event appends per writer (default 250)"
    )
    return parser


class Run:
    """Lines and details of one run, printed as they come."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.failed: list[str] = []

    def detail(self, text: str) -> None:
        print(f"# {text}", flush=True)

    def add(self, lines: list[Line]) -> None:
        for line in lines:
            self.lines.append(line)
            print(line.text(), flush=True)

    def fail(self, path: str, error: BaseException) -> None:
        self.failed.append(path)
        print(f"bench {path}: FAILED: {type(error).__name__}: {error}", flush=True)
        traceback.print_exc(file=sys.stderr)

    def verdict(self) -> int:
        missed = [line.name for line in self.lines if line.met() is False]
        judged = [line for line in self.lines if line.met() is not None]
        self.detail(
            f"{len(judged) - len(missed)} of {len(judged)} goals met"
            + (f"; missed: {', '.join(missed)}" if missed else "")
            + (f"; paths failed: {', '.join(self.failed)}" if self.failed else "")
        )
        return 1 if missed or self.failed else 0


def _department(run: Run, args, step) -> bench_platform.Platform:
    """A benchmark platform with the department loaded: measured when loaded now."""
    from bench import api, department

    loaded = bench_platform.department()
    wanted = "department" in args.paths
    if loaded and loaded.get("size") == args.size and not wanted:
        plat = asyncio.run(bench_platform.start())
        run.detail(f"benchmark platform kept from {loaded['loaded_at']} (department {loaded['size']}): reused")
        asyncio.run(department.until_caseload(plat, loaded.get("caseload", loaded["expected"]["caseload"]), 1800))
        return plat
    if not loaded and any(bench_platform.pid(s) for s in bench_platform.SERVICES):
        raise RuntimeError(
            "the benchmark platform runs without a loaded department (a load in progress, or one that failed):"
            " `python -m bench platform remove` first"
        )
    topics, schemas = asyncio.run(bench_platform.remove())
    if topics:
        run.detail(f"previous benchmark platform removed ({topics} topics, {schemas} schemas)")
    plat = asyncio.run(bench_platform.start())
    run.detail(f"benchmark platform started on {' '.join(plat.urls.values())}; loading the department ({args.size})")
    pids = {s: plat.pid(s) for s in bench_platform.SERVICES} | {"simulation": os.getpid()}
    with step("department", pids):
        given = (("concurrency", args.concurrency), ("batch", args.batch), ("connections", args.connections))
        client = {k: v for k, v in given if v is not None}
        record = asyncio.run(department.load(plat, args.size, log=bench_platform.LOGS / "simulation.log", **client))
    run.detail(
        f"department: {record['commands']} batched commands, {record['requests']} HTTP requests, played in"
        f" {record['played_seconds']:.0f} s, reporting showed"
        f" the plan's caseload {record['expected']['caseload']} after {record['seconds']:.0f} s"
    )
    with api.bare_app() as bare:
        with step("department-anchor", {"simulation": os.getpid()}):
            anchor = asyncio.run(department.replay(bare, record["sent"], department.in_flight(record["client"])))
    run.detail(f"the same {record['requests']} requests to the bare app: {anchor:.0f} s")
    run.add(department.lines(record["seconds"], anchor))
    return plat


def _update_caseload(added: int) -> None:
    loaded = bench_platform.department()
    if loaded:
        loaded["caseload"] = loaded.get("caseload", loaded["expected"]["caseload"]) + added
        bench_platform.DEPARTMENT.write_text(json.dumps(loaded, indent=2))


def main(argv: list[str]) -> int:
    """Parse, run the paths, print, and return the exit status."""
    if argv and argv[0] in MODULES and ("-h" in argv or "--help" in argv):
        print(importlib.import_module(MODULES[argv[0]]).__doc__)
        print(f"Options and where it runs: python -m bench --help. Alone: python -m bench {argv[0]}")
        return 0
    args = _parser().parse_args(argv)
    unknown = [p for p in args.paths if p not in PATHS]
    if unknown:
        _parser().error(f"unknown path {', '.join(unknown)} (paths: {', '.join(PATHS)})")
    args.paths = [p for p in PATHS if p in (args.paths or PATHS)]
    run = Run()
    profiler = None
    if args.profile is not None:
        directory = Path(args.profile or bench_platform.STATE / "profiles" / time.strftime("%Y%m%d-%H%M%S"))
        profiler = Profiler(directory, bench_platform.admin().database_url)
        run.detail(f"profiles in {directory}")
    step = profiler.step if profiler else nothing
    me = {"bench": os.getpid()}
    run.detail(f"{time.strftime('%F %T %Z')}, {os.cpu_count()} cores; paths: {', '.join(args.paths)}")
    plat = None
    try:
        if ON_PLATFORM & set(args.paths):
            try:
                plat = _department(run, args, step)
            except Exception as e:  # every other platform path needs it
                run.fail("department", e)
                args.paths = [p for p in args.paths if p not in ON_PLATFORM]
        for path in args.paths:
            if path == "department":
                continue
            try:
                _run_path(path, run, args, plat, step, me)
            except Exception as e:
                run.fail(path, e)
            if profiler:
                for summary in profiler.summaries:
                    run.detail(summary)
                profiler.summaries.clear()
    finally:
        if plat is not None and not args.keep:
            topics, schemas = asyncio.run(bench_platform.remove())
            run.detail(f"benchmark platform removed ({topics} topics, {schemas} schemas); --keep keeps it")
        elif plat is not None:
            run.detail("benchmark platform kept: python -m bench platform remove deletes it")
    return run.verdict()


def _run_path(path: str, run: Run, args, plat, step, me) -> None:
    if path == "rebuild":
        from bench import rebuild
        from services.reporting.settings import ReportingSettings

        settings = bench_platform.as_service(ReportingSettings)
        lines, details = asyncio.run(rebuild.run(settings, min_events=1000, step=step))
        for d in details:
            run.detail(d)
        run.add(lines)
    elif path == "appends":
        from bench import appends

        with step("appends", me):
            lines = asyncio.run(appends.run(args.writers, args.appends, args.batch_appends))
        run.add(lines)
    elif path == "api":
        from bench import api

        rates = tuple(int(r) for r in args.rates.split(","))
        lines, details = api.run(plat, rates=rates, seconds=args.seconds, step=step)
        for d in details:
            run.detail(d)
        run.add(lines)
    elif path == "lag":
        from bench import lag

        lines, details = asyncio.run(lag.run(plat, rate=args.lag_rate, seconds=args.lag_seconds, step=step))
        for d in details:
            run.detail(d)
        run.add(lines)
    elif path == "import":
        from datetime import date

        from bench import intake_import
        from bench.results import Goal
        from bench.results import Line as L

        seed = int(time.time())
        # The platform's own columns in UTF-8: what the default profile (`plateforme`) reads.
        data = intake_import.as_csv(intake_import.generate(args.rows, seed, date.today()), "utf-8")
        pids = {s: plat.pid(s) for s in ("intake", "accompaniment", "reporting")}
        with step("import", pids):
            answered, shown, created = asyncio.run(
                intake_import.until_reported(plat.urls["intake"], plat.urls["reporting"], plat.token(), data)
            )
        _update_caseload(created)
        run.detail(
            f"import of {args.rows} rows (seed {seed}): {created} people created, answered after {answered:.1f} s,"
            f" all their entries shown by reporting after {shown:.1f} s"
        )
        run.add([L("import-until-reported", shown, answered, "s", Goal.project("<=", 20, "s"))])
