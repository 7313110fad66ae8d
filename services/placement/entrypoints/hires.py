"""Hires and their follow-up in work: check-ins at 1, 3 and 6 months, early end."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, status

from services.placement.domain.commands import EndHireEarly, RecordCheckIn
from services.placement.domain.errors import HireNotFound
from services.placement.entrypoints import shown
from services.placement.entrypoints.dependencies import DependenciesDep
from services.placement.entrypoints.responses import HireOut
from services.placement.service_layer import hires as handlers
from shared.auth import CurrentUser
from shared.http.params import AgencyId, Limit, Offset

router = APIRouter(tags=["hires"])


async def _read(hire_id: UUID, user: CurrentUser, deps: DependenciesDep) -> dict:
    missing = HireNotFound(f"aucune embauche {hire_id}")
    return await shown.one_about_a_person(
        "hire", hire_id, deps.introductions.get_hire, shown.hires, missing, user, deps
    )


@router.get("/hires", response_model=list[HireOut])
async def list_hires(
    user: CurrentUser,
    deps: DependenciesDep,
    agency_id: AgencyId = None,
    beneficiary_id: UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict]:
    """Hires of the caller's agency, latest start first."""

    async def fetch(conn) -> list[dict]:
        return await deps.introductions.list_hires(
            conn, agency_id=user.scope(agency_id), beneficiary_id=beneficiary_id, limit=limit, offset=offset
        )

    return await shown.many_about_people("hire", fetch, shown.hires, user, deps)


@router.get("/hires/{hire_id}", response_model=HireOut)
async def get_hire(hire_id: UUID, user: CurrentUser, deps: DependenciesDep) -> dict:
    """One hire with its check-ins."""
    return await _read(hire_id, user, deps)


@router.post("/hires/{hire_id}/check-ins", response_model=HireOut, status_code=status.HTTP_201_CREATED)
async def check_in(hire_id: UUID, body: RecordCheckIn, user: CurrentUser, deps: DependenciesDep) -> dict:
    """Record the 1, 3 or 6-month check-in (each once: 409 after) and the barriers worked on while in work."""
    await handlers.record_check_in(hire_id, body, user=user, deps=deps, today=date.today())
    return await _read(hire_id, user, deps)


@router.post("/hires/{hire_id}/early-end", response_model=HireOut)
async def early_end(hire_id: UUID, body: EndHireEarly, user: CurrentUser, deps: DependenciesDep) -> dict:
    """Record that the contract ended before its term (not before its start)."""
    await handlers.end_hire_early(hire_id, body, user=user, deps=deps, today=date.today())
    return await _read(hire_id, user, deps)
