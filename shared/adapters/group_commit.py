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

A group writes its units' read-model rows before it takes the append lock; a writer outside groups appends first,
then writes its rows. When such a writer, holding the lock, writes a row the group wrote while the group waits for
the lock, PostgreSQL ends the deadlock by rolling one of them back: a consumer retries its reaction (a transient
failure), and each unit of a group rolled back fails with a `ConcurrencyError` (`TransactionsCrossed`), decided
again like a stream changed meanwhile.

Units without statements of their own: a unit takes its turn on the group's connection (and its savepoint) only at
its first statement (`Unit.connection` waits for it). A command that only appends and writes its aggregate's row
of a read model (the unit of work's batch projections, `Unit.defer`) sends nothing in its turn: at the group's
commit, the streams of all such units are claimed in one statement (a unit whose stream is taken or at another
version fails alone with its `ConcurrencyError`), their rows written in one statement per read model (on a database
error, again unit by unit in savepoints: a unit whose row fails fails alone), then the group's appends and commit
as above. Each such command costs its group no round trip of its own instead of three (savepoint, claim, row). A
unit that sends a statement after leaving rows for the commit has them claimed and written first, in its turn, so
it reads what it wrote. Such units' rows are written after the units that ran in turn: none of those saw them.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import asyncpg

from shared.errors import ConcurrencyError, TransactionsCrossed

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
        # Streams named by the units so far (a second unit naming one is a conflict), and by which.
        self.claimed: dict[str, _Member] = {}
        # Units that succeeded without a statement of their own: claimed and written at the commit.
        self.waiting: list[_Member] = []
        # Units that failed at the commit (their claim or read-model write), the others being committed.
        self.failures: dict[_Member, BaseException] = {}
        # Savepoints named so far, and the last one made: released with the next one's creation (or by the commit).
        self.savepoints = 0
        self.savepoint: str | None = None


# Writes the read-model rows of many units at once: `write(connection, [(state, events), ...])`.
WriteMany = Callable[[Any, Sequence[Any]], Awaitable[None]]


@dataclass
class Unit:
    """One unit of work's connection, and where its appends go (`append(items)`, items being `StreamAppend`s)."""

    # In a group, the first statement sent on it waits for the unit's turn on the group's connection.
    connection: Any
    # Appends `items` now, or with the group's commit when the unit belongs to a group.
    append: Callable[[Sequence[Any]], Awaitable[None]]
    # A unit of a group: `defer(write_many, [(state, events)], stream_ids)` keeps read-model rows for the group's
    # commit, False when they are to be written at once (None: always at once).
    defer: Callable[[WriteMany, Sequence[Any], Sequence[str]], bool] | None = None


class _Member:
    """A unit in its group: whether it has taken its turn on the group's connection, and what it left for the
    commit (its appends, claimed then, and its read-model rows)."""

    def __init__(self, commits: GroupCommits, group: _Group, connection: asyncpg.Connection) -> None:
        self.commits = commits
        self.group = group
        self.connection = connection
        self.in_turn = False
        self.savepoint: str | None = None
        self.appends: list[Any] = []
        self.writes: list[tuple[WriteMany, Sequence[Any]]] = []
        self.written: set[str] = set()

    async def enter(self) -> None:
        """Take the unit's turn on the group's connection and its savepoint (at its first statement); what it
        left for the commit so far is claimed and written now, before its own statements."""
        if self.in_turn:
            return
        await self.group.turn.acquire()
        self.in_turn = True
        self.savepoint = await _savepoint(self.connection, self.group)
        await self.claim(self.appends)
        writes, self.writes = self.writes, []
        for write, projected in writes:
            await write(self.connection, projected)

    async def claim(self, appends: Sequence[Any]) -> None:
        """Claim the streams of `appends` now, on the group's connection: the first conflict is the unit's error."""
        if appends and self.commits.check is not None:
            conflicts = await self.commits.check(self.connection, appends)
            if conflicts:
                raise conflicts[0]

    def defer(self, write: WriteMany, projected: Sequence[Any], streams: Sequence[str]) -> bool:
        """Keep read-model rows for the commit, unless the unit runs its own statements or wrote those streams."""
        if self.in_turn or self.written.intersection(streams):
            return False
        self.writes.append((write, projected))
        self.written.update(streams)
        return True

    async def fail(self) -> None:
        """The unit failed: its streams are free for the group's next units; its statements are rolled back."""
        for item in self.appends:
            if self.group.claimed.get(item.stream_id) is self:
                del self.group.claimed[item.stream_id]
        if self.savepoint is not None:
            try:
                await self.connection.execute(f"ROLLBACK TO SAVEPOINT {self.savepoint}")
            except asyncpg.InterfaceError as e:
                raise _lost(e) from e

    def succeed(self) -> None:
        """The unit succeeded: its appends go with the group's (claimed already, or at the commit)."""
        if self.in_turn:
            _taken(self.group, self.appends)
        else:
            self.group.waiting.append(self)

    def leave(self) -> None:
        if self.in_turn:
            self.group.turn.release()


def _taken(group: _Group, appends: Sequence[Any]) -> None:
    for item in appends:
        group.appends.append(item)
        group.streams[item.stream_id] = item.expected_version + len(item.events)


class _Lazy:
    """The connection of a unit of a group: its first statement (any coroutine method, or a nested transaction's
    start) waits for the unit's turn; attributes that send nothing are the connection's."""

    __slots__ = ("_connection", "_member")

    def __init__(self, connection: asyncpg.Connection, member: _Member) -> None:
        self._connection = connection
        self._member = member

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._connection, name)
        if name == "transaction":
            return partial(_LazyTransaction, self._member, attr)
        # A pooled connection is a proxy whose methods are plain functions: asyncpg's own class says which send.
        if inspect.iscoroutinefunction(getattr(asyncpg.Connection, name, None)):
            enter = self._member.enter

            async def in_turn(*args: Any, **kwargs: Any) -> Any:
                await enter()
                return await attr(*args, **kwargs)

            return in_turn
        return attr


