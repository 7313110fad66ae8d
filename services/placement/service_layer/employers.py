"""Handlers of employer commands: registration and prospecting contacts."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

from services.placement.domain.commands import RecordEmployerContact, RegisterEmployer
from services.placement.domain.decisions import employers
from services.placement.domain.errors import ContactNotFound, EmployerNotFound
from services.placement.domain.evolution import EMPLOYER
from services.placement.domain.state import Employer
from services.placement.service_layer.access import STAFF, acting_agency
from services.placement.service_layer.dependencies import Dependencies
from shared.auth import Principal, Role
from shared.private_text import Owner, text_ref, texts_of


async def register_employer(command: RegisterEmployer, *, user: Principal, deps: Dependencies, today: date) -> Employer:
    """Register an employer with a valid, new SIRET, followed by the caller's agency (or the one named)."""
    user.require_role(*STAFF)
    agency_id = user.scope(command.agency_id, personal=False)
    employer_id = uuid.uuid4()
    events = employers.register(employer_id, command, agency_id, today)
    async with deps.store.transaction() as uow:
        # The name (a sole trader's is a person's) stays here, encrypted under the employer's own key.
        await deps.texts.seal(
            uow.connection, Owner.employer(employer_id), {text_ref(employer_id, "name"): command.name}
        )
        return await uow.save(EMPLOYER, None, events)


async def record_contact(
    employer_id: UUID, command: RecordEmployerContact, *, user: Principal, deps: Dependencies, today: date
) -> UUID:
    """Record a prospecting contact with an employer, for the caller's agency."""
    agency_id = acting_agency(user, command.agency_id)
    contact_id = uuid.uuid4()
    async with deps.store.transaction() as uow:
        state = await uow.load(EMPLOYER, employer_id)
        [event] = employers.record_contact(
            state, contact_id, command, agency_id=agency_id, caseworker=command.caseworker or user.staff_id, today=today
        )
        # Who was met and what was said: under the contact's own key, erasable on that person's request.
        texts = texts_of([(event.contact_name_ref, command.contact_name), (event.notes_ref, command.notes)])
        await deps.texts.seal(uow.connection, Owner.contact(contact_id), texts)
        await uow.save(EMPLOYER, state, [event])
    return contact_id


async def erase_contact(
    employer_id: UUID, contact_id: UUID, *, user: Principal, deps: Dependencies, today: date
) -> bool:
    """Destroy the key of one contact: the person met and the notes become unreadable; False if already done."""
    user.require_role(Role.AGENCY_MANAGER)
    async with deps.store.transaction() as uow:
        contact = await deps.employers.contact(uow.connection, contact_id)
        if contact is None or contact["employer_id"] != employer_id:
            raise ContactNotFound(f"no contact {contact_id} with employer {employer_id}")
        user.scope(contact["agency_id"])
        return await deps.texts.erase(uow.connection, Owner.contact(contact_id), today)


async def erase_employer(employer_id: UUID, *, user: Principal, deps: Dependencies, today: date) -> bool:
    """Destroy the employer's key (a sole trader's request): its name and its needs' texts become unreadable."""
    user.require_role(Role.AGENCY_MANAGER)
    async with deps.store.transaction() as uow:
        state = await uow.load(EMPLOYER, employer_id)
        if state is None:
            raise EmployerNotFound(f"no employer {employer_id}")
        user.scope(state.agency_id)
        return await deps.texts.erase(uow.connection, Owner.employer(employer_id), today)
