"""Event store port and its PostgreSQL adapter (the in-memory fake of the unit tests is in `tests/fakes`).

Ordering hazard and the choice made here: a global `bigserial` is not commit order. A transaction
that took position 41 may commit after another that took 42; a reader that already moved past 42
would then skip 41 forever. This store serialises appends: each append transaction first takes a
transaction-scoped advisory lock for the store's schema and only then draws positions, so positions
are handed out in the same order as commits become visible (the lock is released after the commit
is visible). Readers (the outbox relay, projections) can therefore follow `position > last seen`
without gap detection. The price is one writer at a time per service store, which is far above the
load of a department (tens of events per second at peak; the 10,000-event test appends in seconds).
"""

from __future__ import annotations

import abc
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import asyncpg

from shared.envelope import Envelope
from shared.errors import ConcurrencyError
from shared.events import DomainEvent

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


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


def _distinct_streams(items: Sequence[StreamAppend]) -> list[StreamAppend]:
    """The items that carry events, refusing a stream named twice (its expected versions would clash)."""
    items = [item for item in items if item.events]
    ids = [item.stream_id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError("append_streams takes each stream once")
    return items


class EventStore(abc.ABC):
    """Append-only streams of events with optimistic concurrency and a global position."""

    def __init__(self, source: str) -> None:
        self.source = source

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

    @abc.abstractmethod
    async def read_all(self, after_position: int, limit: int) -> list[Envelope]:
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

    def __init__(self, pool: asyncpg.Pool, schema: str, source: str) -> None:
        super().__init__(source)
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"invalid schema name {schema!r}")
        self.pool = pool
        self.schema = schema
        self.notify_channel = f"{schema}_events"

    async def migrate(self) -> None:
        """Create the schema and the store's tables if they do not exist."""
        ddl = resources.files("shared").joinpath("sql/eventstore.sql").read_text().replace("{schema}", self.schema)
        async with self.pool.acquire() as conn:
            # Several processes of one service may start together: serialise the DDL.
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext('ali-migrate'))")
                await conn.execute(ddl)

    async def append(self, stream_id, expected_version, events, *, partition_key, tracing, subject=None, conn=None):
        if not events:
            return []
        if conn is None:
            async with self.pool.acquire() as own, own.transaction():
                return await self._append(own, stream_id, expected_version, events, partition_key, subject, tracing)
        return await self._append(conn, stream_id, expected_version, events, partition_key, subject, tracing)

    async def _append(self, conn, stream_id, expected_version, events, partition_key, subject, tracing):
        await self._lock(conn)
        actual = await conn.fetchval(
            f"SELECT coalesce(max(version), 0) FROM {self.schema}.events WHERE stream_id = $1", stream_id
        )
        if actual != expected_version:
            raise ConcurrencyError(stream_id, expected_version, actual)
        new = self._envelopes(stream_id, expected_version, events, partition_key, subject, tracing)
        return await self._insert(conn, new)

    async def append_streams(self, conn, items):
        """Append to many streams with one lock, one version check and one insert (bulk imports)."""
        items = _distinct_streams(items)
        if not items:
            return []
        if conn is None:
            async with self.pool.acquire() as own, own.transaction():
                return await self.append_streams(own, items)
        await self._lock(conn)
        rows = await conn.fetch(
            f"""SELECT stream_id, max(version) AS version FROM {self.schema}.events
                WHERE stream_id = ANY($1::text[]) GROUP BY stream_id""",
            [item.stream_id for item in items],
        )
        actual = {r["stream_id"]: r["version"] for r in rows}
        for item in items:
            if actual.get(item.stream_id, 0) != item.expected_version:
                raise ConcurrencyError(item.stream_id, item.expected_version, actual.get(item.stream_id, 0))
        new = [
            envelope
            for item in items
            for envelope in self._envelopes(
                item.stream_id, item.expected_version, item.events, item.partition_key, item.subject, item.tracing
            )
        ]
        return await self._insert(conn, new)

    async def _lock(self, conn) -> None:
        # Held until commit: positions are drawn in commit order (see the module docstring). Re-entrant within
        # one transaction, so a transaction appending several times still waits only once.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"ali-append-{self.schema}")

    async def _insert(self, conn, new: list[Envelope]) -> list[Envelope]:
        s = self.schema
        try:
            rows = await conn.fetch(
                f"""
                INSERT INTO {s}.events (position, event_id, stream_id, version, partition_key, type, schema_version,
                                        dataschema, source, subject, correlation_id, causation_id, recorded_at, data)
                SELECT nextval('{s}.events_position_seq'), u.*
                FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::text[],
                            $8::text[], $9::text[], $10::uuid[], $11::uuid[], $12::timestamptz[], $13::jsonb[]) AS u
                RETURNING position, stream_id, version
                """,
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
                [json.dumps(e.data) for e in new],
            )
        except asyncpg.UniqueViolationError as e:
            raise ConcurrencyError(new[0].stream_id, new[0].stream_version - 1, -1) from e
        positions = {(r["stream_id"], r["version"]): r["position"] for r in rows}
        await conn.execute(f"NOTIFY {self.notify_channel}")
        return [e.model_copy(update={"position": positions[(e.stream_id, e.stream_version)]}) for e in new]

    async def load(self, stream_id, conn=None):
        query = f"SELECT {_COLUMNS} FROM {self.schema}.events WHERE stream_id = $1 ORDER BY version"
        if conn is not None:
            rows = await conn.fetch(query, stream_id)
        else:
            rows = await self.pool.fetch(query, stream_id)
        return [_row_to_envelope(r) for r in rows]

    async def read_all(self, after_position, limit):
        rows = await self.pool.fetch(
            f"SELECT {_COLUMNS} FROM {self.schema}.events WHERE position > $1 ORDER BY position LIMIT $2",
            after_position,
            limit,
        )
        return [_row_to_envelope(r) for r in rows]
