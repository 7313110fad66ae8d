"""`serve` with several processes: every one answers on the one port, the workers run in the first only, and the
others end with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from tests.platform_fixture import _free_port

APP = """
import os, sys
from fastapi import FastAPI
from shared.http.processes import serve
from shared.settings import PlatformSettings

settings = PlatformSettings(http_workers=int(sys.argv[2]))

def build_app():
    app = FastAPI()
    workers = settings.run_workers

    @app.get("/who")
    async def who():
        return {"pid": os.getpid(), "workers": workers}

    return app

serve(build_app, settings, int(sys.argv[1]))
"""


def _answers(port: int, n: int) -> list[dict]:
    out = []
    for _ in range(n):
        with httpx.Client(timeout=5) as client:  # a new connection each time: the kernel picks the process
            out.append(client.get(f"http://127.0.0.1:{port}/who").json())
    return out


def _start(port: int, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", APP, str(port), str(workers)])
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/who", timeout=1)
            return proc
        except httpx.HTTPError:
            assert proc.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_two_processes_answer_and_only_the_first_runs_the_workers():
    port = _free_port()
    proc = _start(port, 2)
    try:
        answers = _answers(port, 60)
        by_pid = {a["pid"]: a["workers"] for a in answers}
        assert len(by_pid) == 2, f"both processes answer: {by_pid}"
        assert by_pid[proc.pid] is True, "the first process runs the relay and consumers"
        others = [pid for pid in by_pid if pid != proc.pid]
        assert [by_pid[p] for p in others] == [False], "the other answers requests only"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == -signal.SIGTERM, "stopped by its signal, as a single process"
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in others) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in others), "a graceful stop stops every process"


def test_the_other_processes_die_with_a_killed_first_one():
    port = _free_port()
    proc = _start(port, 3)
    try:
        others = {a["pid"] for a in _answers(port, 60)} - {proc.pid}
        assert others, "API-only processes answer"
    finally:
        proc.kill()
        proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in others) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in others), "no process is left holding the port"
