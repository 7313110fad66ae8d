"""Introductions at the workstation, their single outcome, and the follow-up of hires."""

from __future__ import annotations

import uuid
from datetime import date
from functools import partial

import pytest

from services.placement.domain.candidate import Candidate
from services.placement.domain.commands import EndHireEarly, MakeIntroduction, RecordCheckIn, RecordOutcome
from services.placement.domain.decisions import introductions
from services.placement.domain.errors import (
    AlreadyIntroduced,
    CandidateInactive,
    CandidateNotFound,
    CheckInAlreadyRecorded,
    HireAlreadyEnded,
    IntroductionNotFound,
    NeedNotFound,
    NeedNotOpen,
    NoHireRecorded,
    OutcomeAlreadyRecorded,
)
from services.placement.domain.evolution import apply_introduction, hire_id_for
from services.placement.domain.state import Introduction, Need, NeedStatus
from shared.contracts.employment import ContractType
from shared.contracts.placement import HireRecorded, IntroductionNotHired
from shared.errors import InvalidField
from tests import builders

TODAY = date(2026, 6, 30)
BENEFICIARY = uuid.uuid4()
CW1 = uuid.uuid4()


_candidate = partial(builders.candidate, beneficiary_id=BENEFICIARY)


def _introduce(need: Need | None = None, candidate: Candidate | None = None, pending: bool = False, **command):
    wanted = need or builders.need()
    make = MakeIntroduction(
        need_id=wanted.id, beneficiary_id=BENEFICIARY, introduced_on=command.pop("on", date(2026, 1, 12))
    )
    return introductions.introduce(
        uuid.uuid4(),
        make,
        need=wanted,
        candidate=candidate or _candidate(),
        already_pending=pending,
        caseworker=CW1,
    )


def _introduced() -> Introduction:
    return apply_introduction(None, _introduce()[0])


def _hired(contract: str = "cdd", months: float | None = 6, start: date = date(2026, 2, 2)):
    state = _introduced()
    outcome = RecordOutcome(
        outcome="hired", contract_type=contract, duration_months=months, weekly_hours=24, start_date=start
    )
    [hire] = introductions.record_outcome(state, outcome, TODAY)
    return apply_introduction(state, hire)


def test_an_introduction_carries_the_need_the_person_and_their_agency():
    [made] = _introduce()
    assert (made.beneficiary_id, made.agency_id, made.caseworker) == (BENEFICIARY, "ali-la-courneuve", CW1)
    assert (made.sector, made.contract_type) == ("I", ContractType.CDD)


def test_an_introduction_needs_an_open_need_and_an_active_known_candidate():
    with pytest.raises(NeedNotOpen):
        _introduce(need=builders.need(status=NeedStatus.FILLED))
    with pytest.raises(CandidateInactive):
        _introduce(candidate=_candidate(active=False))
    need = builders.need()
    make = MakeIntroduction(need_id=need.id, beneficiary_id=BENEFICIARY, introduced_on=date(2026, 1, 12))
    with pytest.raises(CandidateNotFound):
        introductions.introduce(uuid.uuid4(), make, need=need, candidate=None, already_pending=False, caseworker=CW1)
    with pytest.raises(NeedNotFound):
        introductions.introduce(
            uuid.uuid4(), make, need=None, candidate=_candidate(), already_pending=False, caseworker=CW1
        )


def test_a_person_waiting_for_an_outcome_is_not_introduced_twice_for_the_same_need():
    with pytest.raises(AlreadyIntroduced):
        _introduce(pending=True)


def test_an_introduction_cannot_precede_the_need():
    with pytest.raises(InvalidField, match="introduced_on"):
        _introduce(on=date(2026, 1, 4))


def test_a_hire_records_the_contract_for_accompaniment_with_a_stable_hire_id():
    state = _introduced()
    outcome = RecordOutcome(
        outcome="hired", contract_type="cdd", duration_months=6, weekly_hours=24, start_date=date(2026, 2, 2)
    )
    [hire] = introductions.record_outcome(state, outcome, TODAY)
    assert isinstance(hire, HireRecorded)
    assert hire.hire_id == hire_id_for(state.id) != hire_id_for(uuid.uuid4())
    assert (hire.beneficiary_id, hire.agency_id, hire.employer_id, hire.need_id) == (
        BENEFICIARY,
        "ali-la-courneuve",
        state.employer_id,
        state.need_id,
    )
    assert (hire.contract_type, hire.duration_months, hire.weekly_hours, hire.sector) == ("cdd", 6, 24, "I")


def test_a_not_hired_outcome_records_its_reason():
    state = _introduced()
    [event] = introductions.record_outcome(state, RecordOutcome(outcome="not_hired", reason="employer_declined"), TODAY)
    assert isinstance(event, IntroductionNotHired) and event.reason == "employer_declined"
    assert apply_introduction(state, event).outcome == "not_hired"


