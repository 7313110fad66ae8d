"""Intake's HTTP routes."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel

from services.intake.adapters.people import PeopleRepository
from services.intake.domain.agencies import AGENCIES
from services.intake.domain.commands import ReferBeneficiary
from services.intake.service_layer import handlers
from shared.service import ServiceRuntime

router = APIRouter()


def _runtime(request: Request) -> ServiceRuntime:
    return request.app.state.runtime


def _people(request: Request) -> PeopleRepository:
    return request.app.state.people


RuntimeDep = Annotated[ServiceRuntime, Depends(_runtime)]
PeopleDep = Annotated[PeopleRepository, Depends(_people)]


class ReferralAnswer(BaseModel):
    """The beneficiary designated by a referral."""

    beneficiary_id: UUID
    agency_id: str
    created: bool


class AgencyOut(BaseModel):
    """An agency and the communes it covers."""

    id: str
    name: str
    operator: str
    communes: list[str]
    opened_on: date


@router.post(
    "/referrals",
    response_model=ReferralAnswer,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "The person was already known: the existing beneficiary."}},
    tags=["referrals"],
)
async def refer(cmd: ReferBeneficiary, runtime: RuntimeDep, people: PeopleDep, response: Response) -> ReferralAnswer:
    """Refer an RSA beneficiary; enrols them in the ALI covering their commune, or returns the existing one."""
    outcome = await handlers.refer_beneficiary(
        cmd, pool=runtime.pool, store=runtime.store, people=people, today=date.today()
    )
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return ReferralAnswer(beneficiary_id=outcome.beneficiary_id, agency_id=outcome.agency_id, created=outcome.created)


@router.get("/agencies", response_model=list[AgencyOut], tags=["agencies"])
async def list_agencies() -> list[AgencyOut]:
    """The department's agencies and the communes they cover."""
    return [
        AgencyOut(id=a.id, name=a.name, operator=a.operator, communes=list(a.communes), opened_on=a.opened_on)
        for a in AGENCIES
    ]
