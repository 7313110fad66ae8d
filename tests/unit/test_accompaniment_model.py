from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.accompaniment.domain import model
from services.accompaniment.domain.errors import AccompanimentClosedError, AccompanimentNotFound, InvalidClosure
from shared.contracts.exits import ExitCategory, ExitGroup
from shared.contracts.intake import AgeBand, BeneficiaryEnrolled, HouseholdType


def _enrolled(on: date = date(2025, 1, 31)) -> BeneficiaryEnrolled:
    return BeneficiaryEnrolled(
        beneficiary_id=uuid.uuid4(),
        agency_id="ali-la-courneuve",
        commune_code="93027",
        age_band=AgeBand.FROM_26_TO_34,
        household_type=HouseholdType.SINGLE_PARENT,
        orientation_date=date(2025, 1, 20),
        enrolled_on=on,
        referral_source="department",
    )


def _opened(on: date = date(2025, 1, 31)) -> model.Accompaniment:
    return model.fold(model.open_for(_enrolled(on), uuid.uuid4(), 12))


def test_an_accompaniment_lasts_the_configured_number_of_months():
    state = model.fold(model.open_for(_enrolled(date(2025, 3, 10)), uuid.uuid4(), 12))
    assert state.planned_end_date == date(2026, 3, 10) and state.version == 1 and not state.is_closed


def test_planned_end_is_clipped_to_the_end_of_a_shorter_month():
    assert model.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert model.add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)


def test_the_same_enrolment_always_designates_the_same_accompaniment():
    event_id = uuid.uuid4()
    assert model.accompaniment_id_for(event_id) == model.accompaniment_id_for(event_id)
    assert model.accompaniment_id_for(event_id) != model.accompaniment_id_for(uuid.uuid4())


@pytest.mark.parametrize(
    "category, group",
    [
        (ExitCategory.CDI, ExitGroup.EMPLOI_DURABLE),
        (ExitCategory.CDD_OR_TEMP_UNDER_6_MONTHS, ExitGroup.EMPLOI_TRANSITION),
        (ExitCategory.QUALIFYING_TRAINING, ExitGroup.SORTIE_POSITIVE),
        (ExitCategory.MOVED_AWAY, ExitGroup.AUTRE_SORTIE),
    ],
)
def test_closing_records_the_official_exit_group(category, group):
    state = _opened()
    [closed] = model.close(state, category, date(2025, 6, 1), today=date(2025, 6, 2))
    assert closed.exit_group == group
    assert model.apply(state, closed).is_closed


def test_every_exit_category_has_a_group():
    assert all(isinstance(c.group, ExitGroup) for c in ExitCategory)


def test_closing_twice_is_rejected():
    state = _opened()
    [closed] = model.close(state, ExitCategory.CDI, date(2025, 6, 1), today=date(2025, 6, 2))
    with pytest.raises(AccompanimentClosedError):
        model.close(model.apply(state, closed), ExitCategory.CDI, date(2025, 6, 1), today=date(2025, 6, 2))


def test_closing_before_the_start_or_in_the_future_is_rejected():
    state = _opened(date(2025, 1, 31))
    with pytest.raises(InvalidClosure):
        model.close(state, ExitCategory.CDI, date(2025, 1, 1), today=date(2025, 6, 2))
    with pytest.raises(InvalidClosure):
        model.close(state, ExitCategory.CDI, date(2025, 7, 1), today=date(2025, 6, 2))


def test_closing_an_unknown_accompaniment_is_not_found():
    with pytest.raises(AccompanimentNotFound):
        model.close(None, ExitCategory.CDI, date(2025, 6, 1), today=date(2025, 6, 2))
