"""How placement's aggregates evolve: the pure fold of each one's events, and the aggregates the store keeps.

The hire's id is derived from its introduction's, so that a hire recorded twice is the same hire.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from uuid import UUID

from services.placement.domain.commands import OutcomeKind
from services.placement.domain.state import (
    Employer,
    Hire,
    Immersion,
    Introduction,
    Move,
    Need,
    NeedStatus,
    Period,
)
from shared.aggregate import Aggregate, evolved
from shared.contracts.placement import (
    EmployerAssignedToAgency,
    EmployerContactRecorded,
    EmployerRegistered,
    HireCheckInRecorded,
    HireEndedEarly,
    HireRecorded,
    ImmersionAgreed,
    ImmersionCompleted,
    ImmersionRenewed,
    ImmersionTransferred,
    IntroductionMade,
    IntroductionNotHired,
    IntroductionTransferred,
    NeedClosed,
    NeedFilled,
    NeedPublished,
    PlacementEvent,
)

_HIRE_NAMESPACE = uuid.UUID("0c3f7a9e-2b61-4f0d-8e15-93a1d7c4b258")


def hire_id_for(introduction_id: UUID) -> UUID:
    """The id of the hire an introduction ends in."""
    return uuid.uuid5(_HIRE_NAMESPACE, f"hire:{introduction_id}")


def apply_employer(state: Employer | None, event: PlacementEvent) -> Employer:
    """Fold one event into the state."""
    match event:
        case EmployerRegistered():
            return Employer(
                id=event.employer_id,
                siret=event.siret,
                name_ref=event.name_ref,
                size=event.size,
                sector=event.sector,
                social_economy=event.social_economy,
                siae=event.siae,
                commune_code=event.commune_code,
                version=1,
            )
        case EmployerAssignedToAgency():
            return evolved(state, agency_id=event.agency_id)
        case EmployerContactRecorded():
            last = max(filter(None, (state.last_contact_on, event.contact_date)))
            return evolved(state, contacts=state.contacts + 1, last_contact_on=last)
    raise TypeError(f"unhandled event {type(event).__name__}")


def apply_need(state: Need | None, event: PlacementEvent) -> Need:
    """Fold one event into the state."""
    match event:
        case NeedPublished():
            return Need(
                id=event.need_id,
                employer_id=event.employer_id,
                agency_id=event.agency_id,
                title_ref=event.title_ref,
                sector=event.sector,
                tasks_ref=event.tasks_ref,
                weekly_hours=event.weekly_hours,
                time_slots=tuple(event.time_slots),
                commune_code=event.commune_code,
                required_aptitudes=tuple(event.required_aptitudes),
                working_conditions=tuple(event.working_conditions),
                contract_type=event.contract_type,
                duration_months=event.duration_months,
                positions=event.positions,
                published_on=event.published_on,
                version=1,
            )
        case NeedFilled():
            return evolved(state, status=NeedStatus.FILLED, ended_on=event.filled_on)
        case NeedClosed():
            return evolved(state, status=NeedStatus.CLOSED, ended_on=event.closed_on)
    raise TypeError(f"unhandled event {type(event).__name__}")


def apply_introduction(state: Introduction | None, event: PlacementEvent) -> Introduction:
    """Fold one event into the state."""
    match event:
        case IntroductionMade():
            return Introduction(
                id=event.introduction_id,
                need_id=event.need_id,
                employer_id=event.employer_id,
                beneficiary_id=event.beneficiary_id,
                agency_id=event.agency_id,
                sector=event.sector,
                introduced_on=event.introduced_on,
                caseworker=event.caseworker,
                version=1,
            )
        case IntroductionNotHired():
            return evolved(
                state, outcome=OutcomeKind.NOT_HIRED, decided_on=event.decided_on, not_hired_reason=event.reason
            )
        case HireRecorded():
            hire = Hire(event.hire_id, event.contract_type, event.duration_months, event.weekly_hours, event.start_date)
            return evolved(state, outcome=OutcomeKind.HIRED, hire=hire)
        case HireCheckInRecorded():
            hire = replace(state.hire, check_ins={**state.hire.check_ins, event.month: event.still_employed})
            return evolved(state, hire=hire)
        case HireEndedEarly():
            hire = replace(state.hire, ended_on=event.ended_on, end_reason=event.reason)
            return evolved(state, hire=hire)
        case IntroductionTransferred():
            move = Move(event.transferred_on, event.from_agency_id, event.to_agency_id)
            return evolved(state, agency_id=event.to_agency_id, moves=(*state.moves, move))
    raise TypeError(f"unhandled event {type(event).__name__}")


def apply_immersion(state: Immersion | None, event: PlacementEvent) -> Immersion:
    """Fold one event into the state."""
    match event:
        case ImmersionAgreed():
            return Immersion(
                id=event.immersion_id,
                beneficiary_id=event.beneficiary_id,
                agency_id=event.agency_id,
                host_kind=event.host_kind,
                employer_id=event.employer_id,
                host_name_ref=event.host_name_ref,
                host_index=event.host_index,
                sector=event.sector,
                periods=(Period(event.start_date, event.end_date, event.days_of_presence),),
                version=1,
            )
        case ImmersionRenewed():
            period = Period(event.start_date, event.end_date, event.days_of_presence)
            return evolved(state, periods=(*state.periods, period))
        case ImmersionCompleted():
            return evolved(state, outcome=event.outcome, completed_on=event.completed_on)
        case ImmersionTransferred():
            move = Move(event.transferred_on, event.from_agency_id, event.to_agency_id)
            return evolved(state, agency_id=event.to_agency_id, moves=(*state.moves, move))
    raise TypeError(f"unhandled event {type(event).__name__}")


# Streams `employer-<id>`, keyed by the employer (its needs follow it too).
EMPLOYER: Aggregate[Employer] = Aggregate("employer", apply_employer, partition_key=lambda s: s.id)


# Streams `need-<id>`, keyed by the employer, so that its needs and registration stay in order.
NEED: Aggregate[Need] = Aggregate("need", apply_need, partition_key=lambda s: s.employer_id)


# Streams `introduction-<id>`, keyed by the person, so that their introductions and hires stay in order.
INTRODUCTION: Aggregate[Introduction] = Aggregate(
    "introduction", apply_introduction, partition_key=lambda s: s.beneficiary_id
)


# Streams `immersion-<id>`, keyed by the person.
IMMERSION: Aggregate[Immersion] = Aggregate("immersion", apply_immersion, partition_key=lambda s: s.beneficiary_id)
