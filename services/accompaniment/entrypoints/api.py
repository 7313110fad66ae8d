"""Accompaniment's HTTP routes."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from services.accompaniment.adapters.repository import AccompanimentRepository
from services.accompaniment.domain.errors import AccompanimentNotFound
from services.accompaniment.service_layer import handlers
from shared.contracts.exits import ExitCategory, ExitGroup
from shared.service import ServiceRuntime

router = APIRouter(tags=["accompaniments"])


def _runtime(request: Request) -> ServiceRuntime:
    return request.app.state.runtime


def _repo(request: Request) -> AccompanimentRepository:
    return AccompanimentRepository(request.app.state.runtime.store, request.app.state.schema)


RuntimeDep = Annotated[ServiceRuntime, Depends(_runtime)]
RepoDep = Annotated[AccompanimentRepository, Depends(_repo)]


class AccompanimentOut(BaseModel):
    """An accompaniment as caseworkers see it."""

    accompaniment_id: UUID
    beneficiary_id: UUID
    agency_id: str
    start_date: date
    planned_end_date: date
    orientation_date: date
    status: str
    closed_on: date | None = None
    exit_category: ExitCategory | None = None
    exit_group: ExitGroup | None = None
    version: int


class CloseAccompaniment(BaseModel):
    """Close an accompaniment with an exit category (see the official exit groups)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"exit_category": "cdi", "closed_on": "2026-11-02"}]}
    )

    exit_category: ExitCategory
    closed_on: date = Field(default_factory=date.today)


@router.get("/accompaniments", response_model=list[AccompanimentOut])
async def list_accompaniments(
    runtime: RuntimeDep,
    repo: RepoDep,
    beneficiary_id: UUID | None = None,
    agency_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict]:
    """Accompaniments, filtered by beneficiary or agency."""
    return await repo.list(runtime.pool, beneficiary_id=beneficiary_id, agency_id=agency_id, limit=limit)


@router.get("/accompaniments/{accompaniment_id}", response_model=AccompanimentOut)
async def get_accompaniment(accompaniment_id: UUID, runtime: RuntimeDep, repo: RepoDep) -> dict:
    """One accompaniment."""
    rows = await runtime.pool.fetch(
        f"SELECT * FROM {repo.schema}.accompaniments WHERE accompaniment_id = $1", accompaniment_id
    )
    if not rows:
        raise AccompanimentNotFound(f"no accompaniment {accompaniment_id}")
    return dict(rows[0])


@router.post("/accompaniments/{accompaniment_id}/closure", response_model=AccompanimentOut)
async def close(accompaniment_id: UUID, body: CloseAccompaniment, runtime: RuntimeDep, repo: RepoDep) -> dict:
    """Close the accompaniment with an exit; a closed accompaniment cannot be closed again (409)."""
    await handlers.close_accompaniment(
        accompaniment_id,
        body.exit_category,
        body.closed_on,
        pool=runtime.pool,
        store=runtime.store,
        repo=repo,
        today=date.today(),
    )
    return await get_accompaniment(accompaniment_id, runtime, repo)
