"""A candidate as placement knows them: the profile accompaniment shares, aptitudes and constraints only."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from shared.contracts.accompaniment import CandidateProfileUpdated, TimeSlot


@dataclass(frozen=True, slots=True)
class Candidate:
    """One person ready to be introduced: no name, no diploma, no CV.

    Aptitudes, work constraints and wished sectors are referential codes (plain strings equal to the enums'
    values, so that thousands of candidates are read without enum lookups).
    """

    beneficiary_id: UUID
    agency_id: str
    commune_code: str
    aptitudes: frozenset[str]
    available_slots: frozenset[TimeSlot]
    max_weekly_hours: int
    max_commute_km: float
    driving_licence: bool
    work_constraints: frozenset[str] = frozenset()
    wished_sectors: frozenset[str] = frozenset()
    active: bool = True

    @classmethod
    def from_profile(cls, event: CandidateProfileUpdated) -> Candidate:
        """The candidate described by accompaniment's latest profile."""
        return cls(
            beneficiary_id=event.beneficiary_id,
            agency_id=event.agency_id,
            commune_code=event.commune_code,
            aptitudes=frozenset(event.aptitudes),
            available_slots=frozenset(event.available_slots),
            max_weekly_hours=event.max_weekly_hours,
            max_commute_km=event.max_commute_km,
            driving_licence=event.driving_licence,
            work_constraints=frozenset(event.work_constraints),
            wished_sectors=frozenset(event.wished_sectors),
        )
