"""Answers computed from a service's read model, kept in the process until the read model changes.

A service's read model is written only by the units of work that append its events (`shared.unit_of_work`), and
every append notifies the store's channel when its transaction commits (`append_events`, shared/migrations/eventstore).
A process listening on that channel (`ReadModelChanges`) counts the notifications: an answer computed at one count is
good for as long as the count has not moved.

A notification comes a moment after its commit, on another connection: a client answered 201 by any process, then
reading here at once, could still be shown what was there before. So a read first waits for a round trip on the
listening connection that started after the read came (`ReadModelChanges.synced`): PostgreSQL hands a listening session
the notifications of the transactions committed before it reads its next query, and asyncpg runs their callbacks
before it answers that query. The reads waiting at the same time share one round trip.

While the listening connection is down (or not open yet), nothing is kept: every read computes its answer.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

import asyncpg
import structlog

from shared.migrations import Connect
from shared.runtime import WorkerFactory

log = structlog.get_logger(__name__)

T = TypeVar("T")


class ReadModelChanges:
    """The commits of a store heard of by this process, as a count that moves with each (None while not listening).

    `follow` is a supervised worker (`shared.runtime.Supervisor`), started by `start` the first time a read asks.
    """

    def __init__(self, connect: Connect, channel: str, start: Callable[[WorkerFactory], None]) -> None:
        self.connect = connect
        self.channel = channel
        self.generation: int | None = None
        self._start = start
        self._started = False
        self._counts = itertools.count(1)  # never reused, across listening connections
        self._conn: asyncpg.Connection | None = None
        self._waiting: asyncio.Future | None = None  # reads waiting for a round trip not sent yet
        self._pinging: asyncio.Task | None = None
        self.round_trips = 0

    async def follow(self, stop: asyncio.Event) -> None:
        """Listen until `stop`; raises when the connection is lost (the supervisor opens another)."""
        conn = await self.connect()
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            await conn.add_listener(self.channel, self._notified)
            self._conn = conn
            self.generation = next(self._counts)
            stopped, dropped = asyncio.ensure_future(stop.wait()), asyncio.ensure_future(lost.wait())
            try:
                await asyncio.wait({stopped, dropped}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopped.cancel()
                dropped.cancel()
            if lost.is_set() and not stop.is_set():
                raise ConnectionError(f"the connection listening on {self.channel} was lost")
        finally:
            self.generation = None
            self._conn = None
            if not conn.is_closed():
                try:
                    await asyncio.wait_for(conn.close(), timeout=5)
                except (OSError, asyncpg.InterfaceError, asyncpg.PostgresError, TimeoutError):
                    conn.terminate()

    def _notified(self, *_args) -> None:
        if self.generation is not None:
            self.generation = next(self._counts)

    async def synced(self) -> int | None:
        """The count once every commit made before this call was heard of; None when that cannot be known (not
        listening, or the round trip failed)."""
        if not self._started:
            self._started = True
            self._start(self.follow)
        if self.generation is None:
            return None
        if self._waiting is None:
            self._waiting = asyncio.get_running_loop().create_future()
            if self._pinging is None or self._pinging.done():
                self._pinging = asyncio.create_task(self._ping())
        if not await asyncio.shield(self._waiting):
            return None
        return self.generation

    async def _ping(self) -> None:
        """Round trips on the listening connection while reads wait, each answering the reads that came before it."""
        while self._waiting is not None:
            waiting, self._waiting = self._waiting, None
            conn, heard = self._conn, False
            try:
                if conn is not None:
                    self.round_trips += 1
                    await conn.execute("SELECT 1")
                    heard = True
            except (OSError, asyncpg.InterfaceError, asyncpg.PostgresError) as e:
                log.warning("read_cache.round_trip_failed", channel=self.channel, error=str(e))
            finally:  # also when cancelled (the process stopping): no read is left waiting
                waiting.set_result(heard)


class ReadCache(Generic[T]):
    """Up to `size` answers, each kept with the count of changes it was computed at (least recently read dropped)."""

    def __init__(self, changes: ReadModelChanges, size: int = 512) -> None:
        self.changes = changes
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[int, T]] = OrderedDict()

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """The answer for `key`: kept, if nothing changed since it was computed, else computed (and kept)."""
        generation = await self.changes.synced()
        if generation is None:
            self._entries.clear()
            return await compute()
        kept = self._entries.get(key)
        if kept is not None and kept[0] == generation:
            self._entries.move_to_end(key)
            return kept[1]
        value = await compute()
        # Kept only when no change was heard of while computing: else it may be older than the count says.
        if self.changes.generation == generation:
            self._entries[key] = (generation, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value
