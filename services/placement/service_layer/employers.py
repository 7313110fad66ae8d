"""Handlers of employer commands: registration and prospecting contacts."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

from services.placement.domain.commands import RecordEmployerContact, RegisterEmployer
from services.placement.domain.decisions import employers
from services.placement.domain.evolution import EMPLOYER
from services.placement.domain.state import Employer
from services.placement.service_layer.access import STAFF, acting_agency
from services.placement.service_layer.dependencies import Dependencies
from shared.auth import Principal


async def register_employer(command: RegisterEmployer, *, user: Principal, deps: Dependencies, today: date) -> Employer:
    """Register an employer with a valid, new SIRET, followed by the caller's agency (or the one named)."""
    user.require_role(*STAFF)
    agency_id = user.scope(command.agency_id, personal=False)
    events = employers.register(uuid.uuid4(), command, agency_id, today)
    async with deps.store.transaction() as uow:
        return await uow.save(EMPLOYER, None, events)


async def record_contact(
    employer_id: UUID, command: RecordEmployerContact, *, user: Principal, deps: Dependencies, today: date
) -> UUID:
    """Record a prospecting contact with an employer, for the caller's agency."""
    agency_id = acting_agency(user, command.agency_id)
    contact_id = uuid.uuid4()
    async with deps.store.transaction() as uow:
        state = await uow.load(EMPLOYER, employer_id)
        events = employers.record_contact(
            state, contact_id, command, agency_id=agency_id, caseworker=command.caseworker or user.subject, today=today
        )
        await uow.save(EMPLOYER, state, events)
    return contact_id
