"""The event store in memory: the same contract as the PostgreSQL store, for unit tests."""

from __future__ import annotations

from shared.envelope import Envelope
from shared.errors import ConcurrencyError
from shared.eventstore import EventStore, _distinct_streams, serialized


class InMemoryEventStore(EventStore):
    """Fake used by unit tests; same contract as the PostgreSQL store."""

    def __init__(self, source: str = "/ali/test") -> None:
        super().__init__(source)
        self.events: list[Envelope] = []

    async def append(self, stream_id, expected_version, events, *, partition_key, tracing, subject=None, conn=None):
        actual = sum(1 for e in self.events if e.stream_id == stream_id)
        if actual != expected_version:
            raise ConcurrencyError(stream_id, expected_version, actual)
        new = self._envelopes(stream_id, expected_version, events, partition_key, subject, tracing)
        for envelope in new:
            self._check_size(envelope, serialized(envelope.data))
        new = [e.model_copy(update={"position": len(self.events) + i}) for i, e in enumerate(new, start=1)]
        self.events.extend(new)
        return new

    async def append_streams(self, conn, items):
        # All or none, as in one transaction: every stream is checked before any is appended to.
        for item in _distinct_streams(items):
            actual = sum(1 for e in self.events if e.stream_id == item.stream_id)
            if actual != item.expected_version:
                raise ConcurrencyError(item.stream_id, item.expected_version, actual)
        return await super().append_streams(conn, items)

    async def load(self, stream_id, conn=None):
        return [e for e in self.events if e.stream_id == stream_id]

    async def read_all(self, after_position, limit, conn=None):
        return [e for e in self.events if (e.position or 0) > after_position][:limit]
