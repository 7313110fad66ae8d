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
        await self.save_many(conn, [(session, events)])

    async def save_many(
        self, conn: asyncpg.Connection, saved: Sequence[tuple[WorkshopSession, Sequence[DomainEvent]]]
    ) -> None:
        """`save` of several sessions (each once) in two statements: their rows, then their seats'."""
        s = self.schema
        await conn.executemany(
            f"""INSERT INTO {s}.workshop_sessions
                  (session_id, agency_id, theme, session_date, capacity, registered, attended, version,
                   open_to_department)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (session_id) DO UPDATE SET registered = excluded.registered,
                   attended = excluded.attended, version = excluded.version,
                   open_to_department = excluded.open_to_department""",
            [_session_row(session) for session, _ in saved],
        )
        seats = [(session.id, seat) for session, events in saved for seat in _seats(session, events)]
        if seats:
            await conn.execute(
                f"""INSERT INTO {s}.workshop_registrations
                      (session_id, accompaniment_id, beneficiary_id, registered_on, attended)
                    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::date[], $5::boolean[])
                    ON CONFLICT (session_id, accompaniment_id) DO UPDATE SET attended = excluded.attended""",
                [session_id for session_id, _ in seats],
                [r.accompaniment_id for _, r in seats],
                [r.beneficiary_id for _, r in seats],
                [r.registered_on for _, r in seats],
                [r.attended for _, r in seats],
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


def _session_row(session: WorkshopSession) -> tuple:
    attended = sum(1 for r in session.registrations.values() if r.attended)
    return (
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


def _seats(session: WorkshopSession, events: Sequence[DomainEvent]) -> list:
    """The registrations to write: those `events` name, every one without events."""
    seats = list(session.registrations.values())
    if events:
        named = {e.accompaniment_id for e in events if isinstance(e, ParticipantRegistered | AttendanceRecorded)}
        seats = [r for r in seats if r.accompaniment_id in named]
    return seats
