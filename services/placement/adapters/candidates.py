"""Candidates' read model in PostgreSQL, fed by accompaniment's events."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID

import asyncpg

from services.placement.domain.candidate import Candidate
from services.placement.service_layer.ports import CandidateViews
from shared.contracts.accompaniment import TimeSlot

_SLOTS = {slot.value: slot for slot in TimeSlot}
_COLUMNS = (
    "beneficiary_id, agency_id, commune_code, aptitudes, available_slots, max_weekly_hours, max_commute_km,"
    " driving_licence, work_constraints, wished_sectors, active"
)


def candidate_from_row(row: asyncpg.Record) -> Candidate:
    """The candidate a row describes (built for thousands of rows at a time: no enum lookups by value)."""
    return Candidate(
        beneficiary_id=row["beneficiary_id"],
        agency_id=row["agency_id"],
        commune_code=row["commune_code"],
        aptitudes=frozenset(row["aptitudes"]),
        available_slots=frozenset(map(_SLOTS.__getitem__, row["available_slots"])),
        max_weekly_hours=row["max_weekly_hours"],
        max_commute_km=row["max_commute_km"],
        driving_licence=row["driving_licence"],
        work_constraints=frozenset(row["work_constraints"]),
        wished_sectors=frozenset(row["wished_sectors"]),
        active=row["active"],
    )


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during one synchronous loop.

    Building thousands of small immutable candidates triggers full collections mid-loop, which tripled the
    time of a ranking in bench/matching.py; these objects hold no reference cycles, so nothing is lost.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class PostgresCandidates(CandidateViews):
    """The `candidates` table."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def get(self, conn: asyncpg.Connection, beneficiary_id: UUID) -> Candidate | None:
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM {self.schema}.candidates WHERE beneficiary_id = $1", beneficiary_id
        )
        return candidate_from_row(row) if row else None

    async def save_profile(
        self,
        conn: asyncpg.Connection,
        candidate: Candidate,
        *,
        accompaniment_id: UUID,
        version: int,
        recorded_at: datetime,
    ) -> None:
        # Same accompaniment: a higher stream version wins. A new accompaniment of the person: the later one wins.
        await conn.execute(
            f"""INSERT INTO {self.schema}.candidates (beneficiary_id, accompaniment_id, agency_id, commune_code,
                    aptitudes, available_slots, max_weekly_hours, max_commute_km, driving_licence,
                    work_constraints, wished_sectors, active, source_version, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, true, $12, $13)
                ON CONFLICT (beneficiary_id) DO UPDATE SET
                    accompaniment_id = excluded.accompaniment_id, agency_id = excluded.agency_id,
                    commune_code = excluded.commune_code, aptitudes = excluded.aptitudes,
                    available_slots = excluded.available_slots, max_weekly_hours = excluded.max_weekly_hours,
                    max_commute_km = excluded.max_commute_km, driving_licence = excluded.driving_licence,
                    work_constraints = excluded.work_constraints, wished_sectors = excluded.wished_sectors,
                    active = true, source_version = excluded.source_version, updated_at = excluded.updated_at
                WHERE (candidates.accompaniment_id = excluded.accompaniment_id
                       AND candidates.source_version < excluded.source_version)
                   OR (candidates.accompaniment_id <> excluded.accompaniment_id
                       AND candidates.updated_at <= excluded.updated_at)""",
            candidate.beneficiary_id,
            accompaniment_id,
            candidate.agency_id,
            candidate.commune_code,
            sorted(candidate.aptitudes),
            sorted(s.value for s in candidate.available_slots),
            candidate.max_weekly_hours,
            candidate.max_commute_km,
            candidate.driving_licence,
            sorted(candidate.work_constraints),
            sorted(candidate.wished_sectors),
            version,
            recorded_at,
        )

    async def deactivate(
        self, conn: asyncpg.Connection, beneficiary_id: UUID, *, accompaniment_id: UUID, version: int
    ) -> None:
        await conn.execute(
            f"""UPDATE {self.schema}.candidates SET active = false, source_version = $3
                WHERE beneficiary_id = $1 AND accompaniment_id = $2 AND source_version < $3""",
            beneficiary_id,
            accompaniment_id,
            version,
        )

    async def active_in_agency(self, conn: asyncpg.Connection, agency_id: str) -> list[Candidate]:
        """Every active candidate of an agency, in one query."""
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM {self.schema}.candidates WHERE agency_id = $1 AND active", agency_id
        )
        with _cyclic_gc_paused():
            return [candidate_from_row(r) for r in rows]

    async def list(
        self, conn: asyncpg.Connection, *, agency_id: str | None, active: bool | None, limit: int, offset: int
    ) -> list[Candidate]:
        """Candidates by beneficiary id."""
        rows = await conn.fetch(
            f"""SELECT {_COLUMNS} FROM {self.schema}.candidates
                WHERE ($1::text IS NULL OR agency_id = $1) AND ($2::boolean IS NULL OR active = $2)
                ORDER BY beneficiary_id LIMIT $3 OFFSET $4""",
            agency_id,
            active,
            limit,
            offset,
        )
        return [candidate_from_row(r) for r in rows]
