"""Intake's decisions: enrol a referred person (one, or a batch de-duplicated against the known ones), enrol again
a person who comes back, transfer, erase. Pure functions of the state and the command that return the events to
record, or raise a domain error.

A person is *followed* from their enrolment until intake learns (from accompaniment's events) that the
accompaniment their latest enrolment opened was closed. A referral of a followed person is a duplicate ("already
followed"). A referral of a person whose accompaniment was closed, oriented after that closure, is a *return*:
the same beneficiary is enrolled again and a new accompaniment opens. A referral oriented on or before the
closure designates the earlier episode (the same file imported again): a duplicate too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
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


@dataclass(frozen=True)
class FollowUp:
    """Where the accompaniment opened by a person's latest enrolment stands, as intake learnt it."""

    closed_accompaniment_id: UUID | None = None
    closed_on: date | None = None

    @property
    def followed(self) -> bool:
        """True until the accompaniment of the latest enrolment is known to be closed."""
        return self.closed_on is None


@dataclass(frozen=True)
class KnownPerson:
    """A person already enrolled, as the decision needs them."""

    beneficiary_id: UUID
    agency_id: str
    version: int
    follow_up: FollowUp = FollowUp()


@dataclass(frozen=True)
class Referral:
    """A referral with the id it gets if it creates a beneficiary, and the digests of its keys."""

    cmd: ReferBeneficiary
    beneficiary_id: UUID
    keys: Keys


@dataclass(frozen=True)
class Enrolled:
    """The referral creates a beneficiary (possibly the duplicate of someone a caseworker should look at)."""

    referral: Referral
    event: BeneficiaryEnrolled
    entries: list[IndexEntry]
    possible_duplicates: tuple[UUID, ...] = ()

    @property
    def beneficiary_id(self) -> UUID:
        """The new beneficiary."""
        return self.referral.beneficiary_id


@dataclass(frozen=True)
class Returned:
    """The referral enrols again a person whose accompaniment was closed."""

    referral: Referral
    event: BeneficiaryEnrolled
    version: int  # the person's stream version before the return

    @property
    def beneficiary_id(self) -> UUID:
        """The returning beneficiary."""
        return self.event.beneficiary_id


class DuplicateReason(StrEnum):
    """Why a referral designating a known person enrols nobody."""

    FOLLOWED = "followed"  # their accompaniment is open (or not yet known to be closed)
    EARLIER_EPISODE = "earlier_episode"  # oriented before the end of their last accompaniment


@dataclass(frozen=True)
class Duplicate:
    """The referral designates a beneficiary already known (or enrolled earlier in the same batch)."""

    beneficiary_id: UUID
    agency_id: str | None = None
    reason: DuplicateReason = DuplicateReason.FOLLOWED


@dataclass(frozen=True)
class Rejected:
    """The referral breaks a rule; the error says which, for a caseworker."""

    error: DomainError


Decision = Enrolled | Returned | Duplicate | Rejected


def decide_referrals(
    referrals: Sequence[Referral], index: DedupIndex, known: Mapping[UUID, KnownPerson], today: date
) -> list[Decision]:
    """One decision per referral, in order. The index and the known people learn each enrolment and return, so
    no batch enrols a person twice. `known` holds every person the referrals' keys may designate."""
    people = dict(known)
    decisions: list[Decision] = []
    for referral in referrals:
        try:
            [event] = enrol(referral.cmd, referral.beneficiary_id, today)
        except DomainError as e:
            decisions.append(Rejected(e))
            continue
        match = index.match(referral.keys)
        if match is None:
            possible = tuple(index.possible_duplicates(referral.keys))
            entries = index.add_person(referral.beneficiary_id, referral.keys)
            people[referral.beneficiary_id] = KnownPerson(referral.beneficiary_id, event.agency_id, 1)
            decisions.append(Enrolled(referral, event, entries, possible))
            continue
        person = people.get(match.beneficiary_id) or KnownPerson(match.beneficiary_id, "", 0)
        decision = _known(referral, person, today)
        if isinstance(decision, Returned):
            people[person.beneficiary_id] = replace(
                person, agency_id=decision.event.agency_id, version=person.version + 1, follow_up=FollowUp()
            )
        decisions.append(decision)
    return decisions


def _known(referral: Referral, person: KnownPerson, today: date) -> Decision:
    follow_up = person.follow_up
    agency = person.agency_id or None
    if follow_up.followed or follow_up.closed_on is None:
        return Duplicate(person.beneficiary_id, agency, DuplicateReason.FOLLOWED)
    if referral.cmd.orientation_date <= follow_up.closed_on:
        return Duplicate(person.beneficiary_id, agency, DuplicateReason.EARLIER_EPISODE)
    [event] = enrol(
        referral.cmd, person.beneficiary_id, today, previous_accompaniment_id=follow_up.closed_accompaniment_id
    )
    return Returned(referral, event, person.version)
