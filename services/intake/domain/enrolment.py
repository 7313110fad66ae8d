"""Enrolment of a batch of referrals: each one is rejected, recognised as a person already followed, enrolled as a
return after a closed accompaniment, or enrolled as a new person.

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

from services.intake.domain import beneficiary
from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.dedup import DedupIndex, IndexEntry, Keys
from shared.contracts.intake import BeneficiaryEnrolled
from shared.errors import DomainError


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


def decide(
    referrals: Sequence[Referral], index: DedupIndex, known: Mapping[UUID, KnownPerson], today: date
) -> list[Decision]:
    """One decision per referral, in order. The index and the known people learn each enrolment and return, so
    no batch enrols a person twice. `known` holds every person the referrals' keys may designate."""
    people = dict(known)
    decisions: list[Decision] = []
    for referral in referrals:
        try:
            [event] = beneficiary.enrol(referral.cmd, referral.beneficiary_id, today)
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
    [event] = beneficiary.enrol(
        referral.cmd, person.beneficiary_id, today, previous_accompaniment_id=follow_up.closed_accompaniment_id
    )
    return Returned(referral, event, person.version)
