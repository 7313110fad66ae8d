"""Intake's decisions: enrol a referred person (one, or a batch de-duplicated against the known ones), transfer,
erase. Pure functions of the state and the command that return the events to record, or raise a domain error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from services.intake.domain.agencies import agency_for_commune
from services.intake.domain.commands import ReferBeneficiary, TransferBeneficiary
from services.intake.domain.dedup import DedupIndex, IndexEntry, Keys
from services.intake.domain.errors import AlreadyErased, InvalidReferral, InvalidTransfer, TransferRefused
from services.intake.domain.state import Beneficiary
from shared.contracts.intake import (
    AgeBand,
    BeneficiaryEnrolled,
    BeneficiaryPersonalDataErased,
    BeneficiaryTransferred,
)
from shared.errors import DomainError

# A birth date giving an age outside these bounds on the orientation date is a typing error.
MIN_AGE, MAX_AGE = 16, 100


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


def enrol(cmd: ReferBeneficiary, beneficiary_id: UUID, today: date) -> list[BeneficiaryEnrolled]:
    """Enrol a new beneficiary in the agency covering their commune."""
    if cmd.orientation_date > today:
        raise InvalidReferral(f"orientation_date: {cmd.orientation_date} is in the future")
    age = age_on(cmd.birth_date, cmd.orientation_date)
    if not MIN_AGE <= age <= MAX_AGE:
        raise InvalidReferral(
            f"birth_date: the person would be {age} on the orientation date {cmd.orientation_date};"
            f" check the birth date {cmd.birth_date}"
        )
    enrolled_on = cmd.enrolment_date or today
    if enrolled_on > today:
        raise InvalidReferral(f"enrolment_date: {enrolled_on} is in the future")
    if enrolled_on < cmd.orientation_date:
        raise InvalidReferral(f"enrolment_date: {enrolled_on} is before the orientation date {cmd.orientation_date}")
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


@dataclass(frozen=True)
class Referral:
    """A referral with the id it gets if it creates a beneficiary, and the digests of its keys."""

    cmd: ReferBeneficiary
    beneficiary_id: UUID
    keys: Keys


@dataclass(frozen=True)
class Enrolled:
    """The referral creates a beneficiary."""

    referral: Referral
    event: BeneficiaryEnrolled
    entries: list[IndexEntry]

    @property
    def beneficiary_id(self) -> UUID:
        """The new beneficiary."""
        return self.referral.beneficiary_id


@dataclass(frozen=True)
class Duplicate:
    """The referral designates a beneficiary already known (or enrolled earlier in the same batch)."""

    beneficiary_id: UUID


@dataclass(frozen=True)
class Rejected:
    """The referral breaks a rule; the error says which, for a caseworker."""

    error: DomainError


Decision = Enrolled | Duplicate | Rejected


def decide_referrals(referrals: Sequence[Referral], index: DedupIndex, today: date) -> list[Decision]:
    """One decision per referral, in order; the index learns each enrolment, so no batch enrols a person twice."""
    decisions: list[Decision] = []
    for referral in referrals:
        try:
            [event] = enrol(referral.cmd, referral.beneficiary_id, today)
        except DomainError as e:
            decisions.append(Rejected(e))
            continue
        known = index.match(referral.keys)
        if known is not None:
            decisions.append(Duplicate(known))
        else:
            decisions.append(Enrolled(referral, event, index.add_person(referral.beneficiary_id, referral.keys)))
    return decisions
