"""Routes of the agencies (reference data)."""

from __future__ import annotations

from fastapi import APIRouter

from services.intake.domain.agencies import AGENCIES, agency_by_id
from services.intake.entrypoints.responses import AgencyOut
from shared.auth import CurrentUser
from shared.problems import errors

router = APIRouter(prefix="/agencies", tags=["agencies"])


@router.get("", response_model=list[AgencyOut], responses=errors(401))
async def list_agencies(user: CurrentUser) -> list[AgencyOut]:
    """The department's agencies and the communes each one covers."""
    return [AgencyOut.of(a) for a in AGENCIES]


@router.get("/{agency_id}", response_model=AgencyOut, responses=errors(401, 404))
async def get_agency(agency_id: str, user: CurrentUser) -> AgencyOut:
    """One agency and the communes it covers."""
    return AgencyOut.of(agency_by_id(agency_id))
