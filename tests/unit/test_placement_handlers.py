"""Placement's handlers on the shared in-memory aggregate store and fakes of the read models."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from services.placement.domain.commands import (
    MakeIntroduction,
    RecordCheckIn,
    RecordEmployerContact,
    RecordOutcome,
    RegisterEmployer,
)
from services.placement.domain.errors import CandidateNotFound, EmployerAlreadyRegistered, HireNotFound
from services.placement.service_layer import candidates as reactions
from services.placement.service_layer import employers, hires, introductions, needs
from services.placement.service_layer.dependencies import Dependencies
from shared.auth import Principal, Role
from shared.contracts.accompaniment import AccompanimentClosed, CandidateProfileUpdated
from shared.contracts.exits import ExitCategory, ExitGroup
from shared.contracts.intake import BeneficiaryPersonalDataErased
from shared.envelope import Envelope
from shared.errors import Forbidden
from shared.private_text import Owner, PersonalDataErased, TextState, text_ref
from tests.builders import candidate_profile, envelope_of, need_publication
from tests.fakes.placement import placement_dependencies

TODAY = date(2026, 6, 30)
AGENCY = "ali-la-courneuve"
CASEWORKER = Principal("cw-1", Role.CASEWORKER, AGENCY)
OTHER_AGENCY = Principal("cw-2", Role.CASEWORKER, "ali-stains")
DEPARTMENT = Principal("bdat-1", Role.DEPARTMENT_STAFF)
MANAGER = Principal("mgr-1", Role.AGENCY_MANAGER, AGENCY)


@pytest.fixture
def deps() -> Dependencies:
    return placement_dependencies()


def _registration(siret: str = "73282932000074") -> RegisterEmployer:
    return RegisterEmployer(siret=siret, name="Cantine Solidaire", size="tpe", sector="I", commune_code="93027")


def _envelope(event, version: int, at: datetime | None = None) -> Envelope:
    stream = f"accompaniment-{event.accompaniment_id}"
    return envelope_of(event, stream, version, key=str(event.beneficiary_id), time=at)


def _profile(beneficiary_id, accompaniment_id, *, agency: str = AGENCY, hours: int = 35) -> CandidateProfileUpdated:
    return candidate_profile(beneficiary_id, accompaniment_id, agency_id=agency, max_weekly_hours=hours)


async def _need(deps: Dependencies, positions: int = 1):
    employer = await employers.register_employer(_registration(), user=CASEWORKER, deps=deps, today=TODAY)
    command = need_publication(employer.id, positions=positions, published_on=date(2026, 6, 1))
    return await needs.publish_need(command, user=CASEWORKER, deps=deps, today=TODAY)


async def _candidate(deps: Dependencies, agency: str = AGENCY):
    beneficiary_id = uuid.uuid4()
    await reactions.on_candidate_profile_updated(
        _envelope(_profile(beneficiary_id, uuid.uuid4(), agency=agency), 2), None, deps=deps
    )
    return beneficiary_id


async def test_registering_an_employer_appends_to_its_stream_keyed_by_the_employer(deps):
    employer = await employers.register_employer(_registration(), user=CASEWORKER, deps=deps, today=TODAY)
    assert [e.type.rsplit(".", 1)[1] for e in deps.store.recorded] == ["EmployerRegistered", "EmployerAssignedToAgency"]
    assert {(e.stream_id, e.partition_key) for e in deps.store.recorded} == {
        (f"employer-{employer.id}", str(employer.id))
    }
    assert deps.employers.rows[employer.id].agency_id == AGENCY


async def test_a_second_employer_with_the_same_siret_is_refused_without_writing_anything(deps):
    await employers.register_employer(_registration(), user=CASEWORKER, deps=deps, today=TODAY)
    before = list(deps.store.recorded)
    with pytest.raises(EmployerAlreadyRegistered):
        await employers.register_employer(_registration(), user=CASEWORKER, deps=deps, today=TODAY)
    assert deps.store.recorded == before and len(deps.employers.rows) == 1


async def test_department_staff_do_not_register_employers(deps):
    with pytest.raises(Forbidden):
        await employers.register_employer(_registration(), user=DEPARTMENT, deps=deps, today=TODAY)


async def test_a_caseworker_records_contacts_for_their_own_agency_only(deps):
    employer = await employers.register_employer(_registration(), user=CASEWORKER, deps=deps, today=TODAY)
    contact = RecordEmployerContact(contact_date=TODAY, kind="visit")
    await employers.record_contact(employer.id, contact, user=OTHER_AGENCY, deps=deps, today=TODAY)
    assert [(c.agency_id, c.caseworker) for c in deps.employers.contacts] == [("ali-stains", OTHER_AGENCY.staff_id)]
    foreign = RecordEmployerContact(contact_date=TODAY, kind="visit", agency_id=AGENCY)
    with pytest.raises(Forbidden):
        await employers.record_contact(employer.id, foreign, user=OTHER_AGENCY, deps=deps, today=TODAY)


async def test_a_need_is_keyed_by_its_employer_and_cannot_be_published_for_another_agency(deps):
    need = await _need(deps)
    [published] = [e for e in deps.store.recorded if e.stream_id == f"need-{need.id}"]
    assert published.partition_key == str(need.employer_id) and deps.needs.rows[need.id].agency_id == AGENCY
    command = need_publication(need.employer_id, agency_id=AGENCY)
    with pytest.raises(Forbidden):
        await needs.publish_need(command, user=OTHER_AGENCY, deps=deps, today=TODAY)


async def _hired(deps: Dependencies, positions: int):
    """One of the agency's candidates introduced for a need of `positions` and hired: the need, the person, and the
    introduction with its outcome."""
    need = await _need(deps, positions=positions)
    beneficiary_id = await _candidate(deps)
    made = await introductions.make_introduction(
        MakeIntroduction(need_id=need.id, beneficiary_id=beneficiary_id, introduced_on=date(2026, 6, 10)),
        user=CASEWORKER,
        deps=deps,
    )
    outcome = RecordOutcome(outcome="hired", contract_type="cdi", weekly_hours=24, start_date=date(2026, 6, 15))
    return (
        need,
        beneficiary_id,
        await introductions.record_outcome(made.id, outcome, user=CASEWORKER, deps=deps, today=TODAY),
    )


async def test_a_hire_is_keyed_by_the_person_and_fills_the_need_s_last_position(deps):
    need, beneficiary_id, hired = await _hired(deps, positions=1)

    [hire] = [e for e in deps.store.recorded if e.type == "ali.placement.HireRecorded"]
    assert hire.stream_id == f"introduction-{hired.id}" and hire.partition_key == str(beneficiary_id)
    assert hire.data["hire_id"] == str(hired.hire.id) and hire.data["agency_id"] == AGENCY
    [filled] = [e for e in deps.store.recorded if e.type == "ali.placement.NeedFilled"]
    assert filled.partition_key == str(need.employer_id) and filled.correlation_id == hire.correlation_id
    assert deps.needs.rows[need.id].status == "filled" and filled.data["positions_filled"] == 1


async def test_a_need_with_positions_left_stays_open_after_a_hire(deps):
    need, _, _ = await _hired(deps, positions=2)
    assert deps.needs.rows[need.id].status == "open"


async def test_another_agency_and_department_staff_cannot_introduce_or_record_outcomes(deps):
    need = await _need(deps)
    beneficiary_id = await _candidate(deps)
    command = MakeIntroduction(need_id=need.id, beneficiary_id=beneficiary_id, introduced_on=date(2026, 6, 10))
    for user in (OTHER_AGENCY, DEPARTMENT):
        with pytest.raises(Forbidden):
            await introductions.make_introduction(command, user=user, deps=deps)
    made = await introductions.make_introduction(command, user=CASEWORKER, deps=deps)
    outcome = RecordOutcome(outcome="not_hired", reason="no_show")
    with pytest.raises(Forbidden):
        await introductions.record_outcome(made.id, outcome, user=OTHER_AGENCY, deps=deps, today=TODAY)


async def test_a_person_unknown_to_placement_cannot_be_introduced(deps):
    need = await _need(deps)
    command = MakeIntroduction(need_id=need.id, beneficiary_id=uuid.uuid4(), introduced_on=date(2026, 6, 10))
    with pytest.raises(CandidateNotFound):
        await introductions.make_introduction(command, user=CASEWORKER, deps=deps)


async def test_a_check_in_on_an_unknown_hire_is_not_found(deps):
    command = RecordCheckIn(month=1, checked_on=TODAY, still_employed=True)
    with pytest.raises(HireNotFound):
        await hires.record_check_in(uuid.uuid4(), command, user=CASEWORKER, deps=deps, today=TODAY)


async def test_the_latest_profile_wins_and_an_older_redelivery_is_ignored(deps):
    beneficiary_id, accompaniment_id = uuid.uuid4(), uuid.uuid4()
    newer = _envelope(_profile(beneficiary_id, accompaniment_id, hours=20), version=5)
    older = _envelope(_profile(beneficiary_id, accompaniment_id, hours=35), version=3)
    for envelope in (newer, older):
        await reactions.on_candidate_profile_updated(envelope, None, deps=deps)
    assert (await deps.candidates.get(None, beneficiary_id)).max_weekly_hours == 20


async def test_a_closed_accompaniment_makes_the_candidate_inactive_until_a_new_one_shares_a_profile(deps):
    beneficiary_id, accompaniment_id = uuid.uuid4(), uuid.uuid4()
    opened_at = datetime(2026, 1, 5, tzinfo=UTC)
    await reactions.on_candidate_profile_updated(
        _envelope(_profile(beneficiary_id, accompaniment_id), 2, opened_at), None, deps=deps
    )
    closed = AccompanimentClosed(
        accompaniment_id=accompaniment_id,
        beneficiary_id=beneficiary_id,
        agency_id=AGENCY,
        closed_on=date(2026, 5, 1),
        exit_category=ExitCategory.CDI,
        exit_group=ExitGroup.EMPLOI_DURABLE,
    )
    await reactions.on_accompaniment_closed(_envelope(closed, 3), None, deps=deps)
    assert not (await deps.candidates.get(None, beneficiary_id)).active

    await reactions.on_candidate_profile_updated(
        _envelope(_profile(beneficiary_id, accompaniment_id), 2, opened_at), None, deps=deps
    )
    assert not (await deps.candidates.get(None, beneficiary_id)).active, "a replayed older profile is ignored"

    later = opened_at + timedelta(days=200)
    await reactions.on_candidate_profile_updated(
        _envelope(_profile(beneficiary_id, uuid.uuid4()), 2, later), None, deps=deps
    )
    assert (await deps.candidates.get(None, beneficiary_id)).active


async def test_free_text_is_kept_encrypted_per_owner_and_only_its_reference_is_published(deps):
    employer = await employers.register_employer(_registration(), user=CASEWORKER, deps=deps, today=TODAY)
    note = RecordEmployerContact(contact_date=TODAY, kind="visit", contact_name="Mme Lefèvre", notes="06 12 34 56 78")
    contact_id = await employers.record_contact(employer.id, note, user=CASEWORKER, deps=deps, today=TODAY)
    published = " ".join(json.dumps(e.data) for e in deps.store.recorded)
    assert "Cantine" not in published and "Lefèvre" not in published and "06 12" not in published
    owners = {ref: owner for ref, (owner, _) in deps.texts.texts.items()}
    assert owners[text_ref(employer.id, "name")] == Owner.employer(employer.id)
    assert (
        owners[text_ref(contact_id, "notes")]
        == owners[text_ref(contact_id, "contact_name")]
        == Owner.contact(contact_id)
    )
    assert await employers.erase_contact(employer.id, contact_id, user=MANAGER, deps=deps, today=TODAY) is True
    revealed = await deps.texts.reveal(None, [text_ref(contact_id, "notes"), text_ref(employer.id, "name")])
    assert [r.state for r in revealed.values()] == [TextState.ERASED, TextState.AVAILABLE]
    with pytest.raises(Forbidden):
        await employers.erase_contact(employer.id, contact_id, user=CASEWORKER, deps=deps, today=TODAY)


async def test_intake_s_erasure_destroys_the_person_s_key_in_placement(deps):
    person = uuid.uuid4()
    erased = BeneficiaryPersonalDataErased(beneficiary_id=person, erased_on=TODAY)
    await deps.texts.seal(None, Owner.person(person), {uuid.uuid4(): "check-in notes"})
    await reactions.on_personal_data_erased(
        envelope_of(erased, f"beneficiary-{person}", 3, key=str(person)), None, deps=deps
    )
    assert await deps.texts.is_erased(None, Owner.person(person))
    with pytest.raises(PersonalDataErased):
        await deps.texts.seal(None, Owner.person(person), {uuid.uuid4(): "later notes"})
