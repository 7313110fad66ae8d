"""Workshop sessions take people followed by their agency only, unless open to the department (a flag)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.accompaniment.domain import commands as c
from services.accompaniment.domain.errors import AlreadyRecorded, RegistrationRefused
from services.accompaniment.domain.evolution import WORKSHOP_SESSION
from services.accompaniment.domain.rules import Context
from services.accompaniment.service_layer import reactions, workshops
from services.accompaniment.service_layer.dependencies import Dependencies
from shared.auth import Principal, Role
from shared.contracts.accompaniment import WorkshopTheme
from shared.errors import Forbidden
from tests.builders import moved
from tests.fakes.accompaniment import accompaniment_dependencies
from tests.unit.test_accompaniment_handlers import CASEWORKER, TODAY, _enrol, _envelope, _events

STAINS = Principal("cw-stains", Role.CASEWORKER, "ali-stains")
CTX = Context(TODAY)


@pytest.fixture
def deps() -> Dependencies:
    return accompaniment_dependencies()


async def _session(deps, *, open_to_department: bool = False, on: date = date(2025, 3, 1)):
    cmd = c.ScheduleWorkshopSession(
        agency_id="ali-la-courneuve",
        theme=WorkshopTheme.SELF_CONFIDENCE,
        session_date=on,
        capacity=10,
        open_to_department=open_to_department,
    )
    return await workshops.schedule_session(cmd, user=CASEWORKER, deps=deps, ctx=CTX)


async def _moved_to_stains(deps, state) -> None:
    transferred = moved(state.beneficiary_id, date(2025, 2, 20), "ali-stains", "93072")
    await reactions.on_beneficiary_transferred(
        _envelope(transferred, f"beneficiary-{state.beneficiary_id}", 2), None, deps=deps
    )


async def _register(deps, session, person, user):
    cmd = c.RegisterParticipant(accompaniment_id=person.id)
    return await workshops.register_participant(session.id, cmd, user=user, deps=deps, ctx=CTX)


async def test_a_person_of_another_agency_takes_a_seat_only_in_a_session_open_to_the_department(deps):
    person, _ = await _enrol(deps)
    await _moved_to_stains(deps, person)
    closed = await _session(deps)
    with pytest.raises(Forbidden):  # the session's agency does not act for a person it does not follow
        await _register(deps, closed, person, CASEWORKER)
    with pytest.raises(Forbidden):  # nor may the person's agency enter a session it does not run
        await _register(deps, closed, person, STAINS)
    admin = Principal("integration", Role.ADMIN)
    with pytest.raises(RegistrationRefused, match="seule une séance ouverte au département accueille les personnes"):
        await _register(deps, closed, person, admin)
    offered = await _session(deps, open_to_department=True)
    assert offered.open_to_department and _events(deps)[-1].type.endswith("WorkshopSessionOpenedToDepartment")
    seated = await _register(deps, offered, person, STAINS)
    assert list(seated.registrations) == [person.id]
    sheet = c.RecordAttendance(participants=[c.Attendance(accompaniment_id=person.id, attended=True)])
    held = await workshops.record_attendance(offered.id, sheet, user=CASEWORKER, deps=deps, ctx=CTX)
    assert held.registrations[person.id].attended is True
    person_events = [e.data for e in _events(deps) if e.type.endswith("WorkshopAttendanceRecorded")]
    assert [e["agency_id"] for e in person_events] == ["ali-stains"], "the person's agency, for the figures"


async def test_attendance_of_a_participant_transferred_since_is_refused_unless_the_session_is_open(deps):
    person, _ = await _enrol(deps)
    stays, _ = await _enrol(deps)
    session = await _session(deps)
    for someone in (person, stays):
        await _register(deps, session, someone, CASEWORKER)
    await _moved_to_stains(deps, person)
    lines = [c.Attendance(accompaniment_id=x.id, attended=True) for x in (stays, person)]
    with pytest.raises(RegistrationRefused, match=f"présence de l'accompagnement {person.id} refusée"):
        await workshops.record_attendance(
            session.id, c.RecordAttendance(participants=lines), user=CASEWORKER, deps=deps, ctx=CTX
        )
    assert all(s.attended is None for s in (await deps.store.load(WORKSHOP_SESSION, session.id)).registrations.values())
    opened = await workshops.open_to_department(session.id, user=CASEWORKER, deps=deps, ctx=CTX)
    assert opened.open_to_department
    with pytest.raises(AlreadyRecorded):
        await workshops.open_to_department(session.id, user=CASEWORKER, deps=deps, ctx=CTX)
    with pytest.raises(Forbidden):
        await workshops.open_to_department(session.id, user=STAINS, deps=deps, ctx=CTX)
    held = await workshops.record_attendance(
        session.id, c.RecordAttendance(participants=lines), user=CASEWORKER, deps=deps, ctx=CTX
    )
    assert {a: s.attended for a, s in held.registrations.items()} == {stays.id: True, person.id: True}
    assert deps.sessions.sessions[session.id]["attended"] == 2


async def test_an_unknown_session_cannot_be_opened(deps):
    from services.accompaniment.domain.errors import WorkshopNotFound

    with pytest.raises(WorkshopNotFound):
        await workshops.open_to_department(uuid.uuid4(), user=CASEWORKER, deps=deps, ctx=CTX)
