"""Reporting's HTTP routes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from services.reporting.domain.projection import exit_rates
from shared.errors import NotFound

router = APIRouter(tags=["indicators"])


class RateOut(BaseModel):
    """Exits and positive-exit rate of one scope."""

    scope: str
    active: int
    exits: int
    exits_by_group: dict[str, int]
    positive_exits: int
    positive_exit_rate: float | None
    emploi_durable_rate: float | None


class PositiveExitRates(BaseModel):
    """The department's positive-exit rate and each agency's."""

    positive_groups: list[str]
    department: RateOut
    agencies: list[RateOut]


@router.get("/indicators/positive-exit-rate", response_model=PositiveExitRates)
async def positive_exit_rate(request: Request, agency_id: str | None = None) -> dict:
    """Exits by group and the headline positive-exit rate, for the department and each agency."""
    runtime = request.app.state.runtime
    groups = [str(g) for g in request.app.state.settings.positive_exit_groups]
    department, agencies = exit_rates(runtime.streams.rows(), groups)
    if agency_id is not None:
        if agency_id not in agencies:
            raise NotFound(f"no exit or accompaniment recorded for agency {agency_id!r}")
        agencies = {agency_id: agencies[agency_id]}
    return {
        "positive_groups": groups,
        "department": department.as_dict(),
        "agencies": [a.as_dict() for a in agencies.values()],
    }
