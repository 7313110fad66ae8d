"""The candidate profile placement matches on (IOD method): aptitudes and constraints, never diplomas."""

from __future__ import annotations

from services.accompaniment.domain.commands import UpdateCandidateProfile
from services.accompaniment.domain.decisions.guards import header, open_
from services.accompaniment.domain.errors import MissingInformation
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.state import Accompaniment
from shared.contracts.accompaniment import CandidateProfileUpdated


def _tags(values: list[str]) -> list[str]:
    """Lower-case, trimmed, without blanks or repeats, in the given order."""
    return list(dict.fromkeys(v.strip().lower() for v in values if v.strip()))


def update_candidate_profile(
    state: Accompaniment | None, cmd: UpdateCandidateProfile, ctx: Context
) -> list[CandidateProfileUpdated]:
    """Publish the profile with the commune the person lives in (from enrolment or the last transfer)."""
    state = open_(state)
    if state.commune_code is None:
        raise MissingInformation("la commune de résidence de cette personne n'est pas encore connue")
    return [
        CandidateProfileUpdated(
            **header(state),
            commune_code=state.commune_code,
            aptitudes=_tags(cmd.aptitudes),
            available_slots=list(dict.fromkeys(cmd.available_slots)),
            max_weekly_hours=cmd.max_weekly_hours,
            max_commute_km=cmd.max_commute_km,
            driving_licence=cmd.driving_licence,
            health_restrictions=_tags(cmd.health_restrictions),
            wished_sectors=_tags(cmd.wished_sectors),
        )
    ]
