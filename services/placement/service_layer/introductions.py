"""Handlers of introductions at the workstation and of their outcome."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

from services.placement.domain.commands import MakeIntroduction, OutcomeKind, RecordOutcome
from services.placement.domain.decisions import introductions
from services.placement.domain.evolution import INTRODUCTION, NEED
from services.placement.domain.state import Introduction
from services.placement.service_layer.access import STAFF
from services.placement.service_layer.dependencies import Dependencies
from services.placement.service_layer.needs import fill_when_complete
from shared.auth import Principal


async def make_introduction(command: MakeIntroduction, *, user: Principal, deps: Dependencies) -> Introduction:
    """Introduce one of the agency's candidates for one of its open needs."""
    user.require_role(*STAFF)
    async with deps.store.transaction() as uow:
        wanted = await uow.load(NEED, command.need_id)
        candidate = await deps.candidates.get(uow.connection, command.beneficiary_id)
        if wanted is not None:
            user.scope(wanted.agency_id, personal=False)
        if candidate is not None:
            user.scope(candidate.agency_id)
        pending = await deps.introductions.pending_exists(uow.connection, command.need_id, command.beneficiary_id)
        events = introductions.introduce(
            uuid.uuid4(),
            command,
            need=wanted,
            candidate=candidate,
            already_pending=pending,
            caseworker=command.caseworker or user.staff_id,
        )
        return await uow.save(INTRODUCTION, None, events)


async def record_outcome(
    introduction_id: UUID, command: RecordOutcome, *, user: Principal, deps: Dependencies, today: date
) -> Introduction:
    """Record the single outcome of an introduction; a hire that takes the last position fills the need."""
    user.require_role(*STAFF)
    async with deps.store.transaction() as uow:
        state = await uow.load(INTRODUCTION, introduction_id)
        if state is not None:
            user.scope(state.agency_id)
        state = await uow.save(INTRODUCTION, state, introductions.record_outcome(state, command, today))
        if state.outcome == OutcomeKind.HIRED:
            await fill_when_complete(uow, state.need_id, deps=deps, on=state.decided_on or today, today=today)
    return state
