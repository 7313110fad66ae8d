"""The aggregate store and its unit of work: the one way a command service reads and writes its aggregates.

A unit of work is one database transaction in which a handler loads aggregates (their streams folded into
state), appends the events it decided at the version it loaded (a concurrent change is a `ConcurrencyError`),
and updates the read models (each aggregate's projection runs in the same transaction, before the append:
the append takes the store's commit-order lock, held until commit). Handlers and consumer reactions depend
on these classes only, never on a database driver:

    async with deps.store.transaction() as uow:              # an HTTP command: a transaction of its own
        state = await uow.load(ACCOMPANIMENT, accompaniment_id)
        await uow.save(ACCOMPANIMENT, state, decide(state, cmd, ctx))

    uow = deps.store.join(conn, Tracing.caused_by(envelope))  # a reaction: the consumer runtime's transaction

`uow.connection` is what read-model adapters take to work in the same transaction. The PostgreSQL store is
`shared.adapters.aggregate_store.PostgresAggregateStore`; unit tests use the in-memory one of `tests/fakes`.
"""

from __future__ import annotations

import abc
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from shared.aggregate import Aggregate, S
from shared.contracts import REGISTRY
from shared.envelope import Envelope
from shared.events import DomainEvent, EventRegistry, Origin
from shared.eventstore import Beside, EventStore, StreamAppend, Tracing

# Updates a read model from an aggregate's new state and the events that led to it, on the unit's connection.
Projection = Callable[[Any, Any, Sequence[DomainEvent]], Awaitable[None]]
# Writes the read-model rows of several aggregates at once, from their new states and the events that led to them.
ManyProjection = Callable[[Any, Sequence[tuple[Any, Sequence[DomainEvent]]]], Awaitable[None]]
# Where a unit's appends go when it does not append them itself at once (with its group's commit: group_commit.py).
Appender = Callable[[Sequence[StreamAppend]], Awaitable[None]]
# Keeps a unit's read-model rows for its group's commit, written there with the other units' in one statement:
# `defer(write_many, [(state, events)], stream_ids)`, False when they are to be written at once.
Deferrer = Callable[[ManyProjection, Sequence[tuple[Any, Sequence[DomainEvent]]], Sequence[str]], bool]


@dataclass(frozen=True)
class BatchProjection:
    """A projection that also writes many aggregates' rows in one go (a batch of reactions, a bulk import)."""

    one: Projection
    many: ManyProjection

    async def __call__(self, conn: Any, state: Any, events: Sequence[DomainEvent]) -> None:
        await self.one(conn, state, events)


Projections = Mapping[Aggregate[Any], Projection]


