"""Event store port and its PostgreSQL adapter (the in-memory fake of the unit tests is in `tests/fakes`).

Ordering hazard and the choice made here: a global `bigserial` is not commit order. A transaction
that took position 41 may commit after another that took 42; a reader that already moved past 42
would then skip 41 forever. This store serialises appends: each append transaction first takes a
transaction-scoped advisory lock for the store's schema and only then draws positions, so positions
are handed out in the same order as commits become visible (the lock is released after the commit
is visible). Readers (the outbox relay, projections) can therefore follow `position > last seen`
without gap detection. The price is one writer at a time per service store, which is far above the
load of a department (tens of events per second at peak; the 10,000-event test appends in seconds).

The lock is held as briefly as possible: envelopes and their JSON are built before it is taken, and the lock, the
version check of every stream and the insert run server-side in one call (`{schema}.append_events`, a migration of
the store), so the lock is held for one round trip and the commit. asyncpg prepares and caches that statement.

Group commit: appends that bring no transaction of their own (`conn=None`) and arrive while another such append is
being written wait for it, then go together in one transaction (one lock, one call, one commit), each stream still
checked at its expected version: a conflicting append fails alone with `ConcurrencyError`, the others are written.
Concurrent writers thus share the commit's flush to disk instead of queueing one commit each behind the lock. An
append inside the caller's transaction (a unit of work) is written in that transaction, as before.

Size: an event whose serialized data exceeds `max_event_bytes` (default 64 KiB) is refused with `EventTooLarge`
before anything is stored, so that no event the broker would refuse reaches the outbox.
"""

from __future__ import annotations

import abc
import asyncio
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from shared.adapters.group_commit import GroupCommits
from shared.envelope import Envelope
from shared.errors import ConcurrencyError, EventTooLarge
from shared.events import DomainEvent
from shared.migrations import EVENTSTORE, pool_connector, upgrade

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
DEFAULT_MAX_EVENT_BYTES = 64 * 1024


def serialized(data: dict[str, Any]) -> str:
    """An event's data as stored and published (compact JSON, UTF-8 kept)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Tracing:
    """Correlation (the conversation) and causation (the message that caused this one)."""

    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None

    @classmethod
    def new(cls) -> Tracing:
        """Start a new conversation."""
        return cls(correlation_id=uuid.uuid4())

    @classmethod
    def caused_by(cls, cause: Envelope) -> Tracing:
        """Continue the conversation of `cause`."""
        return cls(correlation_id=cause.correlation_id, causation_id=cause.id)


@dataclass(frozen=True)
class StreamAppend:
    """Events to append to one stream that is expected at `expected_version` (0 for a new stream)."""

    stream_id: str
    expected_version: int
    events: Sequence[DomainEvent]
    partition_key: str
    tracing: Tracing
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """What folding a stream needs of a recorded event: where it sits, its type and version, its JSON data."""

    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    data: str


@dataclass(frozen=True)
class Beside:
    """A read of the service's own tables to be made with a stream's, in one statement: its SQL, whose parameters
    are numbered from the one given (`query(3)` uses $3, $4...), and their values."""

    query: Callable[[int], str]
    args: tuple[Any, ...]


def _distinct_streams(items: Sequence[StreamAppend]) -> list[StreamAppend]:
    """The items that carry events, refusing a stream named twice (its expected versions would clash)."""
    items = [item for item in items if item.events]
    ids = [item.stream_id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError("append_streams takes each stream once")
    return items


class EventStore(abc.ABC):
    """Append-only streams of events with optimistic concurrency and a global position."""

    def __init__(self, source: str, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        self.source = source
        self.max_event_bytes = max_event_bytes

    def _check_size(self, envelope: Envelope, payload: str) -> None:
        size = len(payload.encode())
        if size > self.max_event_bytes:
            raise EventTooLarge(envelope.type, size, self.max_event_bytes)

    def _envelopes(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[DomainEvent],
        partition_key: str,
        subject: str | None,
        tracing: Tracing,
    ) -> list[Envelope]:
        now = datetime.now(UTC)
        return [
            Envelope(
                id=uuid.uuid4(),
                source=self.source,
                type=event.event_type(),
                subject=subject,
                time=now,
                dataschema=event.dataschema(),
                schema_version=event.schema_version,
                stream_id=stream_id,
                stream_version=expected_version + i,
                partition_key=partition_key,
                correlation_id=tracing.correlation_id,
                causation_id=tracing.causation_id,
                data=event.model_dump(mode="json"),
            )
            for i, event in enumerate(events, start=1)
        ]

    @abc.abstractmethod
    async def append(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[DomainEvent],
        *,
        partition_key: str,
        tracing: Tracing,
        subject: str | None = None,
        conn: Any = None,
    ) -> list[Envelope]:
        """Append `events` if the stream is at `expected_version` (0 for a new stream), else raise."""

    async def append_streams(self, conn: Any, items: Sequence[StreamAppend]) -> list[Envelope]:
        """Append to several streams in the caller's transaction: all of them, or none (bulk imports)."""
        appended: list[Envelope] = []
        for item in _distinct_streams(items):
            appended += await self.append(
                item.stream_id,
                item.expected_version,
                item.events,
                partition_key=item.partition_key,
                tracing=item.tracing,
                subject=item.subject,
                conn=conn,
            )
        return appended

    @abc.abstractmethod
    async def load(self, stream_id: str, conn: Any = None) -> list[Envelope]:
        """Every event of one stream, in version order."""

    async def load_stored(self, stream_id: str, conn: Any = None, after: int = 0) -> list[StoredEvent]:
        """The events of one stream past version `after` (0: all), in version order, as much of each as a fold
        needs (cheaper than `load`)."""
        return [
            StoredEvent(e.stream_id, e.stream_version, e.type, e.schema_version, serialized(e.data))
            for e in await self.load(stream_id, conn)
            if e.stream_version > after
        ]

    async def load_stored_beside(
        self, stream_id: str, beside: Beside, conn: Any = None, after: int = 0
    ) -> tuple[list[StoredEvent], list[Any] | None]:
        """`load_stored`, and the rows of `beside` read in the same statement (one round trip, one snapshot); None
        for the rows when this store cannot read them so (the caller reads them on its own)."""
        return await self.load_stored(stream_id, conn, after), None

    @abc.abstractmethod
    async def read_all(self, after_position: int, limit: int, conn: Any = None) -> list[Envelope]:
        """Events of every stream with a position above `after_position`, in position order."""


