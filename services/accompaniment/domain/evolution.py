"""How accompaniment's aggregates evolve: the pure fold of their events, and the aggregates the store keeps.

An accompaniment's id is derived from the enrolment event that opened it, so reacting twice to that event
designates the same accompaniment.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from uuid import UUID

from services.accompaniment.domain.state import (
    Accompaniment,
    Action,
    Appointment,
    AppointmentStatus,
    Barrier,
    BarrierStatus,
    EngagementContract,
    Objective,
    ProposedExit,
    Registration,
    Renewal,
    SchemeReferral,
    Suspension,
    TrainingNeed,
    Transfer,
    WorkshopParticipation,
    WorkshopSession,
)
from shared.aggregate import Aggregate, evolved
from shared.contracts.accompaniment import (
    AccompanimentClosed,
    AccompanimentEvent,
    AccompanimentOpened,
    AccompanimentRenewed,
    AccompanimentResumed,
    AccompanimentSuspended,
    AccompanimentTransferred,
    ActionPlanned,
    ActionStatusChanged,
    AppointmentCancelled,
    AppointmentHeld,
    AppointmentMissed,
    AppointmentScheduled,
    AttendanceRecorded,
    BarrierIdentified,
    BarrierLifted,
    BarrierNotLifted,
    BarrierWorkedOn,
    CandidateProfileUpdated,
    EngagementContractSigned,
    ExitProposalWithdrawn,
    ExitProposed,
    ObjectiveSet,
    ParticipantRegistered,
    ReferentAssigned,
    RegisteredForWorkshop,
    SchemeReferralMade,
    TrainingNeedRecorded,
    WorkshopAttendanceRecorded,
    WorkshopEvent,
    WorkshopSessionOpenedToDepartment,
    WorkshopSessionScheduled,
)

# Accompaniment ids are derived from the enrolment event, so reacting twice to it designates the same one.
_NAMESPACE = uuid.UUID("6f1c3a52-4d0e-4b8f-9a57-2e61c7d0a4b3")


def accompaniment_id_for(enrolment_event_id: UUID) -> UUID:
    """The id of the accompaniment opened by an enrolment."""
    return uuid.uuid5(_NAMESPACE, f"enrolment:{enrolment_event_id}")


def _appointment(state: Accompaniment, appointment_id: UUID, **changes) -> dict[UUID, Appointment]:
    return {**state.appointments, appointment_id: replace(state.appointments[appointment_id], **changes)}


def _named(state: Accompaniment, event: BarrierWorkedOn | BarrierLifted | BarrierNotLifted) -> Barrier:
    """The barrier a later event is about: the one it names, else (recorded as v1) its category's followed one."""
    barrier = state.barrier(event.barrier_id) if event.barrier_id else state.active_barrier(event.category)
    if barrier is None:
        raise TypeError(f"{type(event).__name__} names no barrier of the accompaniment")
    return barrier


def _barrier(
    state: Accompaniment, event: BarrierWorkedOn | BarrierLifted | BarrierNotLifted, **changes
) -> dict[str, object]:
    target = _named(state, event)
    return dict(barriers=tuple(replace(b, **changes) if b is target else b for b in state.barriers))


