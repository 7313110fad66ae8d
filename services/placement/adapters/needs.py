"""Needs' read model in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.placement.domain.state import Need, NeedStatus
from services.placement.service_layer.ports import NeedViews
from shared.contracts.accompaniment import TimeSlot
from shared.contracts.employment import ContractType
from shared.contracts.placement import WorkingCondition
from shared.contracts.referentials import Aptitude, Sector
from shared.events import DomainEvent
from shared.private_text import text_ref

# Rows written before the referentials may hold free-form aptitudes: those are left out (see the migration).
_APTITUDES = frozenset(a.value for a in Aptitude)


def need_from_row(row: asyncpg.Record) -> Need:
    """The need a row describes."""
    return Need(
        id=row["need_id"],
        employer_id=row["employer_id"],
        agency_id=row["agency_id"],
        title_ref=text_ref(row["need_id"], "title"),
        sector=Sector(row["sector"]) if row["sector"] else None,
        tasks_ref=text_ref(row["need_id"], "tasks"),
        weekly_hours=row["weekly_hours"],
        time_slots=tuple(TimeSlot(s) for s in row["time_slots"]),
        commune_code=row["commune_code"],
        required_aptitudes=tuple(Aptitude(a) for a in row["required_aptitudes"] if a in _APTITUDES),
        working_conditions=tuple(WorkingCondition(c) for c in row["working_conditions"]),
        contract_type=ContractType(row["contract_type"]),
        duration_months=row["duration_months"],
        positions=row["positions"],
        published_on=row["published_on"],
        status=NeedStatus(row["status"]),
        ended_on=row["ended_on"],
        version=row["version"],
    )


class PostgresNeeds(NeedViews):
    """The `needs` table."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def save(self, conn: asyncpg.Connection, need: Need, events: Sequence[DomainEvent] = ()) -> None:
        await conn.execute(
            f"""INSERT INTO {self.schema}.needs (need_id, employer_id, agency_id, sector, weekly_hours,
                    time_slots, commune_code, required_aptitudes, working_conditions, contract_type, duration_months,
                    positions, published_on, status, ended_on, version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                ON CONFLICT (need_id) DO UPDATE SET
                    status = excluded.status, ended_on = excluded.ended_on, version = excluded.version""",
            need.id,
            need.employer_id,
            need.agency_id,
            need.sector.value if need.sector else None,
            need.weekly_hours,
            [s.value for s in need.time_slots],
            need.commune_code,
            [a.value for a in need.required_aptitudes],
            [c.value for c in need.working_conditions],
            need.contract_type.value,
            need.duration_months,
            need.positions,
            need.published_on,
            need.status.value,
            need.ended_on,
            need.version,
        )

    async def get(self, conn: asyncpg.Connection, need_id: UUID) -> Need | None:
        """One need."""
        row = await conn.fetchrow(f"SELECT * FROM {self.schema}.needs WHERE need_id = $1", need_id)
        return need_from_row(row) if row else None

    async def list(
        self,
        conn: asyncpg.Connection,
        *,
        agency_id: str | None,
        status: NeedStatus | None,
        employer_id: UUID | None,
        limit: int,
        offset: int,
    ) -> list[Need]:
        """Needs, latest published first."""
        rows = await conn.fetch(
            f"""SELECT * FROM {self.schema}.needs
                WHERE ($1::text IS NULL OR agency_id = $1) AND ($2::text IS NULL OR status = $2)
                  AND ($3::uuid IS NULL OR employer_id = $3)
                ORDER BY published_on DESC, need_id LIMIT $4 OFFSET $5""",
            agency_id,
            status.value if status else None,
            employer_id,
            limit,
            offset,
        )
        return [need_from_row(r) for r in rows]
