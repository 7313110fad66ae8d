"""Introductions at the workstation and their outcome."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter, status

from services.placement.domain.commands import MakeIntroduction, RecordOutcome
from services.placement.domain.errors import IntroductionNotFound
from services.placement.entrypoints.dependencies import DependenciesDep
from services.placement.entrypoints.responses import IntroductionOut
from services.placement.service_layer import introductions as handlers
from shared.auth import CurrentUser
from shared.http.params import AgencyId, Limit, Offset

router = APIRouter(tags=["introductions"])


async def _read(introduction_id: UUID, user: CurrentUser, deps: DependenciesDep) -> dict:
    async with deps.store.connection() as conn:
        row = await deps.introductions.get(conn, introduction_id)
    if row is None:
        raise IntroductionNotFound(f"aucune mise en relation {introduction_id}")
    user.scope(row["agency_id"])
    return row


@router.post("/introductions", response_model=IntroductionOut, status_code=status.HTTP_201_CREATED)
async def introduce(body: MakeIntroduction, user: CurrentUser, deps: DependenciesDep) -> dict:
    """Introduce one of the agency's candidates to an employer for an open need."""
    state = await handlers.make_introduction(body, user=user, deps=deps)
    return await _read(state.id, user, deps)


@router.get("/introductions", response_model=list[IntroductionOut])
async def list_introductions(
    user: CurrentUser,
    deps: DependenciesDep,
    agency_id: AgencyId = None,
    need_id: UUID | None = None,
    beneficiary_id: UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict]:
    """Introductions of the caller's agency, latest first."""
    async with deps.store.connection() as conn:
        return await deps.introductions.list(
            conn,
            agency_id=user.scope(agency_id),
            need_id=need_id,
            beneficiary_id=beneficiary_id,
            limit=limit,
            offset=offset,
        )


@router.get("/introductions/{introduction_id}", response_model=IntroductionOut)
async def get_introduction(introduction_id: UUID, user: CurrentUser, deps: DependenciesDep) -> dict:
    """One introduction."""
    return await _read(introduction_id, user, deps)


@router.post("/introductions/{introduction_id}/outcome", response_model=IntroductionOut)
async def outcome(introduction_id: UUID, body: RecordOutcome, user: CurrentUser, deps: DependenciesDep) -> dict:
    """Record the outcome once (409 after): a hire (publishes HireRecorded) or the reason there was none."""
    await handlers.record_outcome(introduction_id, body, user=user, deps=deps, today=date.today())
    return await _read(introduction_id, user, deps)
