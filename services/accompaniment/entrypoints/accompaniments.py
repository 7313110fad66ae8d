"""Reading accompaniments: lists, the whole follow-up of one person, and its history of events."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter

from services.accompaniment.domain.decisions.guards import existing
from services.accompaniment.domain.evolution import ACCOMPANIMENT
from services.accompaniment.entrypoints.dependencies import DependenciesDep
from services.accompaniment.entrypoints.responses import AccompanimentDetail, AccompanimentSummary, HistoryEntry, detail
from services.accompaniment.service_layer import handlers
from shared.audit import Audit
from shared.auth import CurrentUser
from shared.eventstore import Tracing
from shared.http.params import AgencyId, Limit, Offset, StaffId

router = APIRouter(tags=["accompaniments"])


@router.get("/accompaniments", response_model=list[AccompanimentSummary])
async def list_accompaniments(
    user: CurrentUser,
    deps: DependenciesDep,
    beneficiary_id: UUID | None = None,
    agency_id: AgencyId = None,
    status: Literal["open", "suspended", "closed"] | None = None,
    referent_id: StaffId = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict]:
    """Accompaniments by person, agency, status or referent; caseworkers and managers see their agency's."""
    async with deps.store.connection() as conn:
        return await deps.accompaniments.list(
            conn,
            beneficiary_id=beneficiary_id,
            agency_id=user.scope(agency_id),
            status=status,
            referent_id=referent_id,
            limit=limit,
            offset=offset,
        )


@router.get("/accompaniments/{accompaniment_id}", response_model=AccompanimentDetail)
async def get_accompaniment(accompaniment_id: UUID, user: CurrentUser, deps: DependenciesDep) -> AccompanimentDetail:
    """The whole follow-up: contract, appointments, diagnosis, plan, workshops, suspensions, renewals, exit."""
    # A read: the stream is one SELECT (a consistent snapshot by itself), no transaction around it; the person's
    # texts are read on the same connection.
    async with deps.store.connection() as conn:
        state, _, view = await handlers.load_shown(conn, deps, accompaniment_id, user)
    await Audit(deps.audit, user).read(
        "accompaniment", agency_id=state.agency_id, resource_id=state.id, beneficiary_id=state.beneficiary_id
    )
    return detail(state, deps.rules, view)


@router.get("/accompaniments/{accompaniment_id}/history", response_model=list[HistoryEntry])
async def get_history(accompaniment_id: UUID, user: CurrentUser, deps: DependenciesDep) -> list[HistoryEntry]:
    """Every event recorded on the accompaniment, oldest first, as its current version reads (no free text)."""
    state = existing(await deps.store.load(ACCOMPANIMENT, accompaniment_id))
    user.scope(state.agency_id)
    await Audit(deps.audit, user).read(
        "accompaniment_history", agency_id=state.agency_id, resource_id=state.id, beneficiary_id=state.beneficiary_id
    )
    uow = deps.store.join(None, Tracing.new())
    return [
        HistoryEntry(
            version=e.stream_version,
            type=e.type.rsplit(".", 1)[-1],
            recorded_at=e.time,
            data=uow.decode(e).model_dump(mode="json"),
        )
        for e in await deps.store.history(ACCOMPANIMENT, accompaniment_id)
    ]
