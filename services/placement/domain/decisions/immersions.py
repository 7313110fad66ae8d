"""Decisions on immersions (PMSMP): at most 30 days of presence, renewable once, then an outcome."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.placement.domain.candidate import Candidate
from services.placement.domain.commands import (
    AgreeImmersion,
    CompleteImmersion,
    RenewImmersion,
)
from services.placement.domain.errors import (
    CandidateInactive,
    CandidateNotFound,
    EmployerNotFound,
    ImmersionAlreadyRenewed,
    ImmersionNotFound,
    OutcomeAlreadyRecorded,
)
from services.placement.domain.state import Employer, Immersion
from shared.contracts.placement import (
    ImmersionAgreed,
    ImmersionCompleted,
    ImmersionHost,
    ImmersionRenewed,
)
from shared.errors import InvalidField


def agree(
    immersion_id: UUID,
    command: AgreeImmersion,
    *,
    candidate: Candidate | None,
    employer: Employer | None,
    today: date,
) -> list[ImmersionAgreed]:
    """Agree an immersion for an active candidate with an employer of the network or a training centre."""
    if candidate is None:
        raise CandidateNotFound(f"aucun profil de candidat partagé par l'accompagnement pour {command.beneficiary_id}")
    if not candidate.active:
        raise CandidateInactive("l'accompagnement de cette personne est clos")
    if command.host_kind == ImmersionHost.EMPLOYER and employer is None:
        raise EmployerNotFound(f"aucun employeur {command.employer_id}")
    host_name = command.host_name or (employer.name if employer else None)
    return [
        ImmersionAgreed(
            immersion_id=immersion_id,
            beneficiary_id=candidate.beneficiary_id,
            agency_id=candidate.agency_id,
            host_kind=command.host_kind,
            employer_id=command.employer_id,
            host_name=host_name,
            sector=command.sector or (employer.sector if employer else None),
            start_date=command.first_day,
            end_date=command.last_day,
            days_of_presence=command.days_of_presence,
            agreed_on=today,
        )
    ]


def _ongoing(state: Immersion | None) -> Immersion:
    if state is None:
        raise ImmersionNotFound("aucune immersion ne porte cet identifiant")
    if state.outcome is not None:
        raise OutcomeAlreadyRecorded(f"cette immersion s'est terminée le {state.completed_on} ({state.outcome})")
    return state


def renew(state: Immersion | None, command: RenewImmersion, today: date) -> list[ImmersionRenewed]:
    """Renew once, for at most 30 more days of presence, starting after the current period."""
    immersion = _ongoing(state)
    if immersion.renewed:
        raise ImmersionAlreadyRenewed(
            "une immersion ne se renouvelle qu'une fois (only once) : convenez-en une nouvelle"
        )
    if command.first_day <= immersion.end_date:
        raise InvalidField(
            "start_date", f"the renewal must start after the current period, which ends on {immersion.end_date}"
        )
    return [
        ImmersionRenewed(
            immersion_id=immersion.id,
            beneficiary_id=immersion.beneficiary_id,
            agency_id=immersion.agency_id,
            start_date=command.first_day,
            end_date=command.last_day,
            days_of_presence=command.days_of_presence,
            renewed_on=today,
        )
    ]


def complete(state: Immersion | None, command: CompleteImmersion, today: date) -> list[ImmersionCompleted]:
    """Record what followed the immersion, once."""
    immersion = _ongoing(state)
    start = immersion.periods[0].start_date
    if command.completed_on < start:
        raise InvalidField("completed_on", f"{command.completed_on} précède le début de l'immersion ({start})")
    if command.completed_on > today:
        raise InvalidField("completed_on", f"{command.completed_on} est dans le futur")
    return [
        ImmersionCompleted(
            immersion_id=immersion.id,
            beneficiary_id=immersion.beneficiary_id,
            agency_id=immersion.agency_id,
            host_kind=immersion.host_kind,
            employer_id=immersion.employer_id,
            completed_on=command.completed_on,
            outcome=command.outcome,
            total_days_of_presence=immersion.days_of_presence,
        )
    ]
