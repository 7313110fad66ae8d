"""Loading an aggregate from its stream and appending its new events."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from shared.contracts import REGISTRY
from shared.events import DomainEvent
from shared.eventstore import EventStore, Tracing


class Versioned(Protocol):
    """An aggregate state that knows its stream version."""

    version: int


S = TypeVar("S", bound=Versioned)
Apply = Callable[[S | None, Any], S]


async def load(store: EventStore, stream_id: str, apply: Apply, conn: Any) -> S | None:
    """The state folded from every event of the stream, or None for an empty stream."""
    state = None
    for envelope in await store.load(stream_id, conn=conn):
        state = apply(state, REGISTRY.decode(envelope.type, envelope.schema_version, envelope.data))
    return state


async def append(
    store: EventStore,
    conn: Any,
    stream_id: str,
    state: S | None,
    events: Sequence[DomainEvent],
    apply: Apply,
    *,
    partition_key: str,
    tracing: Tracing | None = None,
) -> S:
    """Append `events` at the state's version (a concurrent change raises `ConcurrencyError`); the new state."""
    await store.append(
        stream_id,
        state.version if state else 0,
        events,
        partition_key=partition_key,
        subject=partition_key,
        tracing=tracing or Tracing.new(),
        conn=conn,
    )
    for event in events:
        state = apply(state, event)
    return state
