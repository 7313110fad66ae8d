"""How an API process's mirror follows the shared facts: closely while its figures are read, slowly otherwise.

Every batch the workers commit notifies the store's channel. While the figures are read, the mirror catches up on
each notification (at most every `sync_seconds`: under load one catch-up takes several batches) and at least every
second. Nobody reading them for `idle_after` seconds (a bulk load, a night), it catches up only every
`idle_sync_seconds`: the facts that a person's commands change several times in that while are read and summed
once instead of each time. The first read after such a spell wakes it and waits for a catch-up that started after
the read came, so a figure read then is never older than one read while followed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import asyncpg
import structlog

from services.reporting.service_layer.mirror import Mirror
from shared.runtime import wait_any

log = structlog.get_logger(__name__)

FOLLOWED_SECONDS = 1.0


class Follower:
    """Keeps `mirror` caught up with the store (`run`, a supervised worker); reads call `reading` first."""

    def __init__(
        self,
        mirror: Mirror,
        pool: asyncpg.Pool,
        *,
        sync_seconds: float,
        idle_after: float,
        idle_sync_seconds: float,
        read_timeout: float = 10.0,
    ) -> None:
        self.mirror = mirror
        self.pool = pool
        self.sync_seconds = sync_seconds
        self.idle_after = idle_after
        self.idle_sync_seconds = idle_sync_seconds
        self.read_timeout = read_timeout
        self.read_at = float("-inf")
        self.started = 0  # catch-ups started
        self.done = 0  # catch-ups ended (the mirror then held every batch committed before the last one started)
        self._kick = asyncio.Event()
        self._ended = asyncio.Condition()

    @property
    def idle(self) -> bool:
        """Nobody read the figures for `idle_after` seconds."""
        return time.monotonic() - self.read_at > self.idle_after

    async def reading(self) -> None:
        """Before the figures are read: followed, they are served as they are; after an idle spell, once caught up.

        Waits at most `read_timeout` (the store away: the figures are served as the mirror holds them).
        """
        idle = self.idle
        self.read_at = time.monotonic()
        if not idle:
            return
        target = self.started + 1
        self._kick.set()
        async with self._ended:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ended.wait_for(lambda: self.done >= target), self.read_timeout)

    async def run(self, stop: asyncio.Event) -> None:
        """Follow the store until `stop` is set."""

        def notified(*_args) -> None:
            if not self.idle:
                self._kick.set()

        channel = self.mirror.store.channel
        conn = await self.pool.acquire()
        try:
            await conn.add_listener(channel, notified)
            while not stop.is_set():
                await wait_any(self._kick, stop, timeout=self.idle_sync_seconds if self.idle else FOLLOWED_SECONDS)
                self._kick.clear()
                if stop.is_set():
                    break
                await self._catch_up(conn)
                if not self.idle:  # the batches committed meanwhile are read together
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=self.sync_seconds)
        finally:
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await conn.remove_listener(channel, notified)
            await self.pool.release(conn)

    async def _catch_up(self, conn: asyncpg.Connection) -> None:
        self.started += 1
        started = self.started
        await self.mirror.sync(conn, wait=True)
        async with self._ended:
            self.done = started
            self._ended.notify_all()
