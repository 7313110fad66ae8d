"""Hires that end early: the exit they proposed is withdrawn, closing then needs a category; a recorded exit stays."""

from __future__ import annotations

from datetime import date

import pytest

from services.accompaniment.domain import commands as c
from services.accompaniment.domain.errors import MissingInformation
from services.accompaniment.domain.evolution import ACCOMPANIMENT
from services.accompaniment.service_layer import reactions
from services.accompaniment.service_layer.dependencies import Dependencies
from shared.contracts.employment import ContractType
from shared.contracts.placement import EarlyEndReason, HireEndedEarly, HireRecorded
from tests.fakes.accompaniment import accompaniment_dependencies
from tests.unit.test_accompaniment_handlers import _enrol, _envelope, _events, _handle, _hire


@pytest.fixture
def deps() -> Dependencies:
    return accompaniment_dependencies()


def _ended(hire: HireRecorded, on: date = date(2025, 3, 20)) -> HireEndedEarly:
    # The end repeats what the hire recorded about the person, the employer and the contract.
    recorded = hire.model_dump(include=set(HireEndedEarly.model_fields))
    days = (on - hire.start_date).days
    return HireEndedEarly(
        **recorded, ended_on=on, days_in_post=days, reason=EarlyEndReason.TRIAL_PERIOD_ENDED_BY_EMPLOYER
    )


async def _deliver(deps, event, reaction):
    await reaction(_envelope(event, f"introduction-{event.introduction_id}"), None, deps=deps)


def _types(deps) -> list[str]:
    return [e.type.rsplit(".", 1)[1] for e in _events(deps)]


async def test_an_early_end_withdraws_the_proposed_exit_and_closing_without_a_category_is_refused(deps):
    state, _ = await _enrol(deps)
    hire = _hire(state.beneficiary_id, ContractType.CDI)
    await _deliver(deps, hire, reactions.on_hire_recorded)
    assert deps.accompaniments.rows[state.id]["proposed_exit_category"] == "cdi"
    for _ in range(2):  # redelivered: withdrawn once
        await _deliver(deps, _ended(hire), reactions.on_hire_ended_early)
    assert _types(deps) == ["AccompanimentOpened", "ExitProposed", "ExitProposalWithdrawn"]
    withdrawn = _events(deps)[-1].data
    assert (withdrawn["exit_category"], withdrawn["hire_ended_on"], withdrawn["replaced_by_hire_id"]) == (
        "cdi",
        "2025-03-20",
        None,
    )
    after = await deps.store.load(ACCOMPANIMENT, state.id)
    assert after.proposed_exit is None and deps.accompaniments.rows[state.id]["proposed_exit_category"] is None
    with pytest.raises(MissingInformation, match="ended early on 2025-03-20, so its proposal was withdrawn"):
        await _handle(deps, state.id, c.CloseAccompaniment())
    closed = await _handle(deps, state.id, c.CloseAccompaniment(exit_category="unemployment"))
    assert closed.exit_category == "unemployment"


async def test_the_proposal_of_another_hire_still_running_holds_again(deps):
    state, _ = await _enrol(deps)
    part_time = _hire(state.beneficiary_id, ContractType.CDD, 8)
    cdi = _hire(state.beneficiary_id, ContractType.CDI)
    await _deliver(deps, part_time, reactions.on_hire_recorded)
    await _deliver(deps, cdi, reactions.on_hire_recorded)
    await _deliver(deps, _ended(cdi), reactions.on_hire_ended_early)
    withdrawn = _events(deps)[-1].data
    assert (withdrawn["replaced_by_hire_id"], withdrawn["replaced_by_exit_category"]) == (
        str(part_time.hire_id),
        "cdd_or_temp_6_months_or_more",
    )
    assert deps.accompaniments.rows[state.id]["proposed_exit_category"] == "cdd_or_temp_6_months_or_more"
    closed = await _handle(deps, state.id, c.CloseAccompaniment())
    assert closed.exit_category == "cdd_or_temp_6_months_or_more"


async def test_an_exit_already_recorded_stays_as_recorded(deps):
    state, _ = await _enrol(deps)
    hire = _hire(state.beneficiary_id, ContractType.CDI)
    await _deliver(deps, hire, reactions.on_hire_recorded)
    await _handle(deps, state.id, c.CloseAccompaniment())
    before = len(_events(deps))
    await _deliver(deps, _ended(hire), reactions.on_hire_ended_early)
    assert len(_events(deps)) == before
    assert (await deps.store.load(ACCOMPANIMENT, state.id)).exit_category == "cdi"


async def test_an_early_end_of_a_hire_that_proposed_nothing_here_changes_nothing(deps):
    state, _ = await _enrol(deps)
    stranger = _hire(state.beneficiary_id, ContractType.CDI)
    await _deliver(deps, _ended(stranger), reactions.on_hire_ended_early)
    assert _types(deps) == ["AccompanimentOpened"]
