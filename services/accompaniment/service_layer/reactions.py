"""Reactions to other contexts' events: enrolment opens, transfer moves, a hire proposes an exit.

The consumer runtime calls each one as `reaction(envelope, conn)` inside its transaction (which also records
the event as processed); the reaction joins that transaction with a unit of work. Each is idempotent on its
own: the accompaniment id derives from the enrolment, a transfer to the current agency and an already
proposed hire change nothing. A transfer or a hire of a person whose enrolment has not arrived yet is parked
(`Parked`) and applied when the enrolment arrives (`satisfied_keys`).
"""

from __future__ import annotations

from typing import Any

import structlog

from services.accompaniment.domain.decisions import lifecycle
from services.accompaniment.domain.evolution import ACCOMPANIMENT, accompaniment_id_for
from services.accompaniment.service_layer.dependencies import Dependencies
from services.accompaniment.service_layer.handlers import load
from shared.contracts.intake import BeneficiaryEnrolled, BeneficiaryTransferred
from shared.contracts.placement import HireRecorded
from shared.envelope import Envelope
from shared.errors import Parked
from shared.eventstore import Tracing

log = structlog.get_logger(__name__)


def beneficiary_key(beneficiary_id: object) -> str:
    """Parking key of the reactions that wait for a person's enrolment."""
    return f"beneficiary:{beneficiary_id}"


def satisfied_keys(envelope: Envelope) -> list[str]:
    """An enrolment satisfies its person's key: the reactions parked on it are applied after it."""
    return [beneficiary_key(envelope.data["beneficiary_id"])]


async def _no_current(conn: Any, deps: Dependencies, beneficiary_id, what: str) -> None:
    """Park the reaction if the person's enrolment never arrived; else (accompaniment closed) it changes nothing."""
    if not await deps.accompaniments.has_any(conn, beneficiary_id):
        raise Parked(beneficiary_key(beneficiary_id), f"{what}: no accompaniment yet (enrolment missing or late)")
    log.warning(f"{what}.no_current_accompaniment", beneficiary_id=str(beneficiary_id))


async def on_beneficiary_enrolled(envelope: Envelope, conn: Any, *, deps: Dependencies) -> None:
    """An enrolment in intake opens an accompaniment."""
    uow = deps.store.join(conn, Tracing.caused_by(envelope))
    enrolled = uow.decode(envelope)
    assert isinstance(enrolled, BeneficiaryEnrolled)
    accompaniment_id = accompaniment_id_for(envelope.id)
    if await uow.load(ACCOMPANIMENT, accompaniment_id) is not None:
        return  # already opened by an earlier delivery
    await uow.save(ACCOMPANIMENT, None, lifecycle.open_for(enrolled, accompaniment_id, deps.rules))


async def on_beneficiary_transferred(envelope: Envelope, conn: Any, *, deps: Dependencies) -> None:
    """The person moved: their current accompaniment follows them to the new agency."""
    uow = deps.store.join(conn, Tracing.caused_by(envelope))
    moved = uow.decode(envelope)
    assert isinstance(moved, BeneficiaryTransferred)
    current = await deps.accompaniments.current_of(conn, moved.beneficiary_id)
    if not current:
        await _no_current(conn, deps, moved.beneficiary_id, "transfer")
    for accompaniment_id in current:
        state = await load(uow, deps, accompaniment_id)
        await uow.save(ACCOMPANIMENT, state, lifecycle.transfer(state, moved))


async def on_hire_recorded(envelope: Envelope, conn: Any, *, deps: Dependencies) -> None:
    """A hire recorded by placement proposes the exit its contract implies on the current accompaniment."""
    uow = deps.store.join(conn, Tracing.caused_by(envelope))
    hire = uow.decode(envelope)
    assert isinstance(hire, HireRecorded)
    current = await deps.accompaniments.current_of(conn, hire.beneficiary_id)
    if not current:
        await _no_current(conn, deps, hire.beneficiary_id, "hire")
    for accompaniment_id in current:
        state = await load(uow, deps, accompaniment_id)
        await uow.save(ACCOMPANIMENT, state, lifecycle.propose_exit(state, hire, proposed_on=envelope.time.date()))
