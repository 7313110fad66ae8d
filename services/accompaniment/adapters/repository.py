"""Accompaniments: event-sourced loading and saving, with the read model updated in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.accompaniment.adapters.read_model import AccompanimentViews
from services.accompaniment.domain import model
from services.accompaniment.domain.state import Accompaniment
from shared.contracts import REGISTRY
from shared.contracts.accompaniment import AccompanimentEvent
from shared.envelope import Envelope
from shared.eventstore import EventStore, Tracing


class AccompanimentRepository:
    """Loads accompaniments from the event store, appends their events and keeps the read model."""

    def __init__(self, store: EventStore, views: AccompanimentViews) -> None:
        self.store = store
        self.views = views

    async def get(self, accompaniment_id: UUID, conn: asyncpg.Connection | None = None) -> Accompaniment | None:
        """Current state, folded from the stream."""
        envelopes = await self.store.load(model.stream_id(accompaniment_id), conn=conn)
        return model.fold([REGISTRY.decode(e.type, e.schema_version, e.data) for e in envelopes])

    async def history(self, accompaniment_id: UUID, conn: asyncpg.Connection | None = None) -> list[Envelope]:
        """Every recorded event of the accompaniment, oldest first."""
        return await self.store.load(model.stream_id(accompaniment_id), conn=conn)

    async def save(
        self,
        conn: asyncpg.Connection,
        state: Accompaniment | None,
        events: Sequence[AccompanimentEvent],
        tracing: Tracing,
        *,
        commune_code: str | None = None,
    ) -> Accompaniment | None:
        """Append `events` after `state` (optimistic concurrency) and update the read model; the new state."""
        if not events:
            return state
        first = events[0]
        expected = state.version if state else 0
        for event in events:
            state = model.apply(state, event)
        # The read model is written first: the append takes the store's commit-order lock, held until commit,
        # so the less done after it, the more appends the service makes per second.
        await self.views.save(conn, state, commune_code=commune_code)
        await self.store.append(
            model.stream_id(first.accompaniment_id),
            expected,
            list(events),
            partition_key=str(first.beneficiary_id),
            subject=str(first.beneficiary_id),
            tracing=tracing,
            conn=conn,
        )
        return state
