"""Reactions to other contexts' events: enrolment opens, transfer moves, a hire proposes an exit.

Each runs in the consumer's transaction (which also records the event as processed) and is idempotent
on its own: the accompaniment id derives from the enrolment, a transfer to the current agency and an
already proposed hire change nothing. A transfer or a hire of a person whose enrolment has not arrived
yet is parked (`Parked`) and applied when the enrolment arrives (`satisfied_keys`).
"""

from __future__ import annotations

import asyncpg
import structlog

from services.accompaniment.adapters.repository import AccompanimentRepository
from services.accompaniment.domain import lifecycle, model
from services.accompaniment.domain.rules import Rules
from shared.contracts import REGISTRY
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


async def _no_current(conn: asyncpg.Connection, repo: AccompanimentRepository, beneficiary_id, what: str) -> None:
    """Park the reaction if the person's enrolment never arrived; else (accompaniment closed) it changes nothing."""
    if not await repo.views.has_any(conn, beneficiary_id):
        raise Parked(beneficiary_key(beneficiary_id), f"{what}: no accompaniment yet (enrolment missing or late)")
    log.warning(f"{what}.no_current_accompaniment", beneficiary_id=str(beneficiary_id))


async def on_beneficiary_enrolled(
    envelope: Envelope, conn: asyncpg.Connection, *, repo: AccompanimentRepository, rules: Rules
) -> None:
    """An enrolment in intake opens an accompaniment."""
    enrolled = REGISTRY.decode(envelope.type, envelope.schema_version, envelope.data)
    assert isinstance(enrolled, BeneficiaryEnrolled)
    accompaniment_id = model.accompaniment_id_for(envelope.id)
    if await repo.get(accompaniment_id, conn) is not None:
        return  # already opened by an earlier delivery
    events = lifecycle.open_for(enrolled, accompaniment_id, rules)
    await repo.save(conn, None, events, Tracing.caused_by(envelope), commune_code=enrolled.commune_code)


async def on_beneficiary_transferred(
    envelope: Envelope, conn: asyncpg.Connection, *, repo: AccompanimentRepository
) -> None:
    """The person moved: their current accompaniment follows them to the new agency."""
    moved = REGISTRY.decode(envelope.type, envelope.schema_version, envelope.data)
    assert isinstance(moved, BeneficiaryTransferred)
    current = await repo.views.current_of(conn, moved.beneficiary_id)
    if not current:
        await _no_current(conn, repo, moved.beneficiary_id, "transfer")
    for accompaniment_id in current:
        state = await repo.get(accompaniment_id, conn)
        events = lifecycle.transfer(state, moved)
        if events:
            await repo.save(conn, state, events, Tracing.caused_by(envelope), commune_code=moved.commune_code)


async def on_hire_recorded(envelope: Envelope, conn: asyncpg.Connection, *, repo: AccompanimentRepository) -> None:
    """A hire recorded by placement proposes the exit its contract implies on the current accompaniment."""
    hire = REGISTRY.decode(envelope.type, envelope.schema_version, envelope.data)
    assert isinstance(hire, HireRecorded)
    current = await repo.views.current_of(conn, hire.beneficiary_id)
    if not current:
        await _no_current(conn, repo, hire.beneficiary_id, "hire")
    for accompaniment_id in current:
        state = await repo.get(accompaniment_id, conn)
        events = lifecycle.propose_exit(state, hire, proposed_on=envelope.time.date())
        await repo.save(conn, state, events, Tracing.caused_by(envelope))
