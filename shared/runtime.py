"""Background workers of a service (outbox relay, consumers), supervised so none dies silently."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from shared.worker_board import PUBLISH_SECONDS, WorkerBoard

log = structlog.get_logger(__name__)

WorkerFactory = Callable[[asyncio.Event], Awaitable[None]]


async def wait_any(*events: asyncio.Event, timeout: float) -> None:
    """Until one of `events` is set, or `timeout` seconds."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


@dataclass
class WorkerState:
    """What `/health/ready` reports of one worker."""

    name: str
    running: bool = False
    restarts: int = 0
    last_error: str | None = None


@dataclass
class Supervisor:
    """Runs workers until stopped, restarting a worker that fails, with backoff."""

    stop: asyncio.Event = field(default_factory=asyncio.Event)
    states: dict[str, WorkerState] = field(default_factory=dict)
    _tasks: list[asyncio.Task] = field(default_factory=list)

    def start(self, name: str, run: WorkerFactory) -> None:
        """Start a worker; `run(stop)` must return when `stop` is set."""
        state = self.states[name] = WorkerState(name)
        self._tasks.append(asyncio.create_task(self._keep_running(state, run), name=name))

    async def _keep_running(self, state: WorkerState, run: WorkerFactory) -> None:
        backoff = 1.0
        while not self.stop.is_set():
            state.running = True
            try:
                await run(self.stop)
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - a worker failure is logged, reported and restarted
                state.last_error = f"{type(e).__name__}: {e}"
                state.restarts += 1
                log.exception("worker.failed", worker=state.name, restart_in=backoff)
            finally:
                state.running = False
            if not self.stop.is_set():
                try:
                    await asyncio.wait_for(self.stop.wait(), timeout=backoff)
                except TimeoutError:
                    pass
                backoff = min(backoff * 2, 30)

    def healthy(self) -> bool:
        """True while every worker is running."""
        return all(s.running for s in self.states.values())

    async def shutdown(self, timeout: float = 15.0) -> None:
        """Ask every worker to stop and wait for it; cancel what does not stop in time."""
        self.stop.set()
        if not self._tasks:
            return
        done, pending = await asyncio.wait(self._tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


class WorkerRuntime(Protocol):
    """What runs a service's workers: `ServiceRuntime`, reporting's runtime."""

    async def start(self, *, relay: bool = True, consumers: bool = True) -> None: ...

    async def stop(self) -> None: ...

    async def readiness(self) -> dict: ...


async def run_workers(
    runtime: WorkerRuntime, *, relay: bool = True, consumers: bool = True, board: WorkerBoard | None = None
) -> None:
    """Start the runtime's workers and run them until SIGTERM or SIGINT; publish their checks on `board` if given."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start(relay=relay, consumers=consumers)
    try:
        while not stop.is_set():
            if board is not None:
                board.publish(os.getpid(), await runtime.readiness())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=PUBLISH_SECONDS)
    finally:
        await runtime.stop()
