"""Introductions' and hires' read model in PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.placement.domain.errors import AlreadyIntroduced
from services.placement.domain.state import Hire, Introduction
from services.placement.service_layer.ports import IntroductionViews
from shared.events import DomainEvent
from shared.staff import staff_id


def _value(enum: object | None) -> str | None:
    return None if enum is None else enum.value


class PostgresIntroductions(IntroductionViews):
    """The `introductions` and `hires` tables."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def save(
        self, conn: asyncpg.Connection, introduction: Introduction, events: Sequence[DomainEvent] = ()
    ) -> None:
        try:
            await self._save_introduction(conn, introduction)
        except asyncpg.UniqueViolationError as e:
            # Two introductions of the same person for the same need made at the same time: one wins.
            raise AlreadyIntroduced(
                "this person is already introduced for this need and the outcome is not known yet"
            ) from e
        if introduction.hire is not None:
            await self._save_hire(conn, introduction, introduction.hire)

    async def _save_hire(self, conn: asyncpg.Connection, introduction: Introduction, hire: Hire) -> None:
        await conn.execute(
            f"""INSERT INTO {self.schema}.hires (hire_id, introduction_id, need_id, employer_id, beneficiary_id,
                    agency_id, sector, contract_type, duration_months, weekly_hours, start_date, check_ins, ended_on,
                    end_reason, version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15)
                ON CONFLICT (hire_id) DO UPDATE SET
                    agency_id = excluded.agency_id, check_ins = excluded.check_ins, ended_on = excluded.ended_on,
                    end_reason = excluded.end_reason,
                    version = excluded.version""",
            hire.id,
            introduction.id,
            introduction.need_id,
            introduction.employer_id,
            introduction.beneficiary_id,
            introduction.agency_id,
            _value(introduction.sector),
            hire.contract_type.value,
            hire.duration_months,
            hire.weekly_hours,
            hire.start_date,
            json.dumps({str(month): still for month, still in sorted(hire.check_ins.items())}),
            hire.ended_on,
            _value(hire.end_reason),
            introduction.version,
        )

    async def _save_introduction(self, conn: asyncpg.Connection, introduction: Introduction) -> None:
        await conn.execute(
            f"""INSERT INTO {self.schema}.introductions (introduction_id, need_id, employer_id, beneficiary_id,
                    agency_id, sector, introduced_on, caseworker, outcome, decided_on, not_hired_reason, hire_id,
                    version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                ON CONFLICT (introduction_id) DO UPDATE SET
                    agency_id = excluded.agency_id, outcome = excluded.outcome, decided_on = excluded.decided_on,
                    not_hired_reason = excluded.not_hired_reason, hire_id = excluded.hire_id,
                    version = excluded.version""",
            introduction.id,
            introduction.need_id,
            introduction.employer_id,
            introduction.beneficiary_id,
            introduction.agency_id,
            _value(introduction.sector),
            introduction.introduced_on,
            str(introduction.caseworker),
            _value(introduction.outcome),
            introduction.decided_on,
            _value(introduction.not_hired_reason),
            introduction.hire.id if introduction.hire else None,
            introduction.version,
        )

    async def pending_exists(self, conn: asyncpg.Connection, need_id: UUID, beneficiary_id: UUID) -> bool:
        return await conn.fetchval(
            f"""SELECT EXISTS (SELECT 1 FROM {self.schema}.introductions
                WHERE need_id = $1 AND beneficiary_id = $2 AND outcome IS NULL)""",
            need_id,
            beneficiary_id,
        )

    async def introduction_of_hire(self, conn: asyncpg.Connection, hire_id: UUID) -> UUID | None:
        return await conn.fetchval(f"SELECT introduction_id FROM {self.schema}.hires WHERE hire_id = $1", hire_id)

    async def hires_for_need(self, conn: asyncpg.Connection, need_id: UUID) -> int:
        return await conn.fetchval(f"SELECT count(*) FROM {self.schema}.hires WHERE need_id = $1", need_id)

    async def of_person(self, conn: asyncpg.Connection, beneficiary_id: UUID) -> list[UUID]:
        rows = await conn.fetch(
            f"SELECT introduction_id FROM {self.schema}.introductions WHERE beneficiary_id = $1"
            " ORDER BY introduced_on, introduction_id",
            beneficiary_id,
        )
        return [r["introduction_id"] for r in rows]

    async def get(self, conn: asyncpg.Connection, introduction_id: UUID) -> dict | None:
        """One introduction."""
        row = await conn.fetchrow(
            f"SELECT * FROM {self.schema}.introductions WHERE introduction_id = $1", introduction_id
        )
        return _introduction_row(row) if row else None

    async def list(
        self,
        conn: asyncpg.Connection,
        *,
        agency_id: str | None,
        need_id: UUID | None,
        beneficiary_id: UUID | None,
        limit: int,
        offset: int,
    ) -> list[dict]:
        """Introductions, latest first."""
        rows = await conn.fetch(
            f"""SELECT * FROM {self.schema}.introductions
                WHERE ($1::text IS NULL OR agency_id = $1) AND ($2::uuid IS NULL OR need_id = $2)
                  AND ($3::uuid IS NULL OR beneficiary_id = $3)
                ORDER BY introduced_on DESC, introduction_id LIMIT $4 OFFSET $5""",
            agency_id,
            need_id,
            beneficiary_id,
            limit,
            offset,
        )
        return [_introduction_row(r) for r in rows]

    async def get_hire(self, conn: asyncpg.Connection, hire_id: UUID) -> dict | None:
        """One hire with its check-ins."""
        row = await conn.fetchrow(f"SELECT * FROM {self.schema}.hires WHERE hire_id = $1", hire_id)
        return _hire_row(row) if row else None

    async def list_hires(
        self, conn: asyncpg.Connection, *, agency_id: str | None, beneficiary_id: UUID | None, limit: int, offset: int
    ) -> list[dict]:
        """Hires, latest start first."""
        rows = await conn.fetch(
            f"""SELECT * FROM {self.schema}.hires
                WHERE ($1::text IS NULL OR agency_id = $1) AND ($2::uuid IS NULL OR beneficiary_id = $2)
                ORDER BY start_date DESC, hire_id LIMIT $3 OFFSET $4""",
            agency_id,
            beneficiary_id,
            limit,
            offset,
        )
        return [_hire_row(r) for r in rows]


def _introduction_row(row: asyncpg.Record) -> dict:
    # Rows written before staff were uuids hold the caseworker's login: shown as the uuid events now carry.
    return {**dict(row), "caseworker": staff_id(row["caseworker"])}


def _hire_row(row: asyncpg.Record) -> dict:
    check_ins = json.loads(row["check_ins"])
    return {**dict(row), "check_ins": {int(month): still for month, still in check_ins.items()}}
