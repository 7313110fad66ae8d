"""Employers' read model in PostgreSQL."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.placement.domain.errors import EmployerAlreadyRegistered
from services.placement.domain.state import Employer
from services.placement.service_layer.ports import EmployerViews
from shared.contracts.placement import EmployerContactRecorded
from shared.staff import staff_id


class PostgresEmployers(EmployerViews):
    """The `employers` and `employer_contacts` tables."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def add(self, conn: asyncpg.Connection, employer: Employer) -> None:
        try:
            await conn.execute(
                f"""INSERT INTO {self.schema}.employers (employer_id, siret, size, sector, social_economy, siae,
                        commune_code, agency_id, contacts, last_contact_on, version)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
                employer.id,
                employer.siret,
                employer.size.value,
                employer.sector.value if employer.sector else None,
                employer.social_economy,
                employer.siae,
                employer.commune_code,
                employer.agency_id,
                employer.contacts,
                employer.last_contact_on,
                employer.version,
            )
        except asyncpg.UniqueViolationError as e:
            raise EmployerAlreadyRegistered(f"un employeur de SIRET {employer.siret} est déjà enregistré") from e

    async def save(self, conn: asyncpg.Connection, employer: Employer) -> None:
        await conn.execute(
            f"""UPDATE {self.schema}.employers SET agency_id = $2, contacts = $3, last_contact_on = $4, version = $5
                WHERE employer_id = $1""",
            employer.id,
            employer.agency_id,
            employer.contacts,
            employer.last_contact_on,
            employer.version,
        )

    async def add_contact(self, conn: asyncpg.Connection, contact: EmployerContactRecorded) -> None:
        await conn.execute(
            f"""INSERT INTO {self.schema}.employer_contacts
                    (contact_id, employer_id, agency_id, contact_date, kind, caseworker)
                VALUES ($1, $2, $3, $4, $5, $6)""",
            contact.contact_id,
            contact.employer_id,
            contact.agency_id,
            contact.contact_date,
            contact.kind.value,
            str(contact.caseworker),
        )

    async def contact(self, conn: asyncpg.Connection, contact_id: UUID) -> dict | None:
        row = await conn.fetchrow(f"SELECT * FROM {self.schema}.employer_contacts WHERE contact_id = $1", contact_id)
        return dict(row) if row else None

    async def list(
        self,
        conn: asyncpg.Connection,
        *,
        agency_id: str | None,
        sector: str | None,
        commune_code: str | None,
        limit: int,
        offset: int,
    ) -> list[dict]:
        """Employers of the network, by SIRET (their names are encrypted: the database cannot sort by them)."""
        rows = await conn.fetch(
            f"""SELECT * FROM {self.schema}.employers
                WHERE ($1::text IS NULL OR agency_id = $1) AND ($2::text IS NULL OR sector = $2)
                  AND ($3::text IS NULL OR commune_code = $3)
                ORDER BY siret, employer_id LIMIT $4 OFFSET $5""",
            agency_id,
            sector,
            commune_code,
            limit,
            offset,
        )
        return [dict(r) for r in rows]

    async def get(self, conn: asyncpg.Connection, employer_id: UUID) -> dict | None:
        """One employer with its contacts, latest first."""
        row = await conn.fetchrow(f"SELECT * FROM {self.schema}.employers WHERE employer_id = $1", employer_id)
        if row is None:
            return None
        contacts = await conn.fetch(
            f"""SELECT * FROM {self.schema}.employer_contacts WHERE employer_id = $1
                ORDER BY contact_date DESC, contact_id""",
            employer_id,
        )
        # Rows written before staff were uuids hold the caseworker's login: shown as the uuid events now carry.
        history = [{**dict(c), "caseworker": staff_id(c["caseworker"])} for c in contacts]
        return {**dict(row), "contact_history": history}
