"""Reading accompaniments: lists, the whole follow-up of one person, and its history of events."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from services.accompaniment.domain.guards import existing
from services.accompaniment.entrypoints.dependencies import DepsDep, personal_scope
from services.accompaniment.entrypoints.views import AccompanimentDetail, AccompanimentSummary, HistoryEntry
from shared.auth import CurrentUser

router = APIRouter(tags=["accompaniments"])


@router.get("/accompaniments", response_model=list[AccompanimentSummary])
async def list_accompaniments(
    user: CurrentUser,
    deps: DepsDep,
    beneficiary_id: UUID | None = None,
    agency_id: str | None = None,
    status: Literal["open", "suspended", "closed"] | None = None,
    referent_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict]:
    """Accompaniments by person, agency, status or referent; caseworkers and managers see their agency's."""
    return await deps.views.list(
        deps.pool,
        beneficiary_id=beneficiary_id,
        agency_id=personal_scope(user, agency_id),
        status=status,
        referent_id=referent_id,
        limit=limit,
        offset=offset,
    )


@router.get("/accompaniments/{accompaniment_id}", response_model=AccompanimentDetail)
async def get_accompaniment(accompaniment_id: UUID, user: CurrentUser, deps: DepsDep) -> AccompanimentDetail:
    """The whole follow-up: contract, appointments, diagnosis, plan, workshops, suspensions, renewals, exit."""
    state = existing(await deps.repo.get(accompaniment_id))
    user.require_personal_data(state.agency_id)
    return await deps.show(state)


@router.get("/accompaniments/{accompaniment_id}/history", response_model=list[HistoryEntry])
async def get_history(accompaniment_id: UUID, user: CurrentUser, deps: DepsDep) -> list[HistoryEntry]:
    """Every event recorded on the accompaniment, oldest first."""
    state = existing(await deps.repo.get(accompaniment_id))
    user.require_personal_data(state.agency_id)
    return [
        HistoryEntry(version=e.stream_version, type=e.type.rsplit(".", 1)[-1], recorded_at=e.time, data=e.data)
        for e in await deps.repo.history(accompaniment_id)
    ]
