from __future__ import annotations

import uuid
from datetime import date

import pytest
from pydantic import ValidationError

from services.intake.adapters.people import dedup_keys
from services.intake.domain import model
from services.intake.domain.agencies import AGENCIES, COMMUNES, agency_for_commune
from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.errors import InvalidReferral, UnknownCommune
from shared.contracts.intake import AgeBand


def _referral(**overrides) -> ReferBeneficiary:
    fields = dict(
        first_name="Aminata",
        last_name="Diallo",
        birth_date=date(1990, 5, 4),
        commune_code="93027",
        orientation_date=date(2025, 1, 10),
    )
    return ReferBeneficiary(**(fields | overrides))


def test_the_department_has_22_agencies_covering_its_40_communes_once():
    covered = [code for agency in AGENCIES for code in agency.communes]
    assert len(AGENCIES) == 22 and len(COMMUNES) == 40
    assert sorted(covered) == sorted(COMMUNES)


def test_referrals_are_routed_to_the_agency_of_the_commune():
    assert agency_for_commune("93027").id == "ali-la-courneuve"
    assert agency_for_commune("93047").id == agency_for_commune("93015").id == "ali-clichy-sous-bois"
    with pytest.raises(UnknownCommune):
        agency_for_commune("75001")


def test_enrolment_event_carries_no_identifying_data():
    [event] = model.enrol(_referral(nir="190057512345678"), uuid.uuid4(), today=date(2025, 1, 12))
    payload = event.model_dump_json()
    for identifying in ("Aminata", "Diallo", "1990-05-04", "190057512345678"):
        assert identifying not in payload
    assert event.age_band == AgeBand.FROM_26_TO_34


def test_orientation_in_the_future_is_refused():
    with pytest.raises(InvalidReferral):
        model.enrol(_referral(orientation_date=date(2030, 1, 1)), uuid.uuid4(), today=date(2025, 1, 12))


@pytest.mark.parametrize(
    "birth, on, band",
    [
        (date(2000, 6, 2), date(2026, 6, 1), AgeBand.UNDER_26),
        (date(2000, 6, 1), date(2026, 6, 1), AgeBand.FROM_26_TO_34),
        (date(1960, 1, 1), date(2026, 1, 1), AgeBand.FROM_55),
    ],
)
def test_age_bands(birth, on, band):
    assert model.age_band(birth, on) == band


def test_name_key_ignores_case_accents_and_hyphens():
    a = dedup_keys(_referral(first_name="Éloïse-Marie", last_name="N'Diaye"))
    b = dedup_keys(_referral(first_name="eloise marie", last_name="NDIAYE"))
    assert a["name_key"] == b["name_key"]


def test_invalid_input_is_refused_with_the_field():
    with pytest.raises(ValidationError) as raised:
        _referral(commune_code="9302", nir="123")
    fields = {e["loc"][0] for e in raised.value.errors()}
    assert fields == {"commune_code", "nir"}
