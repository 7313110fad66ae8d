"""Group commit of units of work: concurrent commands of one process share a transaction and its flush to disk.

The event store serialises appends (a lock held until the commit, so that positions follow commit order): each
command used to pay a whole commit, flush to disk included, while every other command of the service waited for
the lock. Here a unit of work that starts while others of the process are running joins their transaction: the
units run one after another on its connection, each in a savepoint of its own (an error rolls back that unit
only), and the transaction commits once the last of them is done. Each unit's block returns only after that commit:
what it wrote is durable when its caller answers. A unit sees the units before it in its group as committed (they
are, by the time it is answered: one commit for all), exactly as if they had committed one after another.

A group takes at most `max_units` units and lasts at most `max_seconds` from its start; later units start a group of
their own, whose transaction begins once the group before it has committed: one group of the process at a time
holds a connection and waits at the append lock. (Groups started side by side each held a connection while they
queued at the lock behind one another and the other processes' groups, leaving the pool to the reads of the
requests waiting their turn; profiles of 200 commands/s showed almost every active backend waiting on that lock.)
With `max_units=1` each unit has a transaction of its own, as before.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

# The group the running task's unit belongs to: a unit opened inside another (nested) gets a transaction of its own.
_inside: contextvars.ContextVar[_Group | None] = contextvars.ContextVar("group_commit_inside", default=None)


class _Group:
    """One transaction shared by units of work, run one at a time."""

    def __init__(self, opened: float) -> None:
        self.opened = opened
        self.units = 0
        self.joined = 0
        self.turn = asyncio.Lock()
        self.ready: asyncio.Future[asyncpg.Connection] = asyncio.get_running_loop().create_future()
        self.committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.connection: asyncpg.Connection | None = None
        self.transaction = None
        # Set when the group is over (committed, failed, or left by all its units): the next group may begin.
        self.over = asyncio.Event()


class GroupCommits:
    """Units of work of one process on one pool, grouped into shared transactions."""

    def __init__(self, pool: asyncpg.Pool, max_units: int = 32, max_seconds: float = 0.05) -> None:
        self.pool = pool
        self.max_units = max_units
        self.max_seconds = max_seconds
        self._open: _Group | None = None
        self._last: _Group | None = None
        self._tasks: set[asyncio.Task] = set()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection in a transaction (a savepoint of a shared one) committed before the block's exit returns."""
        if self.max_units <= 1 or _inside.get() is not None:
            async with self.pool.acquire() as conn, conn.transaction():
                yield conn
            return
        group = self._join()
        group.units += 1
        succeeded = False
        try:
            conn = await asyncio.shield(group.ready)
            async with group.turn:
                token = _inside.set(group)
                try:
                    async with conn.transaction():  # a savepoint: this unit alone is rolled back on an error
                        yield conn
                finally:
                    _inside.reset(token)
            succeeded = True
        finally:
            group.units -= 1
            if group.units == 0:
                self._close(group)
        if succeeded:
            await asyncio.shield(group.committed)

    def _join(self) -> _Group:
        group = self._open
        now = time.monotonic()
        if group is None or group.joined >= self.max_units or now - group.opened > self.max_seconds:
            previous, group = self._last, _Group(now)
            self._open = self._last = group
            self._spawn(self._begin(group, previous))
        group.joined += 1
        return group

    async def _begin(self, group: _Group, previous: _Group | None) -> None:
        """The group's connection and transaction, once the group before it is over; on failure, its units fail."""
        conn = None
        try:
            if previous is not None:
                await previous.over.wait()
            conn = await self.pool.acquire()
            transaction = conn.transaction()
            await transaction.start()
        except BaseException as e:
            if conn is not None:
                await self.pool.release(conn)
            group.ready.set_exception(e if isinstance(e, Exception) else asyncio.CancelledError())
            group.over.set()
            if not isinstance(e, Exception):
                raise
            return
        group.connection, group.transaction = conn, transaction
        group.ready.set_result(conn)
        if group.units == 0 and self._open is not group:  # every unit left while it waited: commit the empty group
            self._spawn(self._commit(group))

    def _close(self, group: _Group) -> None:
        """The last unit left: no one joins any more; commit (in a task of its own: a cancelled unit cannot stop it)."""
        if self._open is group:
            self._open = None
        if group.ready.done() and group.ready.exception() is None:
            self._spawn(self._commit(group))

    async def _commit(self, group: _Group) -> None:
        try:
            await group.transaction.commit()
        except BaseException as e:
            group.committed.set_exception(e if isinstance(e, Exception) else asyncio.CancelledError())
            try:
                await group.transaction.rollback()
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                pass
        else:
            group.committed.set_result(None)
        finally:
            try:
                await self.pool.release(group.connection)
            finally:
                group.over.set()

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
