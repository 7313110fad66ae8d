"""Group commit of units of work: concurrent commands of one process share a transaction and its flush to disk.

The event store serialises appends (a lock held until the commit, so that positions follow commit order): each
command used to pay a whole commit, flush to disk included, while every other command of the service waited for
the lock. Here a unit of work that starts while others of the process are running joins their transaction: the
units run one after another on its connection, each in a savepoint of its own (an error rolls back that unit
only; the statement making a unit's savepoint releases the one before), and the transaction commits once the last
of them is done. Each unit's block returns only after that commit: what it wrote is durable when its caller answers.
A unit sees the units before it in its group as committed (they are, by the time it is answered: one commit for
all), exactly as if they had committed one after another.

A group takes at most `max_units` units, and units join it until `max_seconds` after its transaction began (all the
while it waits for the group before it); later units start a group of their own, whose transaction begins once the
group before it has committed: one group of the process at a time
holds a connection and waits at the append lock. (Groups started side by side each held a connection while they
queued at the lock behind one another and the other processes' groups, leaving the pool to the reads of the
requests waiting their turn; profiles of 200 commands/s showed almost every active backend waiting on that lock.)
With `max_units=1` each unit has a transaction of its own, as before.

Deferred appends: the store's commit-order lock is held from the first append of a transaction to its commit. A
unit appending in its turn would hold it for the rest of its group (every later unit's round trips, one after
another), making the other processes' writers wait that long. So a unit of a group does not append: `Unit.append`
checks, in its turn, that each stream is at the version the unit expects and claims the stream (a transaction-level
advisory lock per stream, taken without waiting: a stream another unit of any process is writing is a conflict of
this unit alone, which its savepoint rolls back), and keeps the events. The group writes the appends of all its
units that succeeded in ONE call just before its commit (`write`): the lock is taken there, versions are checked
again under it, positions are drawn, and the commit follows, so positions still follow commit order. A stream
claimed by a unit cannot be appended to by another unit of any group; only a writer outside groups (a consumer, a
bulk import) can get in between, which the check under the lock catches: then nothing of the group is written and
each of its units fails with that `ConcurrencyError` (a command decided again is the remedy; it is never an
overwrite). A unit sees the read models the units before it in its group wrote, not their events: a stream one unit
of a group appends to is a conflict for a later unit of the group.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import asyncpg

from shared.errors import ConcurrencyError

# Appends to several streams on a connection: `check` verifies and claims them, `write` appends them.
Appends = Callable[[asyncpg.Connection, Sequence[Any]], Awaitable[Any]]

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
        # The appends of the units that succeeded (written at commit), and the version each stream will then be at.
        self.appends: list[Any] = []
        self.streams: dict[str, int] = {}
        # Savepoints named so far, and the last one made: released with the next one's creation (or by the commit).
        self.savepoints = 0
        self.savepoint: str | None = None


@dataclass
class Unit:
    """One unit of work's connection, and where its appends go (`append(items)`, items being `StreamAppend`s)."""

    connection: asyncpg.Connection
    # Appends `items` now, or with the group's commit when the unit belongs to a group.
    append: Callable[[Sequence[Any]], Awaitable[None]]
    # A unit of a group: its appends, written with the group's if it succeeds.
    deferred: list[Any] = field(default_factory=list)