def _row_to_envelope(row: asyncpg.Record) -> Envelope:
    return Envelope(
        id=row["event_id"],
        source=row["source"],
        type=row["type"],
        subject=row["subject"],
        time=row["recorded_at"],
        dataschema=row["dataschema"],
        schema_version=row["schema_version"],
        stream_id=row["stream_id"],
        stream_version=row["version"],
        partition_key=row["partition_key"],
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
        position=row["position"],
        data=json.loads(row["data"]),
    )


_COLUMNS = (
    "position, event_id, stream_id, version, partition_key, type, schema_version, dataschema, source, subject,"
    " correlation_id, causation_id, recorded_at, data"
)


class PostgresEventStore(EventStore):
    """Event store in one PostgreSQL schema per service."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        source: str,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        group_commit_units: int = 32,
    ) -> None:
        super().__init__(source, max_event_bytes)
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"invalid schema name {schema!r}")
        self.pool = pool
        self.schema = schema
        self.notify_channel = f"{schema}_events"
        self._load_stored_query = (
            f"SELECT version, type, schema_version, data FROM {schema}.events "
            "WHERE stream_id = $1 AND version > $2 ORDER BY version"
        )
        # Appends without a transaction of their own waiting for the next group commit, and whether one runs.
        self._waiting: list[_Pending] = []
        self._committing = False
        self._committer: asyncio.Task | None = None
        # Units of work of this process sharing commits (shared/adapters/group_commit.py).
        # Their appends are claimed in each unit's turn (or at the commit, for units that sent no statement of their
        # own) and written in one call at the group's commit.
        self.group_commits = GroupCommits(
            pool, max_units=group_commit_units, check=self.stream_conflicts, write=self.append_streams
        )

    async def migrate(self, database_url: str | None = None) -> None:
        """Bring the store's tables to the latest revision (versioned migrations under a lock: shared/migrations)."""
        await upgrade(database_url or pool_connector(self.pool), self.schema, EVENTSTORE)

    async def append(self, stream_id, expected_version, events, *, partition_key, tracing, subject=None, conn=None):
        if not events:
            return []
        item = StreamAppend(stream_id, expected_version, events, partition_key, tracing, subject)
        return await self.append_streams(conn, [item])

    async def append_streams(self, conn, items):
        """Append to many streams with one lock, one version check and one insert (one round trip)."""
        items = _distinct_streams(items)
        if not items:
            return []
        # Everything that can be done without the lock is done before it.
        new = [
            envelope
            for item in items
            for envelope in self._envelopes(
                item.stream_id, item.expected_version, item.events, item.partition_key, item.subject, item.tracing
            )
        ]
        payloads = [serialized(e.data) for e in new]
        for envelope, payload in zip(new, payloads, strict=True):
            self._check_size(envelope, payload)
        if conn is None:
            pending = _Pending(items, new, payloads, asyncio.get_running_loop().create_future())
            self._waiting.append(pending)
            if not self._committing:
                self._committing = True
                self._committer = asyncio.get_running_loop().create_task(self._group_commits())
            return await asyncio.shield(pending.done)
        rows = await self._call_append(conn, _arguments(items, new, payloads), new)
        return _positioned(rows, new)

    async def stream_conflicts(self, conn: asyncpg.Connection, items: Sequence[StreamAppend]) -> list[ConcurrencyError]:
        """Claim each stream at its expected version until the end of `conn`'s transaction, in one statement; a
        `ConcurrencyError` per stream that could not be (none: every stream is claimed).

        A claim is a transaction-level advisory lock per stream, taken without waiting: a stream claimed by another
        transaction (a unit of work of another group about to append to it) is a conflict, like a stream at another
        version. The claim keeps other units of work off the stream until this transaction appends and commits; the
        append re-checks the versions under the store's lock (writers that do not claim).
        """
        items = _distinct_streams(items)
        if not items:
            return []
        rows = await conn.fetch(
            f"""SELECT s.sid, s.exp,
                       coalesce((SELECT max(e.version) FROM {self.schema}.events e WHERE e.stream_id = s.sid), 0)
                           AS actual,
                       pg_try_advisory_xact_lock(hashtext('ali-stream-{self.schema}'), hashtext(s.sid)) AS claimed
                  FROM unnest($1::text[], $2::int[]) AS s(sid, exp)
                 ORDER BY s.sid""",
            [item.stream_id for item in items],
            [item.expected_version for item in items],
        )
        return [
            ConcurrencyError(row["sid"], row["exp"], row["actual"])
            for row in rows
            if not row["claimed"] or row["actual"] != row["exp"]
        ]

    async def _group_commits(self) -> None:
        """Write the waiting appends, a group per transaction, until none waits."""
        try:
            while self._waiting:
                group, streams, later = [], set(), []
                for pending in self._waiting:
                    mine = {item.stream_id for item in pending.items}
                    # A stream named by two appends: the second waits for the next group (its expected version
                    # is checked after the first is written).
                    (later if mine & streams else group).append(pending)
                    streams |= mine
                self._waiting = later
                await self._commit_group(group)
        except BaseException as e:  # the loop is stopping: nobody is left waiting for an answer
            waiting, self._waiting = self._waiting, []
            for pending in waiting:
                _settle(pending, error=e if isinstance(e, Exception) else asyncio.CancelledError())
            raise
        finally:
            self._committing = False

    async def _commit_group(self, group: list[_Pending]) -> None:
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                while group:
                    items = [item for p in group for item in p.items]
                    new = [e for p in group for e in p.new]
                    payloads = [x for p in group for x in p.payloads]
                    rows = await self._call_append(conn, _arguments(items, new, payloads), new)
                    if not rows or rows[0]["position"] is not None:
                        break
                    # Nothing was written: the append naming the conflicting stream fails, the others are tried again.
                    loser = next(p for p in group if any(i.stream_id == rows[0]["stream_id"] for i in p.items))
                    _settle(loser, error=_conflict(rows[0]))
                    group = [p for p in group if p is not loser]
                    rows = []
        except ConcurrencyError as e:  # a unique violation: which append caused it is unknown, each goes alone
            if len(group) == 1:
                _settle(group[0], error=e)
                return
            for pending in group:
                await self._commit_group([pending])
            return
        except BaseException as e:
            for pending in group:
                _settle(pending, error=e)
            if not isinstance(e, Exception):
                raise
            return
        positions = {(r["stream_id"], r["version"]): r["position"] for r in rows}
        for pending in group:
            _settle(pending, result=_with_positions(pending.new, positions))

    async def _call_append(self, conn, args, new: list[Envelope]) -> list[asyncpg.Record]:
        try:
            return await conn.fetch(
                f"""SELECT stream_id, version, position, expected FROM {self.schema}.append_events(
                        $1::text[], $2::int[], $3::uuid[], $4::text[], $5::int[], $6::text[], $7::text[], $8::int[],
                        $9::text[], $10::text[], $11::text[], $12::uuid[], $13::uuid[], $14::timestamptz[],
                        $15::jsonb[])""",
                *args,
            )
        except asyncpg.UniqueViolationError as e:
            raise ConcurrencyError(new[0].stream_id, new[0].stream_version - 1, -1) from e

    async def load(self, stream_id, conn=None):
        query = f"SELECT {_COLUMNS} FROM {self.schema}.events WHERE stream_id = $1 ORDER BY version"
        if conn is not None:
            rows = await conn.fetch(query, stream_id)
        else:
            rows = await self.pool.fetch(query, stream_id)
        return [_row_to_envelope(r) for r in rows]

    async def load_stored(self, stream_id, conn=None, after=0):
        # Only the columns a fold reads, the data left as JSON text (validated from it by the event's model).
        rows = await (conn or self.pool).fetch(self._load_stored_query, stream_id, after)
        return [StoredEvent(stream_id, *row) for row in rows]

    async def load_stored_beside(self, stream_id, beside, conn=None, after=0):
        # The stream's events gathered in one array column, on every row of the other read (the first one's used;
        # a read giving no row gives one of NULLs).
        rows = await (conn or self.pool).fetch(
            f"""SELECT stream.events AS _events, beside.*
                FROM (SELECT array_agg(ROW(version, type, schema_version, data) ORDER BY version) AS events
                      FROM {self.schema}.events WHERE stream_id = $1 AND version > $2) AS stream
                LEFT JOIN LATERAL ({beside.query(3)}) AS beside ON true""",
            stream_id,
            after,
            *beside.args,
        )
        stored = [StoredEvent(stream_id, *event) for event in rows[0]["_events"] or ()]
        return stored, rows

    async def read_all(self, after_position, limit, conn=None):
        rows = await (conn or self.pool).fetch(
            f"SELECT {_COLUMNS} FROM {self.schema}.events WHERE position > $1 ORDER BY position LIMIT $2",
            after_position,
            limit,
        )
        return [_row_to_envelope(r) for r in rows]


