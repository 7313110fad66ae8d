"""The workshop sessions and registrations read models in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import asyncpg

from services.accompaniment.domain.state import WorkshopSession
from services.accompaniment.service_layer.ports import WorkshopViews
from shared.contracts.accompaniment import AttendanceRecorded, ParticipantRegistered
from shared.events import DomainEvent


class PostgresWorkshopViews(WorkshopViews):
    """SQL of the `workshop_sessions` and `workshop_registrations` tables in one service schema."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def save(
        self, conn: asyncpg.Connection, session: WorkshopSession, events: Sequence[DomainEvent] = ()
    ) -> None:
        """Write the row of the session and those of the registrations `events` name, every one without events
        (in the transaction that appends the events). A session's registrations come one event each: rewriting
        every seat at each made the rows written for a session grow with the square of its seats."""
        s = self.schema
        attended = sum(1 for r in session.registrations.values() if r.attended)
        await conn.execute(
            f"""INSERT INTO {s}.workshop_sessions
                  (session_id, agency_id, theme, session_date, capacity, registered, attended, version,
                   open_to_department)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (session_id) DO UPDATE SET registered = excluded.registered,
                   attended = excluded.attended, version = excluded.version,
                   open_to_department = excluded.open_to_department""",
            session.id,
            session.agency_id,
            session.theme.value,
            session.session_date,
            session.capacity,
            len(session.registrations),
            attended,
            session.version,
            session.open_to_department,
        )
        seats = list(session.registrations.values())
        if events:
            named = {e.accompaniment_id for e in events if isinstance(e, ParticipantRegistered | AttendanceRecorded)}
            seats = [r for r in seats if r.accompaniment_id in named]
        if seats:
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
        conn: asyncpg.Connection,
        *,
        agency_id: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        open_to_department: bool | None = None,
        limit: int = 100,
    ) -> list[dict]:
        """Sessions of an agency (or all), by date; only those open to the department with `open_to_department`."""
        rows = await conn.fetch(
            f"""SELECT * FROM {self.schema}.workshop_sessions
                WHERE ($1::text IS NULL OR agency_id = $1) AND ($2::date IS NULL OR session_date >= $2)
                  AND ($3::date IS NULL OR session_date <= $3)
                  AND ($5::boolean IS NULL OR open_to_department = $5)
                ORDER BY session_date, session_id LIMIT $4""",
            agency_id,
            date_from,
            date_to,
            limit,
            open_to_department,
        )
        return [dict(r) for r in rows]
