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
    WorkshopSessionOpenedToDepartment,
    WorkshopSessionScheduled,
)
from shared.private_text import text_ref

# Sessions already held may be entered afterwards (a register typed in later, the history of an agency
# joining the platform), within this many days.
PAST_SESSIONS_DAYS = 730


def schedule_session(
    cmd: ScheduleWorkshopSession, ctx: Context
) -> list[WorkshopSessionScheduled | WorkshopSessionOpenedToDepartment]:
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
            title_ref=text_ref(cmd.session_id, "title") if cmd.title else None,
        ),
        *(
            [WorkshopSessionOpenedToDepartment(session_id=cmd.session_id, agency_id=cmd.agency_id, opened_on=ctx.today)]
            if cmd.open_to_department
            else []
        ),
    ]


def open_to_department(session: WorkshopSession | None, ctx: Context) -> list[WorkshopSessionOpenedToDepartment]:
    """Open a session to the people followed by every agency of the department."""
    session = _existing(session)
    if session.open_to_department:
        raise AlreadyRecorded(f"the session of {session.session_date} is already open to the department")
    if any(seat.attended is not None for seat in session.registrations.values()):
        raise RegistrationRefused(
            f"the attendance sheet of the session of {session.session_date} is recorded: registrations are closed"
        )
    return [WorkshopSessionOpenedToDepartment(session_id=session.id, agency_id=session.agency_id, opened_on=ctx.today)]


def _may_take_part(session: WorkshopSession, person: Accompaniment, what: str) -> None:
    """A person followed by another agency takes part only in a session open to the department."""
    if person.agency_id != session.agency_id and not session.open_to_department:
        raise RegistrationRefused(
            f"{what}: this session is run by {session.agency_id} for the people it follows, and the person is"
            f" followed by {person.agency_id}; only a session open to the department takes people of other agencies"
        )


def _existing(session: WorkshopSession | None) -> WorkshopSession:
    if session is None:
        raise WorkshopNotFound("no such workshop session")
    return session


def register(
    session: WorkshopSession | None, person: Accompaniment | None, cmd: RegisterParticipant, ctx: Context
) -> tuple[list[ParticipantRegistered], list[RegisteredForWorkshop]]:
    """Give a seat to a person followed by the session's agency (any agency's if open to the department); a full
    session refuses (409)."""
    session = _existing(session)
    person = active(person)
    _may_take_part(session, person, "registration refused")
    if person.id in session.registrations:
        raise RegistrationRefused("the person is already registered for this session")
    if any(seat.attended is not None for seat in session.registrations.values()):
        raise RegistrationRefused(
            f"the attendance sheet of the session of {session.session_date} is recorded: registrations are closed"
        )
    if session.seats_left <= 0:
        raise WorkshopFull(f"the session of {session.session_date} is full ({session.capacity} seats)")
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
    """Record whether a registered person came, once, from the day of the session; a person now followed by
    another agency (transferred) only in a session open to the department."""
    session = _existing(session)
    person = open_(person)
    seat = session.registrations.get(person.id)
    if seat is None:
        raise RegistrationRefused("the person is not registered for this session")
    _may_take_part(session, person, f"attendance of accompaniment {person.id} refused")
    if seat.attended is not None:
        raise AlreadyRecorded("the attendance of this person is already recorded for this session")
    if ctx.today < session.session_date:
        raise InvalidDate(f"the session takes place on {session.session_date}: attendance cannot be recorded before")
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
