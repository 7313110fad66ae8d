"""Decisions of intake: from a referral to the events that enrol the person."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.intake.domain.agencies import agency_for_commune
from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.errors import InvalidReferral
from shared.contracts.intake import AgeBand, BeneficiaryEnrolled


def age_band(birth_date: date, on: date) -> AgeBand:
    """Age band of a person born on `birth_date`, on the day `on`."""
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if age < 26:
        return AgeBand.UNDER_26
    if age < 35:
        return AgeBand.FROM_26_TO_34
    if age < 45:
        return AgeBand.FROM_35_TO_44
    if age < 55:
        return AgeBand.FROM_45_TO_54
    return AgeBand.FROM_55


def enrol(cmd: ReferBeneficiary, beneficiary_id: UUID, today: date) -> list[BeneficiaryEnrolled]:
    """Enrol a new beneficiary in the agency covering their commune."""
    if cmd.orientation_date > today:
        raise InvalidReferral(f"orientation date {cmd.orientation_date} is in the future")
    agency = agency_for_commune(cmd.commune_code)
    return [
        BeneficiaryEnrolled(
            beneficiary_id=beneficiary_id,
            agency_id=agency.id,
            commune_code=cmd.commune_code,
            age_band=age_band(cmd.birth_date, cmd.orientation_date),
            household_type=cmd.household_type,
            orientation_date=cmd.orientation_date,
            enrolled_on=today,
            referral_source=cmd.referral_source,
        )
    ]


def stream_id(beneficiary_id: UUID) -> str:
    """Event stream of one beneficiary in intake's store."""
    return f"beneficiary-{beneficiary_id}"