class _LazyTransaction:
    """`connection.transaction()` of a unit of a group: started in the unit's turn."""

    def __init__(self, member: _Member, make: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self._member = member
        self._make = partial(make, *args, **kwargs)
        self._transaction: Any = None

    async def start(self) -> None:
        await self._member.enter()
        self._transaction = self._make()
        await self._transaction.start()

    async def commit(self) -> None:
        await self._transaction.commit()

    async def rollback(self) -> None:
        await self._transaction.rollback()

    async def __aenter__(self) -> _LazyTransaction:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> Any:
        return await self._transaction.__aexit__(*exc)


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
        """A unit of work: `transaction()`'s connection, and its appends (deferred to the group's commit).

        A unit whose transaction PostgreSQL rolled back to end a deadlock or a serialization failure fails with a
        `ConcurrencyError` (`TransactionsCrossed`): nothing of it was written, and decided again it goes through."""
        try:
            async with self._unit() as unit:
                yield unit
        except asyncpg.exceptions.TransactionRollbackError as e:
            raise TransactionsCrossed(e) from e

    @asynccontextmanager
    async def _unit(self) -> AsyncIterator[Unit]:
        if self.max_units <= 1 or _inside.get() is not None:
            async with self.pool.acquire() as conn, conn.transaction():
                yield Unit(conn, self._now(conn))
            return
        group = self._join()
        group.units += 1
        succeeded = False
        member: _Member | None = None
        try:
            conn = await asyncio.shield(group.ready)
            member = _Member(self, group, conn)
            token = _inside.set(group)
            try:
                unit = Unit(_Lazy(conn, member), self._now(conn), defer=member.defer)
                if self.write is not None:
                    unit.append = partial(self._defer, group, member)
                try:
                    yield unit
                except BaseException:
                    await member.fail()  # this unit alone is rolled back
                    raise
                member.succeed()
            finally:
                member.leave()
                _inside.reset(token)
            succeeded = True
        finally:
            group.units -= 1
            if group.units == 0:
                self._close(group)
        if succeeded:
            await asyncio.shield(group.committed)
            failure = group.failures.get(member)
            if failure is not None:
                raise failure

    def _now(self, conn: asyncpg.Connection) -> Callable[[Sequence[Any]], Awaitable[None]]:
        async def append(items: Sequence[Any]) -> None:
            if self.write is None:
                raise RuntimeError("these units of work have no event store to append to")
            await self.write(conn, items)

        return append

    async def _defer(self, group: _Group, member: _Member, items: Sequence[Any]) -> None:
        """Name the streams of `items` for the unit in its group, claim them now if the unit runs its own statements
        (else with the group's commit), and keep its events for the group's commit."""
        fresh = []
        for item in items:
            if not item.events:
                continue
            if item.stream_id in group.streams:  # another unit of this group appends to it: decided on a stale state
                raise ConcurrencyError(item.stream_id, item.expected_version, group.streams[item.stream_id])
            owner = group.claimed.get(item.stream_id)
            if owner is not None and owner is not member:  # another unit of this group is about to append to it
                raise ConcurrencyError(item.stream_id, item.expected_version, item.expected_version + 1)
            mine = next((i for i, d in enumerate(member.appends) if d.stream_id == item.stream_id), None)
            if mine is None:
                fresh.append(item)
                continue
            # The unit appends to a stream it already appended to: its events follow, in one append.
            before = member.appends[mine]
            end = before.expected_version + len(before.events)
            if item.expected_version != end:
                raise ConcurrencyError(item.stream_id, item.expected_version, end)
            member.appends[mine] = replace(before, events=[*before.events, *item.events])
        if fresh:
            for item in fresh:
                group.claimed[item.stream_id] = member
            member.appends.extend(fresh)
            if member.in_turn:
                await member.claim(fresh)

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
            if group.waiting:
                await self._settle(group)
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

    async def _settle(self, group: _Group) -> None:
        """The units that ran no statement of their own: their streams claimed in one statement (a unit whose stream
        is taken, or at another version, fails alone), their read-model rows written in one statement per kind
        (on an error, unit by unit: a unit whose rows fail fails alone); the others' appends join the group's."""
        conn = group.connection
        members, group.waiting = group.waiting, []
        appends = [item for member in members for item in member.appends]
        conflicts = {}
        if appends and self.check is not None:
            conflicts = {e.stream_id: e for e in await self.check(conn, appends)}
        claimed = []
        for member in members:
            conflict = next((conflicts[i.stream_id] for i in member.appends if i.stream_id in conflicts), None)
            if conflict is None:
                claimed.append(member)
            else:
                group.failures[member] = conflict
        for member in await _written(conn, group, claimed):
            _taken(group, member.appends)

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


async def _savepoint(conn: asyncpg.Connection, group: _Group) -> str:
    """A savepoint of the group's transaction for one unit, rolled back to when the unit fails; its name.

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
    group.savepoint = name  # made: the next unit releases it
    return name


async def _written(conn: asyncpg.Connection, group: _Group, members: list[_Member]) -> list[_Member]:
    """Write the read-model rows the units left for the commit, in one statement per kind; when that fails, unit by
    unit, each in a savepoint (a unit whose rows fail is a failure of its own). The units written.

    A lost connection fails its group there: the rollback to the savepoint cannot be sent either."""
    by_write: dict[WriteMany, list[Any]] = {}
    for member in members:
        for write, projected in member.writes:
            by_write.setdefault(write, []).extend(projected)
    if not by_write:
        return members
    await conn.execute("SAVEPOINT deferred_writes")
    try:
        for write, projected in by_write.items():
            await write(conn, projected)
    except Exception:
        await conn.execute("ROLLBACK TO SAVEPOINT deferred_writes")
    else:
        return members
    written = []
    for member in members:
        await conn.execute("SAVEPOINT deferred_unit")
        try:
            for write, projected in member.writes:
                await write(conn, projected)
        except Exception as e:
            await conn.execute("ROLLBACK TO SAVEPOINT deferred_unit")
            group.failures[member] = e
        else:
            await conn.execute("RELEASE SAVEPOINT deferred_unit")
            written.append(member)
    return written
