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
from shared.unit_of_work import UnitOfWork


async def _of_person(uow: UnitOfWork, deps: Dependencies, beneficiary_id: UUID) -> list[Immersion]:
    """The person's immersions, once the right to decide on them is held (their presence rule spans them)."""
    await deps.immersions.lock_person(uow.connection, beneficiary_id)
    ids = await deps.immersions.of_person(uow.connection, beneficiary_id)
    return [state for i in ids if (state := await uow.load(IMMERSION, i)) is not None]


async def agree_immersion(command: AgreeImmersion, *, user: Principal, deps: Dependencies, today: date) -> Immersion:
    """Agree an immersion for one of the agency's candidates."""
    user.require_role(*STAFF)
    async with deps.store.transaction() as uow:
        candidate = await deps.candidates.get(uow.connection, command.beneficiary_id)
        if candidate is not None:
            user.scope(candidate.agency_id)
        host = await uow.load(EMPLOYER, command.employer_id) if command.employer_id is not None else None
        earlier = await _of_person(uow, deps, command.beneficiary_id)
        host_index = deps.centre_index(command.host_name) if command.host_name else None
        events = immersions.agree(
            uuid.uuid4(),
            command,
            candidate=candidate,
            employer=host,
            today=today,
            earlier=earlier,
            rules=deps.rules,
            host_index=host_index,
        )
        for event in events:
            if event.host_name_ref is not None:
                # A training centre's name, in this person's file: kept under their key.
                texts = {event.host_name_ref: command.host_name}
                await deps.texts.seal(uow.connection, Owner.person(event.beneficiary_id), texts)
        return await uow.save(IMMERSION, None, events)


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
    """Renew an immersion, once, within the presence allowed with its host."""
    user.require_role(*STAFF)
    async with deps.store.transaction() as uow:
        state = await uow.load(IMMERSION, immersion_id)
        if state is not None:
            user.scope(state.agency_id)
        earlier = await _of_person(uow, deps, state.beneficiary_id) if state is not None else []
        # Loaded again under the person's lock: a renewal that raced this one is seen.
        state = await uow.load(IMMERSION, immersion_id)
        events = immersions.renew(state, command, today, earlier=earlier, rules=deps.rules)
        return await uow.save(IMMERSION, state, events)


async def complete_immersion(
    immersion_id: UUID, command: CompleteImmersion, *, user: Principal, deps: Dependencies, today: date
) -> Immersion:
    """Record what followed an immersion."""
    return await _change(immersion_id, lambda s: immersions.complete(s, command, today), user=user, deps=deps)
