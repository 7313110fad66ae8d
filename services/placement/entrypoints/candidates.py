"""Candidates placement knows from accompaniment's profiles (pseudonymous ids, aptitudes and constraints)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from services.placement.domain.candidate import Candidate
from services.placement.domain.errors import CandidateNotFound
from services.placement.entrypoints.dependencies import DependenciesDep, Limit, Offset
from shared.auth import CurrentUser
from shared.contracts.accompaniment import TimeSlot

router = APIRouter(tags=["candidates"])


class CandidateOut(BaseModel):
    """A candidate: aptitudes and constraints, never a diploma or a CV."""

    beneficiary_id: UUID
    agency_id: str
    commune_code: str
    aptitudes: list[str]
    available_slots: list[TimeSlot]
    max_weekly_hours: int
    max_commute_km: float
    driving_licence: bool
    health_restrictions: list[str]
    wished_sectors: list[str]
    active: bool


def candidate_out(candidate: Candidate) -> dict:
    """The representation of a candidate."""
    return {
        "beneficiary_id": candidate.beneficiary_id,
        "agency_id": candidate.agency_id,
        "commune_code": candidate.commune_code,
        "aptitudes": sorted(candidate.aptitudes),
        "available_slots": sorted(candidate.available_slots),
        "max_weekly_hours": candidate.max_weekly_hours,
        "max_commute_km": candidate.max_commute_km,
        "driving_licence": candidate.driving_licence,
        "health_restrictions": sorted(candidate.health_restrictions),
        "wished_sectors": sorted(candidate.wished_sectors),
        "active": candidate.active,
    }


@router.get("/candidates", response_model=list[CandidateOut])
async def list_candidates(
    user: CurrentUser,
    deps: DependenciesDep,
    agency_id: str | None = None,
    active: bool | None = True,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict]:
    """Candidates of the caller's agency (active ones by default)."""
    async with deps.store.connection() as conn:
        found = await deps.candidates.list(
            conn, agency_id=user.scope(agency_id), active=active, limit=limit, offset=offset
        )
    return [candidate_out(c) for c in found]


@router.get("/candidates/{beneficiary_id}", response_model=CandidateOut)
async def get_candidate(beneficiary_id: UUID, user: CurrentUser, deps: DependenciesDep) -> dict:
    """One candidate."""
    async with deps.store.connection() as conn:
        candidate = await deps.candidates.get(conn, beneficiary_id)
    if candidate is None:
        raise CandidateNotFound(f"no candidate profile for {beneficiary_id}")
    user.scope(candidate.agency_id)
    return candidate_out(candidate)
