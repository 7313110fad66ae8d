"""A run of enrolments applied set-based opens exactly what the enrolments applied one at a time open, and refuses
(for the runtime to apply them one at a time) as soon as one of them would not simply open."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.accompaniment.domain import commands as c
from services.accompaniment.domain.errors import AlreadyFollowed, UnknownEarlierAccompaniment
from services.accompaniment.domain.evolution import accompaniment_id_for
from services.accompaniment.service_layer import reactions
from tests.builders import enrolment
from tests.fakes.accompaniment import accompaniment_dependencies
from tests.unit.test_accompaniment_handlers import _enrol, _envelope, _events, _handle


def _enrolments(n: int) -> list:
    people = [enrolment(beneficiary_id=uuid.uuid4()) for _ in range(n)]
    return [_envelope(e, f"beneficiary-{e.beneficiary_id}") for e in people]


def _opened(deps) -> list[tuple]:
    return [(e.stream_id, e.stream_version, e.type, e.data, e.causation_id, e.correlation_id) for e in _events(deps)]


async def test_a_run_of_enrolments_opens_what_they_open_one_at_a_time_and_a_redelivery_nothing():
    envelopes = _enrolments(5)
    one_at_a_time, batched = accompaniment_dependencies(), accompaniment_dependencies()
    for envelope in envelopes:
        await reactions.on_beneficiary_enrolled(envelope, None, deps=one_at_a_time)
    await reactions.on_beneficiaries_enrolled(envelopes, None, deps=batched)
    assert len(_opened(batched)) == 5 and _opened(batched) == _opened(one_at_a_time)
    assert batched.accompaniments.rows == one_at_a_time.accompaniments.rows
    assert {e.causation_id for e in _events(batched)} == {e.id for e in envelopes}

    await reactions.on_beneficiaries_enrolled([*envelopes[3:], *_enrolments(2)], None, deps=batched)
    assert len(_events(batched)) == 7, "the two already opened are left as they are"


async def test_a_run_with_a_person_followed_or_enrolled_twice_is_refused_before_anything_is_written():
    deps = accompaniment_dependencies()
    followed, _ = await _enrol(deps)
    again = _envelope(enrolment(beneficiary_id=followed.beneficiary_id), f"beneficiary-{followed.beneficiary_id}", 2)
    with pytest.raises(AlreadyFollowed):
        await reactions.on_beneficiaries_enrolled([*_enrolments(3), again], None, deps=deps)
    twice = _enrolments(1)
    person = twice[0].data["beneficiary_id"]
    second = _envelope(enrolment(beneficiary_id=uuid.UUID(person)), f"beneficiary-{person}", 2)
    with pytest.raises(AlreadyFollowed, match="enrolled twice"):
        await reactions.on_beneficiaries_enrolled([*twice, second], None, deps=deps)
    assert len(_events(deps)) == 1, "only the first enrolment, opened one at a time"


async def test_a_return_in_a_run_opens_after_the_persons_closed_accompaniment_and_not_after_anothers():
    deps = accompaniment_dependencies()
    first, _ = await _enrol(deps)
    await _handle(deps, first.id, c.CloseAccompaniment(exit_category="moved_away", closed_on=date(2025, 2, 10)))

    def back(person, previous):
        came_back = enrolment(
            beneficiary_id=person,
            orientation_date=date(2025, 2, 20),
            enrolled_on=date(2025, 2, 25),
            referral_source="caf_monthly_list",
            is_return=True,
            previous_accompaniment_id=previous,
        )
        return _envelope(came_back, f"beneficiary-{person}", 3)

    with pytest.raises(UnknownEarlierAccompaniment):
        await reactions.on_beneficiaries_enrolled([*_enrolments(2), back(uuid.uuid4(), first.id)], None, deps=deps)
    returned = back(first.beneficiary_id, first.id)
    await reactions.on_beneficiaries_enrolled([*_enrolments(2), returned], None, deps=deps)
    row = deps.accompaniments.rows[accompaniment_id_for(returned.id)]
    assert (row["is_return"], row["previous_accompaniment_id"], row["status"]) == (True, first.id, "open")
    assert await deps.accompaniments.current_of(None, first.beneficiary_id) == [accompaniment_id_for(returned.id)]
