from __future__ import annotations

import uuid
from datetime import date
from functools import partial
from pathlib import Path

import pytest

from services.intake.adapters.crypto import BlindIndexer, PersonalDataVault
from services.intake.adapters.profiles import shipped_profiles
from services.intake.domain.commands import TransferBeneficiary
from services.intake.domain.errors import (
    AgencyNotFound,
    AlreadyErased,
    BeneficiaryNotFound,
    TransferRefused,
)
from services.intake.service_layer import beneficiaries, views
from services.intake.service_layer.dependencies import Dependencies
from services.intake.service_layer.imports import import_referrals
from services.intake.service_layer.referrals import refer_beneficiary
from shared.auth import Principal, Role
from shared.errors import ConcurrencyError, Forbidden
from shared.territory import UnknownCommune
from tests.builders import referral
from tests.fakes.aggregate_store import InMemoryAggregateStore
from tests.fakes.intake import InMemoryFollowUps, InMemoryImportReports, InMemoryPersons, InMemoryProfiles

TODAY = date(2025, 11, 20)
SAMPLE = Path(__file__).resolve().parents[2] / "services/intake/examples/referrals-sample.csv"
ADMIN = Principal("integration", Role.ADMIN)
PLATFORM = shipped_profiles()["plateforme"]
STAFF = Principal("bdat", Role.DEPARTMENT_STAFF)


def _worker(agency: str = "ali-la-courneuve", role: Role = Role.CASEWORKER) -> Principal:
    return Principal(f"{role}@{agency}", role, agency)


def make_deps() -> Dependencies:
    """Intake's dependencies on in-memory adapters."""
    persons, reports = InMemoryPersons(), InMemoryImportReports()
    store = InMemoryAggregateStore(kept=[persons, reports])
    return Dependencies(
        store=store,
        persons=persons,
        vault=PersonalDataVault(b"m" * 32),
        indexer=BlindIndexer(b"i" * 32),
        follow_ups=InMemoryFollowUps(store.events),
        profiles=InMemoryProfiles(),
        reports=reports,
    )


@pytest.fixture
def deps() -> Dependencies:
    return make_deps()


_referral = partial(
    referral,
    birth_date=date(1988, 4, 12),
    orientation_date=date(2025, 11, 3),
    phone="0601020304",
    address="12 rue de la Convention",
)


async def _refer(deps: Dependencies, principal: Principal = ADMIN, **overrides):
    return await refer_beneficiary(_referral(**overrides), principal, deps=deps, today=TODAY)


async def test_a_referral_enrols_the_person_with_one_event_and_an_encrypted_identity(deps):
    outcome = await _refer(deps)
    assert (outcome.created, outcome.agency_id) == (True, "ali-la-courneuve")
    [event] = deps.store.recorded
    assert event.type == "ali.intake.BeneficiaryEnrolled" and event.partition_key == str(outcome.beneficiary_id)
    assert event.data["agency_id"] == "ali-la-courneuve" and "Diallo" not in str(event.data)
    record = deps.persons.records[outcome.beneficiary_id]
    assert b"Diallo" not in record.identity and record.version == 1
    details = await views.beneficiary_details(outcome.beneficiary_id, ADMIN, deps=deps)
    assert details.identity.last_name == "Diallo" and not details.erased


async def test_a_known_person_is_answered_with_the_existing_beneficiary(deps):
    first = await _refer(deps, nir=None)
    again = await _refer(deps, first_name="AMINATA", commune_code="93014")
    assert (again.created, again.beneficiary_id, again.agency_id) == (False, first.beneficiary_id, "ali-la-courneuve")
    assert len(deps.store.recorded) == 1 and len(deps.persons.records) == 1


async def test_staff_refer_only_into_their_own_agency(deps):
    assert (await _refer(deps, _worker())).created
    with pytest.raises(Forbidden, match="ali-clichy-sous-bois"):
        await _refer(deps, _worker(), first_name="Lina", commune_code="93014")
    with pytest.raises(Forbidden):
        await _refer(deps, STAFF, first_name="Lina")
    assert len(deps.store.recorded) == 1


