"""Reactions to other contexts' events: enrolment opens, transfer moves, a hire proposes an exit.

Each runs in the consumer's transaction (which also records the event as processed) and is idempotent
on its own: the accompaniment id derives from the enrolment, a transfer to the current agency and an
already proposed hire change nothing.
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
from shared.eventstore import Tracing

log = structlog.get_logger(__name__)


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
        log.warning("transfer.no_current_accompaniment", beneficiary_id=str(moved.beneficiary_id))
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
        log.warning("hire.no_current_accompaniment", beneficiary_id=str(hire.beneficiary_id), hire_id=str(hire.hire_id))
    for accompaniment_id in current:
        state = await repo.get(accompaniment_id, conn)
        events = lifecycle.propose_exit(state, hire, proposed_on=envelope.time.date())
        await repo.save(conn, state, events, Tracing.caused_by(envelope))