def _changes(state: Accompaniment, event: AccompanimentEvent) -> dict[str, object]:
    """The fields an event changes (the state is copied once per event, with its version, by the caller)."""
    match event:
        case ReferentAssigned():
            return dict(referent_id=event.referent_id)
        case EngagementContractSigned():
            return dict(contract=EngagementContract(event.signed_on, event.deadline, event.late))
        case AppointmentScheduled():
            appointment = Appointment(event.appointment_id, event.appointment_date)
            return dict(appointments={**state.appointments, appointment.id: appointment})
        case AppointmentHeld():
            held = _appointment(
                state,
                event.appointment_id,
                status=AppointmentStatus.HELD,
                outcome_on=event.held_on,
                days_since_orientation=event.days_since_orientation,
            )
            return dict(appointments=held)
        case AppointmentMissed():
            missed = _appointment(
                state, event.appointment_id, status=AppointmentStatus.MISSED, outcome_on=event.appointment_date
            )
            return dict(appointments=missed)
        case AppointmentCancelled():
            cancelled = _appointment(
                state, event.appointment_id, status=AppointmentStatus.CANCELLED, outcome_on=event.cancelled_on
            )
            return dict(appointments=cancelled)
        case BarrierIdentified():
            barrier = Barrier(event.barrier_id, event.category, event.identified_on)
            return dict(barriers=(*state.barriers, barrier))
        case BarrierWorkedOn():
            return _barrier(state, event, status=BarrierStatus.WORKED_ON, worked_on_from=event.started_on)
        case BarrierLifted():
            return _barrier(state, event, status=BarrierStatus.LIFTED, ended_on=event.lifted_on)
        case BarrierNotLifted():
            return _barrier(state, event, status=BarrierStatus.NOT_LIFTED, ended_on=event.assessed_on)
        case TrainingNeedRecorded():
            need = TrainingNeed(event.training_need_id, event.subject_ref, event.recorded_on)
            return dict(training_needs=(*state.training_needs, need))
        case ObjectiveSet():
            objective = Objective(event.objective_id, event.label_ref, event.set_on, event.target_date)
            return dict(objectives={**state.objectives, objective.id: objective})
        case ActionPlanned():
            action = Action(event.action_id, event.objective_id, event.label_ref, event.planned_on, event.due_on)
            return dict(actions={**state.actions, action.id: action})
        case ActionStatusChanged():
            action = replace(state.actions[event.action_id], status=event.status, status_changed_on=event.changed_on)
            return dict(actions={**state.actions, action.id: action})
        case SchemeReferralMade():
            referral = SchemeReferral(event.referral_id, event.scheme, event.partner_ref, event.referred_on)
            return dict(referrals=(*state.referrals, referral))
        case AccompanimentSuspended():
            suspension = Suspension(event.reason, event.suspended_on, event.expected_resumption_on)
            return dict(suspensions=(*state.suspensions, suspension))
        case AccompanimentResumed():
            resumed = replace(state.suspensions[-1], resumed_on=event.resumed_on)
            return dict(suspensions=(*state.suspensions[:-1], resumed))
        case AccompanimentRenewed():
            renewal = Renewal(
                event.reason, event.renewed_on, event.previous_planned_end_date, event.new_planned_end_date
            )
            return dict(planned_end_date=event.new_planned_end_date, renewals=(*state.renewals, renewal))
        case AccompanimentTransferred():
            transfer = Transfer(event.from_agency_id, event.to_agency_id, event.commune_code, event.transferred_on)
            return dict(
                agency_id=event.to_agency_id,
                commune_code=event.commune_code,
                referent_id=None,
                transfers=(*state.transfers, transfer),
            )
        case RegisteredForWorkshop():
            participation = WorkshopParticipation(event.session_id, event.theme, event.session_date)
            return dict(workshops={**state.workshops, event.session_id: participation})
        case WorkshopAttendanceRecorded():
            participation = replace(state.workshops[event.session_id], attended=event.attended)
            return dict(workshops={**state.workshops, event.session_id: participation})
        case ExitProposed():
            proposal = ProposedExit(
                event.hire_id,
                event.exit_category,
                event.exit_group,
                event.proposed_on,
                rights_ended_on=event.rights_ended_on,
            )
            return dict(proposed_exits=(*state.proposed_exits, proposal))
        case ExitProposalWithdrawn():
            proposals = tuple(
                replace(p, withdrawn_on=event.withdrawn_on, hire_ended_on=event.hire_ended_on)
                if p.hire_id == event.hire_id
                else p
                for p in state.proposed_exits
            )
            return dict(proposed_exits=proposals)
        case CandidateProfileUpdated():
            return dict(candidate_profile=event, commune_code=event.commune_code)
        case AccompanimentClosed():
            return dict(closed_on=event.closed_on, exit_category=event.exit_category)
    raise TypeError(f"unhandled event {type(event).__name__}")


def apply_accompaniment(state: Accompaniment | None, event: AccompanimentEvent) -> Accompaniment:
    """Fold one event into the state."""
    if isinstance(event, AccompanimentOpened):
        return Accompaniment(
            id=event.accompaniment_id,
            beneficiary_id=event.beneficiary_id,
            agency_id=event.agency_id,
            start_date=event.start_date,
            planned_end_date=event.planned_end_date,
            orientation_date=event.orientation_date,
            commune_code=event.commune_code,
            is_return=event.is_return,
            previous_accompaniment_id=event.previous_accompaniment_id,
            version=1,
        )
    if state is None:
        raise TypeError(f"{type(event).__name__} before the accompaniment was opened")
    return evolved(state, **_changes(state, event))


# Streams `accompaniment-<id>`, keyed by the person so that their events stay in order on the topic.
ACCOMPANIMENT: Aggregate[Accompaniment] = Aggregate(
    "accompaniment", apply_accompaniment, partition_key=lambda s: s.beneficiary_id
)


def apply_workshop_session(state: WorkshopSession | None, event: WorkshopEvent) -> WorkshopSession:
    """Fold one event into the session."""
    match event:
        case WorkshopSessionScheduled():
            return WorkshopSession(
                event.session_id, event.agency_id, event.theme, event.session_date, event.capacity, event.title_ref, 1
            )
        case ParticipantRegistered():
            seat = Registration(event.accompaniment_id, event.beneficiary_id, event.registered_on)
            registrations = {**state.registrations, event.accompaniment_id: seat}
            return evolved(state, registrations=registrations)
        case AttendanceRecorded():
            seat = replace(state.registrations[event.accompaniment_id], attended=event.attended)
            registrations = {**state.registrations, event.accompaniment_id: seat}
            return evolved(state, registrations=registrations)
        case WorkshopSessionOpenedToDepartment():
            return evolved(state, open_to_department=True)
    raise TypeError(f"unhandled event {type(event).__name__}")


# Streams `workshop-session-<id>`, keyed by the session (its registrations follow each other in order).
WORKSHOP_SESSION: Aggregate[WorkshopSession] = Aggregate(
    "workshop-session", apply_workshop_session, partition_key=lambda s: s.id
)
