"""Handlers of the follow-up of hires: check-ins at 1, 3 and 6 months, early end of the contract."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from services.placement.domain import introduction
from services.placement.domain.commands import EndHireEarly, RecordCheckIn
from services.placement.domain.errors import HireNotFound
from services.placement.service_layer import streams
from services.placement.service_layer.access import STAFF
from services.placement.service_layer.ports import Ports
from shared.auth import Principal

Decide = Callable[[introduction.Introduction | None], list]


async def _on_hire(hire_id: UUID, decide: Decide, *, user: Principal, ports: Ports) -> introduction.Introduction:
    user.require_role(*STAFF)
    async with ports.db.transaction() as conn:
        introduction_id = await ports.introductions.introduction_of_hire(conn, hire_id)
        if introduction_id is None:
            raise HireNotFound(f"no hire {hire_id}")
        stream = introduction.stream_id(introduction_id)
        state = await streams.load(ports.store, stream, introduction.apply, conn)
        user.require_personal_data(state.agency_id)
        state = await streams.append(
            ports.store,
            conn,
            stream,
            state,
            decide(state),
            introduction.apply,
            partition_key=str(state.beneficiary_id),
        )
        await ports.introductions.save(conn, state)
    return state


async def record_check_in(
    hire_id: UUID, command: RecordCheckIn, *, user: Principal, ports: Ports, today: date
) -> introduction.Introduction:
    """Record the 1, 3 or 6-month check-in of a hire, once each."""
    return await _on_hire(hire_id, lambda s: introduction.check_in(s, command, today), user=user, ports=ports)


async def end_hire_early(
    hire_id: UUID, command: EndHireEarly, *, user: Principal, ports: Ports, today: date
) -> introduction.Introduction:
    """Record that a contract ended before its term."""
    return await _on_hire(hire_id, lambda s: introduction.end_early(s, command, today), user=user, ports=ports)
