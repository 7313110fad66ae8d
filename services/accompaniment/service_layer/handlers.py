"""Accompaniment's handlers: HTTP commands and reactions to other contexts' events."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from services.accompaniment.adapters.repository import AccompanimentRepository
from services.accompaniment.domain import model
from shared.contracts import REGISTRY
from shared.contracts.exits import ExitCategory
from shared.contracts.intake import BeneficiaryEnrolled
from shared.envelope import Envelope
from shared.eventstore import EventStore, Tracing


async def _append(
    conn: asyncpg.Connection,
    store: EventStore,
    repo: AccompanimentRepository,
    state: model.Accompaniment | None,
    events: list,
    tracing: Tracing,
) -> model.Accompaniment:
    expected = state.version if state else 0
    first = events[0]
    await store.append(
        model.stream_id(first.accompaniment_id),
        expected,
        events,
        partition_key=str(first.beneficiary_id),
        subject=str(first.beneficiary_id),
        tracing=tracing,
        conn=conn,
    )
    for event in events:
        state = model.apply(state, event)
    await repo.save_view(conn, state)
    return state


async def on_beneficiary_enrolled(
    envelope: Envelope,
    conn: asyncpg.Connection,
    *,
    store: EventStore,
    repo: AccompanimentRepository,
    duration_months: int,
) -> None:
    """An enrolment in intake opens an accompaniment."""
    enrolled = REGISTRY.decode(envelope.type, envelope.schema_version, envelope.data)
    assert isinstance(enrolled, BeneficiaryEnrolled)
    accompaniment_id = model.accompaniment_id_for(envelope.id)
    if await repo.get(accompaniment_id, conn) is not None:
        return  # already opened by an earlier delivery
    events = model.open_for(enrolled, accompaniment_id, duration_months)
    await _append(conn, store, repo, None, events, Tracing.caused_by(envelope))


async def close_accompaniment(
    accompaniment_id: UUID,
    category: ExitCategory,
    closed_on: date,
    *,
    pool: asyncpg.Pool,
    store: EventStore,
    repo: AccompanimentRepository,
    today: date,
) -> model.Accompaniment:
    """Record the exit that ends an accompaniment."""
    async with pool.acquire() as conn, conn.transaction():
        state = await repo.get(accompaniment_id, conn)
        events = model.close(state, category, closed_on, today)
        return await _append(conn, store, repo, state, events, Tracing.new())
