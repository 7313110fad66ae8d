"""A transfer moves the person's placement records: access, rows and the agency of later facts follow the person."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.placement.domain.commands import (
    AgreeImmersion,
    CompleteImmersion,
    EndHireEarly,
    MakeIntroduction,
    RecordCheckIn,
    RecordOutcome,
)
from services.placement.domain.evolution import IMMERSION, INTRODUCTION
from services.placement.service_layer import hires, immersions, introductions, transfers
from services.placement.service_layer.dependencies import Dependencies
from shared.auth import Principal, Role
from shared.contracts.accompaniment import AccompanimentTransferred
from shared.errors import Forbidden
from tests.fakes.placement import placement_dependencies
from tests.unit.test_placement_handlers import AGENCY, CASEWORKER, TODAY, _candidate, _envelope, _need

NEW_AGENCY = "ali-stains"
NEW_CASEWORKER = Principal("cw-stains", Role.CASEWORKER, NEW_AGENCY)
MOVED_ON = date(2026, 6, 15)


@pytest.fixture
def deps() -> Dependencies:
    return placement_dependencies()


async def _placed(deps):
    """A person of AGENCY introduced, hired on a CDI on 2 June, checked at one month; and an immersion."""
    need = await _need(deps)
    person = await _candidate(deps)
    introduced = MakeIntroduction(need_id=need.id, beneficiary_id=person, introduced_on=date(2026, 6, 1))
    introduction = await introductions.make_introduction(introduced, user=CASEWORKER, deps=deps)
    hired = RecordOutcome(outcome="hired", contract_type="cdi", weekly_hours=35, start_date=date(2026, 6, 2))
    introduction = await introductions.record_outcome(
        introduction.id, hired, user=CASEWORKER, deps=deps, today=date(2026, 6, 2)
    )
    agreed = AgreeImmersion(
        beneficiary_id=person,
        host_kind="training_centre",
        host_name="AFPA Montreuil",
        start_date=date(2026, 6, 22),
        end_date=date(2026, 6, 26),
    )
    immersion = await immersions.agree_immersion(agreed, user=CASEWORKER, deps=deps, today=date(2026, 6, 10))
    return person, introduction, immersion


def _transfer(person, accompaniment_id=None) -> AccompanimentTransferred:
    return AccompanimentTransferred(
        accompaniment_id=accompaniment_id or uuid.uuid4(),
        beneficiary_id=person,
        agency_id=NEW_AGENCY,
        from_agency_id=AGENCY,
        to_agency_id=NEW_AGENCY,
        commune_code="93072",
        transferred_on=MOVED_ON,
    )


def _types(deps) -> list[str]:
    return [e.type.rsplit(".", 1)[1] for e in deps.store.recorded]


async def test_a_transfer_moves_introductions_hires_and_immersions_once(deps):
    person, introduction, immersion = await _placed(deps)
    moved = _transfer(person)
    for version in (5, 5):  # a redelivery moves nothing more
        await transfers.on_accompaniment_transferred(_envelope(moved, version), None, deps=deps)
    assert _types(deps).count("IntroductionTransferred") == 1 and _types(deps).count("ImmersionTransferred") == 1
    [event] = [e for e in deps.store.recorded if e.type.endswith("IntroductionTransferred")]
    assert (event.data["from_agency_id"], event.data["to_agency_id"], event.data["transferred_on"]) == (
        AGENCY,
        NEW_AGENCY,
        "2026-06-15",
    )
    assert event.data["hire_id"] == str(introduction.hire.id) and event.partition_key == str(person)
    assert deps.introductions.rows[introduction.id].agency_id == NEW_AGENCY
    assert deps.immersions.rows[immersion.id].agency_id == NEW_AGENCY


async def test_after_a_transfer_the_old_agency_is_refused_and_the_new_one_records(deps):
    person, introduction, immersion = await _placed(deps)
    await transfers.on_accompaniment_transferred(_envelope(_transfer(person), 5), None, deps=deps)
    hire_id = introduction.hire.id
    check_in = RecordCheckIn(month=1, checked_on=date(2026, 6, 29), still_employed=True)
    with pytest.raises(Forbidden):
        await hires.record_check_in(hire_id, check_in, user=CASEWORKER, deps=deps, today=TODAY)
    with pytest.raises(Forbidden):
        await immersions.complete_immersion(
            immersion.id,
            CompleteImmersion(outcome="training", completed_on=date(2026, 6, 26)),
            user=CASEWORKER,
            deps=deps,
            today=TODAY,
        )
    await hires.record_check_in(hire_id, check_in, user=NEW_CASEWORKER, deps=deps, today=TODAY)
    ended = EndHireEarly(ended_on=date(2026, 6, 29), reason="resignation")
    state = await hires.end_hire_early(hire_id, ended, user=NEW_CASEWORKER, deps=deps, today=TODAY)
    assert state.agency_id == NEW_AGENCY
    done = await immersions.complete_immersion(
        immersion.id,
        CompleteImmersion(outcome="training", completed_on=date(2026, 6, 26)),
        user=NEW_CASEWORKER,
        deps=deps,
        today=TODAY,
    )
    assert done.agency_id == NEW_AGENCY
    last = {e.type.rsplit(".", 1)[1]: e.data.get("agency_id") for e in deps.store.recorded}
    assert last["HireCheckInRecorded"] == last["HireEndedEarly"] == last["ImmersionCompleted"] == NEW_AGENCY


async def test_a_fact_dated_before_the_transfer_names_the_agency_that_followed_the_person_then(deps):
    person, introduction, _ = await _placed(deps)
    await transfers.on_accompaniment_transferred(_envelope(_transfer(person), 5), None, deps=deps)
    late_entry = RecordCheckIn(month=1, checked_on=date(2026, 6, 12), still_employed=True)
    await hires.record_check_in(introduction.hire.id, late_entry, user=NEW_CASEWORKER, deps=deps, today=TODAY)
    [check_in] = [e for e in deps.store.recorded if e.type.endswith("HireCheckInRecorded")]
    assert check_in.data["agency_id"] == AGENCY
    state = await deps.store.load(INTRODUCTION, introduction.id)
    assert (state.agency_on(date(2026, 6, 14)), state.agency_on(MOVED_ON)) == (AGENCY, NEW_AGENCY)


async def test_a_transfer_of_a_person_without_placement_records_changes_nothing(deps):
    await _placed(deps)
    before = len(deps.store.recorded)
    await transfers.on_accompaniment_transferred(_envelope(_transfer(uuid.uuid4()), 3), None, deps=deps)
    assert len(deps.store.recorded) == before
    assert await deps.store.load(IMMERSION, uuid.uuid4()) is None
