"""Fact rows from accompaniment's events: accompaniments, barriers, workshop sessions."""

from __future__ import annotations

from services.reporting.domain.facts import Lookup, Row, on
from shared.contracts.accompaniment import (
    AccompanimentClosed,
    AccompanimentOpened,
    AccompanimentRenewed,
    AccompanimentResumed,
    AccompanimentSuspended,
    AccompanimentTransferred,
    AppointmentHeld,
    AttendanceRecorded,
    BarrierIdentified,
    BarrierLifted,
    BarrierNotLifted,
    BarrierWorkedOn,
    EngagementContractSigned,
    ExitProposalWithdrawn,
    ExitProposed,
    ParticipantRegistered,
    WorkshopSessionScheduled,
)
from shared.envelope import Envelope


def _key(accompaniment_id) -> str:
    return f"accompaniment:{accompaniment_id}"


def _update(lookup: Lookup, accompaniment_id, **changes) -> list[tuple[str, Row]]:
    row = lookup(_key(accompaniment_id))
    if row is None:
        return []
    return [(_key(accompaniment_id), {**row, **changes})]


@on(AccompanimentOpened)
def opened(event: AccompanimentOpened, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    return [
        (
            _key(event.accompaniment_id),
            {
                "kind": "accompaniment",
                "accompaniment_id": str(event.accompaniment_id),
                "beneficiary_id": str(event.beneficiary_id),
                "agency_id": event.agency_id,
                "agency_history": [[event.start_date.isoformat(), event.agency_id]],
                "orientation_date": event.orientation_date.isoformat(),
                "start_date": event.start_date.isoformat(),
                "planned_end_date": event.planned_end_date.isoformat(),
                "closed_on": None,
                "exit_category": None,
                "exit_group": None,
                "renewals": [],
                "suspensions": [],
                "contract_signed_on": None,
                "contract_in_time": None,
                "first_appointment_delay_days": None,
                "proposed_exit": None,
            },
        )
    ]


@on(AccompanimentClosed)
def closed(event: AccompanimentClosed, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    return _update(
        lookup,
        event.accompaniment_id,
        closed_on=event.closed_on.isoformat(),
        exit_category=event.exit_category.value,
        exit_group=event.exit_group.value,
    )


@on(ExitProposed)
def exit_proposed(event: ExitProposed, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    return _update(lookup, event.accompaniment_id, proposed_exit=event.exit_category.value)


@on(ExitProposalWithdrawn)
def exit_withdrawn(event: ExitProposalWithdrawn, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    replacement = event.replaced_by_exit_category
    return _update(lookup, event.accompaniment_id, proposed_exit=replacement.value if replacement else None)


@on(EngagementContractSigned)
def contract_signed(event: EngagementContractSigned, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    return _update(
        lookup, event.accompaniment_id, contract_signed_on=event.signed_on.isoformat(), contract_in_time=not event.late
    )


@on(AppointmentHeld)
def appointment_held(event: AppointmentHeld, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    if not event.first:
        return []
    return _update(
        lookup,
        event.accompaniment_id,
        first_appointment_on=event.held_on.isoformat(),
        first_appointment_delay_days=event.days_since_orientation,
    )


@on(AccompanimentSuspended)
def suspended(event: AccompanimentSuspended, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    row = lookup(_key(event.accompaniment_id))
    if row is None:
        return []
    return [
        (
            _key(event.accompaniment_id),
            {**row, "suspensions": [*row["suspensions"], [event.suspended_on.isoformat(), None]]},
        )
    ]


@on(AccompanimentResumed)
def resumed(event: AccompanimentResumed, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    row = lookup(_key(event.accompaniment_id))
    if row is None or not row["suspensions"]:
        return []
    *earlier, (since, _) = row["suspensions"]
    return [(_key(event.accompaniment_id), {**row, "suspensions": [*earlier, [since, event.resumed_on.isoformat()]]})]


@on(AccompanimentRenewed)
def renewed(event: AccompanimentRenewed, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    row = lookup(_key(event.accompaniment_id))
    if row is None:
        return []
    return [
        (
            _key(event.accompaniment_id),
            {
                **row,
                "renewals": [*row["renewals"], event.renewed_on.isoformat()],
                "planned_end_date": event.new_planned_end_date.isoformat(),
            },
        )
    ]


@on(AccompanimentTransferred)
def transferred(event: AccompanimentTransferred, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    row = lookup(_key(event.accompaniment_id))
    if row is None:
        return []
    history = [*row["agency_history"], [event.transferred_on.isoformat(), event.to_agency_id]]
    return [(_key(event.accompaniment_id), {**row, "agency_id": event.to_agency_id, "agency_history": history})]


def _barrier_key(barrier_id) -> str:
    return f"barrier:{barrier_id}"


def _followed_key(event) -> str:
    # Which barrier of a category is followed: how the later events recorded as v1 (no barrier id) find theirs.
    return f"barrier_followed:{event.accompaniment_id}:{event.category.value}"


@on(BarrierIdentified)
def barrier_identified(event: BarrierIdentified, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    """Each identification is one barrier, even of a category met before."""
    return [
        (
            _barrier_key(event.barrier_id),
            {
                "kind": "barrier",
                "barrier_id": str(event.barrier_id),
                "accompaniment_id": str(event.accompaniment_id),
                "agency_id": event.agency_id,
                "category": event.category.value,
                "status": "identified",
                "identified_on": event.identified_on.isoformat(),
                "lifted_on": None,
            },
        ),
        (_followed_key(event), {"kind": "barrier_followed", "barrier_id": str(event.barrier_id)}),
    ]


def _barrier_update(event, lookup: Lookup, **changes) -> list[tuple[str, Row]]:
    barrier_id = event.barrier_id
    if barrier_id is None:
        followed = lookup(_followed_key(event))
        barrier_id = followed["barrier_id"] if followed else None
    row = lookup(_barrier_key(barrier_id)) if barrier_id is not None else None
    return [] if row is None else [(_barrier_key(barrier_id), {**row, **changes})]


@on(BarrierWorkedOn)
def barrier_worked_on(event: BarrierWorkedOn, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    return _barrier_update(event, lookup, status="worked_on")


@on(BarrierLifted)
def barrier_lifted(event: BarrierLifted, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    return _barrier_update(event, lookup, status="lifted", lifted_on=event.lifted_on.isoformat())


@on(BarrierNotLifted)
def barrier_not_lifted(event: BarrierNotLifted, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    return _barrier_update(event, lookup, status="not_lifted")


def _session_key(session_id) -> str:
    return f"workshop_session:{session_id}"


@on(WorkshopSessionScheduled)
def session_scheduled(event: WorkshopSessionScheduled, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    return [
        (
            _session_key(event.session_id),
            {
                "kind": "workshop_session",
                "session_id": str(event.session_id),
                "agency_id": event.agency_id,
                "theme": event.theme.value,
                "date": event.session_date.isoformat(),
                "capacity": event.capacity,
                "participants": [],
                "present": [],
                "registrations": 0,
                "attendance": 0,
            },
        )
    ]


@on(ParticipantRegistered)
def participant_registered(event: ParticipantRegistered, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    row = lookup(_session_key(event.session_id))
    if row is None:
        return []
    participants = sorted({*row["participants"], str(event.accompaniment_id)})
    return [(_session_key(event.session_id), {**row, "participants": participants, "registrations": len(participants)})]


@on(AttendanceRecorded)
def attendance_recorded(event: AttendanceRecorded, envelope: Envelope, lookup: Lookup) -> list[tuple[str, Row]]:
    row = lookup(_session_key(event.session_id))
    if row is None:
        return []
    present = set(row["present"])
    (present.add if event.attended else present.discard)(str(event.accompaniment_id))
    return [(_session_key(event.session_id), {**row, "present": sorted(present), "attendance": len(present)})]
