"""Returns after a closed accompaniment, another agency's person, possible duplicates, ends of RSA rights."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest

from services.intake.domain.errors import KnownToAnotherAgency, ShippedProfileReadOnly
from services.intake.service_layer import profiles, views
from services.intake.service_layer.imports import import_referrals
from services.intake.service_layer.reports import RowStatus
from shared.errors import Forbidden
from tests.unit.test_intake_handlers import ADMIN, PLATFORM, TODAY, _refer, _worker, make_deps

EXAMPLES = Path(__file__).resolve().parents[2] / "services/intake/examples"
HEADER = "last_name;first_name;birth_date;commune_code;orientation_date"


@pytest.fixture
def deps():
    return make_deps()


def _close(deps, beneficiary_id, on: date = date(2025, 11, 10)) -> uuid.UUID:
    accompaniment = uuid.uuid4()
    deps.follow_ups.close_latest(beneficiary_id, accompaniment, on)
    return accompaniment


async def test_a_person_whose_accompaniment_closed_is_enrolled_again_as_a_return(deps):
    first = await _refer(deps, orientation_date=date(2025, 1, 10))
    closed = _close(deps, first.beneficiary_id)
    back = await _refer(deps, orientation_date=date(2025, 11, 15), commune_code="93008", phone="0700000000")
    assert (back.status, back.beneficiary_id, back.agency_id) == ("return", first.beneficiary_id, "ali-bobigny")
    enrolled, again = deps.store.recorded
    assert again.type == enrolled.type == "ali.intake.BeneficiaryEnrolled" and again.stream_version == 2
    assert again.data["is_return"] is True and again.data["previous_accompaniment_id"] == str(closed)
    assert enrolled.data["is_return"] is False
    record = deps.persons.records[first.beneficiary_id]
    assert (record.agency_id, record.version, record.orientation_date) == ("ali-bobigny", 2, date(2025, 11, 15))
    details = await views.beneficiary_details(first.beneficiary_id, ADMIN, deps=deps)
    assert details.identity.phone == "0700000000" and details.closed is None, "followed again"


async def test_while_the_accompaniment_is_open_or_for_an_earlier_orientation_it_stays_a_duplicate(deps):
    first = await _refer(deps, orientation_date=date(2025, 1, 10))
    assert (await _refer(deps, orientation_date=date(2025, 11, 15))).status == "duplicate"
    _close(deps, first.beneficiary_id, date(2025, 11, 10))
    replayed = await _refer(deps, orientation_date=date(2025, 1, 10))
    assert replayed.status == "duplicate" and "antérieure" in replayed.reason
    back = await _refer(deps, orientation_date=date(2025, 11, 15))
    assert back.status == "return"
    assert (await _refer(deps, orientation_date=date(2025, 11, 16))).status == "duplicate", "followed again"
    assert len(deps.store.recorded) == 2


async def test_an_import_reports_returns_and_the_same_file_again_is_only_duplicates(deps):
    data = f"{HEADER}\nDiallo;Aminata;12/04/1988;93027;01/02/2025\nPetit;Julien;01/01/1990;93008;01/02/2025\n"
    first = await import_referrals(data.encode(), deps=deps, profile=PLATFORM, today=TODAY, chunk_size=10)
    _close(deps, first.rows[0].beneficiary_id)
    later = data.replace("01/02/2025", "15/11/2025").encode()
    report = await import_referrals(later, deps=deps, profile=PLATFORM, today=TODAY, chunk_size=10)
    assert [r.status for r in report.rows] == [RowStatus.RETURN, RowStatus.DUPLICATE]
    assert (report.returns, report.duplicates, report.created) == (1, 1, 0)
    again = await import_referrals(later, deps=deps, profile=PLATFORM, today=TODAY, chunk_size=10)
    assert (again.returns, again.duplicates) == (0, 2)
    assert await deps.reports.get(None, report.import_id) == report


async def test_a_caseworker_referring_another_agencys_person_learns_neither_who_nor_where(deps):
    known = await _refer(deps, _worker("ali-la-courneuve"))
    with pytest.raises(KnownToAnotherAgency) as refused:
        # Same person, now said to live in Bobigny, referred by a Bobigny caseworker.
        await _refer(deps, _worker("ali-bobigny"), commune_code="93008")
    message = str(refused.value)
    assert refused.value.code == "known_to_department" and "transfert" in message
    assert str(known.beneficiary_id) not in message and "courneuve" not in message.lower()
    same_agency = await _refer(deps, _worker("ali-la-courneuve"))
    assert same_agency.status == "duplicate" and same_agency.beneficiary_id == known.beneficiary_id
    admin = await _refer(deps, ADMIN, commune_code="93008")
    assert admin.status == "duplicate" and admin.agency_id == "ali-la-courneuve"


async def test_another_agencys_person_whose_accompaniment_closed_comes_back_in_the_referring_agency(deps):
    known = await _refer(deps, _worker("ali-la-courneuve"), orientation_date=date(2025, 1, 10))
    _close(deps, known.beneficiary_id)
    back = await _refer(deps, _worker("ali-bobigny"), commune_code="93008", orientation_date=date(2025, 11, 15))
    assert (back.status, back.agency_id) == ("return", "ali-bobigny")


async def test_a_transliterated_namesake_is_created_and_named_as_possible_duplicate_to_its_agency_only(deps):
    first = await _refer(deps, _worker(), first_name="Łukasz", last_name="Żółć")
    second = await _refer(deps, _worker(), first_name="Lukasz", last_name="Zolc")
    assert second.status == "created" and second.possible_duplicates == (first.beneficiary_id,)
    other = await _refer(deps, _worker("ali-bobigny"), first_name="Łukasz", last_name="Zolc", commune_code="93008")
    assert other.status == "created" and other.possible_duplicates == ()
    details = await views.beneficiary_details(first.beneficiary_id, _worker(), deps=deps)
    assert details.possible_duplicates == [second.beneficiary_id]
    everyone = await views.beneficiary_details(first.beneficiary_id, ADMIN, deps=deps)
    assert set(everyone.possible_duplicates) == {second.beneficiary_id, other.beneficiary_id}


async def test_a_closed_rsa_right_in_the_caf_flow_reports_the_end_for_a_followed_person_once(deps):
    flow = (EXAMPLES / "caf-msa-flux-sample.xml").read_bytes()
    caf = profiles.SHIPPED["caf-msa"]
    # Pascal Bernard's right is closed in the flow: unknown to the platform, he is not enrolled.
    first = await import_referrals(flow, deps=deps, profile=caf, today=TODAY, chunk_size=10)
    assert (first.created, first.skipped, first.rights_ended) == (3, 3, 0)
    await _refer(
        deps,
        first_name="Pascal",
        last_name="Bernard",
        birth_date=date(1975, 6, 11),
        commune_code="93066",
        nir="175069306612302",
        orientation_date=date(2024, 11, 3),
    )
    second = await import_referrals(flow, deps=deps, profile=caf, today=TODAY, chunk_size=10)
    [ended] = [r for r in second.rows if r.status == RowStatus.RIGHTS_ENDED]
    assert (second.rights_ended, second.duplicates, ended.agency_id) == (1, 3, "ali-saint-denis-pierrefitte")
    event = deps.store.recorded[-1]
    assert event.type == "ali.intake.RsaRightsEnded" and event.data["ended_on"] == "2025-01-31"
    assert event.data["reason"] == "struck_off_end_of_right" and "BERNARD" not in str(event.data)
    third = await import_referrals(flow, deps=deps, profile=caf, today=TODAY, chunk_size=10)
    assert third.rights_ended == 0 and deps.store.recorded[-1] == event


async def test_profiles_are_saved_by_admins_and_the_shipped_ones_are_read_only(deps):
    mine = profiles.SHIPPED["agences-rdv"].model_copy(update={"name": "ali-bondy-rdv", "encoding": "utf-8"})
    with pytest.raises(Forbidden):
        await profiles.save_profile(mine, _worker(), deps=deps, create=True)
    saved = await profiles.save_profile(mine, ADMIN, deps=deps, create=True)
    assert (saved.version, saved.shipped) == (1, False)
    with pytest.raises(ShippedProfileReadOnly, match="existe déjà"):
        await profiles.save_profile(mine, ADMIN, deps=deps, create=True)
    again = await profiles.save_profile(mine, ADMIN, deps=deps, create=False)
    assert again.version == 2
    assert (await profiles.resolve("ali-bondy-rdv", deps=deps)).encoding == "utf-8"
    with pytest.raises(ShippedProfileReadOnly, match="livré"):
        await profiles.save_profile(profiles.SHIPPED["plateforme"], ADMIN, deps=deps, create=False)
    names = [p.profile.name for p in await profiles.list_profiles(ADMIN, deps=deps)]
    assert {"plateforme", "agences-rdv", "caf-msa", "ali-bondy-rdv"} <= set(names)
