"""Immersions (PMSMP): at most 30 days of presence, renewable once, then an outcome."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, status

from services.placement.domain.commands import AgreeImmersion, CompleteImmersion, RenewImmersion
from services.placement.domain.errors import ImmersionNotFound
from services.placement.entrypoints import shown
from services.placement.entrypoints.dependencies import DependenciesDep
from services.placement.entrypoints.responses import ImmersionOut
from services.placement.service_layer import immersions as handlers
from shared.auth import CurrentUser
from shared.http.params import AgencyId, Limit, Offset

router = APIRouter(tags=["immersions"])


async def _read(immersion_id: UUID, user: CurrentUser, deps: DependenciesDep) -> dict:
    missing = ImmersionNotFound(f"aucune immersion {immersion_id}")
    return await shown.one_about_a_person(
        "immersion", immersion_id, deps.immersions.get, shown.immersions, missing, user, deps
    )


@router.post("/immersions", response_model=ImmersionOut, status_code=status.HTTP_201_CREATED)
async def agree(body: AgreeImmersion, user: CurrentUser, deps: DependenciesDep) -> dict:
    """Agree an immersion: presence dates, or start and end (with the number of days); at most 30 days (422)."""
    state = await handlers.agree_immersion(body, user=user, deps=deps, today=date.today())
    return await _read(state.id, user, deps)


@router.get("/immersions", response_model=list[ImmersionOut])
async def list_immersions(
    user: CurrentUser,
    deps: DependenciesDep,
    agency_id: AgencyId = None,
    beneficiary_id: UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict]:
    """Immersions of the caller's agency."""

    async def fetch(conn) -> list[dict]:
        return await deps.immersions.list(
            conn, agency_id=user.scope(agency_id), beneficiary_id=beneficiary_id, limit=limit, offset=offset
        )

    return await shown.many_about_people("immersion", fetch, shown.immersions, user, deps)


@router.get("/immersions/{immersion_id}", response_model=ImmersionOut)
async def get_immersion(immersion_id: UUID, user: CurrentUser, deps: DependenciesDep) -> dict:
    """One immersion."""
    return await _read(immersion_id, user, deps)


@router.post("/immersions/{immersion_id}/renewal", response_model=ImmersionOut)
async def renew(immersion_id: UUID, body: RenewImmersion, user: CurrentUser, deps: DependenciesDep) -> dict:
    """Renew once for at most 30 more days of presence; a second renewal is refused (409)."""
    await handlers.renew_immersion(immersion_id, body, user=user, deps=deps, today=date.today())
    return await _read(immersion_id, user, deps)


@router.post("/immersions/{immersion_id}/outcome", response_model=ImmersionOut)
async def complete(immersion_id: UUID, body: CompleteImmersion, user: CurrentUser, deps: DependenciesDep) -> dict:
    """Record what followed the immersion (hired, training...), once."""
    await handlers.complete_immersion(immersion_id, body, user=user, deps=deps, today=date.today())
    return await _read(immersion_id, user, deps)
