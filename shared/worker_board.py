"""What the workers process of a replica tells its API processes: its readiness checks, through shared memory.

With several processes (shared/http/processes.py) the outbox relay, the consumers and reporting's projection run
in a process of their own. It publishes its `/health/ready` checks here every `PUBLISH_SECONDS`; the supervising
process records here how often it had to start it again. An API process answering `/health/ready` adds those
checks to its own, and a report older than `STALE_SECONDS` (a process stuck, gone or still starting) makes the
replica not ready: a worker is never silently gone.

The memory is an anonymous shared mapping made before the processes are forked. Each slot has one writer and is
read without a lock (a lock held by a killed writer would never be released): the writer makes its sequence number
odd, writes, makes it even again; a reader retries a read that saw an odd or changed number.
"""

from __future__ import annotations

import json
import mmap
import struct
import time
from typing import Any

PUBLISH_SECONDS = 1.0
STALE_SECONDS = 10.0

_HEADER = struct.Struct("<QI")  # sequence number, length of the JSON that follows


class _Slot:
    def __init__(self, memory: mmap.mmap, offset: int, size: int) -> None:
        self._memory, self._offset, self._size = memory, offset, size

    def fits(self, data: bytes) -> bool:
        return len(data) <= self._size - _HEADER.size

    def write(self, data: bytes) -> None:
        sequence, _ = _HEADER.unpack_from(self._memory, self._offset)
        _HEADER.pack_into(self._memory, self._offset, sequence + 1, 0)
        start = self._offset + _HEADER.size
        self._memory[start : start + len(data)] = data
        _HEADER.pack_into(self._memory, self._offset, sequence + 2, len(data))

    def read(self) -> dict[str, Any] | None:
        for _ in range(100):
            before, length = _HEADER.unpack_from(self._memory, self._offset)
            start = self._offset + _HEADER.size
            data = self._memory[start : start + length]
            after, _ = _HEADER.unpack_from(self._memory, self._offset)
            if before == after and before % 2 == 0:
                return json.loads(data) if length else None
            time.sleep(0.001)
        return None


class WorkerBoard:
    """The workers' report and the supervisor's record, shared by every process of one replica."""

    def __init__(self, size: int = 256 * 1024) -> None:
        self._memory = mmap.mmap(-1, size)  # anonymous and shared: inherited by the forked processes
        half = size // 2
        self._report = _Slot(self._memory, 0, half)
        self._starts = _Slot(self._memory, half, size - half)

    def publish(self, pid: int, checks: dict[str, dict[str, Any]]) -> None:
        """The workers process: its current checks."""
        report = {"pid": pid, "at": time.monotonic(), "checks": checks}
        data = json.dumps(report, default=str).encode()
        if not self._report.fits(data):
            error = {"ok": False, "error": f"report too large for the board ({len(data)} bytes)"}
            data = json.dumps(report | {"checks": {"workers-report": error}}).encode()
        self._report.write(data)

    def supervised(self, pid: int | None, restarts: int, last_exit: str | None) -> None:
        """The supervisor: the workers process now running (None: it ended and waits to be started again)."""
        self._starts.write(json.dumps({"pid": pid, "restarts": restarts, "last_exit": last_exit}).encode())

    def checks(self) -> dict[str, dict[str, Any]]:
        """The workers' checks (when their report is fresh and from the running process) and `workers-process`."""
        starts = self._starts.read() or {}
        report = self._report.read()
        entry: dict[str, Any] = {
            "ok": False,
            "pid": starts.get("pid"),
            "restarts": starts.get("restarts", 0),
            "last_exit": starts.get("last_exit"),
        }
        if starts.get("pid") is None:
            return {"workers-process": entry | {"error": f"not running ({entry['last_exit']}): started again soon"}}
        if report is None or report.get("pid") != starts.get("pid"):
            return {"workers-process": entry | {"error": "starting: no report yet"}}
        age = time.monotonic() - report["at"]
        entry["seconds_since_report"] = round(age, 1)
        if age > STALE_SECONDS:
            return {"workers-process": entry | {"error": f"no report for {age:.0f}s"}}
        return {"workers-process": entry | {"ok": True}, **report["checks"]}


def merge(own: dict[str, dict[str, Any]], workers: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """An API process's checks with the workers process's: a check both make is ok only if ok in both."""
    merged = dict(own)
    for name, entry in workers.items():
        mine = merged.get(name)
        if mine is None:
            merged[name] = entry
            continue
        both = entry | mine | {"ok": bool(mine.get("ok")) and bool(entry.get("ok"))}
        if not entry.get("ok"):
            both["workers_process"] = entry
        merged[name] = both
    return merged


_board: WorkerBoard | None = None


def install(board: WorkerBoard | None) -> None:
    """Set by the supervising process before it forks: the board of this replica (None: one process)."""
    global _board  # noqa: PLW0603 - one per process tree, inherited by fork
    _board = board


def current() -> WorkerBoard | None:
    """The board of this replica's workers process, or None when the workers run in this process."""
    return _board
