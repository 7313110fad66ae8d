"""Individual appointments: scheduled (possibly ahead), then held, missed (no-show) or cancelled."""

from __future__ import annotations

from uuid import UUID

from services.accompaniment.domain.commands import (
    CancelAppointment,
    RecordAppointmentHeld,
    RecordAppointmentMissed,
    ScheduleAppointment,
)
from services.accompaniment.domain.decisions.guards import active, header, not_before_start, open_, past_fact
from services.accompaniment.domain.errors import AlreadyRecorded, InvalidDate, ItemNotFound, TransitionRefused
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.state import Accompaniment, Appointment, AppointmentStatus
from shared.contracts.accompaniment import (
    AppointmentCancelled,
    AppointmentHeld,
    AppointmentMissed,
    AppointmentScheduled,
)


def _scheduled(state: Accompaniment, appointment_id: UUID) -> Appointment:
    """The appointment, which must still be waiting for its outcome."""
    appointment = state.appointments.get(appointment_id)
    if appointment is None:
        raise ItemNotFound(f"aucun rendez-vous {appointment_id} dans cet accompagnement")
    if appointment.status != AppointmentStatus.SCHEDULED:
        raise TransitionRefused(
            f"the appointment of {appointment.appointment_date} is already {appointment.status.value}"
        )
    return appointment


def schedule(state: Accompaniment | None, cmd: ScheduleAppointment, ctx: Context) -> list[AppointmentScheduled]:
    """Plan an appointment, not before the start; not while the accompaniment is suspended."""
    state = active(state)
    if cmd.appointment_id in state.appointments:
        raise AlreadyRecorded(f"le rendez-vous {cmd.appointment_id} est déjà planifié")
    not_before_start(state, cmd.appointment_date, "la date du rendez-vous")
    return [
        AppointmentScheduled(
            **header(state),
            appointment_id=cmd.appointment_id,
            appointment_date=cmd.appointment_date,
            scheduled_on=ctx.today,
        )
    ]


def hold(state: Accompaniment | None, cmd: RecordAppointmentHeld, ctx: Context) -> list[AppointmentHeld]:
    """Record that the appointment took place; the first one held records the delay since orientation."""
    state = open_(state)
    appointment = _scheduled(state, cmd.appointment_id)
    held_on = past_fact(state, cmd.held_on or appointment.appointment_date, ctx.today, "la date du rendez-vous")
    first = not state.has_held_appointment
    return [
        AppointmentHeld(
            **header(state),
            appointment_id=appointment.id,
            held_on=held_on,
            first=first,
            days_since_orientation=max(0, (held_on - state.orientation_date).days) if first else None,
        )
    ]


def miss(state: Accompaniment | None, cmd: RecordAppointmentMissed, ctx: Context) -> list[AppointmentMissed]:
    """Record a no-show, once the day of the appointment has come."""
    state = open_(state)
    appointment = _scheduled(state, cmd.appointment_id)
    if appointment.appointment_date > ctx.today:
        raise InvalidDate(
            f"the appointment of {appointment.appointment_date} has not taken place yet: it cannot be missed"
        )
    return [
        AppointmentMissed(**header(state), appointment_id=appointment.id, appointment_date=appointment.appointment_date)
    ]


def cancel(state: Accompaniment | None, cmd: CancelAppointment, ctx: Context) -> list[AppointmentCancelled]:
    """Call off an appointment that has not had an outcome."""
    state = open_(state)
    appointment = _scheduled(state, cmd.appointment_id)
    cancelled_on = past_fact(state, cmd.cancelled_on, ctx.today, "la date d'annulation")
    return [
        AppointmentCancelled(
            **header(state),
            appointment_id=appointment.id,
            appointment_date=appointment.appointment_date,
            cancelled_on=cancelled_on,
        )
    ]
