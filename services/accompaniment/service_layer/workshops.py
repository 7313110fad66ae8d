"""Workshop handlers: sessions, registrations and attendance, written with the people's accompaniments."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.accompaniment.adapters.repository import AccompanimentRepository
from services.accompaniment.adapters.workshops import WorkshopRepository
from services.accompaniment.domain import workshops
from services.accompaniment.domain.commands import RecordAttendance, RegisterParticipant, ScheduleWorkshopSession
from services.accompaniment.domain.errors import AlreadyRecorded
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.workshops import WorkshopSession
from services.accompaniment.service_layer.handlers import Authorize
from shared.eventstore import Tracing


async def schedule_session(
    cmd: ScheduleWorkshopSession,
    *,
    authorize: Authorize,
    pool: asyncpg.Pool,
    sessions: WorkshopRepository,
    ctx: Context,
) -> WorkshopSession:
    """Plan a session of the caller's agency."""
    authorize(cmd.agency_id)
    async with pool.acquire() as conn, conn.transaction():
        if await sessions.get(cmd.session_id, conn) is not None:
            raise AlreadyRecorded(f"workshop session {cmd.session_id} already exists")
        return await sessions.save(conn, None, workshops.schedule_session(cmd, ctx), Tracing.new())


async def register_participant(
    session_id: UUID,
    cmd: RegisterParticipant,
    *,
    authorize: Authorize,
    pool: asyncpg.Pool,
    sessions: WorkshopRepository,
    accompaniments: AccompanimentRepository,
    ctx: Context,
) -> WorkshopSession:
    """Give a seat to a person; both the session and the accompaniment record it."""
    async with pool.acquire() as conn, conn.transaction():
        session = await sessions.get(session_id, conn)
        person = await accompaniments.get(cmd.accompaniment_id, conn)
        for agency in {x.agency_id for x in (session, person) if x is not None}:
            authorize(agency)
        session_events, person_events = workshops.register(session, person, cmd, ctx)
        tracing = Tracing.new()
        session = await sessions.save(conn, session, session_events, tracing)
        await accompaniments.save(conn, person, person_events, tracing)
        return session


async def record_attendance(
    session_id: UUID,
    cmd: RecordAttendance,
    *,
    authorize: Authorize,
    pool: asyncpg.Pool,
    sessions: WorkshopRepository,
    accompaniments: AccompanimentRepository,
    ctx: Context,
) -> WorkshopSession:
    """Record the attendance sheet of a session, all lines or none."""
    async with pool.acquire() as conn, conn.transaction():
        session = await sessions.get(session_id, conn)
        if session is not None:
            authorize(session.agency_id)
        tracing = Tracing.new()
        for line in cmd.participants:
            person = await accompaniments.get(line.accompaniment_id, conn)
            session_events, person_events = workshops.record_attendance(session, person, line, ctx)
            session = await sessions.save(conn, session, session_events, tracing)
            await accompaniments.save(conn, person, person_events, tracing)
        return session
