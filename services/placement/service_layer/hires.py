"""Handlers of the follow-up of hires: check-ins at 1, 3 and 6 months, early end of the contract."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from services.placement.domain import introduction
from services.placement.domain.commands import EndHireEarly, RecordCheckIn
from services.placement.domain.errors import HireNotFound
from services.placement.domain.introduction import INTRODUCTION
from services.placement.service_layer.access import STAFF
from services.placement.service_layer.dependencies import Dependencies
from shared.auth import Principal

Decide = Callable[[introduction.Introduction | None], list]


async def _on_hire(hire_id: UUID, decide: Decide, *, user: Principal, deps: Dependencies) -> introduction.Introduction:
    user.require_role(*STAFF)
    async with deps.store.transaction() as uow:
        introduction_id = await deps.introductions.introduction_of_hire(uow.connection, hire_id)
        if introduction_id is None:
            raise HireNotFound(f"no hire {hire_id}")
        state = await uow.load(INTRODUCTION, introduction_id)
        user.scope(state.agency_id)
        return await uow.save(INTRODUCTION, state, decide(state))


async def record_check_in(
    hire_id: UUID, command: RecordCheckIn, *, user: Principal, deps: Dependencies, today: date
) -> introduction.Introduction:
    """Record the 1, 3 or 6-month check-in of a hire, once each."""
    return await _on_hire(hire_id, lambda s: introduction.check_in(s, command, today), user=user, deps=deps)


async def end_hire_early(
    hire_id: UUID, command: EndHireEarly, *, user: Principal, deps: Dependencies, today: date
) -> introduction.Introduction:
    """Record that a contract ended before its term."""
    return await _on_hire(hire_id, lambda s: introduction.end_early(s, command, today), user=user, deps=deps)
