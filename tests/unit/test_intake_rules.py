from __future__ import annotations

import uuid
from datetime import date

import pytest
from pydantic import ValidationError

from services.intake.domain import decisions
from services.intake.domain.agencies import AGENCIES, COMMUNES, agency_by_id, agency_for_commune
from services.intake.domain.commands import TransferBeneficiary
from services.intake.domain.errors import (
    AgencyNotFound,
    AlreadyErased,
    InvalidReferral,
    InvalidTransfer,
    TransferRefused,
)
from services.intake.domain.evolution import BENEFICIARY, apply_beneficiary
from services.intake.domain.nir import check_key, validate_nir
from services.intake.domain.state import Beneficiary
from shared.contracts.intake import AgeBand, BeneficiaryPersonalDataErased, BeneficiaryTransferred
from shared.territory import UnknownCommune
from tests.builders import referral

TODAY = date(2025, 1, 12)


def _enrolled(**overrides) -> Beneficiary:
    [event] = decisions.enrol(referral(**overrides), uuid.uuid4(), today=TODAY)
    return BENEFICIARY.fold([event])


def test_the_department_has_22_agencies_covering_its_40_communes_once():
    covered = [code for agency in AGENCIES for code in agency.communes]
    assert len(AGENCIES) == 22 and len(COMMUNES) == 40
    assert sorted(covered) == sorted(COMMUNES)


def test_referrals_are_routed_to_the_agency_of_the_commune():
    assert agency_for_commune("93027").id == "ali-la-courneuve"
    assert agency_for_commune("93047").id == agency_for_commune("93015").id == "ali-clichy-sous-bois"
    with pytest.raises(UnknownCommune, match="75001"):
        agency_for_commune("75001")


def test_an_unknown_agency_id_is_not_found():
    assert agency_by_id("ali-stains").name == "ALI Stains"
    with pytest.raises(AgencyNotFound):
        agency_by_id("ali-paris")


def test_enrolment_routes_to_the_agency_and_carries_no_identifying_data():
    cmd = referral(nir="2 90 05 75 123 456 " + f"{check_key('2900575123456'):02d}", phone="0601020304")
    [event] = decisions.enrol(cmd, uuid.uuid4(), today=TODAY)
    payload = event.model_dump_json()
    for identifying in ("Aminata", "Diallo", "1990-05-04", "2900575123456", "0601020304"):
        assert identifying not in payload
    assert event.agency_id == "ali-la-courneuve" and event.commune_code == "93027"
    assert event.age_band == AgeBand.FROM_26_TO_34 and event.enrolled_on == TODAY


def test_orientation_in_the_future_is_refused():
    with pytest.raises(InvalidReferral, match="date d'orientation"):
        decisions.enrol(referral(orientation_date=date(2030, 1, 1)), uuid.uuid4(), today=TODAY)


def test_a_birth_date_giving_an_implausible_age_is_refused():
    with pytest.raises(InvalidReferral, match="date de naissance : la personne aurait 4 ans"):
        decisions.enrol(referral(birth_date=date(2020, 5, 4)), uuid.uuid4(), today=TODAY)
    with pytest.raises(InvalidReferral, match="date de naissance"):
        decisions.enrol(referral(birth_date=date(1901, 1, 1)), uuid.uuid4(), today=TODAY)


@pytest.mark.parametrize(
    "birth, on, band",
    [
        (date(2000, 6, 2), date(2026, 6, 1), AgeBand.UNDER_26),
        (date(2000, 6, 1), date(2026, 6, 1), AgeBand.FROM_26_TO_34),
        (date(1981, 6, 1), date(2026, 6, 1), AgeBand.FROM_45_TO_54),
        (date(1960, 1, 1), date(2026, 1, 1), AgeBand.FROM_55),
    ],
)
def test_age_bands(birth, on, band):
    assert decisions.age_band(birth, on) == band


def test_invalid_input_is_refused_with_the_field():
    with pytest.raises(ValidationError) as raised:
        referral(commune_code="9302", nir="123", email="not-an-email", referral_source="Jean Dupont")
    fields = {e["loc"][0] for e in raised.value.errors()}
    assert fields == {"commune_code", "nir", "email", "referral_source"}


def test_the_nir_is_normalised_and_its_check_key_verified():
    assert check_key("2550814168025") == 38
    assert validate_nir("2 55 08 14 168 025 38") == "255081416802538"
    assert validate_nir("2.55.08.2A.168.025") == "255082A168025"
    with pytest.raises(ValueError, match="la clé 39 du NIR ne correspond pas"):
        validate_nir("2 55 08 14 168 025 39")
    with pytest.raises(ValueError, match="13 caractères"):
        validate_nir("3 55 08 14 168 025")


