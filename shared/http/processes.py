"""`serve`: the HTTP API in several processes listening on one port, the workers in a process of their own.

With `ALI_HTTP_WORKERS=N` (N > 1) a service checks that its port is free, then forks N processes that answer
requests only (`run_workers` off) and one workers process that runs the outbox relay and the consumers (reporting:
the projection), exactly once per replica as with one process (the relay keeps its lock fencing). Each API process
listens on the port with a socket of its own (`SO_REUSEPORT`), and the kernel spreads new connections evenly over
them: with one socket shared by all, the process that happened to be awake accepted a whole burst of connections
(a client's four connections all went to one process, the other idle). So the API uses every core, and no request
waits behind a consumer's batch on its event loop.

The first process is the service as the platform knows it (its pid file, its signals) and only supervises: a
process that ends is started again (after a pause growing with quick failures); on SIGTERM it stops every process
and waits for them; the others die with it if it is killed (PR_SET_PDEATHSIG), so a killed replica never leaves
processes holding its port. The workers process publishes its checks on a shared board (shared/worker_board.py)
that every API process adds to its `/health/ready`: a workers process gone, stuck or restarting makes the replica
not ready until it reports again.

With N = 1 (the default) one process answers requests and runs the workers.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
import uvicorn
from fastapi import FastAPI

from shared import worker_board
from shared.settings import PlatformSettings
from shared.worker_board import WorkerBoard

log = structlog.get_logger(__name__)

_PR_SET_PDEATHSIG = 1
# A process that ran at least this long before ending is started again at once; one that fails sooner waits longer
# each time (1 s, 2 s, ... 30 s), so a process that cannot start does not spin.
_QUICK_FAILURE_SECONDS = 10.0
_MAX_BACKOFF_SECONDS = 30.0

# The workers process: runs the service's workers until SIGTERM, publishing their checks on the board.
RunWorkers = Callable[[WorkerBoard], None]


def _options(settings: PlatformSettings) -> dict:
    # A connection kept alive longer than clients keep idle ones (httpx: 5 s), so that a busy server does not close
    # one at the moment a client sends its next request on it (a reset the client cannot tell from a failure).
    return {"log_config": None, "access_log": False, "timeout_keep_alive": settings.http_keep_alive_seconds}


def _config(app: FastAPI, settings: PlatformSettings, port: int) -> uvicorn.Config:
    return uvicorn.Config(app, host=settings.http_host, port=port, **_options(settings))


@dataclass
class _Child:
    """One supervised process: what it runs, its pid while it runs, how often it was started again."""

    kind: str
    target: Callable[[], None]
    pid: int | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff: float = 1.0
    start_at: float = 0.0
    last_exit: str | None = None


def serve(
    build_app: Callable[[], FastAPI], settings: PlatformSettings, port: int, run_workers: RunWorkers | None = None
) -> None:
    """Run the API and the workers until SIGTERM: in this process (N = 1), or supervised processes (N > 1).

    `run_workers` runs the workers process (None: the service has no workers beside its API processes)."""
    if settings.http_workers <= 1:
        uvicorn.run(build_app(), host=settings.http_host, port=port, **_options(settings))
        return
    _check_free(settings.http_host, port)
    parent = os.getpid()
    board = WorkerBoard() if run_workers is not None and settings.run_workers else None
    worker_board.install(board)

    def api() -> None:
        settings.run_workers = False  # this process answers requests only
        sock = _listening_socket(settings.http_host, port)
        uvicorn.Server(_config(build_app(), settings, port)).run(sockets=[sock])

    children = [_Child(f"api-{i + 1}", api) for i in range(settings.http_workers)]
    if board is not None:
        children.append(_Child("workers", lambda: _run_workers_process(run_workers, board, settings.workers_nice)))
    received: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda number, _frame: received.append(number))
    try:
        for child in children:
            _start(child, parent, board)
        log.info("http.processes", port=port, processes={c.kind: c.pid for c in children})
        while not received:
            _reap(children, board)
            for child in children:
                if child.pid is None and time.monotonic() >= child.start_at:
                    _start(child, parent, board)
            time.sleep(0.2)
    finally:
        _stop(children)
    # The exit status a single process stopped by this signal would have.
    for sig in received[:1]:
        signal.signal(sig, signal.SIG_DFL)
        signal.raise_signal(sig)


def _run_workers_process(run_workers: RunWorkers, board: WorkerBoard, nice: int) -> None:
    if nice:
        os.nice(nice)  # below the API processes: their requests first when the CPU is short
    run_workers(board)


def _start(child: _Child, parent: int, board: WorkerBoard | None) -> None:
    pid = os.fork()
    if pid == 0:
        _run_child(child, parent)  # never returns
    child.pid, child.started_at = pid, time.monotonic()
    if child.kind == "workers" and board is not None:
        board.supervised(pid, child.restarts, child.last_exit)
    if child.restarts:
        log.warning("http.process_restarted", process=child.kind, pid=pid, restarts=child.restarts)


def _run_child(child: _Child, parent: int) -> None:
    code = 0
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        _die_with(parent)
        child.target()
    except BaseException:  # noqa: BLE001 - reported, then the process ends
        log.exception("http.process_failed", process=child.kind)
        code = 1
    finally:
        os._exit(code)


def _reap(children: list[_Child], board: WorkerBoard | None) -> None:
    """Note the processes that ended, and when to start each again."""
    for child in children:
        if child.pid is None:
            continue
        with contextlib.suppress(ChildProcessError):
            pid, status = os.waitpid(child.pid, os.WNOHANG)
            if pid == 0:
                continue
            child.last_exit = _describe(status)
        ran = time.monotonic() - child.started_at
        child.backoff = 1.0 if ran >= _QUICK_FAILURE_SECONDS else min(child.backoff * 2, _MAX_BACKOFF_SECONDS)
        child.start_at = time.monotonic() + (0 if ran >= _QUICK_FAILURE_SECONDS else child.backoff)
        child.pid = None
        child.restarts += 1
        if child.kind == "workers" and board is not None:
            board.supervised(None, child.restarts, child.last_exit)
        wait = round(child.start_at - time.monotonic(), 1)
        log.error("http.process_ended", process=child.kind, status=child.last_exit, restart_in=wait)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"


def _die_with(parent: int) -> None:
    """SIGKILL this process when its parent dies (Linux), and exit now if it already has."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def _socket(host: str, port: int, *, shared: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _check_free(host: str, port: int) -> None:
    """Fail (OSError: address in use) when anything listens on the port, a service left running included."""
    _socket(host, port, shared=False).close()


def _listening_socket(host: str, port: int) -> socket.socket:
    """This API process's own socket on the port, beside its siblings' (the kernel spreads connections over them)."""
    sock = _socket(host, port, shared=True)
    sock.listen(2048)
    return sock


def _stop(children: list[_Child], timeout: float = 20) -> None:
    """SIGTERM every process (API ones finish the requests in progress), SIGKILL those alive after `timeout`."""
    running = [c.pid for c in children if c.pid is not None]
    for pid in running:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    waiting = set(running)
    while waiting:
        for pid in list(waiting):
            with contextlib.suppress(ChildProcessError):
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done == 0:
                    continue
            waiting.discard(pid)
        if waiting and time.monotonic() > deadline:
            for pid in waiting:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.1)
