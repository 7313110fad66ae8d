"""Placement's HTTP routes."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field

from services.placement.service_layer import handlers
from shared.contracts.placement import EmployerSize

router = APIRouter(tags=["employers"])


class RegisterEmployer(BaseModel):
    """An employer joining the network (TPE-PME, social economy, SIAE)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    siret: str = Field(examples=["73282932000074"])
    name: str = Field(min_length=1, max_length=200, examples=["Boulangerie du Marché"])
    size: EmployerSize
    sector: str = Field(min_length=1, max_length=100, examples=["food retail"])
    social_economy: bool = False
    siae: bool = False
    commune_code: str = Field(pattern=r"^\d{5}$", examples=["93027"])


class EmployerOut(RegisterEmployer):
    """A registered employer."""

    employer_id: UUID


@router.post("/employers", response_model=EmployerOut, status_code=status.HTTP_201_CREATED)
async def register(body: RegisterEmployer, request: Request) -> dict:
    """Register an employer; the SIRET's check key is verified."""
    runtime = request.app.state.runtime
    employer_id = await handlers.register_employer(
        body.model_dump(), pool=runtime.pool, store=runtime.store, schema=runtime.schema
    )
    return {**body.model_dump(), "employer_id": employer_id}


@router.get("/employers", response_model=list[EmployerOut])
async def list_employers(request: Request) -> list[dict]:
    """Employers of the network."""
    runtime = request.app.state.runtime
    return [dict(r) for r in await runtime.pool.fetch(f"SELECT * FROM {runtime.schema}.employers ORDER BY name")]
