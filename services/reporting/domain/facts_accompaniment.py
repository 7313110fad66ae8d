"""How accompaniment's events become facts: accompaniments with their history, and workshop sessions."""

from __future__ import annotations

from datetime import date

from services.reporting.domain.facts import (
    Accompaniment,
    Appointment,
    Barrier,
    Contract,
    Participant,
    Renewal,
    Suspension,
    Transfer,
    WorkshopSession,
    evolve,
    merged,
)
from services.reporting.domain.projection import Change, Event, Facts, folds, update

_d = date.fromisoformat


def _type(name: str) -> str:
    return f"ali.accompaniment.{name}"


def _update(facts: Facts, event: Event, **changes) -> list[Change]:
    return update(facts, Accompaniment, event.data["accompaniment_id"], **changes)


def _current(facts: Facts, event: Event) -> Accompaniment | None:
    return facts.get(Accompaniment, event.data["accompaniment_id"])


def _added(facts: Facts, event: Event, history: str, entry: object) -> list[Change]:
    """The accompaniment with one more entry at the end of one of its histories."""
    a = _current(facts, event)
    return [] if a is None else _update(facts, event, **{history: (*getattr(a, history), entry)})


@folds(_type("AccompanimentOpened"))
def opened(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    return [
        (
            Accompaniment,
            d["accompaniment_id"],
            Accompaniment(
                accompaniment_id=d["accompaniment_id"],
                beneficiary_id=d["beneficiary_id"],
                agency_id=d["agency_id"],
                orientation_date=_d(d["orientation_date"]),
                start_date=_d(d["start_date"]),
                planned_end_date=_d(d["planned_end_date"]),
            ),
        )
    ]


@folds(_type("AccompanimentClosed"))
def closed(event: Event, facts: Facts) -> list[Change]:
    return _update(facts, event, closed_on=_d(event.data["closed_on"]), exit_category=event.data["exit_category"])


@folds(_type("ExitProposed"))
def exit_proposed(event: Event, facts: Facts) -> list[Change]:
    return _update(facts, event, proposed_exit=event.data["exit_category"])


@folds(_type("ExitProposalWithdrawn"))
def exit_proposal_withdrawn(event: Event, facts: Facts) -> list[Change]:
    """The hire behind the proposal ended early: another running hire's proposal holds, or none does."""
    return _update(facts, event, proposed_exit=event.data.get("replaced_by_exit_category"))


@folds(_type("EngagementContractSigned"))
def contract_signed(event: Event, facts: Facts) -> list[Change]:
    return _added(facts, event, "contracts", Contract(event.stream_version, _d(event.data["signed_on"])))


@folds(_type("AppointmentHeld"))
def appointment_held(event: Event, facts: Facts) -> list[Change]:
    a = _current(facts, event)
    if a is None:
        return []
    held = Appointment(event.data["appointment_id"], _d(event.data["held_on"]))
    appointments = merged(a.appointments, held, lambda x: x.appointment_id, lambda x: (x.held_on, x.appointment_id))
    return _update(facts, event, appointments=appointments)


@folds(_type("AccompanimentSuspended"))
def suspended(event: Event, facts: Facts) -> list[Change]:
    return _added(facts, event, "suspensions", Suspension(event.stream_version, _d(event.data["suspended_on"])))


@folds(_type("AccompanimentResumed"))
def resumed(event: Event, facts: Facts) -> list[Change]:
    a = _current(facts, event)
    open_ = [s for s in a.suspensions if s.resumed_on is None] if a else []
    if not open_:
        return []
    last = open_[-1]
    resumed_on = _d(event.data["resumed_on"])
    suspensions = tuple(evolve(s, resumed_on=resumed_on) if s is last else s for s in a.suspensions)
    return _update(facts, event, suspensions=suspensions)


@folds(_type("AccompanimentRenewed"))
def renewed(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    renewal = Renewal(event.stream_version, _d(d["renewed_on"]), _d(d["new_planned_end_date"]))
    return _added(facts, event, "renewals", renewal)


@folds(_type("AccompanimentTransferred"))
def transferred(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    transfer = Transfer(event.stream_version, _d(d["transferred_on"]), d["from_agency_id"], d["to_agency_id"])
    return _added(facts, event, "transfers", transfer)


@folds(_type("BarrierIdentified"))
def barrier_identified(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    # Each identification is its own barrier. Until the events carry a barrier id, the identification's
    # own position (stream and version) is its identity: stable across replays and rebuilds.
    barrier_id = d.get("barrier_id") or f"{event.stream_id}:{event.stream_version}"
    barrier = Barrier(barrier_id, event.stream_version, d["category"], _d(d["identified_on"]))
    return _added(facts, event, "barriers", barrier)


def _progress(event: Event, facts: Facts, **changes) -> list[Change]:
    """Update the barrier an event is about: the one it names, else the category's barrier still followed."""
    a = _current(facts, event)
    if a is None:
        return []
    named = event.data.get("barrier_id")
    category = event.data["category"]
    candidates = [
        b
        for b in a.barriers
        if (b.barrier_id == named if named else b.category == category and b.ended_on is None)
        and b.seq < event.stream_version
    ]
    if not candidates:
        return []
    target = candidates[-1]
    barriers = tuple(evolve(b, **changes) if b is target else b for b in a.barriers)
    return _update(facts, event, barriers=barriers)


@folds(_type("BarrierWorkedOn"))
def barrier_worked_on(event: Event, facts: Facts) -> list[Change]:
    return _progress(event, facts, worked_on_from=_d(event.data["started_on"]))


@folds(_type("BarrierLifted"))
def barrier_lifted(event: Event, facts: Facts) -> list[Change]:
    return _progress(event, facts, lifted_on=_d(event.data["lifted_on"]))


@folds(_type("BarrierNotLifted"))
def barrier_not_lifted(event: Event, facts: Facts) -> list[Change]:
    return _progress(event, facts, not_lifted_on=_d(event.data["assessed_on"]))


@folds(_type("WorkshopSessionScheduled"))
def session_scheduled(event: Event, facts: Facts) -> list[Change]:
    d = event.data
    session = WorkshopSession(d["session_id"], d["agency_id"], d["theme"], _d(d["session_date"]), int(d["capacity"]))
    return [(WorkshopSession, session.session_id, session)]


def _with_participant(event: Event, facts: Facts, **changes) -> list[Change]:
    d = event.data
    session: WorkshopSession | None = facts.get(WorkshopSession, d["session_id"])
    if session is None:
        return []
    current = next((p for p in session.participants if p.accompaniment_id == d["accompaniment_id"]), None)
    updated = evolve(current or Participant(d["accompaniment_id"], d["beneficiary_id"]), **changes)
    others = [p for p in session.participants if p is not current]
    participants = tuple(sorted((*others, updated), key=lambda p: p.accompaniment_id))
    return [(WorkshopSession, session.session_id, evolve(session, participants=participants))]


@folds(_type("ParticipantRegistered"))
def participant_registered(event: Event, facts: Facts) -> list[Change]:
    return _with_participant(event, facts, registered_on=_d(event.data["registered_on"]))


@folds(_type("AttendanceRecorded"))
def attendance_recorded(event: Event, facts: Facts) -> list[Change]:
    return _with_participant(event, facts, attended=bool(event.data["attended"]))
