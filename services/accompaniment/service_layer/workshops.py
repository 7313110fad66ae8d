"""Workshop handlers: sessions, registrations and attendance, written with the people's accompaniments."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.accompaniment.domain.commands import RecordAttendance, RegisterParticipant, ScheduleWorkshopSession
from services.accompaniment.domain.decisions import workshops
from services.accompaniment.domain.errors import AlreadyRecorded, WorkshopNotFound
from services.accompaniment.domain.evolution import ACCOMPANIMENT, WORKSHOP_SESSION
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.state import WorkshopSession
from services.accompaniment.service_layer.dependencies import Dependencies
from services.accompaniment.service_layer.handlers import decided_again, load
from shared.auth import Principal, Role
from shared.eventstore import Tracing
from shared.private_text import Owner


async def schedule_session(
    cmd: ScheduleWorkshopSession, *, user: Principal, deps: Dependencies, ctx: Context
) -> WorkshopSession:
    """Plan a session of the caller's agency."""
    user.scope(cmd.agency_id)
    async with deps.store.transaction() as uow:
        if await uow.load(WORKSHOP_SESSION, cmd.session_id) is not None:
            raise AlreadyRecorded(f"la séance d'atelier {cmd.session_id} existe déjà")
        events = workshops.schedule_session(cmd, ctx)
        # A session's title concerns no one person as a rule: it is kept under the session's own key.
        await deps.texts.seal(uow.connection, Owner.workshop(cmd.session_id), cmd.texts())
        return await uow.save(WORKSHOP_SESSION, None, events)


def session_scope(user: Principal, session: WorkshopSession) -> None:
    """Who may see a session and take seats in it: its agency; every agency's staff when it is open to the
    department (its seats are offered to all; department staff still see no participants)."""
    user.scope(None if session.open_to_department else session.agency_id)


async def register_participant(
    session_id: UUID, cmd: RegisterParticipant, *, user: Principal, deps: Dependencies, ctx: Context
) -> WorkshopSession:
    """Give a seat to a person followed by the caller's agency; both the session and the accompaniment record it.

    As for a command of one accompaniment (`handlers.handle_shown`), the session and the person are read before
    the unit of work that writes, both saved at the versions read, and the registration decided again when another
    change of either got in first."""

    async def once() -> WorkshopSession:
        async with deps.store.connection() as conn:
            reader = deps.store.join(conn, Tracing.new())
            session = await reader.load(WORKSHOP_SESSION, session_id)
            person = await load(reader, deps, cmd.accompaniment_id)
        if person is not None:
            user.scope(person.agency_id)
        if session is not None:
            session_scope(user, session)
        session_events, person_events = workshops.register(session, person, cmd, ctx)
        async with deps.store.transaction() as uow:
            saved = await uow.save(WORKSHOP_SESSION, session, session_events)
            await uow.save(ACCOMPANIMENT, person, person_events)
        return saved

    return await decided_again(once)


async def record_attendance(
    session_id: UUID, cmd: RecordAttendance, *, user: Principal, deps: Dependencies, ctx: Context
) -> WorkshopSession:
    """Record the attendance sheet of a session, all lines or none; read, decided and saved as a registration.

    The lines are decided one after the other on the session as the earlier ones leave it, then the session and
    the people are saved at once: one version check and one append for the session, one for the people."""

    async def once() -> WorkshopSession:
        async with deps.store.connection() as conn:
            reader = deps.store.join(conn, Tracing.new())
            session = await reader.load(WORKSHOP_SESSION, session_id)
            people = [await load(reader, deps, line.accompaniment_id) for line in cmd.participants]
        if session is not None:
            user.scope(session.agency_id)
        sheet, session_events, people_events = session, [], []
        for line, person in zip(cmd.participants, people, strict=True):
            line_events, person_events = workshops.record_attendance(sheet, person, line, ctx)
            for event in line_events:
                sheet = WORKSHOP_SESSION.apply(sheet, event)
            session_events += line_events
            people_events.append((person, person_events))
        async with deps.store.transaction() as uow:
            saved = await uow.save(WORKSHOP_SESSION, session, session_events)
            await uow.save_all(ACCOMPANIMENT, people_events)
        return saved

    return await decided_again(once)


async def open_to_department(session_id: UUID, *, user: Principal, deps: Dependencies, ctx: Context) -> WorkshopSession:
    """Offer the seats of a session of the caller's agency to the people followed by every agency."""
    async with deps.store.transaction() as uow:
        session = await uow.load(WORKSHOP_SESSION, session_id)
        if session is not None:
            user.scope(session.agency_id)
        return await uow.save(WORKSHOP_SESSION, session, workshops.open_to_department(session, ctx))


async def erase_title(session_id: UUID, *, user: Principal, deps: Dependencies, today: date) -> bool:
    """Destroy the key of a session's title (one that named someone); False if already done."""
    user.require_role(Role.AGENCY_MANAGER)
    async with deps.store.transaction() as uow:
        session = await uow.load(WORKSHOP_SESSION, session_id)
        if session is None:
            raise WorkshopNotFound(f"aucune séance d'atelier {session_id}")
        user.scope(session.agency_id)
        return await deps.texts.erase(uow.connection, Owner.workshop(session_id), today)
