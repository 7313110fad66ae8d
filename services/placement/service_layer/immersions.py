"""Handlers of immersions (PMSMP): agreement, single renewal, outcome."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from uuid import UUID

from services.placement.domain import employer, immersion
from services.placement.domain.commands import AgreeImmersion, CompleteImmersion, RenewImmersion
from services.placement.service_layer import streams
from services.placement.service_layer.access import STAFF
from services.placement.service_layer.ports import Ports
from shared.auth import Principal


async def agree_immersion(
    command: AgreeImmersion, *, user: Principal, ports: Ports, today: date
) -> immersion.Immersion:
    """Agree an immersion for one of the agency's candidates."""
    user.require_role(*STAFF)
    immersion_id = uuid.uuid4()
    async with ports.db.transaction() as conn:
        candidate = await ports.candidates.get(conn, command.beneficiary_id)
        if candidate is not None:
            user.require_personal_data(candidate.agency_id)
        host = None
        if command.employer_id is not None:
            host = await streams.load(ports.store, employer.stream_id(command.employer_id), employer.apply, conn)
        events = immersion.agree(immersion_id, command, candidate=candidate, employer=host, today=today)
        state = await streams.append(
            ports.store,
            conn,
            immersion.stream_id(immersion_id),
            None,
            events,
            immersion.apply,
            partition_key=str(candidate.beneficiary_id),
        )
        await ports.immersions.save(conn, state)
    return state


Decide = Callable[[immersion.Immersion | None], list]


async def _change(immersion_id: UUID, decide: Decide, *, user: Principal, ports: Ports) -> immersion.Immersion:
    user.require_role(*STAFF)
    async with ports.db.transaction() as conn:
        stream = immersion.stream_id(immersion_id)
        state = await streams.load(ports.store, stream, immersion.apply, conn)
        if state is not None:
            user.require_personal_data(state.agency_id)
        events = decide(state)
        state = await streams.append(
            ports.store, conn, stream, state, events, immersion.apply, partition_key=str(state.beneficiary_id)
        )
        await ports.immersions.save(conn, state)
    return state


async def renew_immersion(
    immersion_id: UUID, command: RenewImmersion, *, user: Principal, ports: Ports, today: date
) -> immersion.Immersion:
    """Renew an immersion, once."""
    return await _change(immersion_id, lambda s: immersion.renew(s, command, today), user=user, ports=ports)


async def complete_immersion(
    immersion_id: UUID, command: CompleteImmersion, *, user: Principal, ports: Ports, today: date
) -> immersion.Immersion:
    """Record what followed an immersion."""
    return await _change(immersion_id, lambda s: immersion.complete(s, command, today), user=user, ports=ports)
