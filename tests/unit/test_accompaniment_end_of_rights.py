"""The end of a person's RSA right, reported by the CAF/MSA flow, proposes the `end_of_rsa_rights` exit."""

from __future__ import annotations

from datetime import date

import pytest

from services.accompaniment.domain import commands as c
from services.accompaniment.domain.evolution import ACCOMPANIMENT
from services.accompaniment.service_layer import reactions
from services.accompaniment.service_layer.dependencies import Dependencies
from shared.contracts import REGISTRY
from shared.contracts.accompaniment import ExitProposalCause, ExitProposed
from shared.contracts.employment import ContractType
from shared.contracts.intake import RsaRightsClosureReason, RsaRightsEnded, RsaRightsState
from tests.fakes.accompaniment import accompaniment_dependencies
from tests.unit.test_accompaniment_early_ends import _deliver, _ended, _types
from tests.unit.test_accompaniment_handlers import _enrol, _envelope, _events, _handle, _hire


@pytest.fixture
def deps() -> Dependencies:
    return accompaniment_dependencies()


def _rights_ended(state, on: date = date(2025, 2, 28)) -> RsaRightsEnded:
    return RsaRightsEnded(
        beneficiary_id=state.beneficiary_id,
        agency_id=state.agency_id,
        ended_on=on,
        state=RsaRightsState.CLOSED,
        reason=RsaRightsClosureReason.STRUCK_OFF_END_OF_RIGHT,
        reported_on=date(2025, 3, 1),
        source="caf_msa_flow",
    )


async def _report(deps, event: RsaRightsEnded) -> None:
    await reactions.on_rsa_rights_ended(_envelope(event, f"beneficiary-{event.beneficiary_id}", 3), None, deps=deps)


async def test_the_end_of_the_right_proposes_its_exit_once_and_closing_confirms_it(deps):
    state, _ = await _enrol(deps)
    for _ in range(2):  # redelivered: proposed once
        await _report(deps, _rights_ended(state))
    assert _types(deps) == ["AccompanimentOpened", "ExitProposed"]
    proposed = _events(deps)[-1].data
    assert (proposed["cause"], proposed["hire_id"], proposed["rights_ended_on"], proposed["exit_category"]) == (
        "rsa_rights_ended",
        None,
        "2025-02-28",
        "end_of_rsa_rights",
    )
    assert deps.accompaniments.rows[state.id]["proposed_exit_category"] == "end_of_rsa_rights"
    closed = await _handle(deps, state.id, c.CloseAccompaniment())
    assert closed.exit_category == "end_of_rsa_rights" and closed.exit_category.group == "autre_sortie"


async def test_a_running_hire_outranks_the_end_of_the_right_which_holds_again_after_an_early_end(deps):
    state, _ = await _enrol(deps)
    hire = _hire(state.beneficiary_id, ContractType.CDI)
    await _deliver(deps, hire, reactions.on_hire_recorded)
    await _report(deps, _rights_ended(state))
    after = await deps.store.load(ACCOMPANIMENT, state.id)
    assert after.proposed_exit.exit_category == "cdi", "the job is the exit, not the end of the right it brought"
    await _deliver(deps, _ended(hire), reactions.on_hire_ended_early)
    withdrawn = _events(deps)[-1].data
    assert (withdrawn["replaced_by_hire_id"], withdrawn["replaced_by_exit_category"]) == (None, "end_of_rsa_rights")
    after = await deps.store.load(ACCOMPANIMENT, state.id)
    assert after.proposed_exit.exit_category == "end_of_rsa_rights"


async def test_a_closed_accompaniment_keeps_its_recorded_exit(deps):
    state, _ = await _enrol(deps)
    await _handle(deps, state.id, c.CloseAccompaniment(exit_category="moved_away"))
    await _report(deps, _rights_ended(state))
    assert _types(deps) == ["AccompanimentOpened", "AccompanimentClosed"]


def test_an_exit_proposed_as_v1_reads_as_proposed_by_a_hire():
    v2 = ExitProposed(
        accompaniment_id="00000000-0000-0000-0000-000000000001",
        beneficiary_id="00000000-0000-0000-0000-000000000002",
        agency_id="ali-bobigny",
        hire_id="00000000-0000-0000-0000-000000000003",
        exit_category="cdi",
        exit_group="emploi_durable",
        proposed_on=date(2024, 5, 1),
    ).model_dump(mode="json")
    v1 = {k: v for k, v in v2.items() if k not in ("cause", "rights_ended_on")}
    read = REGISTRY.decode(ExitProposed.event_type(), 1, v1)
    assert read.cause == ExitProposalCause.HIRE and read.rights_ended_on is None
