"""The projection: events become facts, idempotently.

Each event type has one fold function turning the event (and the facts it touches) into new states of
facts. A per-stream version guard makes the projection idempotent: an event whose stream was already folded
up to its version changes nothing, so a redelivered or replayed record (the relay republishes after a
crash) is harmless, and a rebuild from the topics gives the same facts as the live projection. A stream's
events share a partition key, so they arrive in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, Protocol

from services.reporting.domain.facts import Fact, FactSet, evolve


class Event(NamedTuple):
    """One event as the projection reads it: its type, its stream position and its data (current schema).

    A named tuple rather than a dataclass: one is built per record read, on the rebuild's hot path.
    """

    type: str
    stream_id: str
    stream_version: int
    time: str  # ISO 8601 time it was recorded
    data: dict[str, Any]


class Facts(Protocol):
    """Where folds read and write facts: a whole `FactSet`, or a batch's overlay over one."""

    def get(self, kind: type, key: str) -> Any: ...

    def put(self, kind: type, key: str, fact: Fact) -> None: ...

    def version(self, stream_id: str) -> int: ...

    def set_version(self, stream_id: str, version: int) -> None: ...


Change = tuple[type, str, Fact]
Fold = Callable[[Event, Facts], list[Change]]

FOLDS: dict[str, Fold] = {}


def folds(*event_types: str) -> Callable[[Fold], Fold]:
    """Register the fold of one or more event types (`ali.<context>.<EventName>`)."""

    def register(fn: Fold) -> Fold:
        for event_type in event_types:
            FOLDS[event_type] = fn
        return fn

    return register


def update(facts: Facts, kind: type, key: str, **changes: Any) -> list[Change]:
    """The fact `key` of `kind` with `changes`; no change while it is unknown (its first event not folded)."""
    current = facts.get(kind, key)
    return [] if current is None else [(kind, key, evolve(current, **changes))]


def handles(event_type: str) -> bool:
    """True when the projection folds this event type."""
    return event_type in FOLDS


def apply(event: Event, facts: Facts) -> bool:
    """Fold one event; False when it changes nothing (not a counted event, or already folded).

    A fold raises `KeyError`, `ValueError` or `TypeError` on a payload it cannot read; the facts are then
    left as they were (changes are stored only once the fold returned).
    """
    fold = FOLDS.get(event.type)
    if fold is None or facts.version(event.stream_id) >= event.stream_version:
        return False
    changes = fold(event, facts)
    for kind, key, fact in changes:
        facts.put(kind, key, fact)
    facts.set_version(event.stream_id, event.stream_version)
    return True


def fold_all(events: Iterable[Event], facts: FactSet | None = None) -> FactSet:
    """Facts after a sequence of events (the rebuild and the tests)."""
    facts = FactSet() if facts is None else facts
    for event in events:
        apply(event, facts)
    return facts


def _register_folds() -> None:
    # The folds of each context register themselves on import.
    from services.reporting.domain import facts_accompaniment, facts_intake, facts_placement  # noqa: F401


_register_folds()
