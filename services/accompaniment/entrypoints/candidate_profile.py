"""The candidate profile placement matches on."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.accompaniment.domain.commands import UpdateCandidateProfile
from services.accompaniment.entrypoints.dependencies import DependenciesDep, execute
from services.accompaniment.entrypoints.responses import AccompanimentDetail
from shared.auth import CurrentUser

router = APIRouter(tags=["candidate profile"])


@router.put("/accompaniments/{accompaniment_id}/candidate-profile", response_model=AccompanimentDetail)
async def update_candidate_profile(
    accompaniment_id: UUID, body: UpdateCandidateProfile, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Publish the person's aptitudes and constraints for matching (no CV, no diploma)."""
    return await execute(accompaniment_id, body, user, deps)
