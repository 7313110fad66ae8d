"""Accompaniment's handlers and reactions on the shared in-memory aggregate store and fakes of the read models."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from services.accompaniment.domain import commands as c
from services.accompaniment.domain.errors import AlreadyRecorded, InvalidHire, WorkshopFull
from services.accompaniment.domain.evolution import ACCOMPANIMENT, WORKSHOP_SESSION, accompaniment_id_for
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.state import Accompaniment
from services.accompaniment.service_layer import handlers, reactions, workshops
from services.accompaniment.service_layer.dependencies import Dependencies
from shared.auth import Principal, Role
from shared.contracts.accompaniment import WorkshopTheme
from shared.contracts.employment import ContractType
from shared.contracts.intake import (
    BeneficiaryPersonalDataErased,
)
from shared.contracts.placement import HireRecorded
from shared.envelope import Envelope
from shared.errors import ConcurrencyError, Forbidden, Parked
from shared.events import DomainEvent
from shared.private_text import Owner, PersonalDataErased, text_ref
from shared.staff import staff_id
from tests.builders import enrolment, envelope_of, hire_recorded, moved
from tests.fakes.accompaniment import accompaniment_dependencies

TODAY = date(2025, 3, 1)
CASEWORKER = Principal("cw", Role.CASEWORKER, "ali-la-courneuve")
OUTSIDER = Principal("cw-stains", Role.CASEWORKER, "ali-stains")


@pytest.fixture
def deps() -> Dependencies:
    return accompaniment_dependencies()


def _events(deps: Dependencies) -> list[Envelope]:
    return deps.store.recorded


def _envelope(event: DomainEvent, stream: str, version: int = 1) -> Envelope:
    return envelope_of(event, stream, version, time=datetime(2025, 3, 2, 9, 30, tzinfo=UTC))


async def _enrol(deps, beneficiary_id: UUID | None = None) -> tuple[Accompaniment, Envelope]:
    enrolled = enrolment(beneficiary_id=beneficiary_id or uuid.uuid4())
    published = _envelope(enrolled, f"beneficiary-{enrolled.beneficiary_id}")
    await reactions.on_beneficiary_enrolled(published, None, deps=deps)
    return await deps.store.load(ACCOMPANIMENT, accompaniment_id_for(published.id)), published


async def _handle(deps, accompaniment_id, cmd, user=CASEWORKER, today=TODAY):
    return await handlers.handle(accompaniment_id, cmd, user=user, deps=deps, ctx=Context(today=today))


async def test_an_enrolment_opens_one_accompaniment_in_the_persons_commune_even_when_redelivered(deps):
    state, envelope = await _enrol(deps)
    await reactions.on_beneficiary_enrolled(envelope, None, deps=deps)
    [opened] = _events(deps)
    assert opened.partition_key == opened.subject == str(state.beneficiary_id) and opened.causation_id == envelope.id
    assert opened.data["commune_code"] == "93027" and opened.dataschema.endswith(":v3")
    assert state.planned_end_date == date(2026, 1, 20) and state.commune_code == "93027"
    assert deps.accompaniments.rows[state.id]["commune_code"] == "93027"


async def test_a_command_is_refused_outside_the_accompaniments_agency_before_anything_is_written(deps):
    state, _ = await _enrol(deps)
    for outsider in (OUTSIDER, Principal("bdat", Role.DEPARTMENT_STAFF)):
        with pytest.raises(Forbidden):
            await _handle(deps, state.id, c.AssignReferent(referent_id=staff_id("bob")), user=outsider)
    assert len(_events(deps)) == 1 and deps.store.committed == 0


async def test_a_stale_state_cannot_overwrite_a_concurrent_change(deps):
    state, _ = await _enrol(deps)
    await _handle(deps, state.id, c.AssignReferent(referent_id=staff_id("alice")))
    stale = handlers.DECIDERS[c.AssignReferent](state, c.AssignReferent(referent_id=staff_id("bob")), Context(TODAY))
    with pytest.raises(ConcurrencyError):
        async with deps.store.transaction() as uow:
            await uow.save(ACCOMPANIMENT, state, stale)
    assert (await deps.store.load(ACCOMPANIMENT, state.id)).referent_id == staff_id("alice")
    assert deps.accompaniments.rows[state.id]["referent_id"] == staff_id("alice")


def _overtaken_on_read(deps, monkeypatch, times: int, reader=handlers, by: str = "other") -> list[str]:
    """The first `times` reads of an accompaniment (by `reader`'s handlers) are each followed by another
    caseworker's referent change, saved before the command's own save; returns the referents those changes named."""
    others: list[str] = []

    async def overtake(found):
        if len(others) < times:
            others.append(f"{by}-{len(others) + 1}")
            change = c.AssignReferent(referent_id=staff_id(others[-1]))
            async with deps.store.transaction() as other:
                await other.save(
                    ACCOMPANIMENT, found, handlers.DECIDERS[c.AssignReferent](found, change, Context(TODAY))
                )

    if reader is handlers:  # a command reads its accompaniment with the person's texts
        shown = handlers.load_shown

        async def shown_then_overtaken(conn, deps_, accompaniment_id, user):
            found = await shown(conn, deps_, accompaniment_id, user)
            await overtake(found[0])
            return found

        monkeypatch.setattr(handlers, "load_shown", shown_then_overtaken)
        return others
    read = reader.load

    async def load_then_be_overtaken(uow, deps_, accompaniment_id):
        found = await read(uow, deps_, accompaniment_id)
        await overtake(found)
        return found

    monkeypatch.setattr(reader, "load", load_then_be_overtaken)
    return others


async def test_a_command_overtaken_by_a_concurrent_change_is_decided_again_on_the_new_state(deps, monkeypatch):
    state, _ = await _enrol(deps)
    others = _overtaken_on_read(deps, monkeypatch, times=1)
    after = await _handle(deps, state.id, c.AssignReferent(referent_id=staff_id("bob")))
    assert others == ["other-1"] and after.referent_id == staff_id("bob")
    assigned = [e.data["referent_id"] for e in _events(deps)[1:]]
    assert assigned == [str(staff_id("other-1")), str(staff_id("bob"))]


async def test_a_command_always_overtaken_answers_the_conflict(deps, monkeypatch):
    state, _ = await _enrol(deps)
    others = _overtaken_on_read(deps, monkeypatch, times=handlers.CONFLICT_ATTEMPTS + 1)
    with pytest.raises(ConcurrencyError):
        await _handle(deps, state.id, c.AssignReferent(referent_id=staff_id("bob")))
    assert len(others) == handlers.CONFLICT_ATTEMPTS
    assert (await deps.store.load(ACCOMPANIMENT, state.id)).referent_id == staff_id(others[-1])


async def test_the_candidate_profile_takes_the_commune_from_the_accompaniment(deps):
    state, _ = await _enrol(deps)
    profile = c.UpdateCandidateProfile(aptitudes=["handling"], max_weekly_hours=35, max_commute_km=10)
    after = await _handle(deps, state.id, profile)
    assert after.candidate_profile.commune_code == "93027" and _events(deps)[-1].data["commune_code"] == "93027"


async def test_an_accompaniment_opened_before_v2_takes_its_commune_from_the_row_written_at_opening(deps):
    state, _ = await _enrol(deps)
    [opened] = deps.store.events.events
    v1 = {k: v for k, v in opened.data.items() if k != "commune_code"}
    deps.store.events.events[0] = opened.model_copy(
        update={"schema_version": 1, "dataschema": opened.dataschema.replace(":v3", ":v1"), "data": v1}
    )
    assert (await deps.store.load(ACCOMPANIMENT, state.id)).commune_code is None
    profile = c.UpdateCandidateProfile(aptitudes=["handling"], max_weekly_hours=35, max_commute_km=10)
    after = await _handle(deps, state.id, profile)
    assert after.candidate_profile.commune_code == "93027"


async def test_a_transfer_moves_the_accompaniment_with_its_history_and_republishes_the_profile(deps):
    state, _ = await _enrol(deps)
    await _handle(deps, state.id, c.AssignReferent(referent_id=staff_id("alice")))
    await _handle(deps, state.id, c.SignEngagementContract())
    await _handle(
        deps, state.id, c.UpdateCandidateProfile(aptitudes=["handling"], max_weekly_hours=35, max_commute_km=10)
    )
    transferred = moved(state.beneficiary_id, date(2025, 3, 5))
    await reactions.on_beneficiary_transferred(_envelope(transferred, "b", 2), None, deps=deps)
    await reactions.on_beneficiary_transferred(_envelope(transferred, "b", 2), None, deps=deps)

    types = [e.type.rsplit(".", 1)[1] for e in await deps.store.history(ACCOMPANIMENT, state.id)]
    assert types == [
        "AccompanimentOpened",
        "ReferentAssigned",
        "EngagementContractSigned",
        "CandidateProfileUpdated",
        "AccompanimentTransferred",
        "CandidateProfileUpdated",
    ]
    after = await deps.store.load(ACCOMPANIMENT, state.id)
    assert after.agency_id == "ali-clichy-sous-bois" and after.referent_id is None and after.contract is not None
    assert after.commune_code == "93014"
    last = _events(deps)[-1]
    assert last.data["agency_id"] == "ali-clichy-sous-bois" and last.data["commune_code"] == "93014"
    row = deps.accompaniments.rows[state.id]
    assert (row["agency_id"], row["commune_code"], row["referent_id"]) == ("ali-clichy-sous-bois", "93014", None)


def _hire(beneficiary_id: UUID, contract: ContractType, months: float | None = None) -> HireRecorded:
    return hire_recorded(beneficiary_id, contract, months, weekly_hours=24, start_date=date(2025, 3, 3), sector="N")


async def test_a_recorded_hire_proposes_its_exit_once(deps):
    state, _ = await _enrol(deps)
    hire = _hire(state.beneficiary_id, ContractType.CDD, 3)
    for _ in range(2):
        await reactions.on_hire_recorded(_envelope(hire, f"hire-{hire.hire_id}"), None, deps=deps)
    proposed = [e for e in _events(deps) if e.type.endswith("ExitProposed")]
    assert len(proposed) == 1
    assert proposed[0].data["exit_category"] == "cdd_or_temp_under_6_months"
    assert proposed[0].data["proposed_on"] == "2025-03-02"
    assert deps.accompaniments.rows[state.id]["proposed_exit_category"] == "cdd_or_temp_under_6_months"


async def test_a_hire_of_a_person_not_enrolled_yet_is_parked_and_an_unreadable_one_is_rejected(deps):
    state, _ = await _enrol(deps)
    stranger = uuid.uuid4()
    with pytest.raises(Parked) as parked:
        await reactions.on_hire_recorded(_envelope(_hire(stranger, ContractType.CDI), "hire-x"), None, deps=deps)
    assert parked.value.key == reactions.beneficiary_key(stranger) == f"beneficiary:{stranger}"
    assert len(_events(deps)) == 1
    with pytest.raises(InvalidHire):
        await reactions.on_hire_recorded(
            _envelope(_hire(state.beneficiary_id, ContractType.TEMP_MISSION), "hire-y"), None, deps=deps
        )


async def test_the_last_seat_goes_to_one_person_only(deps):
    first, _ = await _enrol(deps)
    second, _ = await _enrol(deps)
    cmd = c.ScheduleWorkshopSession(
        agency_id="ali-la-courneuve", theme=WorkshopTheme.COVER_LETTERS, session_date=date(2025, 3, 10), capacity=1
    )
    args = dict(user=CASEWORKER, deps=deps, ctx=Context(TODAY))
    session = await workshops.schedule_session(cmd, **args)
    await workshops.register_participant(session.id, c.RegisterParticipant(accompaniment_id=first.id), **args)
    with pytest.raises(WorkshopFull):
        await workshops.register_participant(session.id, c.RegisterParticipant(accompaniment_id=second.id), **args)
    assert list((await deps.store.load(WORKSHOP_SESSION, session.id)).registrations) == [first.id]
    assert session.id in (await deps.store.load(ACCOMPANIMENT, first.id)).workshops
    assert not (await deps.store.load(ACCOMPANIMENT, second.id)).workshops
    assert [e.partition_key for e in _events(deps) if "ParticipantRegistered" in e.type] == [str(session.id)]
    assert deps.sessions.sessions[session.id]["registered"] == 1


async def test_a_registration_and_an_attendance_sheet_overtaken_by_a_change_of_the_person_are_decided_again(
    deps, monkeypatch
):
    person, _ = await _enrol(deps)
    cmd = c.ScheduleWorkshopSession(
        agency_id="ali-la-courneuve", theme=WorkshopTheme.COVER_LETTERS, session_date=TODAY, capacity=3
    )
    args = dict(user=CASEWORKER, deps=deps, ctx=Context(TODAY))
    session = await workshops.schedule_session(cmd, **args)
    before_seat = _overtaken_on_read(deps, monkeypatch, times=1, reader=workshops)
    seated = await workshops.register_participant(session.id, c.RegisterParticipant(accompaniment_id=person.id), **args)
    before_sheet = _overtaken_on_read(deps, monkeypatch, times=1, reader=workshops, by="another")
    sheet = c.RecordAttendance(participants=[c.Attendance(accompaniment_id=person.id, attended=True)])
    held = await workshops.record_attendance(session.id, sheet, **args)
    assert (before_seat, before_sheet) == (["other-1"], ["another-1"]) and list(seated.registrations) == [person.id]
    assert held.registrations[person.id].attended is True
    after = await deps.store.load(ACCOMPANIMENT, person.id)
    assert after.referent_id == staff_id("another-1") and session.id in after.workshops
    kinds = [e.type.rsplit(".", 1)[-1] for e in _events(deps) if e.subject == str(person.beneficiary_id)][1:]
    assert kinds == [
        "ReferentAssigned",
        "RegisteredForWorkshop",
        "ReferentAssigned",
        "WorkshopAttendanceRecorded",
    ]


async def test_an_attendance_sheet_is_saved_whole_and_a_person_named_twice_refuses_it_whole(deps):
    people = [(await _enrol(deps))[0] for _ in range(3)]
    cmd = c.ScheduleWorkshopSession(
        agency_id="ali-la-courneuve", theme=WorkshopTheme.COVER_LETTERS, session_date=TODAY, capacity=3
    )
    args = dict(user=CASEWORKER, deps=deps, ctx=Context(TODAY))
    session = await workshops.schedule_session(cmd, **args)
    for person in people:
        await workshops.register_participant(session.id, c.RegisterParticipant(accompaniment_id=person.id), **args)
    first, second, third = (c.Attendance(accompaniment_id=p.id, attended=p is not people[1]) for p in people)
    recorded, commits = len(_events(deps)), deps.store.committed
    with pytest.raises(AlreadyRecorded):
        await workshops.record_attendance(session.id, c.RecordAttendance(participants=[first, second, first]), **args)
    assert len(_events(deps)) == recorded and deps.store.committed == commits
    held = await workshops.record_attendance(
        session.id, c.RecordAttendance(participants=[first, second, third]), **args
    )
    assert {a: r.attended for a, r in held.registrations.items()} == {
        people[0].id: True,
        people[1].id: False,
        people[2].id: True,
    }
    sheet = _events(deps)[recorded:]
    assert [e.stream_version for e in sheet if e.stream_id == f"workshop-session-{session.id}"] == [5, 6, 7]
    for person in people:
        after = await deps.store.load(ACCOMPANIMENT, person.id)
        assert after.workshops[session.id].attended is (person is not people[1])


async def test_a_registration_always_overtaken_answers_the_conflict_and_takes_no_seat(deps, monkeypatch):
    person, _ = await _enrol(deps)
    cmd = c.ScheduleWorkshopSession(
        agency_id="ali-la-courneuve", theme=WorkshopTheme.COVER_LETTERS, session_date=TODAY, capacity=3
    )
    args = dict(user=CASEWORKER, deps=deps, ctx=Context(TODAY))
    session = await workshops.schedule_session(cmd, **args)
    others = _overtaken_on_read(deps, monkeypatch, times=handlers.CONFLICT_ATTEMPTS + 1, reader=workshops)
    with pytest.raises(ConcurrencyError):
        await workshops.register_participant(session.id, c.RegisterParticipant(accompaniment_id=person.id), **args)
    assert len(others) == handlers.CONFLICT_ATTEMPTS
    assert not (await deps.store.load(WORKSHOP_SESSION, session.id)).registrations
    assert not (await deps.store.load(ACCOMPANIMENT, person.id)).workshops


async def test_a_session_of_another_agency_is_refused(deps):
    cmd = c.ScheduleWorkshopSession(
        agency_id="ali-stains", theme=WorkshopTheme.COVER_LETTERS, session_date=date(2025, 3, 10), capacity=5
    )
    with pytest.raises(Forbidden):
        await workshops.schedule_session(cmd, user=CASEWORKER, deps=deps, ctx=Context(TODAY))
    assert _events(deps) == []


async def test_the_plan_s_text_stays_here_encrypted_with_the_person_s_key_and_the_event_carries_its_reference(deps):
    state, _ = await _enrol(deps)
    objective = c.SetObjective(label="Appeler Mme Zéphyrine au 06 47 28 19 53")
    await _handle(deps, state.id, objective)
    recorded = _events(deps)[-1]
    assert recorded.data["label_ref"] == str(text_ref(objective.objective_id, "label")) and "label" not in recorded.data
    assert "Zéphyrine" not in json.dumps([e.data for e in _events(deps)])
    view = await deps.texts.view(None, Owner.person(state.beneficiary_id), [text_ref(objective.objective_id, "label")])
    assert view.text(text_ref(objective.objective_id, "label")) == objective.label and not view.erased


async def test_intake_s_erasure_makes_the_follow_up_s_text_unreadable_and_refuses_new_text(deps):
    state, enrolment = await _enrol(deps)
    objective = c.SetObjective(label="job in logistics")
    await _handle(deps, state.id, objective)
    erased = BeneficiaryPersonalDataErased(beneficiary_id=state.beneficiary_id, erased_on=TODAY)
    await reactions.on_personal_data_erased(_envelope(erased, enrolment.stream_id, 2), None, deps=deps)
    await reactions.on_personal_data_erased(_envelope(erased, enrolment.stream_id, 2), None, deps=deps)  # redelivered
    view = await deps.texts.view(None, Owner.person(state.beneficiary_id), [text_ref(objective.objective_id, "label")])
    assert view.erased and view.text(text_ref(objective.objective_id, "label")) is None
    with pytest.raises(PersonalDataErased):
        await _handle(deps, state.id, c.RecordTrainingNeed(subject="CACES"))
    assert await _handle(deps, state.id, c.IdentifyBarrier(category="mobility"))  # codes only: still recorded


async def test_a_command_s_answer_shows_the_texts_recorded_before_it_and_its_own_and_an_erasure(deps):
    state, enrolment = await _enrol(deps)
    first = c.SetObjective(label="job in logistics")
    await _handle(deps, state.id, first)
    second = c.SetObjective(label="CACES 1")
    shown = await handlers.handle_shown(state.id, second, user=CASEWORKER, deps=deps, ctx=Context(today=TODAY))
    labels = {o.id: shown.view.text(o.label_ref) for o in shown.state.objectives.values()}
    assert labels == {first.objective_id: "job in logistics", second.objective_id: "CACES 1"}
    assert shown.view.shown and not shown.view.erased
    appointment = c.ScheduleAppointment(appointment_date=TODAY)
    shown = await handlers.handle_shown(state.id, appointment, user=CASEWORKER, deps=deps, ctx=Context(today=TODAY))
    assert shown.view.text(text_ref(first.objective_id, "label")) == "job in logistics"
    erased = BeneficiaryPersonalDataErased(beneficiary_id=state.beneficiary_id, erased_on=TODAY)
    await reactions.on_personal_data_erased(_envelope(erased, enrolment.stream_id, 2), None, deps=deps)
    shown = await handlers.handle_shown(
        state.id, c.ScheduleAppointment(appointment_date=TODAY), user=CASEWORKER, deps=deps, ctx=Context(today=TODAY)
    )
    assert shown.view.erased and not shown.view.shown
    assert shown.view.text(text_ref(first.objective_id, "label")) is None


def test_a_return_opens_an_accompaniment_that_says_so_and_names_the_earlier_one():
    from datetime import date as _date
    from uuid import uuid4

    from services.accompaniment.domain.decisions.lifecycle import open_for
    from services.accompaniment.settings import AccompanimentSettings

    earlier = uuid4()
    back = enrolment(
        agency_id="ali-bobigny",
        commune_code="93008",
        orientation_date=_date(2025, 11, 15),
        enrolled_on=_date(2025, 11, 16),
        is_return=True,
        previous_accompaniment_id=earlier,
    )
    [opened] = open_for(back, uuid4(), AccompanimentSettings(environment="development").rules())
    assert (opened.is_return, opened.previous_accompaniment_id, opened.start_date) == (
        True,
        earlier,
        _date(2025, 11, 16),
    )
