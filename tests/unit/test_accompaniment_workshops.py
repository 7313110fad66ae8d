from __future__ import annotations

from datetime import date

import pytest

from services.accompaniment.domain import commands as c
from services.accompaniment.domain.decisions import lifecycle, workshops
from services.accompaniment.domain.errors import (
    AccompanimentClosedError,
    AccompanimentSuspendedError,
    AlreadyRecorded,
    InvalidDate,
    RegistrationRefused,
    WorkshopFull,
    WorkshopNotFound,
)
from services.accompaniment.domain.evolution import WORKSHOP_SESSION, apply_accompaniment, apply_workshop_session
from services.accompaniment.domain.rules import Context
from shared.contracts.accompaniment import SuspensionReason, WorkshopTheme
from shared.contracts.exits import ExitCategory
from tests.unit.accompaniment_steps import opened

SESSION_DAY = date(2025, 3, 10)
BEFORE = Context(today=date(2025, 3, 1))
ON_THE_DAY = Context(today=SESSION_DAY)


def _person(agency: str = "ali-la-courneuve"):
    return opened(agency_id=agency)


def _session(capacity: int = 2, agency: str = "ali-la-courneuve"):
    cmd = c.ScheduleWorkshopSession(
        agency_id=agency, theme=WorkshopTheme.SELF_CONFIDENCE, session_date=SESSION_DAY, capacity=capacity
    )
    return WORKSHOP_SESSION.fold(workshops.schedule_session(cmd, BEFORE))


def _register(session, person, ctx=BEFORE):
    session_events, person_events = workshops.register(
        session, person, c.RegisterParticipant(accompaniment_id=person.id), ctx
    )
    for event in session_events:
        session = apply_workshop_session(session, event)
    for event in person_events:
        person = apply_accompaniment(person, event)
    return session, person


def test_a_session_is_scheduled_with_its_theme_date_and_capacity_within_the_recording_window():
    session = _session(capacity=12)
    assert (session.theme, session.session_date, session.capacity, session.seats_left) == (
        WorkshopTheme.SELF_CONFIDENCE,
        SESSION_DAY,
        12,
        12,
    )
    held = workshops.schedule_session(
        c.ScheduleWorkshopSession(
            agency_id="ali-la-courneuve", theme="cover_letters", session_date=date(2025, 2, 28), capacity=5
        ),
        BEFORE,
    )
    assert held[0].session_date == date(2025, 2, 28), "a session already held can be entered afterwards"
    with pytest.raises(InvalidDate, match="remonte à plus de 730 jours"):
        workshops.schedule_session(
            c.ScheduleWorkshopSession(
                agency_id="ali-la-courneuve", theme="cover_letters", session_date=date(2022, 2, 28), capacity=5
            ),
            BEFORE,
        )


def test_registration_is_recorded_on_the_session_and_on_the_accompaniment():
    session, person = _register(_session(), _person())
    assert session.registrations[person.id].beneficiary_id == person.beneficiary_id and session.seats_left == 1
    participation = person.workshops[session.id]
    assert (participation.theme, participation.session_date, participation.attended) == (
        WorkshopTheme.SELF_CONFIDENCE,
        SESSION_DAY,
        None,
    )


def test_a_full_session_refuses_further_registrations():
    session = _session(capacity=2)
    session, _ = _register(session, _person())
    session, _ = _register(session, _person())
    with pytest.raises(WorkshopFull, match="complète \\(2 places\\)"):
        _register(session, _person())


def test_registration_is_refused_for_another_agency_twice_after_the_session_or_on_a_missing_session():
    session, person = _register(_session(), _person())
    with pytest.raises(RegistrationRefused, match="animée par ali-la-courneuve"):
        _register(session, _person(agency="ali-stains"))
    with pytest.raises(RegistrationRefused, match="déjà inscrite"):
        _register(session, person)
    late, _ = _register(session, _person(), Context(today=date(2025, 3, 11)))
    assert len(late.registrations) == 2, "a register entered after the session still takes names"
    sheet = workshops.record_attendance(
        late, person, c.Attendance(accompaniment_id=person.id, attended=True), Context(today=date(2025, 3, 11))
    )
    closed = apply_workshop_session(late, sheet[0][0])
    with pytest.raises(RegistrationRefused, match="les inscriptions sont closes"):
        _register(closed, _person(), Context(today=date(2025, 3, 11)))
    with pytest.raises(WorkshopNotFound):
        _register(None, _person())


def test_a_closed_or_suspended_accompaniment_cannot_register():
    person = _person()
    [closing] = lifecycle.close(person, c.CloseAccompaniment(exit_category=ExitCategory.NO_NEWS), BEFORE)
    closed = apply_accompaniment(person, closing)
    with pytest.raises(AccompanimentClosedError):
        _register(_session(), closed)
    [suspending] = lifecycle.suspend(person, c.SuspendAccompaniment(reason=SuspensionReason.SICK_LEAVE), BEFORE)
    with pytest.raises(AccompanimentSuspendedError):
        _register(_session(), apply_accompaniment(person, suspending))


def test_attendance_is_recorded_once_from_the_day_of_the_session_for_registered_people():
    session, person = _register(_session(), _person())
    line = c.Attendance(accompaniment_id=person.id, attended=True)
    with pytest.raises(InvalidDate, match="ne peut pas être enregistrée avant"):
        workshops.record_attendance(session, person, line, BEFORE)
    [recorded], [noted] = workshops.record_attendance(session, person, line, ON_THE_DAY)
    assert recorded.attended and recorded.theme == WorkshopTheme.SELF_CONFIDENCE and noted.session_id == session.id
    session = apply_workshop_session(session, recorded)
    person = apply_accompaniment(person, noted)
    assert person.workshops[session.id].attended and person.last_contact_on == SESSION_DAY
    with pytest.raises(AlreadyRecorded):
        workshops.record_attendance(session, person, line, ON_THE_DAY)
    stranger = _person()
    with pytest.raises(RegistrationRefused, match="pas inscrite"):
        workshops.record_attendance(
            session, stranger, c.Attendance(accompaniment_id=stranger.id, attended=False), ON_THE_DAY
        )


def test_an_absence_is_not_a_contact():
    session, person = _register(_session(), _person())
    _, [noted] = workshops.record_attendance(
        session, person, c.Attendance(accompaniment_id=person.id, attended=False), ON_THE_DAY
    )
    person = apply_accompaniment(person, noted)
    assert person.workshops[session.id].attended is False and person.last_contact_on is None
