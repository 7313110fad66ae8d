"""Handlers of introductions at the workstation and of their outcome."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

from services.placement.domain import introduction, need
from services.placement.domain.commands import MakeIntroduction, OutcomeKind, RecordOutcome
from services.placement.service_layer import streams
from services.placement.service_layer.access import STAFF
from services.placement.service_layer.needs import fill_when_complete
from services.placement.service_layer.ports import Ports
from shared.auth import Principal
from shared.eventstore import Tracing


async def make_introduction(command: MakeIntroduction, *, user: Principal, ports: Ports) -> introduction.Introduction:
    """Introduce one of the agency's candidates for one of its open needs."""
    user.require_role(*STAFF)
    introduction_id = uuid.uuid4()
    async with ports.db.transaction() as conn:
        wanted = await streams.load(ports.store, need.stream_id(command.need_id), need.apply, conn)
        candidate = await ports.candidates.get(conn, command.beneficiary_id)
        if wanted is not None:
            user.require_agency(wanted.agency_id)
        if candidate is not None:
            user.require_personal_data(candidate.agency_id)
        pending = await ports.introductions.pending_exists(conn, command.need_id, command.beneficiary_id)
        events = introduction.introduce(
            introduction_id,
            command,
            need=wanted,
            candidate=candidate,
            already_pending=pending,
            caseworker=command.caseworker or user.subject,
        )
        state = await streams.append(
            ports.store,
            conn,
            introduction.stream_id(introduction_id),
            None,
            events,
            introduction.apply,
            partition_key=str(candidate.beneficiary_id),
        )
        await ports.introductions.save(conn, state)
    return state


async def record_outcome(
    introduction_id: UUID, command: RecordOutcome, *, user: Principal, ports: Ports, today: date
) -> introduction.Introduction:
    """Record the single outcome of an introduction; a hire that takes the last position fills the need."""
    user.require_role(*STAFF)
    tracing = Tracing.new()
    async with ports.db.transaction() as conn:
        stream = introduction.stream_id(introduction_id)
        state = await streams.load(ports.store, stream, introduction.apply, conn)
        if state is not None:
            user.require_personal_data(state.agency_id)
        events = introduction.record_outcome(state, command, today)
        state = await streams.append(
            ports.store,
            conn,
            stream,
            state,
            events,
            introduction.apply,
            partition_key=str(state.beneficiary_id),
            tracing=tracing,
        )
        await ports.introductions.save(conn, state)
        if state.outcome == OutcomeKind.HIRED:
            await fill_when_complete(
                conn, state.need_id, ports=ports, on=state.decided_on or today, today=today, tracing=tracing
            )
    return state
