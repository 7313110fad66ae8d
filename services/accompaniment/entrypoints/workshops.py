"""Collective workshop sessions of the agencies: planning, registrations, attendance."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from services.accompaniment.domain.commands import RecordAttendance, RegisterParticipant, ScheduleWorkshopSession
from services.accompaniment.domain.errors import WorkshopNotFound
from services.accompaniment.domain.evolution import WORKSHOP_SESSION
from services.accompaniment.entrypoints.dependencies import DependenciesDep
from services.accompaniment.entrypoints.responses import WorkshopSessionDetail, WorkshopSessionOut, session_detail
from services.accompaniment.service_layer import workshops
from shared.auth import CurrentUser
from shared.http.params import AgencyId, AsOf, Limit

router = APIRouter(prefix="/workshops", tags=["workshops"])


@router.post("", response_model=WorkshopSessionDetail, status_code=status.HTTP_201_CREATED)
async def schedule_session(
    body: ScheduleWorkshopSession, user: CurrentUser, deps: DependenciesDep
) -> WorkshopSessionDetail:
    """Plan a workshop session of the caller's agency."""
    session = await workshops.schedule_session(body, user=user, deps=deps, ctx=deps.context())
    return session_detail(session)


@router.get("", response_model=list[WorkshopSessionOut])
async def list_sessions(
    user: CurrentUser,
    deps: DependenciesDep,
    agency_id: AgencyId = None,
    date_from: AsOf = None,
    date_to: AsOf = None,
    limit: Limit = 100,
) -> list[dict]:
    """Sessions with their seats taken and attendance; caseworkers and managers see their agency's."""
    agency_id = user.scope(agency_id, personal=False)
    async with deps.store.connection() as conn:
        return await deps.sessions.list(conn, agency_id=agency_id, date_from=date_from, date_to=date_to, limit=limit)


@router.get("/{session_id}", response_model=WorkshopSessionDetail)
async def get_session(session_id: UUID, user: CurrentUser, deps: DependenciesDep) -> WorkshopSessionDetail:
    """A session with its participants."""
    session = await deps.store.load(WORKSHOP_SESSION, session_id)
    if session is None:
        raise WorkshopNotFound(f"aucune séance d'atelier {session_id}")
    user.scope(session.agency_id)
    return session_detail(session)


@router.post("/{session_id}/registrations", response_model=WorkshopSessionDetail, status_code=status.HTTP_201_CREATED)
async def register(
    session_id: UUID, body: RegisterParticipant, user: CurrentUser, deps: DependenciesDep
) -> WorkshopSessionDetail:
    """Give a seat to a person followed by the agency; a full session refuses (409)."""
    session = await workshops.register_participant(
        session_id,
        body,
        user=user,
        deps=deps,
        ctx=deps.context(),
    )
    return session_detail(session)


@router.post("/{session_id}/attendance", response_model=WorkshopSessionDetail)
async def record_attendance(
    session_id: UUID, body: RecordAttendance, user: CurrentUser, deps: DependenciesDep
) -> WorkshopSessionDetail:
    """Record who attended, from the day of the session; every line or none."""
    session = await workshops.record_attendance(
        session_id,
        body,
        user=user,
        deps=deps,
        ctx=deps.context(),
    )
    return session_detail(session)
