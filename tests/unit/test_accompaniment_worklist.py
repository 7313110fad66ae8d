from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.accompaniment.domain.rules import Rules
from services.accompaniment.domain.worklist import FollowUp, Reason, Thresholds, reasons

AS_OF = date(2025, 12, 1)


def _item(**fields) -> FollowUp:
    defaults = dict(
        accompaniment_id=uuid.uuid4(),
        status="open",
        start_date=date(2025, 1, 20),
        orientation_date=date(2025, 1, 10),
        planned_end_date=date(2026, 6, 1),
        last_contact_on=date(2025, 11, 20),
        contract_signed_on=date(2025, 1, 25),
    )
    return FollowUp(**{**defaults, **fields})


def _reasons(item: FollowUp, **thresholds) -> list[Reason]:
    return reasons(item, AS_OF, Thresholds(**thresholds), Rules())


def test_an_accompaniment_with_recent_contact_signed_contract_and_distant_end_needs_nothing():
    assert _reasons(_item()) == []


@pytest.mark.parametrize(
    "end, listed",
    [(date(2025, 12, 31), True), (date(2026, 1, 1), False), (date(2025, 11, 1), True)],
    ids=["in-30-days", "in-31-days", "already-past"],
)
def test_accompaniments_reaching_their_end_within_30_days_or_past_it_are_listed(end, listed):
    assert (Reason.ENDING_SOON in _reasons(_item(planned_end_date=end))) is listed


@pytest.mark.parametrize(
    "last_contact, listed",
    [(date(2025, 10, 2), True), (date(2025, 10, 3), False), (None, True)],
    ids=["60-days", "59-days", "never-since-the-start"],
)
def test_accompaniments_without_contact_for_60_days_are_listed(last_contact, listed):
    assert (Reason.NO_RECENT_CONTACT in _reasons(_item(last_contact_on=last_contact))) is listed


def test_a_suspended_accompaniment_is_not_listed_for_lack_of_contact():
    assert _reasons(_item(status="suspended", last_contact_on=None)) == []


def test_an_unsigned_contract_is_listed_once_its_deadline_has_passed():
    late = _item(contract_signed_on=None)
    assert _reasons(late) == [Reason.CONTRACT_NOT_SIGNED_IN_TIME]
    recent = _item(contract_signed_on=None, orientation_date=date(2025, 11, 1), start_date=date(2025, 11, 2))
    assert reasons(recent, AS_OF, Thresholds(), Rules()) == []
    assert reasons(recent, date(2025, 12, 2), Thresholds(), Rules()) == [Reason.CONTRACT_NOT_SIGNED_IN_TIME]


def test_a_closed_accompaniment_is_never_listed():
    assert _reasons(_item(status="closed", planned_end_date=AS_OF, last_contact_on=None, contract_signed_on=None)) == []


def test_thresholds_are_department_settings():
    item = _item(planned_end_date=date(2026, 1, 15), last_contact_on=date(2025, 11, 1))
    assert _reasons(item) == []
    assert _reasons(item, ending_within_days=45, no_contact_days=30) == [Reason.ENDING_SOON, Reason.NO_RECENT_CONTACT]


def test_several_reasons_are_given_together():
    item = _item(planned_end_date=date(2025, 12, 10), last_contact_on=None, contract_signed_on=None)
    assert _reasons(item) == [Reason.ENDING_SOON, Reason.NO_RECENT_CONTACT, Reason.CONTRACT_NOT_SIGNED_IN_TIME]
