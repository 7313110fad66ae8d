"""Handlers of need commands: publication, filling and closure."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from services.placement.domain import employer, need
from services.placement.domain.commands import CloseNeed, FillNeed, PublishNeed
from services.placement.service_layer import streams
from services.placement.service_layer.access import STAFF, acting_agency
from services.placement.service_layer.ports import Ports
from shared.auth import Principal
from shared.eventstore import Tracing


async def publish_need(command: PublishNeed, *, user: Principal, ports: Ports, today: date) -> need.Need:
    """Publish an employer's field need for the caller's agency."""
    agency_id = acting_agency(user, command.agency_id)
    need_id = uuid.uuid4()
    async with ports.db.transaction() as conn:
        owner = await streams.load(ports.store, employer.stream_id(command.employer_id), employer.apply, conn)
        events = need.publish(need_id, command, employer=owner, agency_id=agency_id, today=today)
        state = await streams.append(
            ports.store, conn, need.stream_id(need_id), None, events, need.apply, partition_key=str(owner.id)
        )
        await ports.needs.save(conn, state)
    return state


async def _load_for_staff(conn: Any, need_id: UUID, user: Principal, ports: Ports) -> need.Need | None:
    user.require_role(*STAFF)
    state = await streams.load(ports.store, need.stream_id(need_id), need.apply, conn)
    if state is not None:
        user.require_agency(state.agency_id)
    return state


async def _save(conn: Any, ports: Ports, state: need.Need, events: list, tracing: Tracing | None = None) -> need.Need:
    state = await streams.append(
        ports.store,
        conn,
        need.stream_id(state.id),
        state,
        events,
        need.apply,
        partition_key=str(state.employer_id),
        tracing=tracing,
    )
    await ports.needs.save(conn, state)
    return state


async def fill_need(need_id: UUID, command: FillNeed, *, user: Principal, ports: Ports, today: date) -> need.Need:
    """Mark every position of a need as taken."""
    async with ports.db.transaction() as conn:
        state = await _load_for_staff(conn, need_id, user, ports)
        hires = await ports.introductions.hires_for_need(conn, need_id)
        events = need.fill(state, command.filled_on or today, hires, today)
        return await _save(conn, ports, state, events)


async def close_need(need_id: UUID, command: CloseNeed, *, user: Principal, ports: Ports, today: date) -> need.Need:
    """Withdraw a need."""
    async with ports.db.transaction() as conn:
        state = await _load_for_staff(conn, need_id, user, ports)
        return await _save(conn, ports, state, need.close(state, command, today))


async def fill_when_complete(
    conn: Any, need_id: UUID, *, ports: Ports, on: date, today: date, tracing: Tracing
) -> None:
    """After a hire: the need is filled once its hires reach its positions (in the hire's transaction)."""
    state = await streams.load(ports.store, need.stream_id(need_id), need.apply, conn)
    if state is None or not state.is_open:
        return
    hires = await ports.introductions.hires_for_need(conn, need_id)
    if hires >= state.positions:
        await _save(conn, ports, state, need.fill(state, max(on, state.published_on), hires, today), tracing)
