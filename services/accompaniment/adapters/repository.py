"""Accompaniments: event-sourced aggregate loading and the read model."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.accompaniment.domain import model
from shared.contracts import REGISTRY
from shared.eventstore import EventStore


class AccompanimentRepository:
    """Loads accompaniments from the event store and keeps the `accompaniments` read model."""

    def __init__(self, store: EventStore, schema: str) -> None:
        self.store = store
        self.schema = schema

    async def get(self, accompaniment_id: UUID, conn: asyncpg.Connection | None = None) -> model.Accompaniment | None:
        """Current state, folded from the stream."""
        envelopes = await self.store.load(model.stream_id(accompaniment_id), conn=conn)
        return model.fold([REGISTRY.decode(e.type, e.schema_version, e.data) for e in envelopes])

    async def save_view(self, conn: asyncpg.Connection, state: model.Accompaniment) -> None:
        """Write the read model row of `state` (in the transaction that appended its events)."""
        await conn.execute(
            f"""INSERT INTO {self.schema}.accompaniments
                  (accompaniment_id, beneficiary_id, agency_id, start_date, planned_end_date, orientation_date,
                   status, closed_on, exit_category, exit_group, version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                ON CONFLICT (accompaniment_id) DO UPDATE SET
                   agency_id = excluded.agency_id, status = excluded.status, closed_on = excluded.closed_on,
                   exit_category = excluded.exit_category, exit_group = excluded.exit_group,
                   version = excluded.version""",
            state.id,
            state.beneficiary_id,
            state.agency_id,
            state.start_date,
            state.planned_end_date,
            state.orientation_date,
            "closed" if state.is_closed else "open",
            state.closed_on,
            state.exit_category.value if state.exit_category else None,
            state.exit_category.group.value if state.exit_category else None,
            state.version,
        )

    async def list(
        self, pool: asyncpg.Pool, *, beneficiary_id: UUID | None = None, agency_id: str | None = None, limit: int = 100
    ) -> list[dict]:
        """Accompaniments from the read model, newest first."""
        rows = await pool.fetch(
            f"""SELECT * FROM {self.schema}.accompaniments
                WHERE ($1::uuid IS NULL OR beneficiary_id = $1) AND ($2::text IS NULL OR agency_id = $2)
                ORDER BY start_date DESC, accompaniment_id LIMIT $3""",
            beneficiary_id,
            agency_id,
            limit,
        )
        return [dict(r) for r in rows]
