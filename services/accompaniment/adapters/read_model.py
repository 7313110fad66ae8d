"""The `accompaniments` read model: one row per accompaniment, for lists, access checks and worklists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import asyncpg

from services.accompaniment.domain.state import Accompaniment
from services.accompaniment.service_layer.ports import AccompanimentViews
from shared.events import DomainEvent
from shared.staff import staff_id


def _row(row: asyncpg.Record) -> dict:
    # Rows written before staff were uuids hold the referent's login: shown as the uuid events now carry.
    referent = row["referent_id"]
    return {**dict(row), "referent_id": staff_id(referent) if referent is not None else None}


def _values(state: Accompaniment) -> tuple:
    """The row of `state`, in the order of the upsert's columns."""
    suspension = state.current_suspension
    proposed = state.proposed_exit
    return (
        state.id,
        state.beneficiary_id,
        state.agency_id,
        state.start_date,
        state.planned_end_date,
        state.orientation_date,
        state.status,
        state.closed_on,
        state.exit_category.value if state.exit_category else None,
        state.exit_category.group.value if state.exit_category else None,
        state.version,
        state.commune_code,
        str(state.referent_id) if state.referent_id else None,
        state.contract.signed_on if state.contract else None,
        state.contract.late if state.contract else None,
        state.last_contact_on,
        state.first_appointment_delay_days,
        suspension.suspended_on if suspension else None,
        len(state.renewals),
        proposed.exit_category.value if proposed else None,
        state.is_return,
        state.previous_accompaniment_id,
    )


