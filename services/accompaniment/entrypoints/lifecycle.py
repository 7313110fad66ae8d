"""The life of an accompaniment: referent, engagement contract, suspension, resumption, renewal, closure."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.accompaniment.domain.commands import (
    AssignReferent,
    CloseAccompaniment,
    RenewAccompaniment,
    ResumeAccompaniment,
    SignEngagementContract,
    SuspendAccompaniment,
)
from services.accompaniment.entrypoints.dependencies import DependenciesDep, execute
from services.accompaniment.entrypoints.responses import AccompanimentDetail
from shared.auth import CurrentUser

router = APIRouter(prefix="/accompaniments/{accompaniment_id}", tags=["accompaniment lifecycle"])


@router.post("/referent", response_model=AccompanimentDetail)
async def assign_referent(
    accompaniment_id: UUID, body: AssignReferent, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Make a caseworker the person's referent."""
    return await execute(accompaniment_id, body, user, deps)


@router.post("/engagement-contract", response_model=AccompanimentDetail)
async def sign_engagement_contract(
    accompaniment_id: UUID, body: SignEngagementContract, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Record the signature of the engagement contract; flagged late after the deadline."""
    return await execute(accompaniment_id, body, user, deps)


@router.post("/suspension", response_model=AccompanimentDetail)
async def suspend(
    accompaniment_id: UUID, body: SuspendAccompaniment, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Put the accompaniment on hold (sick leave...); suspending twice is refused (409)."""
    return await execute(accompaniment_id, body, user, deps)


@router.post("/resumption", response_model=AccompanimentDetail)
async def resume(
    accompaniment_id: UUID, body: ResumeAccompaniment, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Take up a suspended accompaniment again."""
    return await execute(accompaniment_id, body, user, deps)


@router.post("/renewal", response_model=AccompanimentDetail)
async def renew(
    accompaniment_id: UUID, body: RenewAccompaniment, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Renew for another period, near or after the planned end and with a reason."""
    return await execute(accompaniment_id, body, user, deps)


@router.post("/closure", response_model=AccompanimentDetail)
async def close(
    accompaniment_id: UUID, body: CloseAccompaniment, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Close with an exit (by default the one a recorded hire proposed); closing twice is refused (409)."""
    return await execute(accompaniment_id, body, user, deps)