def test_corsican_departments_count_as_19_and_18_in_the_key():
    assert check_key("180052A123456") == check_key("1800519123456")
    assert check_key("180052B123456") == check_key("1800518123456")
    assert validate_nir(f"18005 2B 123456 {check_key('18005' + '18' + '123456'):02d}").startswith("180052B")


def test_the_allocataire_number_needs_its_role_and_gets_its_leading_zeros_back():
    assert referral(allocataire_number="12 345", allocataire_role="conjoint").allocataire_number == "0012345"
    with pytest.raises(ValidationError, match="le rôle \\(demandeur ou conjoint\\) est requis"):
        referral(allocataire_number="1234567")
    assert referral(allocataire_role="demandeur").allocataire_role is None
    with pytest.raises(ValidationError, match="au plus 7 chiffres"):
        referral(allocataire_number="12345678", allocataire_role="demandeur")


def test_names_need_letters_and_no_control_characters():
    with pytest.raises(ValidationError, match="doit contenir des lettres"):
        referral(last_name="1234")
    with pytest.raises(ValidationError, match="caractère"):
        referral(first_name="Ami\x00nata")


def test_a_transfer_moves_the_follow_up_to_the_agency_of_the_new_commune():
    state = _enrolled()
    [event] = decisions.transfer(state, TransferBeneficiary(commune_code="93014", transferred_on=TODAY), TODAY)
    assert event == BeneficiaryTransferred(
        beneficiary_id=state.beneficiary_id,
        from_agency_id="ali-la-courneuve",
        to_agency_id="ali-clichy-sous-bois",
        commune_code="93014",
        transferred_on=TODAY,
    )
    moved = apply_beneficiary(state, event)
    assert (moved.agency_id, moved.commune_code, moved.version) == ("ali-clichy-sous-bois", "93014", 2)


def test_a_move_within_the_same_agency_is_not_a_transfer():
    state = _enrolled(commune_code="93014")
    with pytest.raises(TransferRefused, match="already follows this beneficiary"):
        decisions.transfer(state, TransferBeneficiary(commune_code="93047", transferred_on=TODAY), TODAY)


def test_a_transfer_outside_the_department_or_at_an_impossible_date_is_refused():
    state = _enrolled()
    with pytest.raises(UnknownCommune):
        decisions.transfer(state, TransferBeneficiary(commune_code="75056", transferred_on=TODAY), TODAY)
    with pytest.raises(InvalidTransfer, match="in the future"):
        decisions.transfer(state, TransferBeneficiary(commune_code="93014", transferred_on=date(2025, 2, 1)), TODAY)
    with pytest.raises(InvalidTransfer, match="before the orientation date"):
        decisions.transfer(state, TransferBeneficiary(commune_code="93014", transferred_on=date(2024, 1, 1)), TODAY)


def test_erasure_happens_once_and_then_forbids_transfers():
    state = _enrolled()
    [event] = decisions.erase(state, TODAY)
    assert event == BeneficiaryPersonalDataErased(beneficiary_id=state.beneficiary_id, erased_on=TODAY)
    erased = apply_beneficiary(state, event)
    with pytest.raises(AlreadyErased):
        decisions.erase(erased, TODAY)
    with pytest.raises(TransferRefused, match="erased"):
        decisions.transfer(erased, TransferBeneficiary(commune_code="93014", transferred_on=TODAY), TODAY)


def test_an_earlier_enrolment_date_starts_the_accompaniment_then():
    from services.intake.domain import decisions
    from services.intake.domain.errors import InvalidReferral

    dated = referral(orientation_date=date(2025, 1, 10), enrolment_date=date(2025, 1, 20))
    [event] = decisions.enrol(dated, uuid.uuid4(), today=date(2025, 6, 1))
    assert event.enrolled_on == date(2025, 1, 20)
    [default] = decisions.enrol(referral(orientation_date=date(2025, 1, 10)), uuid.uuid4(), today=date(2025, 6, 1))
    assert default.enrolled_on == date(2025, 6, 1)
    with pytest.raises(InvalidReferral, match="précède la date d'orientation"):
        decisions.enrol(
            referral(orientation_date=date(2025, 1, 10), enrolment_date=date(2025, 1, 9)),
            uuid.uuid4(),
            today=date(2025, 6, 1),
        )
    with pytest.raises(InvalidReferral, match="dans le futur"):
        decisions.enrol(
            referral(orientation_date=date(2025, 1, 10), enrolment_date=date(2025, 7, 1)),
            uuid.uuid4(),
            today=date(2025, 6, 1),
        )
