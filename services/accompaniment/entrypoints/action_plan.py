"""The action plan of an accompaniment: objectives, actions and referrals to schemes."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status
from pydantic import ConfigDict, Field

from services.accompaniment.domain.commands import ChangeActionStatus, PlanAction, ReferToScheme, SetObjective
from services.accompaniment.entrypoints.dependencies import DependenciesDep, execute
from services.accompaniment.entrypoints.responses import AccompanimentDetail
from shared.auth import CurrentUser
from shared.contracts.accompaniment import ActionStatus
from shared.inputs import FactDate, Input

router = APIRouter(prefix="/accompaniments/{accompaniment_id}", tags=["action plan"])


class ActionStatusIn(Input):
    """The new status of an action."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "in_progress"}]})

    status: ActionStatus
    changed_on: FactDate | None = Field(None, description="Default: today.")


@router.post("/objectives", response_model=AccompanimentDetail, status_code=status.HTTP_201_CREATED)
async def set_objective(
    accompaniment_id: UUID, body: SetObjective, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Add an objective to the action plan."""
    return await execute(accompaniment_id, body, user, deps)


@router.post("/actions", response_model=AccompanimentDetail, status_code=status.HTTP_201_CREATED)
async def plan_action(
    accompaniment_id: UUID, body: PlanAction, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Plan an action towards an objective."""
    return await execute(accompaniment_id, body, user, deps)


@router.post("/actions/{action_id}/status", response_model=AccompanimentDetail)
async def change_action_status(
    accompaniment_id: UUID, action_id: UUID, body: ActionStatusIn, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Start, complete or abandon an action."""
    cmd = ChangeActionStatus(action_id=action_id, status=body.status, changed_on=body.changed_on)
    return await execute(accompaniment_id, cmd, user, deps)


@router.post("/scheme-referrals", response_model=AccompanimentDetail, status_code=status.HTTP_201_CREATED)
async def refer_to_scheme(
    accompaniment_id: UUID, body: ReferToScheme, user: CurrentUser, deps: DependenciesDep
) -> AccompanimentDetail:
    """Refer the person to a scheme or partner (training, IAE, town hall, social services...)."""
    return await execute(accompaniment_id, body, user, deps)
