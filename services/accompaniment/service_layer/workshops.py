"""Workshop handlers: sessions, registrations and attendance, written with the people's accompaniments."""

from __future__ import annotations

from uuid import UUID

from services.accompaniment.domain.commands import RecordAttendance, RegisterParticipant, ScheduleWorkshopSession
from services.accompaniment.domain.decisions import workshops
from services.accompaniment.domain.errors import AlreadyRecorded
from services.accompaniment.domain.evolution import ACCOMPANIMENT, WORKSHOP_SESSION
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.state import WorkshopSession
from services.accompaniment.service_layer.dependencies import Dependencies
from services.accompaniment.service_layer.handlers import load
from shared.auth import Principal


async def schedule_session(
    cmd: ScheduleWorkshopSession, *, user: Principal, deps: Dependencies, ctx: Context
) -> WorkshopSession:
    """Plan a session of the caller's agency."""
    user.scope(cmd.agency_id)
    async with deps.store.transaction() as uow:
        if await uow.load(WORKSHOP_SESSION, cmd.session_id) is not None:
            raise AlreadyRecorded(f"la séance d'atelier {cmd.session_id} existe déjà")
        return await uow.save(WORKSHOP_SESSION, None, workshops.schedule_session(cmd, ctx))


async def register_participant(
    session_id: UUID, cmd: RegisterParticipant, *, user: Principal, deps: Dependencies, ctx: Context
) -> WorkshopSession:
    """Give a seat to a person; both the session and the accompaniment record it."""
    async with deps.store.transaction() as uow:
        session = await uow.load(WORKSHOP_SESSION, session_id)
        person = await load(uow, deps, cmd.accompaniment_id)
        for agency in {x.agency_id for x in (session, person) if x is not None}:
            user.scope(agency)
        session_events, person_events = workshops.register(session, person, cmd, ctx)
        session = await uow.save(WORKSHOP_SESSION, session, session_events)
        await uow.save(ACCOMPANIMENT, person, person_events)
        return session


async def record_attendance(
    session_id: UUID, cmd: RecordAttendance, *, user: Principal, deps: Dependencies, ctx: Context
) -> WorkshopSession:
    """Record the attendance sheet of a session, all lines or none."""
    async with deps.store.transaction() as uow:
        session = await uow.load(WORKSHOP_SESSION, session_id)
        if session is not None:
            user.scope(session.agency_id)
        for line in cmd.participants:
            person = await load(uow, deps, line.accompaniment_id)
            session_events, person_events = workshops.record_attendance(session, person, line, ctx)
            session = await uow.save(WORKSHOP_SESSION, session, session_events)
            await uow.save(ACCOMPANIMENT, person, person_events)
        return session
