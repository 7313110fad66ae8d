"""The engagement contract (contrat d'engagement): signed once, due within a set time after orientation."""

from __future__ import annotations

from datetime import date, timedelta

from services.accompaniment.domain.commands import SignEngagementContract
from services.accompaniment.domain.decisions.guards import header, open_, past_fact
from services.accompaniment.domain.errors import AlreadyRecorded
from services.accompaniment.domain.rules import Context, Rules
from services.accompaniment.domain.state import Accompaniment
from shared.contracts.accompaniment import EngagementContractSigned


def contract_deadline(orientation_date: date, rules: Rules) -> date:
    """Last day to sign the contract in time: the department's deadline after orientation."""
    return orientation_date + timedelta(days=rules.contract_deadline_days)


def sign_contract(
    state: Accompaniment | None, cmd: SignEngagementContract, ctx: Context
) -> list[EngagementContractSigned]:
    """Record the signature, flagged late when after the deadline."""
    state = open_(state)
    if state.contract is not None:
        raise AlreadyRecorded(f"le contrat d'engagement a déjà été signé le {state.contract.signed_on}")
    signed_on = past_fact(state, cmd.signed_on, ctx.today, "la date de signature")
    deadline = contract_deadline(state.orientation_date, ctx.rules)
    return [
        EngagementContractSigned(
            **header(state),
            signed_on=signed_on,
            deadline=deadline,
            late=signed_on > deadline,
            days_after_orientation=max(0, (signed_on - state.orientation_date).days),
        )
    ]
