"""Routes of beneficiaries: their file, the agency's list, transfer and erasure of personal data."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from services.intake.domain.commands import TransferBeneficiary
from services.intake.entrypoints.dependencies import DependenciesDep
from services.intake.entrypoints.responses import (
    BeneficiaryDetails,
    BeneficiaryStatus,
    BeneficiarySummary,
    ErasureAnswer,
    TransferAnswer,
)
from services.intake.service_layer import beneficiaries, views
from shared.audit import AuditDep
from shared.auth import CurrentUser
from shared.http.params import AGENCY_PATTERN, Limit, Offset
from shared.problems import errors

router = APIRouter(prefix="/beneficiaries", tags=["beneficiaries"])


@router.get("", response_model=list[BeneficiarySummary], responses=errors(401, 403, 404))
async def list_beneficiaries(
    user: CurrentUser,
    deps: DependenciesDep,
    audit: AuditDep,
    agency_id: Annotated[
        str | None,
        Query(pattern=AGENCY_PATTERN, description="Agency; yours by default, every agency for an admin."),
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[BeneficiarySummary]:
    """The agency's beneficiaries with their names, most recently enrolled first (agency staff and admins)."""
    files = await views.list_beneficiaries(user, agency_id, deps=deps, limit=limit, offset=offset)
    await audit.read_people("beneficiary", [(f.record.beneficiary_id, f.record.agency_id) for f in files])
    return [BeneficiarySummary.of(file) for file in files]


@router.get("/{beneficiary_id}", response_model=BeneficiaryDetails, responses=errors(401, 403, 404))
async def get_beneficiary(
    beneficiary_id: UUID, user: CurrentUser, deps: DependenciesDep, audit: AuditDep
) -> BeneficiaryDetails:
    """A beneficiary's identity, agency and status, for the staff of their agency (the read is audited)."""
    file = await views.beneficiary_details(beneficiary_id, user, deps=deps)
    await audit.read(
        "beneficiary", agency_id=file.record.agency_id, resource_id=beneficiary_id, beneficiary_id=beneficiary_id
    )
    return BeneficiaryDetails.of(file)


@router.post("/{beneficiary_id}/transfer", response_model=TransferAnswer, responses=errors(401, 403, 404, 409, 422))
async def transfer(
    beneficiary_id: UUID, cmd: TransferBeneficiary, user: CurrentUser, deps: DependenciesDep
) -> TransferAnswer:
    """Transfer the person, who moved, to the agency of their new commune (staff of the current agency, admins)."""
    event = await beneficiaries.transfer_beneficiary(beneficiary_id, cmd, user, deps=deps, today=date.today())
    return TransferAnswer.model_validate(event.model_dump())


@router.delete("/{beneficiary_id}/personal-data", response_model=ErasureAnswer, responses=errors(401, 403, 404, 409))
async def erase_personal_data(
    beneficiary_id: UUID, user: CurrentUser, deps: DependenciesDep, audit: AuditDep
) -> ErasureAnswer:
    """Erase the person's identity by destroying their key (agency manager of their agency, admins)."""
    event = await beneficiaries.erase_personal_data(beneficiary_id, user, deps=deps, today=date.today())
    await audit.erase("beneficiary", resource_id=beneficiary_id, agency_id=user.agency_id)
    return ErasureAnswer(
        beneficiary_id=event.beneficiary_id, status=BeneficiaryStatus.ERASED, erased_on=event.erased_on
    )
