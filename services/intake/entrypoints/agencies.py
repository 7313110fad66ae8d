"""Routes of the agencies (reference data)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from services.intake.domain.agencies import AGENCIES, COMMUNES, Agency, agency_by_id
from services.intake.entrypoints.responses import errors
from shared.auth import CurrentUser

router = APIRouter(prefix="/agencies", tags=["agencies"])


class CommuneOut(BaseModel):
    """A commune by INSEE code."""

    code: str
    name: str


class AgencyOut(BaseModel):
    """An agency (ALI), its operator and the communes it covers."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "ali-la-courneuve",
                    "name": "ALI La Courneuve",
                    "operator": "C2DI 93",
                    "communes": [{"code": "93027", "name": "La Courneuve"}],
                    "opened_on": "2023-10-09",
                }
            ]
        }
    )

    id: str
    name: str
    operator: str
    communes: list[CommuneOut]
    opened_on: date

    @classmethod
    def of(cls, agency: Agency) -> AgencyOut:
        """The representation of an agency."""
        return cls(
            id=agency.id,
            name=agency.name,
            operator=agency.operator,
            communes=[CommuneOut(code=c, name=COMMUNES[c].name) for c in agency.communes],
            opened_on=agency.opened_on,
        )


@router.get("", response_model=list[AgencyOut], responses=errors(401))
async def list_agencies(user: CurrentUser) -> list[AgencyOut]:
    """The department's agencies and the communes each one covers."""
    return [AgencyOut.of(a) for a in AGENCIES]


@router.get("/{agency_id}", response_model=AgencyOut, responses=errors(401, 404))
async def get_agency(agency_id: str, user: CurrentUser) -> AgencyOut:
    """One agency and the communes it covers."""
    return AgencyOut.of(agency_by_id(agency_id))
