"""Where the time goes while a path runs: py-spy on the processes at work, and PostgreSQL's active queries.

For each profiled step and process, `py-spy record --format raw` writes collapsed stacks (`<step>-<process>.txt`,
readable by speedscope or inferno/flamegraph.pl) and this module writes the functions taking the most samples,
by own time and including callees (`<step>-<process>.top.txt`). `pg_stat_activity` is sampled every 20 ms:
the statements and wait events seen most often (`<step>-postgres.txt`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import asyncpg

_SPACES = re.compile(r"\s+")
_LITERALS = re.compile(r"'[^']*'|\b\d+\b")


def py_spy() -> str:
    """The py-spy executable of this environment (the `bench` extra)."""
    beside = Path(sys.executable).with_name("py-spy")
    if beside.exists():
        return str(beside)
    found = shutil.which("py-spy")
    if not found:
        raise RuntimeError("py-spy is missing: `pip install -e '.[bench]'` (make bench does it)")
    return found


# Leaf frames of a thread that waits (an idle worker thread, the event loop's select): not CPU time.
IDLE = {
    "Condition.wait (threading.py)",
    "EpollSelector.select (selectors.py)",
    "wait_poll (psycopg/waiting.py)",
    "Connection.wait (psycopg/connection.py)",
    "Event.wait (threading.py)",
    "_worker (concurrent/futures/thread.py)",
    "Thread.join (threading.py)",
}


def top_functions(raw: Path, limit: int = 25) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """(busy samples, [(frame, own samples)], [(frame, samples including callees)]) of a collapsed-stack file.

    Samples whose innermost frame is a wait (`IDLE`) are left out: the figures are shares of the time the
    process was running Python code.
    """
    own: Counter = Counter()
    inclusive: Counter = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        if _frame(frames[-1]) in IDLE:
            continue
        total += n
        own[_frame(frames[-1])] += n
        for frame in {_frame(f) for f in frames}:
            inclusive[frame] += n
    return total, own.most_common(limit), inclusive.most_common(limit)


def _frame(frame: str) -> str:
    # "function (path/to/module.py:123)" -> "function (module.py)": lines of one function add up.
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "python3.11/", "/work/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})" if where else name


class Profiler:
    """Profiles of the steps of a benchmark run, written under `directory`."""

    def __init__(self, directory: Path, database_url: str, rate: int = 100) -> None:
        self.directory = directory
        self.database_url = database_url
        self.rate = rate
        directory.mkdir(parents=True, exist_ok=True)
        self.summaries: list[str] = []

    @contextlib.contextmanager
    def step(self, name: str, pids: dict[str, int | None]) -> Iterator[None]:
        """Profile the named processes and PostgreSQL while the block runs."""
        spies = {}
        for process, pid in pids.items():
            if pid is None:
                continue
            out = self.directory / f"{name}-{process}.txt"
            spies[process] = (
                subprocess.Popen(
                    [py_spy(), "record", "--pid", str(pid), "--subprocesses", "--rate", str(self.rate)]
                    + ["--format", "raw", "--output", str(out)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ),
                out,
            )
        sampler = _PgSampler(self.database_url)
        sampler.start()
        try:
            yield
        finally:
            activity = sampler.stop()
            for spy, _ in spies.values():
                spy.send_signal(signal.SIGINT)
            for process, (spy, out) in spies.items():
                try:
                    spy.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    spy.kill()
                if out.exists():
                    self._summarise(name, process, out)
            self._write_pg(name, activity)

    def _summarise(self, name: str, process: str, raw: Path) -> None:
        total, own, inclusive = top_functions(raw)
        lines = [f"{name} / {process}: {total} busy samples at {self.rate}/s (waits left out)", "", "own time:"]
        lines += [f"  {100 * n / max(total, 1):5.1f}%  {frame}" for frame, n in own]
        lines += ["", "including callees:"]
        lines += [f"  {100 * n / max(total, 1):5.1f}%  {frame}" for frame, n in inclusive]
        raw.with_suffix(".top.txt").write_text("\n".join(lines) + "\n")
        head = ", ".join(f"{frame} {100 * n / max(total, 1):.0f}%" for frame, n in own[:4])
        self.summaries.append(f"profile {name} / {process} ({total} busy samples), own time: {head}")

    def _write_pg(self, name: str, activity: Counter) -> None:
        total = sum(activity.values())
        lines = [f"{name} / postgres: {total} active backends seen over the samples (every 20 ms)", ""]
        for (wait, query), n in activity.most_common(30):
            lines.append(f"  {n:6d}  {wait:28}  {query}")
        (self.directory / f"{name}-postgres.txt").write_text("\n".join(lines) + "\n")
        if activity:
            (wait, query), n = activity.most_common(1)[0]
            self.summaries.append(f"profile {name} / postgres: most seen {n}/{total} [{wait}] {query[:100]}")


class _PgSampler:
    """Samples the active statements of the database in a thread of its own."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.counts: Counter = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> Counter:
        self._stop.set()
        self._thread.join(timeout=10)
        return self.counts

    async def _run(self) -> None:
        conn = await asyncpg.connect(self.database_url)
        try:
            while not self._stop.is_set():
                rows = await conn.fetch(
                    """SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait, query
                       FROM pg_stat_activity
                       WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'"""
                )
                for row in rows:
                    query = _LITERALS.sub("?", _SPACES.sub(" ", row["query"] or "")).strip()[:160]
                    self.counts[(row["wait"], query)] += 1
                await asyncio.sleep(0.02)
        finally:
            await conn.close()


def main(argv: list[str]) -> None:
    """`python -m bench.profiling FILE...`: the top functions of collapsed-stack files."""
    for name in argv:
        total, own, inclusive = top_functions(Path(name), limit=30)
        print(f"== {name}: {total} busy samples")
        print("own:", *(f"  {100 * n / max(total, 1):5.1f}%  {f}" for f, n in own), sep="\n")
        print("including callees:", *(f"  {100 * n / max(total, 1):5.1f}%  {f}" for f, n in inclusive), sep="\n")


@contextlib.contextmanager
def nothing(*_args, **_kwargs) -> Iterator[None]:
    """Stands for `Profiler.step` when not profiling."""
    yield


if __name__ == "__main__":
    main(sys.argv[1:])