async def test_a_rejected_referral_raises_its_rule_and_writes_nothing(deps):
    with pytest.raises(UnknownCommune):
        await _refer(deps, commune_code="75056")
    assert deps.store.recorded == [] and deps.persons.records == {}


async def test_an_import_reports_every_row_and_a_second_import_creates_nothing(deps):
    progress: list[int] = []
    report = await import_referrals(
        SAMPLE.read_bytes(), deps=deps, profile=PLATFORM, today=TODAY, chunk_size=3, on_progress=progress.append
    )
    assert (report.total, report.created, report.duplicates, report.rejected) == (12, 6, 1, 5)
    assert sum(progress) == 12
    by_line = {r.line: r for r in report.rows}
    assert [r.line for r in report.rows] == list(range(2, 14))
    assert by_line[6].status == "duplicate" and by_line[6].beneficiary_id == by_line[2].beneficiary_id
    assert by_line[8].reason == "code INSEE 75056 : ce n'est pas une commune de Seine-Saint-Denis"
    assert by_line[3].status == "created" and by_line[3].beneficiary_id != by_line[2].beneficiary_id
    assert {r.line for r in report.rows if r.status == "rejected"} == {7, 8, 9, 11, 12}
    assert len(deps.store.recorded) == 6
    assert {e.correlation_id for e in deps.store.recorded} == {report.import_id}

    again = await import_referrals(SAMPLE.read_bytes(), deps=deps, profile=PLATFORM, today=TODAY, chunk_size=5)
    assert (again.created, again.duplicates, again.rejected) == (0, 7, 5)
    assert {r.beneficiary_id for r in again.rows if r.status == "duplicate"} == {
        r.beneficiary_id for r in report.rows if r.beneficiary_id
    }
    assert len(deps.store.recorded) == 6


async def test_a_chunk_that_fails_to_record_leaves_nothing_half_written(deps, monkeypatch):
    async def broken(conn, items):
        raise ConnectionError("database went away")

    monkeypatch.setattr(deps.store.events, "append_streams", broken)
    with pytest.raises(ConnectionError):
        await import_referrals(SAMPLE.read_bytes(), deps=deps, profile=PLATFORM, today=TODAY, chunk_size=100)
    assert deps.persons.records == {} and deps.persons.entries == [] and deps.store.recorded == []


async def test_a_transfer_records_the_event_moves_the_file_and_keeps_the_identity(deps):
    outcome = await _refer(deps)
    moved = TransferBeneficiary(commune_code="93014", address="3 allée de Gagny", transferred_on=TODAY)
    event = await beneficiaries.transfer_beneficiary(outcome.beneficiary_id, moved, _worker(), deps=deps, today=TODAY)
    assert (event.from_agency_id, event.to_agency_id) == ("ali-la-courneuve", "ali-clichy-sous-bois")
    assert [e.type.rsplit(".", 1)[1] for e in deps.store.recorded] == ["BeneficiaryEnrolled", "BeneficiaryTransferred"]
    assert deps.store.recorded[1].stream_version == 2
    details = await views.beneficiary_details(outcome.beneficiary_id, _worker("ali-clichy-sous-bois"), deps=deps)
    record = details.record
    assert (record.agency_id, record.commune_code, record.version) == ("ali-clichy-sous-bois", "93014", 2)
    assert details.identity.address == "3 allée de Gagny" and details.identity.phone == "0601020304"
    with pytest.raises(Forbidden):
        await views.beneficiary_details(outcome.beneficiary_id, _worker(), deps=deps)


async def test_only_the_current_agency_may_transfer_and_not_to_itself(deps):
    outcome = await _refer(deps)
    move = TransferBeneficiary(commune_code="93014", transferred_on=TODAY)
    for outsider in (_worker("ali-clichy-sous-bois"), STAFF):
        with pytest.raises(Forbidden):
            await beneficiaries.transfer_beneficiary(outcome.beneficiary_id, move, outsider, deps=deps, today=TODAY)
    same = TransferBeneficiary(commune_code="93027", transferred_on=TODAY)
    with pytest.raises(TransferRefused, match="no transfer is needed"):
        await beneficiaries.transfer_beneficiary(outcome.beneficiary_id, same, ADMIN, deps=deps, today=TODAY)
    with pytest.raises(BeneficiaryNotFound):
        await beneficiaries.transfer_beneficiary(uuid.uuid4(), move, ADMIN, deps=deps, today=TODAY)
    assert len(deps.store.recorded) == 1