@dataclass
class _Pending:
    """An append waiting for a group commit: its streams, envelopes, JSON, and the caller's answer."""

    items: list[StreamAppend]
    new: list[Envelope]
    payloads: list[str]
    done: asyncio.Future


def _arguments(items: Sequence[StreamAppend], new: list[Envelope], payloads: list[str]) -> tuple:
    """The arrays `append_events` takes: the streams with their expected versions, then each event's columns."""
    return (
        [item.stream_id for item in items],
        [item.expected_version for item in items],
        [e.id for e in new],
        [e.stream_id for e in new],
        [e.stream_version for e in new],
        [e.partition_key for e in new],
        [e.type for e in new],
        [e.schema_version for e in new],
        [e.dataschema for e in new],
        [e.source for e in new],
        [e.subject for e in new],
        [e.correlation_id for e in new],
        [e.causation_id for e in new],
        [e.time for e in new],
        payloads,
    )


def _conflict(row: asyncpg.Record) -> ConcurrencyError:
    return ConcurrencyError(row["stream_id"], row["expected"], row["version"])


def _with_positions(new: list[Envelope], positions: dict[tuple[str, int], int]) -> list[Envelope]:
    return [e.model_copy(update={"position": positions[(e.stream_id, e.stream_version)]}) for e in new]


def _positioned(rows: list[asyncpg.Record], new: list[Envelope]) -> list[Envelope]:
    """The envelopes with their positions, or the conflict `append_events` reported."""
    if rows and rows[0]["position"] is None:
        raise _conflict(rows[0])
    return _with_positions(new, {(r["stream_id"], r["version"]): r["position"] for r in rows})


def _settle(pending: _Pending, *, result: list[Envelope] | None = None, error: BaseException | None = None) -> None:
    """Answer the caller (unless it stopped waiting)."""
    if pending.done.done():
        return
    if error is not None:
        pending.done.set_exception(error)
    else:
        pending.done.set_result(result)
