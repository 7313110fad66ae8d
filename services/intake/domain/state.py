"""State of one beneficiary's stream in intake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class Beneficiary:
    """What intake's decisions need to know of a beneficiary, folded from their events."""

    beneficiary_id: UUID
    agency_id: str
    commune_code: str
    orientation_date: date
    enrolled_on: date
    erased_on: date | None = None
    # The end of the RSA right last reported for this person (one proposal of the exit per end).
    rsa_rights_ended_on: date | None = None
    version: int = 0

    @property
    def id(self) -> UUID:
        """The aggregate's id."""
        return self.beneficiary_id