def test_the_outcome_is_recorded_once():
    state = _hired()
    with pytest.raises(OutcomeAlreadyRecorded):
        introductions.record_outcome(state, RecordOutcome(outcome="not_hired", reason="no_show"), TODAY)


def test_the_outcome_of_an_unknown_introduction_is_not_found():
    with pytest.raises(IntroductionNotFound):
        introductions.record_outcome(None, RecordOutcome(outcome="not_hired", reason="no_show"), TODAY)


def test_an_outcome_cannot_precede_the_introduction_or_be_in_the_future():
    state = _introduced()
    with pytest.raises(InvalidField, match="decided_on"):
        introductions.record_outcome(
            state, RecordOutcome(outcome="not_hired", reason="no_show", decided_on=date(2026, 1, 11)), TODAY
        )
    with pytest.raises(InvalidField, match="decided_on"):
        introductions.record_outcome(
            state, RecordOutcome(outcome="not_hired", reason="no_show", decided_on=date(2026, 7, 1)), TODAY
        )
    early_start = RecordOutcome(outcome="hired", contract_type="cdi", weekly_hours=35, start_date=date(2026, 1, 2))
    with pytest.raises(InvalidField, match="start_date"):
        introductions.record_outcome(state, early_start, TODAY)


def _check_in(state, month: int, on: date = date(2026, 3, 2), employed: bool = True):
    command = RecordCheckIn.model_construct(
        month=month, checked_on=on, still_employed=employed, barriers_worked_on=[], notes=""
    )
    return introductions.check_in(state, command, TODAY)


@pytest.mark.parametrize("month", [1, 3, 6])
def test_a_check_in_is_recorded_at_one_three_or_six_months(month):
    state = _hired()
    [event] = _check_in(state, month)
    state = apply_introduction(state, event)
    assert state.hire.check_ins == {month: True} and event.hire_id == state.hire.id


@pytest.mark.parametrize("month", [2, 12])
def test_a_check_in_at_another_month_is_refused(month):
    with pytest.raises(InvalidField, match="month"):
        _check_in(_hired(), month)


def test_each_check_in_is_recorded_once():
    state = _hired()
    state = apply_introduction(state, _check_in(state, 1)[0])
    state = apply_introduction(state, _check_in(state, 3, on=date(2026, 5, 4), employed=False)[0])
    assert state.hire.check_ins == {1: True, 3: False}
    with pytest.raises(CheckInAlreadyRecorded):
        _check_in(state, 1)


def test_a_check_in_needs_a_hire_and_a_date_between_the_start_and_today():
    not_hired = _introduced()
    not_hired = apply_introduction(
        not_hired,
        introductions.record_outcome(not_hired, RecordOutcome(outcome="not_hired", reason="no_show"), TODAY)[0],
    )
    with pytest.raises(NoHireRecorded):
        _check_in(not_hired, 1)
    with pytest.raises(InvalidField, match="checked_on"):
        _check_in(_hired(), 1, on=date(2026, 2, 1))
    with pytest.raises(InvalidField, match="checked_on"):
        _check_in(_hired(), 1, on=date(2026, 7, 1))


def test_an_early_end_comes_after_the_start_and_before_the_term():
    state = _hired(start=date(2026, 2, 2))
    with pytest.raises(InvalidField, match="précède le début"):
        introductions.end_early(state, EndHireEarly(ended_on=date(2026, 2, 1), reason="resignation"), TODAY)
    with pytest.raises(InvalidField, match="pas une rupture avant terme"):
        introductions.end_early(_hired(months=3), EndHireEarly(ended_on=date(2026, 5, 2), reason="resignation"), TODAY)
    [ended] = introductions.end_early(state, EndHireEarly(ended_on=date(2026, 3, 4), reason="resignation"), TODAY)
    assert (ended.days_in_post, ended.contract_type, ended.sector) == (30, "cdd", "I")


def test_a_permanent_contract_can_end_early_once():
    state = _hired(contract="cdi", months=None)
    [ended] = introductions.end_early(state, EndHireEarly(ended_on=date(2026, 4, 1), reason="dismissal"), TODAY)
    state = apply_introduction(state, ended)
    assert state.hire.ended_on == date(2026, 4, 1) and state.hire.end_reason == "dismissal"
    with pytest.raises(HireAlreadyEnded):
        introductions.end_early(state, EndHireEarly(ended_on=date(2026, 4, 2), reason="dismissal"), TODAY)


def test_after_an_early_end_a_check_in_cannot_say_still_employed():
    state = _hired(contract="cdi", months=None)
    state = apply_introduction(
        state, introductions.end_early(state, EndHireEarly(ended_on=date(2026, 2, 20), reason="resignation"), TODAY)[0]
    )
    with pytest.raises(InvalidField, match="still_employed"):
        _check_in(state, 1, employed=True)
    assert _check_in(state, 1, employed=False)[0].still_employed is False


def test_an_early_end_needs_a_hire():
    with pytest.raises(NoHireRecorded):
        introductions.end_early(_introduced(), EndHireEarly(ended_on=date(2026, 3, 1), reason="other"), TODAY)
