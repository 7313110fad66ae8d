"""The candidate profile placement matches on (IOD method): aptitudes and constraints, never diplomas."""

from __future__ import annotations

from services.accompaniment.domain.commands import UpdateCandidateProfile
from services.accompaniment.domain.decisions.guards import header, open_
from services.accompaniment.domain.errors import MissingInformation
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.state import Accompaniment
from shared.contracts.accompaniment import CandidateProfileUpdated


def _distinct(values: list) -> list:
    """Without repeats, in the given order."""
    return list(dict.fromkeys(values))


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
            aptitudes=_distinct(cmd.aptitudes),
            available_slots=list(dict.fromkeys(cmd.available_slots)),
            max_weekly_hours=cmd.max_weekly_hours,
            max_commute_km=cmd.max_commute_km,
            driving_licence=cmd.driving_licence,
            work_constraints=_distinct(cmd.work_constraints),
            wished_sectors=_distinct(cmd.wished_sectors),
        )
    ]
