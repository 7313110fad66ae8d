"""The immersion aggregate (PMSMP): at most 30 days of presence, renewable once, then an outcome."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from services.placement.domain.candidate import Candidate
from services.placement.domain.commands import AgreeImmersion, CompleteImmersion, RenewImmersion
from services.placement.domain.employer import Employer
from services.placement.domain.errors import (
    CandidateInactive,
    CandidateNotFound,
    EmployerNotFound,
    ImmersionAlreadyRenewed,
    ImmersionNotFound,
    InvalidInput,
    OutcomeAlreadyRecorded,
)
from shared.aggregate import Aggregate
from shared.contracts.placement import (
    ImmersionAgreed,
    ImmersionCompleted,
    ImmersionHost,
    ImmersionOutcome,
    ImmersionRenewed,
    PlacementEvent,
)


@dataclass(frozen=True)
class Period:
    """Days of presence between two dates."""

    start_date: date
    end_date: date
    days_of_presence: int


@dataclass(frozen=True)
class Immersion:
    """State of one immersion, rebuilt from its events."""

    id: UUID
    beneficiary_id: UUID
    agency_id: str
    host_kind: ImmersionHost
    employer_id: UUID | None
    host_name: str
    sector: str | None
    periods: tuple[Period, ...]
    outcome: ImmersionOutcome | None = None
    completed_on: date | None = None
    version: int = 0

    @property
    def renewed(self) -> bool:
        """True once the single renewal was used."""
        return len(self.periods) > 1

    @property
    def end_date(self) -> date:
        """Last day of the current period."""
        return self.periods[-1].end_date

    @property
    def days_of_presence(self) -> int:
        """Days of presence over every period."""
        return sum(p.days_of_presence for p in self.periods)


def apply(state: Immersion | None, event: PlacementEvent) -> Immersion:
    """Fold one event into the state."""
    match event:
        case ImmersionAgreed():
            return Immersion(
                id=event.immersion_id,
                beneficiary_id=event.beneficiary_id,
                agency_id=event.agency_id,
                host_kind=event.host_kind,
                employer_id=event.employer_id,
                host_name=event.host_name,
                sector=event.sector,
                periods=(Period(event.start_date, event.end_date, event.days_of_presence),),
                version=1,
            )
        case ImmersionRenewed():
            period = Period(event.start_date, event.end_date, event.days_of_presence)
            return replace(state, periods=(*state.periods, period), version=state.version + 1)
        case ImmersionCompleted():
            return replace(state, outcome=event.outcome, completed_on=event.completed_on, version=state.version + 1)
    raise TypeError(f"unhandled event {type(event).__name__}")


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
        raise CandidateNotFound(f"no candidate profile shared by accompaniment for {command.beneficiary_id}")
    if not candidate.active:
        raise CandidateInactive("this person's accompaniment is closed")
    if command.host_kind == ImmersionHost.EMPLOYER and employer is None:
        raise EmployerNotFound(f"no employer {command.employer_id}")
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
        raise ImmersionNotFound("no such immersion")
    if state.outcome is not None:
        raise OutcomeAlreadyRecorded(f"this immersion ended on {state.completed_on} ({state.outcome})")
    return state


def renew(state: Immersion | None, command: RenewImmersion, today: date) -> list[ImmersionRenewed]:
    """Renew once, for at most 30 more days of presence, starting after the current period."""
    immersion = _ongoing(state)
    if immersion.renewed:
        raise ImmersionAlreadyRenewed("an immersion can be renewed only once; agree a new one instead")
    if command.first_day <= immersion.end_date:
        raise InvalidInput(
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
        raise InvalidInput("completed_on", f"{command.completed_on} is before the immersion started ({start})")
    if command.completed_on > today:
        raise InvalidInput("completed_on", f"{command.completed_on} is in the future")
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


# Streams `immersion-<id>`, keyed by the person.
IMMERSION: Aggregate[Immersion] = Aggregate("immersion", apply, partition_key=lambda s: s.beneficiary_id)
