"""Immersions' read model in PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.placement.domain.state import Immersion
from services.placement.service_layer.ports import ImmersionViews
from shared.events import DomainEvent


class PostgresImmersions(ImmersionViews):
    """The `immersions` table."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def save(self, conn: asyncpg.Connection, immersion: Immersion, events: Sequence[DomainEvent] = ()) -> None:
        periods = [
            {"start_date": p.start_date.isoformat(), "end_date": p.end_date.isoformat(), "days": p.days_of_presence}
            for p in immersion.periods
        ]
        await conn.execute(
            f"""INSERT INTO {self.schema}.immersions (immersion_id, beneficiary_id, agency_id, host_kind, employer_id,
                    sector, periods, days_of_presence, renewed, outcome, completed_on, version)
                VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12)
                ON CONFLICT (immersion_id) DO UPDATE SET
                    agency_id = excluded.agency_id, periods = excluded.periods,
                    days_of_presence = excluded.days_of_presence,
                    renewed = excluded.renewed, outcome = excluded.outcome, completed_on = excluded.completed_on,
                    version = excluded.version""",
            immersion.id,
            immersion.beneficiary_id,
            immersion.agency_id,
            immersion.host_kind.value,
            immersion.employer_id,
            immersion.sector.value if immersion.sector else None,
            json.dumps(periods),
            immersion.days_of_presence,
            immersion.renewed,
            immersion.outcome.value if immersion.outcome else None,
            immersion.completed_on,
            immersion.version,
        )

    async def of_person(self, conn: asyncpg.Connection, beneficiary_id: UUID) -> list[UUID]:
        rows = await conn.fetch(
            f"SELECT immersion_id FROM {self.schema}.immersions WHERE beneficiary_id = $1 ORDER BY immersion_id",
            beneficiary_id,
        )
        return [r["immersion_id"] for r in rows]

    async def lock_person(self, conn: asyncpg.Connection, beneficiary_id: UUID) -> None:
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{self.schema}.immersions:{beneficiary_id}"
        )

    async def get(self, conn: asyncpg.Connection, immersion_id: UUID) -> dict | None:
        """One immersion."""
        row = await conn.fetchrow(f"SELECT * FROM {self.schema}.immersions WHERE immersion_id = $1", immersion_id)
        return _row(row) if row else None

    async def list(
        self, conn: asyncpg.Connection, *, agency_id: str | None, beneficiary_id: UUID | None, limit: int, offset: int
    ) -> list[dict]:
        """Immersions by id."""
        rows = await conn.fetch(
            f"""SELECT * FROM {self.schema}.immersions
                WHERE ($1::text IS NULL OR agency_id = $1) AND ($2::uuid IS NULL OR beneficiary_id = $2)
                ORDER BY immersion_id LIMIT $3 OFFSET $4""",
            agency_id,
            beneficiary_id,
            limit,
            offset,
        )
        return [_row(r) for r in rows]


def _row(row: asyncpg.Record) -> dict:
    return {**dict(row), "periods": json.loads(row["periods"])}
