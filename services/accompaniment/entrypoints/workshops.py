"""Collective workshop sessions of the agencies: planning, registrations, attendance."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from services.accompaniment.domain.commands import RecordAttendance, RegisterParticipant, ScheduleWorkshopSession
from services.accompaniment.domain.errors import WorkshopNotFound
from services.accompaniment.domain.evolution import WORKSHOP_SESSION
from services.accompaniment.entrypoints.dependencies import DependenciesDep
from services.accompaniment.entrypoints.responses import (
    ErasureDone,
    WorkshopSessionDetail,
    WorkshopSessionOut,
    session_detail,
)
from services.accompaniment.service_layer import workshops
from shared.audit import Audit
from shared.auth import CurrentUser
from shared.http.params import AgencyId, AsOf, Limit
from shared.private_text import Owner, text_ref

router = APIRouter(prefix="/workshops", tags=["workshops"])


@router.post("", response_model=WorkshopSessionDetail, status_code=status.HTTP_201_CREATED)
async def schedule_session(
    body: ScheduleWorkshopSession, user: CurrentUser, deps: DependenciesDep
) -> WorkshopSessionDetail:
    """Plan a workshop session of the caller's agency."""
    session = await workshops.schedule_session(body, user=user, deps=deps, ctx=deps.context())
    return await _shown(session, deps)


async def _shown(session, deps) -> WorkshopSessionDetail:
    async with deps.store.connection() as conn:
        view = await deps.texts.view(conn, Owner.workshop(session.id), [session.title_ref])
    return session_detail(session, view)


@router.get("", response_model=list[WorkshopSessionOut])
async def list_sessions(
    user: CurrentUser,
    deps: DependenciesDep,
    agency_id: AgencyId = None,
    date_from: AsOf = None,
    date_to: AsOf = None,
    open_to_department: Annotated[
        bool, Query(description="Only the sessions open to the department, of every agency (or of `agency_id`).")
    ] = False,
    limit: Limit = 100,
) -> list[dict]:
    """Sessions with their seats taken and attendance; caseworkers and managers see their agency's, and every
    agency's sessions open to the department with `open_to_department=true`."""
    if open_to_department:
        user.scope(None, personal=False)  # the department's offer: every agency's staff may list it
    else:
        agency_id = user.scope(agency_id, personal=False)
    async with deps.store.connection() as conn:
        rows = await deps.sessions.list(
            conn,
            agency_id=agency_id,
            date_from=date_from,
            date_to=date_to,
            open_to_department=open_to_department or None,
            limit=limit,
        )
        titles = await deps.texts.reveal(conn, [text_ref(r["session_id"], "title") for r in rows])
    return [{**r, "title": titles[text_ref(r["session_id"], "title")].text} for r in rows]


@router.get("/{session_id}", response_model=WorkshopSessionDetail)
async def get_session(session_id: UUID, user: CurrentUser, deps: DependenciesDep) -> WorkshopSessionDetail:
    """A session with its participants."""
    session = await deps.store.load(WORKSHOP_SESSION, session_id)
    if session is None:
        raise WorkshopNotFound(f"aucune séance d'atelier {session_id}")
    workshops.session_scope(user, session)
    return await _shown(session, deps)


@router.post("/{session_id}/open-to-department", response_model=WorkshopSessionDetail)
async def open_to_department(session_id: UUID, user: CurrentUser, deps: DependenciesDep) -> WorkshopSessionDetail:
    """Offer the seats of one of the agency's sessions to the people followed by every agency (409 once open)."""
    session = await workshops.open_to_department(session_id, user=user, deps=deps, ctx=deps.context())
    return await _shown(session, deps)


@router.post("/{session_id}/registrations", response_model=WorkshopSessionDetail, status_code=status.HTTP_201_CREATED)
async def register(
    session_id: UUID, body: RegisterParticipant, user: CurrentUser, deps: DependenciesDep
) -> WorkshopSessionDetail:
    """Give a seat to a person followed by the agency (of another agency: 409 unless the session is open to the
    department); a full session refuses (409)."""
    session = await workshops.register_participant(session_id, body, user=user, deps=deps, ctx=deps.context())
    return await _shown(session, deps)


@router.post("/{session_id}/attendance", response_model=WorkshopSessionDetail)
async def record_attendance(
    session_id: UUID, body: RecordAttendance, user: CurrentUser, deps: DependenciesDep
) -> WorkshopSessionDetail:
    """Record who attended, from the day of the session; every line or none (a person followed by another agency,
    transferred since, is refused unless the session is open to the department)."""
    session = await workshops.record_attendance(session_id, body, user=user, deps=deps, ctx=deps.context())
    return await _shown(session, deps)


@router.delete("/{session_id}/personal-data", response_model=ErasureDone)
async def erase_title(session_id: UUID, user: CurrentUser, deps: DependenciesDep) -> ErasureDone:
    """Erase a session's title (when it named someone) by destroying its key (agency manager)."""
    done = await workshops.erase_title(session_id, user=user, deps=deps, today=date.today())
    await Audit(deps.audit, user).erase("workshop_session", resource_id=session_id, agency_id=user.agency_id)
    return ErasureDone(erased=True, already_erased=not done)
