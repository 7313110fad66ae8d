"""Fact rows from intake's events: one row per enrolled person, pseudonymous."""

from __future__ import annotations

from services.reporting.domain.facts import Lookup, Row, on
from shared.contracts.intake import BeneficiaryEnrolled, BeneficiaryPersonalDataErased, BeneficiaryTransferred
from shared.envelope import Envelope


def _key(beneficiary_id) -> str:
    return f"beneficiary:{beneficiary_id}"


@on(BeneficiaryEnrolled)
def enrolled(event: BeneficiaryEnrolled, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    return [
        (
            _key(event.beneficiary_id),
            {
                "kind": "beneficiary",
                "beneficiary_id": str(event.beneficiary_id),
                "agency_id": event.agency_id,
                "commune_code": event.commune_code,
                "age_band": event.age_band.value,
                "household_type": event.household_type.value,
                "orientation_date": event.orientation_date.isoformat(),
                "enrolled_on": event.enrolled_on.isoformat(),
                "personal_data_erased": False,
            },
        )
    ]


@on(BeneficiaryTransferred)
def transferred(event: BeneficiaryTransferred, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    row = lookup(_key(event.beneficiary_id))
    if row is None:
        return []
    return [(_key(event.beneficiary_id), {**row, "agency_id": event.to_agency_id, "commune_code": event.commune_code})]


@on(BeneficiaryPersonalDataErased)
def erased(event: BeneficiaryPersonalDataErased, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    row = lookup(_key(event.beneficiary_id))
    if row is None:
        return []
    return [(_key(event.beneficiary_id), {**row, "personal_data_erased": True})]
