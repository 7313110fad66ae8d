"""Employers of the network and prospecting contacts."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, status

from services.placement.domain.commands import RecordEmployerContact, RegisterEmployer
from services.placement.domain.errors import EmployerNotFound
from services.placement.entrypoints.dependencies import DependenciesDep
from services.placement.entrypoints.responses import ContactRecorded, EmployerDetail, EmployerOut
from services.placement.service_layer import employers as handlers
from shared.auth import CurrentUser
from shared.http.params import AgencyId, CodeQuery, CommuneQuery, Limit, Offset

router = APIRouter(tags=["employers"])


@router.post("/employers", response_model=EmployerOut, status_code=status.HTTP_201_CREATED)
async def register(body: RegisterEmployer, user: CurrentUser, deps: DependenciesDep) -> dict:
    """Register an employer followed by an agency; the SIRET's check key is verified and must be new (409)."""
    employer = await handlers.register_employer(body, user=user, deps=deps, today=date.today())
    async with deps.store.connection() as conn:
        return await deps.employers.get(conn, employer.id)


@router.get("/employers", response_model=list[EmployerOut])
async def list_employers(
    user: CurrentUser,
    deps: DependenciesDep,
    agency_id: AgencyId = None,
    sector: CodeQuery = None,
    commune_code: CommuneQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict]:
    """Employers of the department's network (every agency sees all of them), by name."""
    async with deps.store.connection() as conn:
        return await deps.employers.list(
            conn, agency_id=agency_id, sector=sector, commune_code=commune_code, limit=limit, offset=offset
        )


@router.get("/employers/{employer_id}", response_model=EmployerDetail)
async def get_employer(employer_id: UUID, user: CurrentUser, deps: DependenciesDep) -> dict:
    """One employer with its contact history."""
    async with deps.store.connection() as conn:
        employer = await deps.employers.get(conn, employer_id)
    if employer is None:
        raise EmployerNotFound(f"aucun employeur {employer_id}")
    return employer


@router.post("/employers/{employer_id}/contacts", response_model=ContactRecorded, status_code=status.HTTP_201_CREATED)
async def record_contact(
    employer_id: UUID, body: RecordEmployerContact, user: CurrentUser, deps: DependenciesDep
) -> dict:
    """Record a visit, call or event with an employer, for the caller's agency; notes hold no personal data."""
    contact_id = await handlers.record_contact(employer_id, body, user=user, deps=deps, today=date.today())
    return {"contact_id": contact_id, "employer_id": employer_id}