async def test_a_change_made_meanwhile_is_a_conflict_not_an_overwrite(deps, monkeypatch):
    outcome = await _refer(deps)
    enrolment = list(deps.store.recorded)
    await beneficiaries.erase_personal_data(outcome.beneficiary_id, ADMIN, deps=deps, today=TODAY)
    recorded = list(deps.store.recorded)

    async def read_before_the_erasure(stream_id, conn=None):
        return enrolment

    monkeypatch.setattr(deps.store.events, "load", read_before_the_erasure)
    move = TransferBeneficiary(commune_code="93014", transferred_on=TODAY)
    with pytest.raises(ConcurrencyError):
        await beneficiaries.transfer_beneficiary(outcome.beneficiary_id, move, ADMIN, deps=deps, today=TODAY)
    assert deps.store.recorded == recorded


async def test_erasure_destroys_the_key_and_indexes_and_keeps_the_statistics(deps):
    outcome = await _refer(deps, nir=None)
    manager = _worker(role=Role.AGENCY_MANAGER)
    event = await beneficiaries.erase_personal_data(outcome.beneficiary_id, manager, deps=deps, today=TODAY)
    assert event.erased_on == TODAY
    assert outcome.beneficiary_id not in deps.persons.keys and deps.persons.entries == []
    details = await views.beneficiary_details(outcome.beneficiary_id, manager, deps=deps)
    assert (details.erased, details.identity, details.record.erased_on) == (True, None, TODAY)
    record = details.record
    assert (record.agency_id, record.age_band, record.household_type) == ("ali-la-courneuve", "35_44", "single")
    with pytest.raises(AlreadyErased):
        await beneficiaries.erase_personal_data(outcome.beneficiary_id, manager, deps=deps, today=TODAY)
    # Nothing links a later referral of the same person to the erased beneficiary.
    again = await _refer(deps, nir=None)
    assert again.created and again.beneficiary_id != outcome.beneficiary_id


async def test_only_the_agency_manager_or_an_admin_erases(deps):
    outcome = await _refer(deps)
    for caller in (_worker(), _worker("ali-stains", Role.AGENCY_MANAGER), STAFF):
        with pytest.raises(Forbidden):
            await beneficiaries.erase_personal_data(outcome.beneficiary_id, caller, deps=deps, today=TODAY)
    assert (await beneficiaries.erase_personal_data(outcome.beneficiary_id, ADMIN, deps=deps, today=TODAY)).erased_on


async def test_lists_are_scoped_to_the_callers_agency(deps):
    courneuve = await _refer(deps)
    await _refer(deps, first_name="Lina", commune_code="93014")
    mine = await views.list_beneficiaries(_worker(), None, deps=deps, limit=10, offset=0)
    assert [(b.record.beneficiary_id, b.identity.first_name) for b in mine] == [(courneuve.beneficiary_id, "Aminata")]
    everyone = await views.list_beneficiaries(ADMIN, None, deps=deps, limit=10, offset=0)
    assert len(everyone) == 2
    assert len(await views.list_beneficiaries(ADMIN, "ali-clichy-sous-bois", deps=deps, limit=10, offset=0)) == 1
    with pytest.raises(Forbidden):
        await views.list_beneficiaries(_worker(), "ali-clichy-sous-bois", deps=deps, limit=10, offset=0)
    with pytest.raises(Forbidden):
        await views.list_beneficiaries(STAFF, None, deps=deps, limit=10, offset=0)
    with pytest.raises(AgencyNotFound):
        await views.list_beneficiaries(ADMIN, "ali-paris", deps=deps, limit=10, offset=0)


async def test_department_staff_and_other_agencies_do_not_see_a_file(deps):
    outcome = await _refer(deps)
    for outsider in (STAFF, _worker("ali-stains")):
        with pytest.raises(Forbidden):
            await views.beneficiary_details(outcome.beneficiary_id, outsider, deps=deps)
    with pytest.raises(BeneficiaryNotFound):
        await views.beneficiary_details(uuid.uuid4(), ADMIN, deps=deps)
