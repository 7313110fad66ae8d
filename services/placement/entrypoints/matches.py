"""Candidates ranked for a need, without CV, with the explanation of each score."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.placement.domain import matching
from services.placement.entrypoints.dependencies import DependenciesDep
from services.placement.entrypoints.needs import load_need
from services.placement.entrypoints.responses import MatchesOut, match_out
from shared.auth import CurrentUser
from shared.http.params import Limit

router = APIRouter(tags=["needs"])


@router.get("/needs/{need_id}/matches", response_model=MatchesOut)
async def matches(
    need_id: UUID,
    user: CurrentUser,
    deps: DependenciesDep,
    limit: Limit = 50,
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
