"""Handlers of the follow-up of hires: check-ins at 1, 3 and 6 months, early end of the contract."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from services.placement.domain.commands import EndHireEarly, RecordCheckIn
from services.placement.domain.decisions import introductions
from services.placement.domain.errors import HireNotFound
from services.placement.domain.evolution import INTRODUCTION
from services.placement.domain.state import Introduction
from services.placement.service_layer.access import STAFF
from services.placement.service_layer.dependencies import Dependencies
from shared.auth import Principal

Decide = Callable[[Introduction | None], list]


async def _on_hire(hire_id: UUID, decide: Decide, *, user: Principal, deps: Dependencies) -> Introduction:
    user.require_role(*STAFF)
    async with deps.store.transaction() as uow:
        introduction_id = await deps.introductions.introduction_of_hire(uow.connection, hire_id)
        if introduction_id is None:
            raise HireNotFound(f"aucune embauche {hire_id}")
        state = await uow.load(INTRODUCTION, introduction_id)
        user.scope(state.agency_id)
        return await uow.save(INTRODUCTION, state, decide(state))


async def record_check_in(
    hire_id: UUID, command: RecordCheckIn, *, user: Principal, deps: Dependencies, today: date
) -> Introduction:
    """Record the 1, 3 or 6-month check-in of a hire, once each."""
    return await _on_hire(hire_id, lambda s: introductions.check_in(s, command, today), user=user, deps=deps)


async def end_hire_early(
    hire_id: UUID, command: EndHireEarly, *, user: Principal, deps: Dependencies, today: date
) -> Introduction:
    """Record that a contract ended before its term."""
    return await _on_hire(hire_id, lambda s: introductions.end_early(s, command, today), user=user, deps=deps)
