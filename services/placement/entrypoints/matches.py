"""Candidates ranked for a need, without CV, with the explanation of each score."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.placement.domain import matching
from services.placement.entrypoints.dependencies import DependenciesDep
from services.placement.entrypoints.needs import load_need
from shared.auth import CurrentUser

router = APIRouter(tags=["needs"])


class AptitudesOut(BaseModel):
    """Required aptitudes the person has, and those they lack."""

    met: list[str]
    missing: list[str]


class ConstraintOut(BaseModel):
    """One constraint, compatible or not, and why."""

    constraint: matching.Constraint
    compatible: bool
    detail: str


class MatchOut(BaseModel):
    """A candidate's score for the need (out of 100) and its explanation."""

    beneficiary_id: UUID
    score: float
    compatible: bool
    summary: str
    aptitudes: AptitudesOut
    constraints: list[ConstraintOut]
    sector_wished: bool
    distance_km: float | None


class MatchesOut(BaseModel):
    """The ranking of the agency's active candidates for one need."""

    need_id: UUID
    agency_id: str
    candidates_considered: int
    scoring: str
    matches: list[MatchOut]


def match_out(match: matching.Match) -> dict:
    """The representation of one match."""
    return {
        "beneficiary_id": match.beneficiary_id,
        "score": match.score,
        "compatible": match.compatible,
        "summary": match.summary,
        "aptitudes": {"met": list(match.aptitudes_met), "missing": list(match.aptitudes_missing)},
        "constraints": [
            {"constraint": c.constraint, "compatible": c.compatible, "detail": c.detail} for c in match.checks
        ],
        "sector_wished": match.sector_wished,
        "distance_km": match.distance_km,
    }


@router.get("/needs/{need_id}/matches", response_model=MatchesOut)
async def matches(
    need_id: UUID,
    user: CurrentUser,
    deps: DependenciesDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    compatible_only: bool = False,
) -> dict:
    """The agency's active candidates ranked for the need: compatible first, then score, then id."""
    need = await load_need(need_id, user, deps)
    user.scope(need.agency_id)
    async with deps.store.connection() as conn:
        candidates = await deps.candidates.active_in_agency(conn, need.agency_id)
    ranked = matching.rank(need, candidates, limit=limit, compatible_only=compatible_only)
    return {
        "need_id": need.id,
        "agency_id": need.agency_id,
        "candidates_considered": len(candidates),
        "scoring": matching.SCORING,
        "matches": [match_out(m) for m in ranked],
    }
