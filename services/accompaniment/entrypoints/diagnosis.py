"""The diagnosis of an accompaniment: barriers and training needs."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status
from pydantic import ConfigDict, Field

from services.accompaniment.domain.commands import BarrierProgress, IdentifyBarrier, ProgressBarrier, RecordTrainingNeed
from services.accompaniment.entrypoints.dependencies import DependenciesDep, execute
from services.accompaniment.entrypoints.responses import AccompanimentDetail
from shared.auth import CurrentUser
from shared.contracts.accompaniment import BarrierCategory
from shared.inputs import FactDate, Input

router = APIRouter(prefix="/accompaniments/{accompaniment_id}", tags=["diagnosis"])


class BarrierStatusIn(Input):
    """Where a followed barrier moves to."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "lifted"}]})

    status: BarrierProgress
    on: FactDate | None = Field(None, description="Default: today.")


@router.post("/barriers", response_model=AccompanimentDetail, status_code=status.HTTP_201_CREATED)
async def identify_barrier(
    accompaniment_id: UUID, body: IdentifyBarrier, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Record a new barrier found by the diagnosis (one followed barrier per category); its id is in `barriers`."""
    return await execute(accompaniment_id, body, user, deps)


# Declared before the category route: a path segment that is a UUID names a barrier.
@router.post("/barriers/{barrier_id:uuid}/status", response_model=AccompanimentDetail)
async def progress_barrier(
    accompaniment_id: UUID, barrier_id: UUID, body: BarrierStatusIn, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Move a barrier on, named by its id: worked on, lifted, or not lifted."""
    cmd = ProgressBarrier(barrier_id=barrier_id, status=body.status, on=body.on)
    return await execute(accompaniment_id, cmd, user, deps)


@router.post("/barriers/{category}/status", response_model=AccompanimentDetail, deprecated=True)
async def progress_barrier_of_category(
    accompaniment_id: UUID, category: BarrierCategory, body: BarrierStatusIn, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Deprecated: name the barrier by its id. Moves on the barrier of this category being followed."""
    cmd = ProgressBarrier(category=category, status=body.status, on=body.on)
    return await execute(accompaniment_id, cmd, user, deps)


@router.post("/training-needs", response_model=AccompanimentDetail, status_code=status.HTTP_201_CREATED)
async def record_training_need(
    accompaniment_id: UUID, body: RecordTrainingNeed, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Note a training need."""
    return await execute(accompaniment_id, body, user, deps)
