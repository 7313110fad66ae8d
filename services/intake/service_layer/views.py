"""Read side: a beneficiary's file and the agency's list, decrypted for the staff allowed to see them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.intake.adapters.crypto import PersonalDataVault
from services.intake.adapters.persons import PersonRecord
from services.intake.domain.agencies import agency_by_id
from services.intake.domain.errors import BeneficiaryNotFound
from services.intake.domain.identity import Identity
from services.intake.service_layer.dependencies import Dependencies
from shared.auth import Principal, Role
from shared.contracts.intake import AgeBand, HouseholdType
from shared.errors import Forbidden


class BeneficiaryStatus(StrEnum):
    """Whether the person's identity can still be read."""

    ENROLLED = "enrolled"
    ERASED = "erased"


class FollowUpView(BaseModel):
    """Whether the accompaniment opened by the person's latest enrolment is known to be closed."""

    status: Literal["followed", "closed"] = Field(
        description="`closed` once accompaniment reported the closure: a new referral is then a return."
    )
    accompaniment_id: UUID | None = Field(None, description="The closed accompaniment.")
    closed_on: date | None = None


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


def _identity(vault: PersonalDataVault, record: PersonRecord) -> Identity | None:
    if record.erased_on is not None:
        return None
    return vault.open(record.beneficiary_id, record.wrapped_key, record.identity)


def _status(record: PersonRecord) -> BeneficiaryStatus:
    return BeneficiaryStatus.ERASED if record.erased_on is not None else BeneficiaryStatus.ENROLLED


async def beneficiary_details(beneficiary_id: UUID, principal: Principal, *, deps: Dependencies) -> BeneficiaryDetails:
    """One beneficiary's file, for the staff of their agency (and admins)."""
    async with deps.transactions.begin() as conn:
        record = await deps.persons.get(conn, beneficiary_id)
        if record is None:
            raise BeneficiaryNotFound(f"no beneficiary {beneficiary_id}")
        principal.require_personal_data(record.agency_id)
        closed = (await deps.follow_ups.of(conn, [beneficiary_id])).get(beneficiary_id)
        candidates = await deps.follow_ups.possible_duplicates(conn, beneficiary_id)
        agencies = await deps.persons.agencies_of(conn, candidates)
    visible = [c for c in candidates if principal.role == Role.ADMIN or agencies.get(c) == principal.agency_id]
    follow_up = (
        FollowUpView(status="closed", accompaniment_id=closed.closed_accompaniment_id, closed_on=closed.closed_on)
        if closed is not None
        else FollowUpView(status="followed")
    )
    return BeneficiaryDetails(
        beneficiary_id=record.beneficiary_id,
        agency_id=record.agency_id,
        commune_code=record.commune_code,
        status=_status(record),
        identity=_identity(deps.vault, record),
        age_band=AgeBand(record.age_band),
        household_type=HouseholdType(record.household_type),
        children=record.children,
        orientation_date=record.orientation_date,
        enrolled_on=record.enrolled_on,
        referral_source=record.referral_source,
        erased_on=record.erased_on,
        version=record.version,
        follow_up=follow_up,
        possible_duplicates=visible,
    )


def _scope(principal: Principal, agency_id: str | None) -> str | None:
    """The agency to list: the caller's own for agency staff, any (or all) for admins; names are personal data."""
    if principal.role == Role.DEPARTMENT_STAFF:
        raise Forbidden("department staff see indicators only, not the beneficiaries' names")
    if agency_id is not None:
        agency_by_id(agency_id)
        principal.require_agency(agency_id)
    return principal.agency_scope or agency_id


async def list_beneficiaries(
    principal: Principal, agency_id: str | None, *, deps: Dependencies, limit: int, offset: int
) -> list[BeneficiarySummary]:
    """A page of the agency's beneficiaries with their names, most recently enrolled first."""
    scope = _scope(principal, agency_id)
    async with deps.transactions.begin() as conn:
        records = await deps.persons.list(conn, scope, limit, offset)
    summaries = []
    for record in records:
        identity = _identity(deps.vault, record)
        summaries.append(
            BeneficiarySummary(
                beneficiary_id=record.beneficiary_id,
                agency_id=record.agency_id,
                commune_code=record.commune_code,
                status=_status(record),
                first_name=identity.first_name if identity else None,
                last_name=identity.last_name if identity else None,
                enrolled_on=record.enrolled_on,
            )
        )
    return summaries
