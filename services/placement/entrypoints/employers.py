"""Employers of the network and prospecting contacts."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, status

from services.placement.domain.commands import RecordEmployerContact, RegisterEmployer
from services.placement.domain.errors import EmployerNotFound
from services.placement.entrypoints import shown
from services.placement.entrypoints.dependencies import DependenciesDep
from services.placement.entrypoints.responses import ContactRecorded, EmployerDetail, EmployerOut, ErasureDone
from services.placement.service_layer import employers as handlers
from shared.audit import Audit
from shared.auth import CurrentUser
from shared.contracts.referentials import Sector
from shared.http.params import AgencyId, CommuneQuery, Limit, Offset
from shared.problems import errors

router = APIRouter(tags=["employers"])


@router.post("/employers", response_model=EmployerOut, status_code=status.HTTP_201_CREATED)
async def register(body: RegisterEmployer, user: CurrentUser, deps: DependenciesDep) -> dict:
    """Register an employer followed by an agency; the SIRET's check key is verified and must be new (409)."""
    employer = await handlers.register_employer(body, user=user, deps=deps, today=date.today())
    async with deps.store.connection() as conn:
        return (await shown.employers(deps, conn, [await deps.employers.get(conn, employer.id)]))[0]


@router.get("/employers", response_model=list[EmployerOut])
async def list_employers(
    user: CurrentUser,
    deps: DependenciesDep,
    agency_id: AgencyId = None,
    sector: Sector | None = None,
    commune_code: CommuneQuery = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict]:
    """Employers of the department's network (every agency sees all of them), by SIRET."""
    async with deps.store.connection() as conn:
        rows = await deps.employers.list(
            conn, agency_id=agency_id, sector=sector, commune_code=commune_code, limit=limit, offset=offset
        )
        return await shown.employers(deps, conn, rows)


@router.get("/employers/{employer_id}", response_model=EmployerDetail)
async def get_employer(employer_id: UUID, user: CurrentUser, deps: DependenciesDep) -> dict:
    """One employer with its contact history (the people met and the notes: a read of personal data, audited)."""
    async with deps.store.connection() as conn:
        employer = await deps.employers.get(conn, employer_id)
        if employer is None:
            raise EmployerNotFound(f"aucun employeur {employer_id}")
        employer = await shown.employer_detail(deps, conn, employer)
    if any(c["contact_name"] or c["notes"] for c in employer["contact_history"]):
        await Audit(deps.audit, user).read(
            "employer_contacts", agency_id=employer["agency_id"], resource_id=employer_id
        )
    return employer


@router.post("/employers/{employer_id}/contacts", response_model=ContactRecorded, status_code=status.HTTP_201_CREATED)
async def record_contact(
    employer_id: UUID, body: RecordEmployerContact, user: CurrentUser, deps: DependenciesDep
) -> dict:
    """Record a visit, call or event with an employer, for the caller's agency; notes hold no personal data."""
    contact_id = await handlers.record_contact(employer_id, body, user=user, deps=deps, today=date.today())
    return {"contact_id": contact_id, "employer_id": employer_id}


@router.delete(
    "/employers/{employer_id}/contacts/{contact_id}/personal-data",
    response_model=ErasureDone,
    responses=errors(401, 403, 404),
)
async def erase_contact(employer_id: UUID, contact_id: UUID, user: CurrentUser, deps: DependenciesDep) -> ErasureDone:
    """Erase what a contact recorded about the person met (name, notes) by destroying its key (agency manager)."""
    done = await handlers.erase_contact(employer_id, contact_id, user=user, deps=deps, today=date.today())
    await Audit(deps.audit, user).erase("employer_contact", resource_id=contact_id, agency_id=user.agency_id)
    return ErasureDone(erased=True, already_erased=not done)


@router.delete("/employers/{employer_id}/personal-data", response_model=ErasureDone, responses=errors(401, 403, 404))
async def erase_employer(employer_id: UUID, user: CurrentUser, deps: DependenciesDep) -> ErasureDone:
    """Erase an employer's name and its needs' titles and tasks (a sole trader's request) by destroying its key."""
    done = await handlers.erase_employer(employer_id, user=user, deps=deps, today=date.today())
    await Audit(deps.audit, user).erase("employer", resource_id=employer_id, agency_id=user.agency_id)
    return ErasureDone(erased=True, already_erased=not done)
