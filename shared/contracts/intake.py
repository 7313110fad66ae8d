"""Events published by intake on `ali.intake.events`. Pseudonymous ids and non-identifying attributes only."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from shared.events import DomainEvent


class AgeBand(StrEnum):
    """Age bands used instead of birth dates outside intake."""

    UNDER_26 = "under_26"
    FROM_26_TO_34 = "26_34"
    FROM_35_TO_44 = "35_44"
    FROM_45_TO_54 = "45_54"
    FROM_55 = "55_plus"


class HouseholdType(StrEnum):
    """Household composition, without names."""

    SINGLE = "single"
    SINGLE_PARENT = "single_parent"
    COUPLE = "couple"
    COUPLE_WITH_CHILDREN = "couple_with_children"


class IntakeEvent(DomainEvent):
    """Base of intake's events."""

    context: ClassVar[str] = "intake"


class BeneficiaryEnrolled(IntakeEvent):
    """A referred RSA beneficiary was enrolled in the ALI covering their commune."""

    beneficiary_id: UUID = Field(description="Pseudonymous id of the person; the key of their events.")
    agency_id: str = Field(description="ALI the person is enrolled in.", examples=["ali-la-courneuve"])
    commune_code: str = Field(pattern=r"^93\d{3}$", description="INSEE code of the commune of residence.")
    age_band: AgeBand
    household_type: HouseholdType
    orientation_date: date = Field(description="Date the department referred the person to the ALI.")
    enrolled_on: date
    referral_source: str = Field(max_length=64, examples=["caf_monthly_list"])


class BeneficiaryTransferred(IntakeEvent):
    """The person moved: their follow-up continues, with its history, in the agency of their new commune."""

    beneficiary_id: UUID
    from_agency_id: str
    to_agency_id: str
    commune_code: str = Field(pattern=r"^93\d{3}$")
    transferred_on: date


class BeneficiaryPersonalDataErased(IntakeEvent):
    """The person's key was destroyed: their identifying data is unreadable everywhere from now on."""

    beneficiary_id: UUID
    erased_on: date


EVENTS: list[type[IntakeEvent]] = [BeneficiaryEnrolled, BeneficiaryTransferred, BeneficiaryPersonalDataErased]
