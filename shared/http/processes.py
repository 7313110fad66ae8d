"""`serve`: the HTTP API in several processes sharing one listening socket, the workers in the first one only.

With `ALI_HTTP_WORKERS=N` (N > 1) a service binds its port once, then forks N - 1 processes that answer requests
only (`run_workers` off: no outbox relay, no consumer); the first process answers requests too and runs the relay
and the consumers, exactly once per replica as with one process (the relay keeps its lock fencing). The kernel
hands each connection to one of the processes accepting on the socket, so the API uses every core.

The first process is the service as the platform knows it (its pid file, its signals): on SIGTERM it stops
accepting, asks the others to stop and waits for them; the others die with it if it is killed (PR_SET_PDEATHSIG),
so a killed replica never leaves processes holding its port.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import time
from collections.abc import Callable

import structlog
import uvicorn
from fastapi import FastAPI

from shared.settings import PlatformSettings

log = structlog.get_logger(__name__)

_PR_SET_PDEATHSIG = 1


def _options(settings: PlatformSettings) -> dict:
    # A connection kept alive longer than clients keep idle ones (httpx: 5 s), so that a busy server does not close
    # one at the moment a client sends its next request on it (a reset the client cannot tell from a failure).
    return {"log_config": None, "access_log": False, "timeout_keep_alive": settings.http_keep_alive_seconds}


def _config(app: FastAPI, settings: PlatformSettings, port: int) -> uvicorn.Config:
    return uvicorn.Config(app, host=settings.http_host, port=port, **_options(settings))


def serve(build_app: Callable[[], FastAPI], settings: PlatformSettings, port: int) -> None:
    """Run the API (and, in the first process, the workers) until SIGTERM."""
    if settings.http_workers <= 1:
        uvicorn.run(build_app(), host=settings.http_host, port=port, **_options(settings))
        return
    sock = _listening_socket(settings.http_host, port)
    parent = os.getpid()
    children: list[int] = []
    for _ in range(settings.http_workers - 1):
        pid = os.fork()
        if pid == 0:
            _api_process(build_app, settings, port, sock, parent)  # never returns
        children.append(pid)
    log.info("http.processes", port=port, processes=settings.http_workers, api_only=children)
    # uvicorn raises the signal that stopped it again once stopped: caught here, so that the other processes are
    # stopped first, then raised again with its default action (the exit status a single process would have).
    received: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda number, _frame: received.append(number))
    try:
        uvicorn.Server(_config(build_app(), settings, port)).run(sockets=[sock])
    finally:
        _stop(children)
    for sig in received[:1]:
        signal.signal(sig, signal.SIG_DFL)
        signal.raise_signal(sig)


def _api_process(
    build_app: Callable[[], FastAPI], settings: PlatformSettings, port: int, sock: socket.socket, parent: int
) -> None:
    code = 0
    try:
        _die_with(parent)
        # This process answers requests only: the relay and the consumers run in the first process.
        settings.run_workers = False
        uvicorn.Server(_config(build_app(), settings, port)).run(sockets=[sock])
    except BaseException:  # noqa: BLE001 - reported, then the process ends
        log.exception("http.process_failed")
        code = 1
    finally:
        os._exit(code)


def _die_with(parent: int) -> None:
    """SIGKILL this process when its parent dies (Linux), and exit now if it already has."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _stop(children: list[int], timeout: float = 20) -> None:
    """SIGTERM the API processes (they finish the requests in progress), SIGKILL those still alive after `timeout`."""
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    waiting = set(children)
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
