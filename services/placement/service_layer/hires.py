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
from shared.private_text import Owner

Decide = Callable[[Introduction | None], list]


async def _on_hire(
    hire_id: UUID, decide: Decide, *, user: Principal, deps: Dependencies, notes: str = ""
) -> Introduction:
    user.require_role(*STAFF)
    async with deps.store.transaction() as uow:
        introduction_id = await deps.introductions.introduction_of_hire(uow.connection, hire_id)
        if introduction_id is None:
            raise HireNotFound(f"aucune embauche {hire_id}")
        state = await uow.load(INTRODUCTION, introduction_id)
        user.scope(state.agency_id)
        events = decide(state)
        # Check-in notes concern the person: kept here under their key (destroyed by their erasure).
        texts = {e.notes_ref: notes for e in events if getattr(e, "notes_ref", None) is not None}
        await deps.texts.seal(uow.connection, Owner.person(state.beneficiary_id), texts)
        return await uow.save(INTRODUCTION, state, events)


async def record_check_in(
    hire_id: UUID, command: RecordCheckIn, *, user: Principal, deps: Dependencies, today: date
) -> Introduction:
    """Record the 1, 3 or 6-month check-in of a hire, once each."""
    return await _on_hire(
        hire_id, lambda s: introductions.check_in(s, command, today), user=user, deps=deps, notes=command.notes
    )


async def end_hire_early(
    hire_id: UUID, command: EndHireEarly, *, user: Principal, deps: Dependencies, today: date
) -> Introduction:
    """Record that a contract ended before its term."""
    return await _on_hire(hire_id, lambda s: introductions.end_early(s, command, today), user=user, deps=deps)
