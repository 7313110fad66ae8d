"""Individual appointments of an accompaniment."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status
from pydantic import ConfigDict, Field

from services.accompaniment.domain.commands import (
    CancelAppointment,
    RecordAppointmentHeld,
    RecordAppointmentMissed,
    ScheduleAppointment,
)
from services.accompaniment.entrypoints.dependencies import DependenciesDep, execute
from services.accompaniment.entrypoints.responses import AccompanimentDetail
from shared.auth import CurrentUser
from shared.inputs import FactDate, Input

router = APIRouter(prefix="/accompaniments/{accompaniment_id}/appointments", tags=["appointments"])


class HeldIn(Input):
    """When the appointment took place (default: its scheduled date)."""

    model_config = ConfigDict(extra="forbid")

    held_on: FactDate | None = Field(None, examples=["2026-02-12"])


class CancellationIn(Input):
    """When the appointment was called off (default: today)."""

    model_config = ConfigDict(extra="forbid")

    cancelled_on: FactDate | None = Field(None, examples=["2026-02-10"])


@router.post("", response_model=AccompanimentDetail, status_code=status.HTTP_201_CREATED)
async def schedule(
    accompaniment_id: UUID, body: ScheduleAppointment, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Schedule an appointment (it may be in the future)."""
    return await execute(accompaniment_id, body, user, deps)


@router.post("/{appointment_id}/held", response_model=AccompanimentDetail)
async def held(
    accompaniment_id: UUID, appointment_id: UUID, user: CurrentUser, deps: DependenciesDep, body: HeldIn | None = None
) -> AccompanimentDetail:
    """Record that the appointment took place; the first one records the delay since orientation."""
    held_on = body.held_on if body else None
    cmd = RecordAppointmentHeld(appointment_id=appointment_id, held_on=held_on)
    return await execute(accompaniment_id, cmd, user, deps)


@router.post("/{appointment_id}/missed", response_model=AccompanimentDetail)
async def missed(
    accompaniment_id: UUID, appointment_id: UUID, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Record that the person did not come (no-show)."""
    return await execute(accompaniment_id, RecordAppointmentMissed(appointment_id=appointment_id), user, deps)


@router.post("/{appointment_id}/cancellation", response_model=AccompanimentDetail)
async def cancel(
    accompaniment_id: UUID,
    appointment_id: UUID,
    user: CurrentUser,
    deps: DependenciesDep,
    body: CancellationIn | None = None,
) -> AccompanimentDetail:
    """Call off an appointment that has not taken place."""
    cmd = CancelAppointment(appointment_id=appointment_id, cancelled_on=body.cancelled_on if body else None)
    return await execute(accompaniment_id, cmd, user, deps)
