"""Handlers of immersions (PMSMP): agreement, renewal, outcome."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from uuid import UUID

from services.placement.domain.commands import AgreeImmersion, CompleteImmersion, RenewImmersion
from services.placement.domain.decisions import immersions
from services.placement.domain.evolution import EMPLOYER, IMMERSION
from services.placement.domain.state import Immersion
from services.placement.service_layer.access import STAFF
from services.placement.service_layer.dependencies import Dependencies
from shared.auth import Principal
from shared.private_text import Owner


async def agree_immersion(command: AgreeImmersion, *, user: Principal, deps: Dependencies, today: date) -> Immersion:
    """Agree an immersion for one of the agency's candidates."""
    user.require_role(*STAFF)
    async with deps.store.transaction() as uow:
        candidate = await deps.candidates.get(uow.connection, command.beneficiary_id)
        if candidate is not None:
            user.scope(candidate.agency_id)
        host = await uow.load(EMPLOYER, command.employer_id) if command.employer_id is not None else None
        [event] = immersions.agree(uuid.uuid4(), command, candidate=candidate, employer=host, today=today)
        if event.host_name_ref is not None:
            # A training centre's name, in this person's file: kept under their key.
            texts = {event.host_name_ref: command.host_name}
            await deps.texts.seal(uow.connection, Owner.person(event.beneficiary_id), texts)
        return await uow.save(IMMERSION, None, [event])


Decide = Callable[[Immersion | None], list]


async def _change(immersion_id: UUID, decide: Decide, *, user: Principal, deps: Dependencies) -> Immersion:
    user.require_role(*STAFF)
    async with deps.store.transaction() as uow:
        state = await uow.load(IMMERSION, immersion_id)
        if state is not None:
            user.scope(state.agency_id)
        return await uow.save(IMMERSION, state, decide(state))


async def renew_immersion(
    immersion_id: UUID, command: RenewImmersion, *, user: Principal, deps: Dependencies, today: date
) -> Immersion:
    """Renew an immersion, once."""
    return await _change(immersion_id, lambda s: immersions.renew(s, command, today), user=user, deps=deps)


async def complete_immersion(
    immersion_id: UUID, command: CompleteImmersion, *, user: Principal, deps: Dependencies, today: date
) -> Immersion:
    """Record what followed an immersion."""
    return await _change(immersion_id, lambda s: immersions.complete(s, command, today), user=user, deps=deps)
