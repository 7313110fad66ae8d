"""Placement's command handlers."""

from __future__ import annotations

import uuid

import asyncpg

from services.placement.domain import model
from shared.errors import RuleViolation
from shared.eventstore import EventStore, Tracing


class EmployerAlreadyRegistered(RuleViolation):
    """An employer with this SIRET is already in the network."""


async def register_employer(fields: dict, *, pool: asyncpg.Pool, store: EventStore, schema: str) -> uuid.UUID:
    """Register an employer; its SIRET must be valid and new."""
    employer_id = uuid.uuid4()
    events = model.register_employer(employer_id, **fields)
    async with pool.acquire() as conn, conn.transaction():
        try:
            await conn.execute(
                f"""INSERT INTO {schema}.employers (employer_id, siret, name, size, sector, social_economy, siae,
                    commune_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
                employer_id,
                fields["siret"],
                fields["name"],
                fields["size"].value,
                fields["sector"],
                fields["social_economy"],
                fields["siae"],
                fields["commune_code"],
            )
        except asyncpg.UniqueViolationError as e:
            raise EmployerAlreadyRegistered(f"an employer with SIRET {fields['siret']} is already registered") from e
        await store.append(
            model.employer_stream(employer_id),
            0,
            events,
            partition_key=str(employer_id),
            tracing=Tracing.new(),
            conn=conn,
        )
    return employer_id
