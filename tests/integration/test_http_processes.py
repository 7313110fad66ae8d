"""`serve` with several processes: every API process answers on the one port, the workers run in a process of their
own whose checks every API process reports, a killed workers process is reported then started again, and every
process ends with the first one."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from shared.settings import PlatformSettings
from tests.support import free_port

APP = """
import os, sys
from fastapi import FastAPI
from shared.auth.http import authenticate
from shared.http.app import readiness_with_workers
from shared.http.batch import batch_router
from shared.http.processes import serve
from shared.runtime import run_workers
from shared.settings import PlatformSettings

settings = PlatformSettings(http_workers=int(sys.argv[2]))


class Workers:
    async def start(self, *, relay=True, consumers=True):
        pass

    async def stop(self):
        pass

    async def readiness(self):
        relay = {"ok": True, "pid": os.getpid(), "nice": os.nice(0)}
        return {"postgres": {"ok": True, "seen_by": "workers"}, "outbox-relay": relay}


def build_app():
    app = FastAPI()
    workers = settings.run_workers

    async def own():
        return {"postgres": {"ok": True}}

    @app.get("/who")
    async def who():
        return {"pid": os.getpid(), "workers": workers, "nice": os.nice(0)}

    @app.get("/ready")
    async def ready():
        return await readiness_with_workers(own)

    app.include_router(batch_router())
    app.dependency_overrides[authenticate] = lambda: None  # no token here: the batch's caller is not used
    return app


import asyncio
serve(build_app, settings, int(sys.argv[1]), lambda board: asyncio.run(run_workers(Workers(), board=board)))
"""


def _answers(port: int, n: int, path: str = "/who") -> list[dict]:
    out = []
    for _ in range(n):
        with httpx.Client(timeout=5) as client:  # a new connection each time: the kernel picks the process
            out.append(client.get(f"http://127.0.0.1:{port}{path}").json())
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


def _wait(condition, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(message)


def _workers_ready(port: int) -> dict | None:
    checks = _answers(port, 1, "/ready")[0]
    return checks if checks["workers-process"]["ok"] else None


def test_api_processes_answer_and_report_the_workers_process_which_runs_apart():
    port = free_port()
    proc = _start(port, 2)
    try:
        answers = _answers(port, 60)
        by_pid = {a["pid"]: a["workers"] for a in answers}
        assert len(by_pid) == 2 and proc.pid not in by_pid, f"two API processes answer, not the first: {by_pid}"
        assert set(by_pid.values()) == {False}, "the API processes run no worker"
        assert {a["nice"] for a in answers} == {os.nice(0)}, "the API processes keep the service's priority"
        checks = _wait(lambda: _workers_ready(port), 30, "the workers process to report")
        workers_pid = checks["workers-process"]["pid"]
        assert workers_pid not in by_pid and workers_pid != proc.pid
        lower = min(os.nice(0) + PlatformSettings().workers_nice, 19)
        assert checks["outbox-relay"] == {"ok": True, "pid": workers_pid, "nice": lower}, "its own checks, run niced"
        assert checks["postgres"] == {"ok": True, "seen_by": "workers"}, "a check both make is ok in both"
        others = [*by_pid, workers_pid]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == -signal.SIGTERM, "stopped by its signal, as a single process"
    _wait(lambda: not any(_alive(p) for p in others), 10, "a graceful stop stops every process")


def test_connections_opened_together_are_spread_over_the_api_processes():
    port = free_port()
    proc = _start(port, 2)
    try:
        # Sixteen connections opened at once, as a client's pool does at its start, then one request on each.
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=5) for _ in range(16)]
        for c in connections:
            c.connect()
        pids = []
        for c in connections:
            c.request("GET", "/who")
            pids.append(json.loads(c.getresponse().read())["pid"])
            c.close()
        assert len(set(pids)) == 2, f"every API process gets some of the connections: {pids}"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == -signal.SIGTERM


def test_batches_sent_on_one_kept_alive_connection_are_spread_over_the_api_processes():
    port = free_port()
    proc = _start(port, 2)
    try:
        # A bulk client's pool of one connection, kept alive: without the batch closing it, every batch would go to
        # the process that accepted it.
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        pids = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5, limits=limits) as client:
            for n in range(40):
                response = client.post("/batch", json={"requests": [{"id": str(n), "method": "GET", "url": "/who"}]})
                assert response.headers.get("connection") == "close"
                pids.append(response.json()["responses"][0]["body"]["pid"])
        assert len(set(pids)) == 2, f"both API processes answer some of the batches: {pids}"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == -signal.SIGTERM


def test_a_port_already_in_use_stops_the_service_at_once():
    port = free_port()
    taken = socket.socket()
    taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # even a listener that shares its port
    taken.bind(("127.0.0.1", port))
    taken.listen()
    try:
        run = subprocess.run([sys.executable, "-c", APP, str(port), "2"], capture_output=True, text=True, timeout=30)
        assert run.returncode != 0 and "Address already in use" in run.stderr, run.stderr[-2000:]
    finally:
        taken.close()


def test_a_killed_workers_process_makes_the_replica_not_ready_until_started_again():
    port = free_port()
    proc = _start(port, 2)
    try:
        checks = _wait(lambda: _workers_ready(port), 30, "the workers process to report")
        killed = checks["workers-process"]["pid"]
        os.kill(killed, signal.SIGKILL)

        def reported_gone():
            entry = _answers(port, 1, "/ready")[0]["workers-process"]
            return entry if not entry["ok"] else None

        gone = _wait(reported_gone, 15, "the API processes to report the killed workers process")
        assert gone["error"], gone

        def restarted():
            entry = (_workers_ready(port) or {}).get("workers-process")
            return entry if entry and entry["pid"] != killed else None

        again = _wait(restarted, 30, "the workers process to be started again and report")
        assert again["restarts"] == 1 and again["last_exit"] == "killed by SIGKILL", again
        assert _alive(again["pid"])
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == -signal.SIGTERM


def test_every_other_process_dies_with_a_killed_first_one():
    port = free_port()
    proc = _start(port, 3)
    try:
        others = {a["pid"] for a in _answers(port, 60)} - {proc.pid}
        assert others, "API processes answer"
        others.add(_wait(lambda: _workers_ready(port), 30, "the workers process to report")["workers-process"]["pid"])
    finally:
        proc.kill()
        proc.wait(timeout=10)
    _wait(lambda: not any(_alive(p) for p in others), 10, "no process is left holding the port")
