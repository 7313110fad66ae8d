"""Workshop sessions: event-sourced loading and saving, with the sessions and registrations read models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import asyncpg

from services.accompaniment.domain import workshops
from services.accompaniment.domain.workshops import WorkshopSession
from shared.contracts import REGISTRY
from shared.contracts.accompaniment import WorkshopEvent
from shared.eventstore import EventStore, Tracing


class WorkshopRepository:
    """Loads sessions from the event store, appends their events and keeps their read models."""

    def __init__(self, store: EventStore, schema: str) -> None:
        self.store = store
        self.schema = schema

    async def get(self, session_id: UUID, conn: asyncpg.Connection | None = None) -> WorkshopSession | None:
        """Current state of a session, folded from its stream."""
        envelopes = await self.store.load(workshops.stream_id(session_id), conn=conn)
        return workshops.fold([REGISTRY.decode(e.type, e.schema_version, e.data) for e in envelopes])

    async def save(
        self,
        conn: asyncpg.Connection,
        session: WorkshopSession | None,
        events: Sequence[WorkshopEvent],
        tracing: Tracing,
    ) -> WorkshopSession | None:
        """Append `events` (partitioned by session) and update the read models; the new state."""
        if not events:
            return session
        session_id = events[0].session_id
        expected = session.version if session else 0
        for event in events:
            session = workshops.apply(session, event)
        # Read models first: the append's commit-order lock is then held only for the append and the commit.
        await self._save_views(conn, session)
        await self.store.append(
            workshops.stream_id(session_id),
            expected,
            list(events),
            partition_key=str(session_id),
            subject=str(session_id),
            tracing=tracing,
            conn=conn,
        )
        return session

    async def _save_views(self, conn: asyncpg.Connection, session: WorkshopSession) -> None:
        s = self.schema
        attended = sum(1 for r in session.registrations.values() if r.attended)
        await conn.execute(
            f"""INSERT INTO {s}.workshop_sessions
                  (session_id, agency_id, theme, title, session_date, capacity, registered, attended, version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (session_id) DO UPDATE SET registered = excluded.registered,
                   attended = excluded.attended, version = excluded.version""",
            session.id,
            session.agency_id,
            session.theme.value,
            session.title,
            session.session_date,
            session.capacity,
            len(session.registrations),
            attended,
            session.version,
        )
        if session.registrations:
            seats = list(session.registrations.values())
            await conn.execute(
                f"""INSERT INTO {s}.workshop_registrations
                      (session_id, accompaniment_id, beneficiary_id, registered_on, attended)
                    SELECT $1, u.a, u.b, u.r, u.t
                    FROM unnest($2::uuid[], $3::uuid[], $4::date[], $5::boolean[]) AS u(a, b, r, t)
                    ON CONFLICT (session_id, accompaniment_id) DO UPDATE SET attended = excluded.attended""",
                session.id,
                [r.accompaniment_id for r in seats],
                [r.beneficiary_id for r in seats],
                [r.registered_on for r in seats],
                [r.attended for r in seats],
            )

    async def list(
        self,
        pool: asyncpg.Pool,
        *,
        agency_id: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int = 100,
    ) -> list[dict]:
        """Sessions of an agency (or all), by date."""
        rows = await pool.fetch(
            f"""SELECT * FROM {self.schema}.workshop_sessions
                WHERE ($1::text IS NULL OR agency_id = $1) AND ($2::date IS NULL OR session_date >= $2)
                  AND ($3::date IS NULL OR session_date <= $3)
                ORDER BY session_date, session_id LIMIT $4""",
            agency_id,
            date_from,
            date_to,
            limit,
        )
        return [dict(r) for r in rows]
