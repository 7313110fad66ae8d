"""Candidates placement knows from accompaniment's profiles (pseudonymous ids, aptitudes and constraints)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.placement.domain.errors import CandidateNotFound
from services.placement.entrypoints.dependencies import DependenciesDep
from services.placement.entrypoints.responses import CandidateOut, candidate_out
from shared.audit import Audit
from shared.auth import CurrentUser
from shared.http.params import AgencyId, Limit, Offset

router = APIRouter(tags=["candidates"])


@router.get("/candidates", response_model=list[CandidateOut])
async def list_candidates(
    user: CurrentUser,
    deps: DependenciesDep,
    agency_id: AgencyId = None,
    active: bool | None = True,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict]:
    """Candidates of the caller's agency (active ones by default)."""
    async with deps.store.connection() as conn:
        found = await deps.candidates.list(
            conn, agency_id=user.scope(agency_id), active=active, limit=limit, offset=offset
        )
    await Audit(deps.audit, user).read_people("candidate", [(c.beneficiary_id, c.agency_id) for c in found])
    return [candidate_out(c) for c in found]


@router.get("/candidates/{beneficiary_id}", response_model=CandidateOut)
async def get_candidate(beneficiary_id: UUID, user: CurrentUser, deps: DependenciesDep) -> dict:
    """One candidate."""
    async with deps.store.connection() as conn:
        candidate = await deps.candidates.get(conn, beneficiary_id)
    if candidate is None:
        raise CandidateNotFound(f"aucun profil de candidat pour {beneficiary_id}")
    user.scope(candidate.agency_id)
    await Audit(deps.audit, user).read(
        "candidate", agency_id=candidate.agency_id, resource_id=beneficiary_id, beneficiary_id=beneficiary_id
    )
    return candidate_out(candidate)
