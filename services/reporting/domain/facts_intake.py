"""How intake's events become facts: one pseudonymous row per enrolled person (for BI)."""

from __future__ import annotations

from datetime import date

from services.reporting.domain.facts import Beneficiary
from services.reporting.domain.projection import Change, Event, Facts, folds, update

_d = date.fromisoformat


@folds("ali.intake.BeneficiaryEnrolled")
def enrolled(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    person = Beneficiary(
        beneficiary_id=d["beneficiary_id"],
        agency_id=d["agency_id"],
        commune_code=d["commune_code"],
        age_band=d["age_band"],
        household_type=d["household_type"],
        orientation_date=_d(d["orientation_date"]),
        enrolled_on=_d(d["enrolled_on"]),
    )
    return [(Beneficiary, person.beneficiary_id, person)]


def _update(event: Event, facts: Facts, **changes) -> list[Change]:
    return update(facts, Beneficiary, event.data["beneficiary_id"], **changes)


@folds("ali.intake.BeneficiaryTransferred")
def transferred(event: Event, facts: Facts) -> list[Change]:
    return _update(event, facts, agency_id=event.data["to_agency_id"], commune_code=event.data["commune_code"])


@folds("ali.intake.BeneficiaryPersonalDataErased")
def erased(event: Event, facts: Facts) -> list[Change]:
    return _update(event, facts, personal_data_erased=True)
