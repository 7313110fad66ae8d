"""What the aggregate store needs to know of one kind of aggregate: its streams, its fold, its partition key.

Pure: the domain of each service declares its aggregates with it (`ACCOMPANIMENT = Aggregate(...)`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Generic, Protocol, TypeVar


class Versioned(Protocol):
    """An aggregate's state: its id and the version of its stream it was folded up to."""

    @property
    def id(self) -> Any: ...

    @property
    def version(self) -> int: ...


S = TypeVar("S", bound=Versioned)


def evolved(state: S, **changes: Any) -> S:
    """The state one event later: `changes` applied and the version moved on (states are frozen dataclasses)."""
    return replace(state, version=state.version + 1, **changes)  # type: ignore[type-var]


@dataclass(frozen=True, eq=False)
class Aggregate(Generic[S]):
    """One kind of event-sourced aggregate.

    `name` prefixes its streams (`<name>-<id>`); `apply(state, event)` is the pure fold of one event (state
    None before the first); `partition_key(state)` keeps related events in order on Kafka (a person's, an
    employer's...). The events of an aggregate are published with their partition key as CloudEvents subject.
    """

    name: str
    apply: Callable[[S | None, Any], S]
    partition_key: Callable[[S], object]

    def stream_id(self, aggregate_id: object) -> str:
        """The stream of one aggregate."""
        return f"{self.name}-{aggregate_id}"

    def fold(self, events: Iterable[Any], state: S | None = None) -> S | None:
        """The state after every event of a stream (None for an empty stream), or after `events` from `state`."""
        for event in events:
            state = self.apply(state, event)
        return state