class GroupCommits:
    """Units of work of one process on one pool, grouped into shared transactions."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        max_units: int = 32,
        max_seconds: float = 0.05,
        *,
        check: Appends | None = None,
        write: Appends | None = None,
    ) -> None:
        self.pool = pool
        self.max_units = max_units
        self.max_seconds = max_seconds
        self.check = check
        self.write = write
        self._open: _Group | None = None
        self._last: _Group | None = None
        self._tasks: set[asyncio.Task] = set()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection in a transaction (a savepoint of a shared one) committed before the block's exit returns."""
        async with self.unit() as unit:
            yield unit.connection

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Unit]:
        """A unit of work: `transaction()`'s connection, and its appends (deferred to the group's commit)."""
        if self.max_units <= 1 or _inside.get() is not None:
            async with self.pool.acquire() as conn, conn.transaction():
                yield Unit(conn, self._now(conn))
            return
        group = self._join()
        group.units += 1
        succeeded = False
        try:
            conn = await asyncio.shield(group.ready)
            async with group.turn:
                token = _inside.set(group)
                try:
                    async with _savepoint(conn, group):  # this unit alone is rolled back on an error
                        unit = Unit(conn, self._now(conn))
                        if self.write is not None:
                            unit.append = partial(self._defer, group, unit)
                        yield unit
                    # The unit succeeded: its appends go with the group's.
                    for item in unit.deferred:
                        group.appends.append(item)
                        group.streams[item.stream_id] = item.expected_version + len(item.events)
                finally:
                    _inside.reset(token)
            succeeded = True
        finally:
            group.units -= 1
            if group.units == 0:
                self._close(group)
        if succeeded:
            await asyncio.shield(group.committed)

    def _now(self, conn: asyncpg.Connection) -> Callable[[Sequence[Any]], Awaitable[None]]:
        async def append(items: Sequence[Any]) -> None:
            if self.write is None:
                raise RuntimeError("these units of work have no event store to append to")
            await self.write(conn, items)

        return append

    async def _defer(self, group: _Group, unit: Unit, items: Sequence[Any]) -> None:
        """Check and claim the streams of `items` for `unit`, and keep its events for the group's commit."""
        fresh = []
        for item in items:
            if not item.events:
                continue
            if item.stream_id in group.streams:  # another unit of this group appends to it: decided on a stale state
                raise ConcurrencyError(item.stream_id, item.expected_version, group.streams[item.stream_id])
            mine = next((i for i, d in enumerate(unit.deferred) if d.stream_id == item.stream_id), None)
            if mine is None:
                fresh.append(item)
                continue
            # The unit appends to a stream it already appended to: its events follow, in one append.
            before = unit.deferred[mine]
            end = before.expected_version + len(before.events)
            if item.expected_version != end:
                raise ConcurrencyError(item.stream_id, item.expected_version, end)
            unit.deferred[mine] = replace(before, events=[*before.events, *item.events])
        if fresh:
            if self.check is not None:
                await self.check(unit.connection, fresh)
            unit.deferred.extend(fresh)

    def _join(self) -> _Group:
        group = self._open
        now = time.monotonic()
        # A group waiting for the one before it to commit takes every unit that comes meanwhile (up to `max_units`):
        # the slower the commits (a flush to a busy disk), the more units share each one.
        late = group is not None and group.ready.done() and now - group.opened > self.max_seconds
        if group is None or group.joined >= self.max_units or late:
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
        group.opened = max(group.opened, time.monotonic())  # units may join for `max_seconds` once it can run
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
            if group.appends:
                assert self.write is not None
                await self.write(group.connection, group.appends)
            await group.transaction.commit()
        except BaseException as e:
            e = _lost(e) if isinstance(e, asyncpg.InterfaceError) else e
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


def _lost(error: asyncpg.InterfaceError) -> Exception:
    """The group's connection closed under it (PostgreSQL restarted, the session ended): said as the connection
    error it is. asyncpg's pool detaches a connection the server closed, so that every later call on it says
    "released back to the pool" (an `InterfaceError` taken for a programming error), whereas the group only ever
    releases its connection once its last unit is done."""
    lost = asyncpg.exceptions.ConnectionDoesNotExistError(f"la connexion du groupe a été fermée : {error}")
    lost.__cause__ = error
    return lost


@asynccontextmanager
async def _savepoint(conn: asyncpg.Connection, group: _Group) -> AsyncIterator[None]:
    """A savepoint of the group's transaction for one unit, rolled back to when the unit fails.

    The savepoint of the unit before is released by the same statement that makes this one (one round trip
    instead of two); the last one goes with the commit. A connection closed meanwhile is a connection error."""
    group.savepoints += 1
    name = f"unit_{group.savepoints}"
    made = f"SAVEPOINT {name}"
    if group.savepoint is not None:
        made = f"RELEASE SAVEPOINT {group.savepoint}; {made}"
    try:
        await conn.execute(made)
    except asyncpg.InterfaceError as e:
        raise _lost(e) from e
    group.savepoint = name  # made: the next unit releases it (a unit stopped before this line made none)
    try:
        yield
    except BaseException:
        try:
            await conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
        except asyncpg.InterfaceError as e:
            raise _lost(e) from e
        raise
