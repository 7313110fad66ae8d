"""Returns, accompaniment side: a new accompaniment opens after a closed one; never a second one while one is open."""

from __future__ import annotations

import pytest

from services.accompaniment.domain import commands as c
from services.accompaniment.domain.errors import AlreadyFollowed
from services.accompaniment.domain.evolution import ACCOMPANIMENT
from services.accompaniment.service_layer.dependencies import Dependencies
from tests.fakes.accompaniment import accompaniment_dependencies
from tests.unit.test_accompaniment_handlers import _enrol, _events, _handle


@pytest.fixture
def deps() -> Dependencies:
    return accompaniment_dependencies()


async def test_an_enrolment_while_the_accompaniment_is_open_is_refused_and_one_after_its_closure_opens_another(deps):
    first, _ = await _enrol(deps)
    with pytest.raises(AlreadyFollowed, match=f"their accompaniment {first.id} is not closed"):
        await _enrol(deps, first.beneficiary_id)
    assert len(_events(deps)) == 1, "nothing opened"
    await _handle(deps, first.id, c.CloseAccompaniment(exit_category="moved_away"))
    again, _ = await _enrol(deps, first.beneficiary_id)
    assert again.id != first.id and again.beneficiary_id == first.beneficiary_id and again.status == "open"
    assert (await deps.store.load(ACCOMPANIMENT, first.id)).status == "closed"
    assert await deps.accompaniments.current_of(None, first.beneficiary_id) == [again.id]
