"""Employers' read model in PostgreSQL."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.placement.domain.errors import EmployerAlreadyRegistered
from services.placement.domain.state import Employer
from services.placement.service_layer.ports import EmployerViews
from shared.contracts.placement import EmployerContactRecorded


class PostgresEmployers(EmployerViews):
    """The `employers` and `employer_contacts` tables."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def add(self, conn: asyncpg.Connection, employer: Employer) -> None:
        try:
            await conn.execute(
                f"""INSERT INTO {self.schema}.employers (employer_id, siret, name, size, sector, social_economy, siae,
                        commune_code, agency_id, contacts, last_contact_on, version)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
                employer.id,
                employer.siret,
                employer.name,
                employer.size.value,
                employer.sector,
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
                    (contact_id, employer_id, agency_id, contact_date, kind, caseworker, notes)
                VALUES ($1, $2, $3, $4, $5, $6, $7)""",
            contact.contact_id,
            contact.employer_id,
            contact.agency_id,
            contact.contact_date,
            contact.kind.value,
            contact.caseworker,
            contact.notes,
        )

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
        """Employers of the network, by name."""
        rows = await conn.fetch(
            f"""SELECT * FROM {self.schema}.employers
                WHERE ($1::text IS NULL OR agency_id = $1) AND ($2::text IS NULL OR lower(sector) = lower($2))
                  AND ($3::text IS NULL OR commune_code = $3)
                ORDER BY name, employer_id LIMIT $4 OFFSET $5""",
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
        return {**dict(row), "contact_history": [dict(c) for c in contacts]}
