"""Routes of beneficiaries: their file, the agency's list, transfer and erasure of personal data."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from services.intake.domain.commands import TransferBeneficiary
from services.intake.entrypoints.dependencies import DependenciesDep
from services.intake.entrypoints.responses import errors
from services.intake.service_layer import beneficiaries, views
from services.intake.service_layer.views import BeneficiaryDetails, BeneficiaryStatus, BeneficiarySummary
from shared.auth import CurrentUser

router = APIRouter(prefix="/beneficiaries", tags=["beneficiaries"])


@router.get("", response_model=list[BeneficiarySummary], responses=errors(401, 403, 404))
async def list_beneficiaries(
    user: CurrentUser,
    deps: DependenciesDep,
    agency_id: Annotated[str | None, Query(description="Agency; yours by default, every agency for an admin.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[BeneficiarySummary]:
    """The agency's beneficiaries with their names, most recently enrolled first (agency staff and admins)."""
    return await views.list_beneficiaries(user, agency_id, deps=deps, limit=limit, offset=offset)


@router.get("/{beneficiary_id}", response_model=BeneficiaryDetails, responses=errors(401, 403, 404))
async def get_beneficiary(beneficiary_id: UUID, user: CurrentUser, deps: DependenciesDep) -> BeneficiaryDetails:
    """A beneficiary's identity, agency and status, for the staff of their agency."""
    return await views.beneficiary_details(beneficiary_id, user, deps=deps)


class TransferAnswer(BaseModel):
    """The transfer recorded: the person is now followed by the agency of their new commune."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "beneficiary_id": "6f1d2c9e-6a43-4d8e-bb0e-2f9f0c3e7a10",
                    "from_agency_id": "ali-la-courneuve",
                    "to_agency_id": "ali-clichy-sous-bois",
                    "commune_code": "93014",
                    "transferred_on": "2026-11-25",
                }
            ]
        }
    )

    beneficiary_id: UUID
    from_agency_id: str
    to_agency_id: str
    commune_code: str
    transferred_on: date


class ErasureAnswer(BaseModel):
    """The personal data is erased: the identity is unreadable everywhere, the statistics are kept."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "beneficiary_id": "6f1d2c9e-6a43-4d8e-bb0e-2f9f0c3e7a10",
                    "status": "erased",
                    "erased_on": "2026-11-25",
                }
            ]
        }
    )

    beneficiary_id: UUID
    status: BeneficiaryStatus
    erased_on: date


@router.post("/{beneficiary_id}/transfer", response_model=TransferAnswer, responses=errors(401, 403, 404, 409, 422))
async def transfer(
    beneficiary_id: UUID, cmd: TransferBeneficiary, user: CurrentUser, deps: DependenciesDep
) -> TransferAnswer:
    """Transfer the person, who moved, to the agency of their new commune (staff of the current agency, admins)."""
    event = await beneficiaries.transfer_beneficiary(beneficiary_id, cmd, user, deps=deps, today=date.today())
    return TransferAnswer.model_validate(event.model_dump())


@router.delete("/{beneficiary_id}/personal-data", response_model=ErasureAnswer, responses=errors(401, 403, 404, 409))
async def erase_personal_data(beneficiary_id: UUID, user: CurrentUser, deps: DependenciesDep) -> ErasureAnswer:
    """Erase the person's identity by destroying their key (agency manager of their agency, admins)."""
    event = await beneficiaries.erase_personal_data(beneficiary_id, user, deps=deps, today=date.today())
    return ErasureAnswer(
        beneficiary_id=event.beneficiary_id, status=BeneficiaryStatus.ERASED, erased_on=event.erased_on
    )
