"""Collective workshop sessions: one aggregate per session, with its seats, registrations and attendance.

A registration or an attendance is also recorded on the person's accompaniment (for the indicators and
the last contact); the decisions return the events of both streams, appended in one transaction.
"""

from __future__ import annotations

from datetime import timedelta

from services.accompaniment.domain.commands import Attendance, RegisterParticipant, ScheduleWorkshopSession
from services.accompaniment.domain.decisions.guards import active, header, open_
from services.accompaniment.domain.errors import (
    AlreadyRecorded,
    InvalidDate,
    RegistrationRefused,
    WorkshopFull,
    WorkshopNotFound,
)
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.state import Accompaniment, WorkshopSession
from shared.contracts.accompaniment import (
    AttendanceRecorded,
    ParticipantRegistered,
    RegisteredForWorkshop,
    WorkshopAttendanceRecorded,
    WorkshopSessionScheduled,
)

# Sessions already held may be entered afterwards (a register typed in later, the history of an agency
# joining the platform), within this many days.
PAST_SESSIONS_DAYS = 730


def schedule_session(cmd: ScheduleWorkshopSession, ctx: Context) -> list[WorkshopSessionScheduled]:
    """Plan a session, or record one already held (its register is then entered after the fact)."""
    if cmd.session_date < ctx.today - timedelta(days=PAST_SESSIONS_DAYS):
        raise InvalidDate(
            f"the session date {cmd.session_date} is more than {PAST_SESSIONS_DAYS} days in the past"
            f" (today is {ctx.today})"
        )
    return [
        WorkshopSessionScheduled(
            session_id=cmd.session_id,
            agency_id=cmd.agency_id,
            theme=cmd.theme,
            session_date=cmd.session_date,
            capacity=cmd.capacity,
            scheduled_on=ctx.today,
            title=cmd.title,
        )
    ]


def _existing(session: WorkshopSession | None) -> WorkshopSession:
    if session is None:
        raise WorkshopNotFound("aucune séance d'atelier ne porte cet identifiant")
    return session


def register(
    session: WorkshopSession | None, person: Accompaniment | None, cmd: RegisterParticipant, ctx: Context
) -> tuple[list[ParticipantRegistered], list[RegisteredForWorkshop]]:
    """Give a seat to a person followed by the session's agency; a full session refuses (409)."""
    session = _existing(session)
    person = active(person)
    if person.agency_id != session.agency_id:
        raise RegistrationRefused(
            f"this session is run by {session.agency_id}; the person is followed by {person.agency_id}"
        )
    if person.id in session.registrations:
        raise RegistrationRefused("la personne est déjà inscrite à cette séance")
    if any(seat.attended is not None for seat in session.registrations.values()):
        raise RegistrationRefused(
            f"the attendance sheet of the session of {session.session_date} is recorded: registrations are closed"
        )
    if session.seats_left <= 0:
        raise WorkshopFull(f"la séance du {session.session_date} est complète ({session.capacity} places)")
    return (
        [
            ParticipantRegistered(
                session_id=session.id,
                agency_id=session.agency_id,
                accompaniment_id=person.id,
                beneficiary_id=person.beneficiary_id,
                registered_on=ctx.today,
            )
        ],
        [
            RegisteredForWorkshop(
                **header(person), session_id=session.id, theme=session.theme, session_date=session.session_date
            )
        ],
    )


def record_attendance(
    session: WorkshopSession | None, person: Accompaniment | None, line: Attendance, ctx: Context
) -> tuple[list[AttendanceRecorded], list[WorkshopAttendanceRecorded]]:
    """Record whether a registered person came, once, from the day of the session."""
    session = _existing(session)
    person = open_(person)
    seat = session.registrations.get(person.id)
    if seat is None:
        raise RegistrationRefused("la personne n'est pas inscrite à cette séance")
    if seat.attended is not None:
        raise AlreadyRecorded("la présence de cette personne est déjà enregistrée pour cette séance")
    if ctx.today < session.session_date:
        raise InvalidDate(
            f"la séance a lieu le {session.session_date} : la présence ne peut pas être enregistrée avant"
        )
    return (
        [
            AttendanceRecorded(
                session_id=session.id,
                agency_id=session.agency_id,
                accompaniment_id=person.id,
                beneficiary_id=person.beneficiary_id,
                theme=session.theme,
                session_date=session.session_date,
                attended=line.attended,
            )
        ],
        [
            WorkshopAttendanceRecorded(
                **header(person),
                session_id=session.id,
                theme=session.theme,
                session_date=session.session_date,
                attended=line.attended,
            )
        ],
    )
