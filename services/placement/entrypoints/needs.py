"""Employers' field needs: publication, reading, filling and closure."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, status

from services.placement.domain.commands import CloseNeed, FillNeed, PublishNeed
from services.placement.domain.errors import NeedNotFound
from services.placement.domain.state import Need, NeedStatus
from services.placement.entrypoints import shown
from services.placement.entrypoints.dependencies import DependenciesDep
from services.placement.entrypoints.responses import NeedOut
from services.placement.service_layer import needs as handlers
from shared.auth import CurrentUser
from shared.http.params import AgencyId, Limit, Offset

router = APIRouter(tags=["needs"])


async def load_need(need_id: UUID, user: CurrentUser, deps: DependenciesDep) -> Need:
    """A need the caller's agency may see (404 unknown, 403 another agency's)."""
    async with deps.store.connection() as conn:
        need = await deps.needs.get(conn, need_id)
    if need is None:
        raise NeedNotFound(f"aucun besoin {need_id}")
    user.scope(need.agency_id, personal=False)
    return need


@router.post("/needs", response_model=NeedOut, status_code=status.HTTP_201_CREATED)
async def publish(body: PublishNeed, user: CurrentUser, deps: DependenciesDep) -> dict:
    """Publish an employer's need for the caller's agency; a diploma or CV field is refused (422)."""
    return await _shown(await handlers.publish_need(body, user=user, deps=deps, today=date.today()), deps)


async def _shown(need: Need, deps: DependenciesDep) -> dict:
    async with deps.store.connection() as conn:
        return (await shown.needs(deps, conn, [need]))[0]


@router.get("/needs", response_model=list[NeedOut])
async def list_needs(
    user: CurrentUser,
    deps: DependenciesDep,
    agency_id: AgencyId = None,
    status: NeedStatus | None = None,
    employer_id: UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict]:
    """Needs of the caller's agency (all agencies for department staff and admin), latest first."""
    async with deps.store.connection() as conn:
        needs = await deps.needs.list(
            conn,
            agency_id=user.scope(agency_id, personal=False),
            status=status,
            employer_id=employer_id,
            limit=limit,
            offset=offset,
        )
        return await shown.needs(deps, conn, needs)


@router.get("/needs/{need_id}", response_model=NeedOut)
async def get_need(need_id: UUID, user: CurrentUser, deps: DependenciesDep) -> dict:
    """One need."""
    return await _shown(await load_need(need_id, user, deps), deps)


@router.post("/needs/{need_id}/fill", response_model=NeedOut)
async def fill(need_id: UUID, body: FillNeed, user: CurrentUser, deps: DependenciesDep) -> dict:
    """Mark every position as taken; a filled or closed need cannot change again (409)."""
    return await _shown(await handlers.fill_need(need_id, body, user=user, deps=deps, today=date.today()), deps)


@router.post("/needs/{need_id}/closure", response_model=NeedOut)
async def close(need_id: UUID, body: CloseNeed, user: CurrentUser, deps: DependenciesDep) -> dict:
    """Withdraw the need with a reason; a filled or closed need cannot change again (409)."""
    return await _shown(await handlers.close_need(need_id, body, user=user, deps=deps, today=date.today()), deps)
