"""Returns, accompaniment side: a new accompaniment opens after a closed one, linked to it; never a second one while
one is open, nor after an accompaniment that is not the person's."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.accompaniment.domain import commands as c
from services.accompaniment.domain.errors import AlreadyFollowed, UnknownEarlierAccompaniment
from services.accompaniment.domain.evolution import ACCOMPANIMENT, accompaniment_id_for
from services.accompaniment.service_layer import reactions
from services.accompaniment.service_layer.dependencies import Dependencies
from tests.builders import enrolment
from tests.fakes.accompaniment import accompaniment_dependencies
from tests.unit.test_accompaniment_handlers import _enrol, _envelope, _events, _handle


@pytest.fixture
def deps() -> Dependencies:
    return accompaniment_dependencies()


async def _return(deps, beneficiary_id, previous):
    back = enrolment(
        beneficiary_id=beneficiary_id,
        orientation_date=date(2025, 2, 20),
        enrolled_on=date(2025, 2, 25),
        referral_source="caf_monthly_list",
        is_return=True,
        previous_accompaniment_id=previous,
    )
    envelope = _envelope(back, f"beneficiary-{beneficiary_id}", 3)
    await reactions.on_beneficiary_enrolled(envelope, None, deps=deps)
    return await deps.store.load(ACCOMPANIMENT, accompaniment_id_for(envelope.id))


async def test_an_enrolment_while_the_accompaniment_is_open_is_refused_and_one_after_its_closure_opens_another(deps):
    first, _ = await _enrol(deps)
    with pytest.raises(AlreadyFollowed, match=f"their accompaniment {first.id} is not closed"):
        await _return(deps, first.beneficiary_id, first.id)
    with pytest.raises(AlreadyFollowed):
        await _enrol(deps, first.beneficiary_id)
    assert len(_events(deps)) == 1, "nothing opened"
    await _handle(deps, first.id, c.CloseAccompaniment(exit_category="moved_away", closed_on=date(2025, 2, 10)))
    again = await _return(deps, first.beneficiary_id, first.id)
    assert again.id != first.id and again.beneficiary_id == first.beneficiary_id and again.status == "open"
    assert (again.is_return, again.previous_accompaniment_id) == (True, first.id)
    row = deps.accompaniments.rows[again.id]
    assert (row["is_return"], row["previous_accompaniment_id"]) == (True, first.id)
    assert (await deps.store.load(ACCOMPANIMENT, first.id)).status == "closed"
    assert await deps.accompaniments.current_of(None, first.beneficiary_id) == [again.id]


async def test_a_return_after_an_accompaniment_that_is_not_the_persons_is_refused(deps):
    someone, _ = await _enrol(deps)
    await _handle(deps, someone.id, c.CloseAccompaniment(exit_category="moved_away"))
    stranger = uuid.uuid4()
    with pytest.raises(UnknownEarlierAccompaniment, match="which is not theirs"):
        await _return(deps, stranger, someone.id)
    with pytest.raises(UnknownEarlierAccompaniment, match="which is unknown"):
        await _return(deps, stranger, uuid.uuid4())
    assert await deps.accompaniments.current_of(None, stranger) == []
