"""The beneficiary as intake knows it: decisions (enrol, transfer, erase) and the fold of their events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from services.intake.domain.agencies import agency_for_commune
from services.intake.domain.commands import ReferBeneficiary, TransferBeneficiary
from services.intake.domain.errors import AlreadyErased, InvalidReferral, InvalidTransfer, TransferRefused
from shared.contracts.intake import (
    AgeBand,
    BeneficiaryEnrolled,
    BeneficiaryPersonalDataErased,
    BeneficiaryTransferred,
    IntakeEvent,
    RsaRightsEnded,
)

# A birth date giving an age outside these bounds on the orientation date is a typing error.
MIN_AGE, MAX_AGE = 16, 100


@dataclass(frozen=True)
class Beneficiary:
    """State of one beneficiary's stream."""

    beneficiary_id: UUID
    agency_id: str
    commune_code: str
    orientation_date: date
    enrolled_on: date
    erased_on: date | None = None
    # The end of the RSA right last reported for this person (one proposal of the exit per end).
    rsa_rights_ended_on: date | None = None
    version: int = 0


def stream_id(beneficiary_id: UUID) -> str:
    """Event stream of one beneficiary in intake's store."""
    return f"beneficiary-{beneficiary_id}"


def age_on(birth_date: date, on: date) -> int:
    """Age in whole years on the day `on`."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def age_band(birth_date: date, on: date) -> AgeBand:
    """Age band of a person born on `birth_date`, on the day `on`."""
    age = age_on(birth_date, on)
    if age < 26:
        return AgeBand.UNDER_26
    if age < 35:
        return AgeBand.FROM_26_TO_34
    if age < 45:
        return AgeBand.FROM_35_TO_44
    if age < 55:
        return AgeBand.FROM_45_TO_54
    return AgeBand.FROM_55


def enrol(
    cmd: ReferBeneficiary, beneficiary_id: UUID, today: date, *, previous_accompaniment_id: UUID | None = None
) -> list[BeneficiaryEnrolled]:
    """Enrol a beneficiary in the agency covering their commune: a new person, or a return after an accompaniment
    that was closed (`previous_accompaniment_id`)."""
    if cmd.orientation_date > today:
        raise InvalidReferral(f"date d'orientation : le {cmd.orientation_date:%d/%m/%Y} est dans le futur")
    age = age_on(cmd.birth_date, cmd.orientation_date)
    if not MIN_AGE <= age <= MAX_AGE:
        raise InvalidReferral(
            f"date de naissance : la personne aurait {age} ans à la date d'orientation"
            f" ({cmd.orientation_date:%d/%m/%Y}) ; vérifiez la date de naissance {cmd.birth_date:%d/%m/%Y}"
        )
    enrolled_on = cmd.enrolment_date or today
    if enrolled_on > today:
        raise InvalidReferral(f"date d'entrée : le {enrolled_on:%d/%m/%Y} est dans le futur")
    if enrolled_on < cmd.orientation_date:
        raise InvalidReferral(
            f"date d'entrée : le {enrolled_on:%d/%m/%Y} précède la date d'orientation ({cmd.orientation_date:%d/%m/%Y})"
        )
    agency = agency_for_commune(cmd.commune_code)
    return [
        BeneficiaryEnrolled(
            beneficiary_id=beneficiary_id,
            agency_id=agency.id,
            commune_code=cmd.commune_code,
            age_band=age_band(cmd.birth_date, cmd.orientation_date),
            household_type=cmd.household_type,
            orientation_date=cmd.orientation_date,
            enrolled_on=enrolled_on,
            referral_source=cmd.referral_source,
            is_return=previous_accompaniment_id is not None,
            previous_accompaniment_id=previous_accompaniment_id,
        )
    ]


def transfer(state: Beneficiary, cmd: TransferBeneficiary, today: date) -> list[BeneficiaryTransferred]:
    """Move the follow-up to the agency covering the person's new commune."""
    if state.erased_on is not None:
        raise TransferRefused(
            f"the personal data of beneficiary {state.beneficiary_id} was erased on {state.erased_on};"
            " the file can no longer be transferred"
        )
    if cmd.transferred_on > today:
        raise InvalidTransfer(f"transferred_on: {cmd.transferred_on} is in the future")
    if cmd.transferred_on < state.orientation_date:
        raise InvalidTransfer(
            f"transferred_on: {cmd.transferred_on} is before the orientation date {state.orientation_date}"
        )
    target = agency_for_commune(cmd.commune_code)
    if target.id == state.agency_id:
        raise TransferRefused(
            f"commune {cmd.commune_code} is covered by {target.name}, which already follows this beneficiary:"
            " no transfer is needed"
        )
    return [
        BeneficiaryTransferred(
            beneficiary_id=state.beneficiary_id,
            from_agency_id=state.agency_id,
            to_agency_id=target.id,
            commune_code=cmd.commune_code,
            transferred_on=cmd.transferred_on,
        )
    ]


def erase(state: Beneficiary, today: date) -> list[BeneficiaryPersonalDataErased]:
    """Destroy the person's identity; their non-identifying history stays for the statistics."""
    if state.erased_on is not None:
        raise AlreadyErased(f"the personal data of beneficiary {state.beneficiary_id} was already erased")
    return [BeneficiaryPersonalDataErased(beneficiary_id=state.beneficiary_id, erased_on=today)]


def apply(state: Beneficiary | None, event: IntakeEvent) -> Beneficiary:
    """The state after one event."""
    match event:
        case BeneficiaryEnrolled() if event.is_return and state is not None:
            return replace(
                state,
                agency_id=event.agency_id,
                commune_code=event.commune_code,
                orientation_date=event.orientation_date,
                enrolled_on=event.enrolled_on,
                version=state.version + 1,
            )
        case BeneficiaryEnrolled() if state is None:
            return Beneficiary(
                beneficiary_id=event.beneficiary_id,
                agency_id=event.agency_id,
                commune_code=event.commune_code,
                orientation_date=event.orientation_date,
                enrolled_on=event.enrolled_on,
                version=1,
            )
        case BeneficiaryTransferred() if state is not None:
            return replace(
                state, agency_id=event.to_agency_id, commune_code=event.commune_code, version=state.version + 1
            )
        case BeneficiaryPersonalDataErased() if state is not None:
            return replace(state, erased_on=event.erased_on, version=state.version + 1)
        case RsaRightsEnded() if state is not None:
            return replace(state, rsa_rights_ended_on=event.ended_on, version=state.version + 1)
    raise ValueError(f"{type(event).__name__} cannot apply to {state!r}")


def fold(events: Iterable[IntakeEvent]) -> Beneficiary | None:
    """The state after every event of a stream (None for an empty stream)."""
    state: Beneficiary | None = None
    for event in events:
        state = apply(state, event)
    return state
