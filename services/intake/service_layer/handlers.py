"""Intake's command handlers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import asyncpg

from services.intake.adapters.people import PeopleRepository
from services.intake.domain import model
from services.intake.domain.commands import ReferBeneficiary
from shared.eventstore import EventStore, Tracing


@dataclass(frozen=True)
class ReferralOutcome:
    """The beneficiary a referral designates, and whether it was created by it."""

    beneficiary_id: UUID
    agency_id: str
    created: bool


async def refer_beneficiary(
    cmd: ReferBeneficiary, *, pool: asyncpg.Pool, store: EventStore, people: PeopleRepository, today: date
) -> ReferralOutcome:
    """Enrol the referred person, or answer with the existing beneficiary if they are already known."""
    beneficiary_id = uuid.uuid4()
    events = model.enrol(cmd, beneficiary_id, today)
    agency_id = events[0].agency_id
    for _ in range(2):
        async with pool.acquire() as conn:
            try:
                async with conn.transaction():
                    existing = await people.find_duplicate(conn, cmd)
                    if existing is not None:
                        agency = await people.agency_of(conn, existing)
                        return ReferralOutcome(existing, agency, created=False)
                    await people.add(conn, beneficiary_id, agency_id, cmd)
                    await store.append(
                        model.stream_id(beneficiary_id),
                        0,
                        events,
                        partition_key=str(beneficiary_id),
                        subject=str(beneficiary_id),
                        tracing=Tracing.new(),
                        conn=conn,
                    )
                    return ReferralOutcome(beneficiary_id, agency_id, created=True)
            except asyncpg.UniqueViolationError:
                # The same person was referred concurrently: the second pass finds them.
                continue
    raise RuntimeError("referral kept colliding with a concurrent one")
