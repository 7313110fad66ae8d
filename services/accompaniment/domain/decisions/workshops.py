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
            f"la date de séance {cmd.session_date} remonte à plus de {PAST_SESSIONS_DAYS} jours"
            f" (nous sommes le {ctx.today})"
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
        raise AlreadyRecorded(f"la séance du {session.session_date} est déjà ouverte au département")
    if any(seat.attended is not None for seat in session.registrations.values()):
        raise RegistrationRefused(
            f"la feuille de présence de la séance du {session.session_date} est enregistrée :"
            " les inscriptions sont closes"
        )
    return [WorkshopSessionOpenedToDepartment(session_id=session.id, agency_id=session.agency_id, opened_on=ctx.today)]


def _may_take_part(session: WorkshopSession, person: Accompaniment, what: str) -> None:
    """A person followed by another agency takes part only in a session open to the department."""
    if person.agency_id != session.agency_id and not session.open_to_department:
        raise RegistrationRefused(
            f"{what} : cette séance est animée par {session.agency_id} pour les personnes qu'elle suit, et la personne"
            f" est suivie par {person.agency_id} ; seule une séance ouverte au département accueille les personnes"
            " des autres agences"
        )


def _existing(session: WorkshopSession | None) -> WorkshopSession:
    if session is None:
        raise WorkshopNotFound("aucune séance d'atelier ne porte cet identifiant")
    return session


def register(
    session: WorkshopSession | None, person: Accompaniment | None, cmd: RegisterParticipant, ctx: Context
) -> tuple[list[ParticipantRegistered], list[RegisteredForWorkshop]]:
    """Give a seat to a person followed by the session's agency (any agency's if open to the department); a full
    session refuses (409)."""
    session = _existing(session)
    person = active(person)
    _may_take_part(session, person, "inscription refusée")
    if person.id in session.registrations:
        raise RegistrationRefused("la personne est déjà inscrite à cette séance")
    if any(seat.attended is not None for seat in session.registrations.values()):
        raise RegistrationRefused(
            f"la feuille de présence de la séance du {session.session_date} est enregistrée :"
            " les inscriptions sont closes"
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
    """Record whether a registered person came, once, from the day of the session; a person now followed by
    another agency (transferred) only in a session open to the department."""
    session = _existing(session)
    person = open_(person)
    seat = session.registrations.get(person.id)
    if seat is None:
        raise RegistrationRefused("la personne n'est pas inscrite à cette séance")
    _may_take_part(session, person, f"présence de l'accompagnement {person.id} refusée")
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
