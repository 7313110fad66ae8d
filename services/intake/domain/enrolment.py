"""Enrolment of a batch of referrals: each one is rejected, recognised as a known person, or enrolled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from services.intake.domain import beneficiary
from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.dedup import DedupIndex, IndexEntry, Keys
from shared.contracts.intake import BeneficiaryEnrolled
from shared.errors import DomainError


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


def decide(referrals: Sequence[Referral], index: DedupIndex, today: date) -> list[Decision]:
    """One decision per referral, in order; the index learns each enrolment, so no batch enrols a person twice."""
    decisions: list[Decision] = []
    for referral in referrals:
        try:
            [event] = beneficiary.enrol(referral.cmd, referral.beneficiary_id, today)
        except DomainError as e:
            decisions.append(Rejected(e))
            continue
        known = index.match(referral.keys)
        if known is not None:
            decisions.append(Duplicate(known))
        else:
            decisions.append(Enrolled(referral, event, index.add_person(referral.beneficiary_id, referral.keys)))
    return decisions
