"""Handlers of employer commands: registration and prospecting contacts."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

from services.placement.domain import employer
from services.placement.domain.commands import RecordEmployerContact, RegisterEmployer
from services.placement.service_layer import streams
from services.placement.service_layer.access import STAFF, acting_agency
from services.placement.service_layer.ports import Ports
from shared.auth import Principal


async def register_employer(
    command: RegisterEmployer, *, user: Principal, ports: Ports, today: date
) -> employer.Employer:
    """Register an employer with a valid, new SIRET, followed by the caller's agency (or the one named)."""
    user.require_role(*STAFF)
    agency_id = command.agency_id or user.agency_id
    if agency_id is not None:
        user.require_agency(agency_id)
    employer_id = uuid.uuid4()
    events = employer.register(employer_id, command, agency_id, today)
    async with ports.db.transaction() as conn:
        state = await streams.append(
            ports.store,
            conn,
            employer.stream_id(employer_id),
            None,
            events,
            employer.apply,
            partition_key=str(employer_id),
        )
        await ports.employers.add(conn, state)
    return state


async def record_contact(
    employer_id: UUID, command: RecordEmployerContact, *, user: Principal, ports: Ports, today: date
) -> UUID:
    """Record a prospecting contact with an employer, for the caller's agency."""
    agency_id = acting_agency(user, command.agency_id)
    contact_id = uuid.uuid4()
    async with ports.db.transaction() as conn:
        stream = employer.stream_id(employer_id)
        state = await streams.load(ports.store, stream, employer.apply, conn)
        events = employer.record_contact(
            state, contact_id, command, agency_id=agency_id, caseworker=command.caseworker or user.subject, today=today
        )
        state = await streams.append(
            ports.store, conn, stream, state, events, employer.apply, partition_key=str(employer_id)
        )
        await ports.employers.save(conn, state)
        await ports.employers.add_contact(conn, events[0])
    return contact_id
