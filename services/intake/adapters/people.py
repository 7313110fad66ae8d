"""Intake's store of identifying data, and the de-duplication keys."""

from __future__ import annotations

import unicodedata
from uuid import UUID

import asyncpg

from services.intake.domain.commands import ReferBeneficiary


def _fold(text: str) -> str:
    """Lower-case letters and digits only: `Éloïse-Marie` and `eloise marie` match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum() and c.isascii()).lower()


def dedup_keys(cmd: ReferBeneficiary) -> dict[str, str | None]:
    """The three de-duplication keys of a referral."""
    return {
        "nir": cmd.nir[:13] if cmd.nir else None,
        "allocataire_key": (
            f"{cmd.allocataire_number}:{cmd.allocataire_role}"
            if cmd.allocataire_number and cmd.allocataire_role
            else None
        ),
        "name_key": f"{_fold(cmd.last_name)}|{_fold(cmd.first_name)}|{cmd.birth_date.isoformat()}",
    }


class PeopleRepository:
    """Identifying data of beneficiaries, in intake's schema."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def find_duplicate(self, conn: asyncpg.Connection, cmd: ReferBeneficiary) -> UUID | None:
        """The beneficiary this referral designates, trying NIR, then allocataire x role, then name x birth."""
        for column, value in dedup_keys(cmd).items():
            if value is None:
                continue
            found = await conn.fetchval(f"SELECT beneficiary_id FROM {self.schema}.people WHERE {column} = $1", value)
            if found is not None:
                return found
        return None

    async def add(self, conn: asyncpg.Connection, beneficiary_id: UUID, agency_id: str, cmd: ReferBeneficiary) -> None:
        """Store a new person's identity."""
        keys = dedup_keys(cmd)
        await conn.execute(
            f"""INSERT INTO {self.schema}.people (beneficiary_id, agency_id, nir, allocataire_key, name_key, identity)
                VALUES ($1, $2, $3, $4, $5, $6)""",
            beneficiary_id,
            agency_id,
            keys["nir"],
            keys["allocataire_key"],
            keys["name_key"],
            cmd.model_dump_json(),
        )

    async def agency_of(self, conn: asyncpg.Connection, beneficiary_id: UUID) -> str | None:
        """Agency currently following the person."""
        return await conn.fetchval(
            f"SELECT agency_id FROM {self.schema}.people WHERE beneficiary_id = $1", beneficiary_id
        )