class PostgresAccompanimentViews(AccompanimentViews):
    """SQL of the `accompaniments` table in one service schema."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def save(self, conn: asyncpg.Connection, state: Accompaniment, events: Sequence[DomainEvent] = ()) -> None:
        """Write the row of `state` (in the transaction that appends its events); the commune is kept if None."""
        await conn.execute(self._upsert(), *_values(state))

    async def save_many(
        self, conn: asyncpg.Connection, saved: Sequence[tuple[Accompaniment, Sequence[DomainEvent]]]
    ) -> None:
        """Write the rows of many states in one pipelined statement (a batch of openings)."""
        await conn.executemany(self._upsert(), [_values(state) for state, _ in saved])

    async def enrolment_rows(
        self, conn: asyncpg.Connection, beneficiary_ids: Sequence[UUID], accompaniment_ids: Sequence[UUID]
    ) -> list[tuple[UUID, UUID, str]]:
        rows = await conn.fetch(
            f"""SELECT accompaniment_id, beneficiary_id, status FROM {self.schema}.accompaniments
                WHERE beneficiary_id = ANY($1::uuid[]) OR accompaniment_id = ANY($2::uuid[])""",
            list(beneficiary_ids),
            list(accompaniment_ids),
        )
        return [(r["accompaniment_id"], r["beneficiary_id"], r["status"]) for r in rows]

    def _upsert(self) -> str:
        return f"""INSERT INTO {self.schema}.accompaniments
              (accompaniment_id, beneficiary_id, agency_id, start_date, planned_end_date, orientation_date,
               status, closed_on, exit_category, exit_group, version, commune_code, referent_id,
               contract_signed_on, contract_late, last_contact_on, first_appointment_delay_days,
               suspended_since, renewals, proposed_exit_category, is_return, previous_accompaniment_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                    $21, $22)
            ON CONFLICT (accompaniment_id) DO UPDATE SET
               agency_id = excluded.agency_id, planned_end_date = excluded.planned_end_date,
               status = excluded.status, closed_on = excluded.closed_on,
               exit_category = excluded.exit_category, exit_group = excluded.exit_group,
               version = excluded.version,
               commune_code = coalesce(excluded.commune_code, {self.schema}.accompaniments.commune_code),
               referent_id = excluded.referent_id, contract_signed_on = excluded.contract_signed_on,
               contract_late = excluded.contract_late, last_contact_on = excluded.last_contact_on,
               first_appointment_delay_days = excluded.first_appointment_delay_days,
               suspended_since = excluded.suspended_since, renewals = excluded.renewals,
               proposed_exit_category = excluded.proposed_exit_category"""

    async def commune_of(self, conn: asyncpg.Connection, accompaniment_id: UUID) -> str | None:
        """The commune in the row, written from the enrolment event when the accompaniment was opened."""
        return await conn.fetchval(
            f"SELECT commune_code FROM {self.schema}.accompaniments WHERE accompaniment_id = $1", accompaniment_id
        )

    async def owner_of(self, conn: asyncpg.Connection, accompaniment_id: UUID) -> tuple[UUID, str] | None:
        row = await conn.fetchrow(
            f"SELECT beneficiary_id, status FROM {self.schema}.accompaniments WHERE accompaniment_id = $1",
            accompaniment_id,
        )
        return (row["beneficiary_id"], row["status"]) if row else None

    async def current_of(self, conn: asyncpg.Connection, beneficiary_id: UUID) -> list[UUID]:
        """Accompaniments of a person that are not closed (normally one)."""
        rows = await conn.fetch(
            f"""SELECT accompaniment_id FROM {self.schema}.accompaniments
                WHERE beneficiary_id = $1 AND status <> 'closed' ORDER BY start_date, accompaniment_id""",
            beneficiary_id,
        )
        return [r["accompaniment_id"] for r in rows]

    async def has_any(self, conn: asyncpg.Connection, beneficiary_id: UUID) -> bool:
        """Whether an accompaniment of the person was ever opened here (their enrolment arrived)."""
        return await conn.fetchval(
            f"SELECT EXISTS (SELECT 1 FROM {self.schema}.accompaniments WHERE beneficiary_id = $1)", beneficiary_id
        )

    async def list(
        self,
        conn: asyncpg.Connection,
        *,
        beneficiary_id: UUID | None = None,
        agency_id: str | None = None,
        status: str | None = None,
        referent_id: UUID | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict]:
        """Rows matching the filters, newest first."""
        rows = await conn.fetch(
            f"""SELECT * FROM {self.schema}.accompaniments
                WHERE ($1::uuid IS NULL OR beneficiary_id = $1) AND ($2::text IS NULL OR agency_id = $2)
                  AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR referent_id = $4)
                ORDER BY start_date DESC, accompaniment_id LIMIT $5 OFFSET $6""",
            beneficiary_id,
            agency_id,
            status,
            str(referent_id) if referent_id else None,
            limit,
            offset,
        )
        return [_row(r) for r in rows]

    async def worklist_candidates(
        self,
        conn: asyncpg.Connection,
        *,
        as_of: date,
        agency_id: str | None,
        referent_id: UUID | None,
        ending_within_days: int,
        no_contact_days: int,
        contract_deadline_days: int,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[asyncpg.Record]:
        """Rows that need attention on `as_of` (the conditions of the domain's `worklist.reasons`, which says which
        and why), soonest end first; a page of them with `limit`. Only the columns a worklist shows, the ids as
        text (as an answer writes them: no uuid object is made for each); the referent as stored (see `_row`)."""
        return await conn.fetch(
            # Ordered by the table's columns (`a.`), not the text of the ids: the index gives the order.
            f"""SELECT a.accompaniment_id::text, a.beneficiary_id::text, agency_id, referent_id, status, start_date,
                       orientation_date, planned_end_date, last_contact_on, contract_signed_on
                FROM {self.schema}.accompaniments a
                WHERE status <> 'closed'
                  AND ($1::text IS NULL OR agency_id = $1) AND ($2::text IS NULL OR referent_id = $2)
                  AND (planned_end_date <= $3::date + $4::int
                       OR (status = 'open' AND coalesce(last_contact_on, start_date) <= $3::date - $5::int)
                       OR (contract_signed_on IS NULL AND orientation_date + $6::int < $3::date))
                ORDER BY a.planned_end_date, a.accompaniment_id LIMIT $7 OFFSET $8""",
            agency_id,
            str(referent_id) if referent_id else None,
            as_of,
            ending_within_days,
            no_contact_days,
            contract_deadline_days,
            limit,
            offset,
        )