class States:
    """The states of the aggregates read last (at most `size`; the least recently read go first), each as folded
    up to its version: a later read folds only the events recorded since, read after that version.

    Only reads outside a transaction use it and fill it: such a read sees committed events only (a state folded in
    a transaction may hold events yet to be rolled back, and a transaction's snapshot may be older than a kept
    state). A stream's versions are claimed one after another, so the events past a kept version are all there is
    to add; reads racing each other may keep an older state, which costs a few more events to fold, never a wrong
    state.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._states: OrderedDict[str, Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self._states)

    def get(self, stream_id: str) -> Any | None:
        """The state kept for a stream, if any."""
        state = self._states.get(stream_id)
        if state is not None:
            self._states.move_to_end(stream_id)
        return state

    def keep(self, stream_id: str, state: Any) -> None:
        """Keep a state read outside a transaction (committed events only)."""
        if self.size <= 0:
            return
        self._states[stream_id] = state
        self._states.move_to_end(stream_id)
        while len(self._states) > self.size:
            self._states.popitem(last=False)


class UnitOfWork:
    """One transaction over the event store and the read models; every save shares one conversation (tracing)."""

    def __init__(
        self,
        events: EventStore,
        connection: Any,
        *,
        projections: Projections,
        tracing: Tracing,
        registry: EventRegistry = REGISTRY,
        appender: Appender | None = None,
        states: States | None = None,
        defer: Deferrer | None = None,
    ) -> None:
        self.events = events
        self.connection = connection
        self.projections = projections
        self.tracing = tracing
        self.registry = registry
        self.appender = appender
        self.states = states
        self.defer = defer

    def decode(self, envelope: Envelope) -> DomainEvent:
        """The current event class of a stored or received envelope, upcast from older versions."""
        origin = Origin(envelope.stream_id, envelope.stream_version)
        return self.registry.decode(envelope.type, envelope.schema_version, envelope.data, origin)

    async def load(self, aggregate: Aggregate[S], aggregate_id: object) -> S | None:
        """The state folded from the aggregate's stream, or None when it has no event (outside a transaction, from
        the state kept of an earlier read: only the events recorded since are read and folded)."""
        state, _ = await self.load_beside(aggregate, aggregate_id, lambda kept: None)
        return state

    async def load_beside(
        self, aggregate: Aggregate[S], aggregate_id: object, beside: Callable[[S], Beside | None]
    ) -> tuple[S | None, list[Any] | None]:
        """`load`, and in the same round trip the rows of `beside(state)`, a read that depends on the state as kept
        from an earlier read (the rows are None when there was none, or the store reads streams alone: the caller
        then reads them itself, from the state returned)."""
        stream_id = aggregate.stream_id(aggregate_id)
        states = self.states if self.states is not None and not _in_transaction(self.connection) else None
        kept = states.get(stream_id) if states is not None else None
        after = kept.version if kept is not None else 0
        also = beside(kept) if kept is not None else None
        if also is None:
            stored, rows = await self.events.load_stored(stream_id, conn=self.connection, after=after), None
        else:
            stored, rows = await self.events.load_stored_beside(stream_id, also, conn=self.connection, after=after)
        decode = self.registry.decode_json
        state = aggregate.fold(
            (decode(e.type, e.schema_version, e.data, Origin(e.stream_id, e.stream_version)) for e in stored), kept
        )
        if states is not None and state is not None and stored:
            states.keep(stream_id, state)
        return state, rows

    async def history(self, aggregate: Aggregate[Any], aggregate_id: object) -> list[Envelope]:
        """Every recorded event of the aggregate, oldest first."""
        return await self.events.load(aggregate.stream_id(aggregate_id), conn=self.connection)

    async def save(self, aggregate: Aggregate[S], state: S | None, events: Sequence[DomainEvent]) -> S | None:
        """Append `events` after `state` (None: a new aggregate), update its read model; the new state."""
        [saved] = await self.save_all(aggregate, [(state, events)])
        return saved

    async def save_all(
        self,
        aggregate: Aggregate[S],
        changes: Sequence[tuple[S | None, Sequence[DomainEvent]]],
        *,
        tracings: Sequence[Tracing] | None = None,
    ) -> list[S | None]:
        """Save several aggregates of one kind with one version check and one insert (bulk imports, batches of
        reactions); `tracings`, one per change, when each continues a conversation of its own (else the unit's).

        The events are appended before the read model is written: the append takes the store's lock first, so a
        transaction never holds a read-model row while it waits for that lock (two transactions doing it in the
        other order, each holding what the other waits for, deadlock). With an `appender` (a unit of a group
        commit), the streams are checked and claimed here and the events written with the group's commit, after the
        rows; with `defer`, a batch projection's rows may be left for that commit too (claimed and written there with
        the other units'). A group crossing a transaction of this order on a row is rolled back by PostgreSQL, and
        its units fail with a conflict (group_commit.py).
        """
        if tracings is not None and len(tracings) != len(changes):
            raise ValueError("save_all takes one tracing per change")
        appends: list[StreamAppend] = []
        projected: list[tuple[S, Sequence[DomainEvent]]] = []
        saved: list[S | None] = []
        for n, (state, events) in enumerate(changes):
            expected = state.version if state is not None else 0
            for event in events:
                state = aggregate.apply(state, event)
            saved.append(state)
            if not events:
                continue
            projected.append((state, events))
            key = str(aggregate.partition_key(state))
            tracing = self.tracing if tracings is None else tracings[n]
            appends.append(
                StreamAppend(aggregate.stream_id(state.id), expected, list(events), key, tracing, subject=key)
            )
        if appends and self.appender is not None:
            await self.appender(appends)
        elif appends:
            await self.events.append_streams(self.connection, appends)
        if (project := self.projections.get(aggregate)) is not None and projected:
            if isinstance(project, BatchProjection):
                streams = [aggregate.stream_id(state.id) for state, _ in projected]
                if self.defer is not None and self.defer(project.many, projected, streams):
                    return saved  # written with the group's commit, with the other units' rows
                if len(projected) > 1:
                    await project.many(self.connection, projected)
                    return saved
            for state, events in projected:
                await project(self.connection, state, events)
        return saved


def _in_transaction(connection: Any) -> bool:
    # None: the store's pool, a statement of its own.
    return connection is not None and connection.is_in_transaction()


class AggregateStore(abc.ABC):
    """Opens units of work on an event store, with the read-model projection of each kind of aggregate, and the
    states kept of the last reads outside a transaction (`states`, none by default)."""

    def __init__(
        self, events: EventStore, projections: Projections | None = None, states: States | None = None
    ) -> None:
        self.events = events
        self.projections: Projections = dict(projections or {})
        self.states = states

    @abc.abstractmethod
    def transaction(self, tracing: Tracing | None = None) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work in a transaction of its own: committed when the block ends, rolled back on an error."""

    @abc.abstractmethod
    def connection(self) -> AbstractAsyncContextManager[Any]:
        """A connection for read-model queries outside any transaction."""

    def join(self, connection: Any, tracing: Tracing) -> UnitOfWork:
        """A unit of work inside a transaction someone else owns (the consumer runtime's, for a reaction)."""
        return UnitOfWork(self.events, connection, projections=self.projections, tracing=tracing, states=self.states)

    async def load(self, aggregate: Aggregate[S], aggregate_id: object) -> S | None:
        """The current state of one aggregate, read outside a transaction."""
        return await self.join(None, Tracing.new()).load(aggregate, aggregate_id)

    async def history(self, aggregate: Aggregate[Any], aggregate_id: object) -> list[Envelope]:
        """Every recorded event of one aggregate, read outside a transaction."""
        return await self.join(None, Tracing.new()).history(aggregate, aggregate_id)
