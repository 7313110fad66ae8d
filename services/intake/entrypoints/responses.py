"""Response models of intake's HTTP API (its documented errors are `shared.problems`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.intake.domain.agencies import COMMUNES, Agency
from services.intake.domain.identity import Identity
from services.intake.service_layer.views import BeneficiaryFile
from shared.contracts.intake import AgeBand, HouseholdType


class ReferralAnswer(BaseModel):
    """The beneficiary designated by a referral, and what the referral did."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "beneficiary_id": "6f1d2c9e-6a43-4d8e-bb0e-2f9f0c3e7a10",
                    "agency_id": "ali-la-courneuve",
                    "created": True,
                    "status": "created",
                    "possible_duplicates": [],
                }
            ]
        }
    )

    beneficiary_id: UUID
    agency_id: str
    created: bool = Field(description="True when the referral created a new beneficiary.")
    status: Literal["created", "return", "duplicate"] = Field(
        description="`created` (new person), `return` (a person whose accompaniment was closed, enrolled again:"
        " a new accompaniment opens) or `duplicate` (the person is already followed by your agency)."
    )
    possible_duplicates: list[UUID] = Field(
        default_factory=list,
        description="People of your agency whose names agree with this one once transliterated: check them.",
    )


class FollowUpView(BaseModel):
    """Whether the accompaniment opened by the person's latest enrolment is known to be closed."""

    status: Literal["followed", "closed"] = Field(
        description="`closed` once accompaniment reported the closure: a new referral is then a return."
    )
    accompaniment_id: UUID | None = Field(None, description="The closed accompaniment.")
    closed_on: date | None = None


class BeneficiaryStatus(StrEnum):
    """Whether the person's identity can still be read."""

    ENROLLED = "enrolled"
    ERASED = "erased"


def _status(file: BeneficiaryFile) -> BeneficiaryStatus:
    return BeneficiaryStatus.ERASED if file.erased else BeneficiaryStatus.ENROLLED


class BeneficiaryDetails(BaseModel):
    """A beneficiary's file in intake: identity (null once erased), agency and status."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "beneficiary_id": "6f1d2c9e-6a43-4d8e-bb0e-2f9f0c3e7a10",
                    "agency_id": "ali-la-courneuve",
                    "commune_code": "93027",
                    "status": "enrolled",
                    "identity": Identity.model_config["json_schema_extra"]["examples"][0],
                    "age_band": "35_44",
                    "household_type": "single_parent",
                    "children": 2,
                    "orientation_date": "2026-11-20",
                    "enrolled_on": "2026-11-21",
                    "referral_source": "caf_monthly_list",
                    "erased_on": None,
                    "version": 1,
                    "follow_up": {"status": "followed"},
                    "possible_duplicates": [],
                }
            ]
        }
    )

    beneficiary_id: UUID
    agency_id: str
    commune_code: str
    status: BeneficiaryStatus
    identity: Identity | None = Field(description="Null once the personal data is erased.")
    age_band: AgeBand
    household_type: HouseholdType
    children: int
    orientation_date: date
    enrolled_on: date
    referral_source: str
    erased_on: date | None = None
    version: int = Field(description="Version of the beneficiary's event stream.")
    follow_up: FollowUpView
    possible_duplicates: list[UUID] = Field(
        default_factory=list,
        description="People of the caller's agency whose names agree with this person's once transliterated.",
    )

    @classmethod
    def of(cls, file: BeneficiaryFile) -> BeneficiaryDetails:
        """The file as the staff of the person's agency see it."""
        closed = file.closed
        follow_up = (
            FollowUpView(status="closed", accompaniment_id=closed.closed_accompaniment_id, closed_on=closed.closed_on)
            if closed is not None
            else FollowUpView(status="followed")
        )
        return cls.model_validate(
            {
                **asdict(file.record),
                "identity": file.identity,
                "status": _status(file),
                "follow_up": follow_up,
                "possible_duplicates": file.possible_duplicates,
            }
        )


class BeneficiarySummary(BaseModel):
    """A line of an agency's list of beneficiaries."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "beneficiary_id": "6f1d2c9e-6a43-4d8e-bb0e-2f9f0c3e7a10",
                    "agency_id": "ali-la-courneuve",
                    "commune_code": "93027",
                    "status": "enrolled",
                    "first_name": "Aminata",
                    "last_name": "Diallo",
                    "enrolled_on": "2026-11-21",
                }
            ]
        }
    )

    beneficiary_id: UUID
    agency_id: str
    commune_code: str
    status: BeneficiaryStatus
    first_name: str | None = Field(description="Null once the personal data is erased.")
    last_name: str | None
    enrolled_on: date

    @classmethod
    def of(cls, file: BeneficiaryFile) -> BeneficiarySummary:
        """A line of the list."""
        first, last = (file.identity.first_name, file.identity.last_name) if file.identity else (None, None)
        return cls.model_validate(
            {**asdict(file.record), "status": _status(file), "first_name": first, "last_name": last}
        )


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
