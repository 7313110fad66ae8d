from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.accompaniment.domain.commands import CloseAccompaniment
from services.accompaniment.domain.decisions import lifecycle
from services.accompaniment.domain.decisions.guards import header
from services.accompaniment.domain.errors import AccompanimentClosedError, AccompanimentNotFound, InvalidClosure
from services.accompaniment.domain.evolution import ACCOMPANIMENT, accompaniment_id_for, apply_accompaniment
from services.accompaniment.domain.rules import Context, Rules, add_months
from shared.contracts import REGISTRY
from shared.contracts.accompaniment import AccompanimentEvent, AccompanimentOpened
from shared.contracts.exits import ExitCategory, ExitGroup
from shared.contracts.intake import AgeBand, BeneficiaryEnrolled, HouseholdType
from tests.builders import enrolment

TODAY = Context(today=date(2025, 6, 2))


def _enrolled(on: date = date(2025, 1, 31)) -> BeneficiaryEnrolled:
    return enrolment(
        age_band=AgeBand.FROM_26_TO_34,
        household_type=HouseholdType.SINGLE_PARENT,
        orientation_date=date(2025, 1, 20),
        enrolled_on=on,
        referral_source="department",
    )


def _opened(on: date = date(2025, 1, 31)):
    return ACCOMPANIMENT.fold(lifecycle.open_for(_enrolled(on), uuid.uuid4(), Rules()))


def test_an_accompaniment_lasts_the_configured_number_of_months():
    state = ACCOMPANIMENT.fold(lifecycle.open_for(_enrolled(date(2025, 3, 10)), uuid.uuid4(), Rules()))
    assert state.planned_end_date == date(2026, 3, 10) and state.version == 1 and not state.is_closed
    assert state.status == "open" and state.orientation_date == date(2025, 1, 20)


def test_the_duration_is_a_department_setting():
    state = ACCOMPANIMENT.fold(
        lifecycle.open_for(_enrolled(date(2025, 3, 10)), uuid.uuid4(), Rules(duration_months=18))
    )
    assert state.planned_end_date == date(2026, 9, 10)


def test_planned_end_is_clipped_to_the_end_of_a_shorter_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)


def test_the_same_enrolment_always_designates_the_same_accompaniment():
    event_id = uuid.uuid4()
    assert accompaniment_id_for(event_id) == accompaniment_id_for(event_id)
    assert accompaniment_id_for(event_id) != accompaniment_id_for(uuid.uuid4())


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
    [closed] = lifecycle.close(state, CloseAccompaniment(exit_category=category, closed_on=date(2025, 6, 1)), TODAY)
    assert closed.exit_group == group
    after = apply_accompaniment(state, closed)
    assert after.is_closed and after.status == "closed" and after.version == 2


def test_closing_without_a_date_closes_today():
    [closed] = lifecycle.close(_opened(), CloseAccompaniment(exit_category=ExitCategory.CDI), TODAY)
    assert closed.closed_on == date(2025, 6, 2)


def test_every_exit_category_has_a_group():
    assert all(isinstance(c.group, ExitGroup) for c in ExitCategory)


def test_closing_twice_is_rejected():
    state = _opened()
    cmd = CloseAccompaniment(exit_category=ExitCategory.CDI, closed_on=date(2025, 6, 1))
    [closed] = lifecycle.close(state, cmd, TODAY)
    with pytest.raises(AccompanimentClosedError, match="déjà clos depuis le 2025-06-01"):
        lifecycle.close(apply_accompaniment(state, closed), cmd, TODAY)


def test_closing_before_the_start_or_in_the_future_is_rejected():
    state = _opened(date(2025, 1, 31))
    with pytest.raises(InvalidClosure, match="précède le début"):
        lifecycle.close(state, CloseAccompaniment(exit_category=ExitCategory.CDI, closed_on=date(2025, 1, 1)), TODAY)
    with pytest.raises(InvalidClosure, match="dans le futur"):
        lifecycle.close(state, CloseAccompaniment(exit_category=ExitCategory.CDI, closed_on=date(2025, 7, 1)), TODAY)


def test_closing_an_unknown_accompaniment_is_not_found():
    with pytest.raises(AccompanimentNotFound):
        lifecycle.close(None, CloseAccompaniment(exit_category=ExitCategory.CDI), TODAY)


class _Unknown(AccompanimentEvent):
    """An event the fold was not written for."""


def test_the_fold_refuses_events_it_does_not_know_or_that_come_before_the_opening():
    state = _opened()
    with pytest.raises(TypeError, match="unhandled event _Unknown"):
        apply_accompaniment(state, _Unknown(**header(state)))
    with pytest.raises(TypeError, match="before the accompaniment was opened"):
        apply_accompaniment(None, _Unknown(**header(state)))
    opened = AccompanimentOpened(
        **header(state),
        start_date=state.start_date,
        planned_end_date=state.planned_end_date,
        orientation_date=state.orientation_date,
        commune_code=state.commune_code,
    )
    assert apply_accompaniment(None, opened) == state


def test_an_opening_carries_the_commune_and_one_recorded_as_v1_is_read_without_it():
    state = _opened()
    assert state.commune_code == "93027"
    v1 = {
        k: v
        for k, v in AccompanimentOpened(
            **header(state),
            start_date=state.start_date,
            planned_end_date=state.planned_end_date,
            orientation_date=state.orientation_date,
            commune_code="93027",
        )
        .model_dump(mode="json")
        .items()
        if k != "commune_code"
    }
    upcast = REGISTRY.decode(AccompanimentOpened.event_type(), 1, v1)
    assert isinstance(upcast, AccompanimentOpened) and upcast.commune_code is None
    assert REGISTRY.decode(AccompanimentOpened.event_type(), 2, {**v1, "commune_code": "93014"}).commune_code == "93014"
