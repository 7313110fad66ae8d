"""Handlers of need commands: publication, filling and closure."""

from __future__ import annotations

import json
import uuid
from datetime import date
from uuid import UUID

from services.placement.domain.commands import CloseNeed, FillNeed, PublishNeed
from services.placement.domain.decisions import needs
from services.placement.domain.evolution import EMPLOYER, NEED
from services.placement.domain.state import Need
from services.placement.service_layer.access import STAFF, acting_agency
from services.placement.service_layer.dependencies import Dependencies
from shared.auth import Principal
from shared.private_text import Owner
from shared.unit_of_work import UnitOfWork


async def publish_need(command: PublishNeed, *, user: Principal, deps: Dependencies, today: date) -> Need:
    """Publish an employer's field need for the caller's agency."""
    agency_id = acting_agency(user, command.agency_id)
    async with deps.store.transaction() as uow:
        owner = await uow.load(EMPLOYER, command.employer_id)
        [event] = needs.publish(uuid.uuid4(), command, employer=owner, agency_id=agency_id, today=today)
        # Title and tasks may name people: kept here under the employer's key, the event carries references.
        texts = {event.title_ref: command.title, event.tasks_ref: json.dumps(command.tasks, ensure_ascii=False)}
        await deps.texts.seal(uow.connection, Owner.employer(event.employer_id), texts)
        return await uow.save(NEED, None, [event])


async def _load_for_staff(uow: UnitOfWork, need_id: UUID, user: Principal) -> Need | None:
    user.require_role(*STAFF)
    state = await uow.load(NEED, need_id)
    if state is not None:
        user.scope(state.agency_id, personal=False)
    return state


async def fill_need(need_id: UUID, command: FillNeed, *, user: Principal, deps: Dependencies, today: date) -> Need:
    """Mark every position of a need as taken."""
    async with deps.store.transaction() as uow:
        state = await _load_for_staff(uow, need_id, user)
        hires = await deps.introductions.hires_for_need(uow.connection, need_id)
        return await uow.save(NEED, state, needs.fill(state, command.filled_on or today, hires, today))


async def close_need(need_id: UUID, command: CloseNeed, *, user: Principal, deps: Dependencies, today: date) -> Need:
    """Withdraw a need."""
    async with deps.store.transaction() as uow:
        state = await _load_for_staff(uow, need_id, user)
        return await uow.save(NEED, state, needs.close(state, command, today))


async def fill_when_complete(uow: UnitOfWork, need_id: UUID, *, deps: Dependencies, on: date, today: date) -> None:
    """After a hire: the need is filled once its hires reach its positions (in the hire's unit of work)."""
    state = await uow.load(NEED, need_id)
    if state is None or not state.is_open:
        return
    hires = await deps.introductions.hires_for_need(uow.connection, need_id)
    if hires >= state.positions:
        await uow.save(NEED, state, needs.fill(state, max(on, state.published_on), hires, today))
