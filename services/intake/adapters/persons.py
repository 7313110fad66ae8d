"""Intake's store of beneficiaries in PostgreSQL: the read model, the wrapped data keys and the blind indexes."""

from __future__ import annotations

from typing import Any

from services.intake.adapters import name_index
from services.intake.domain.dedup import DedupKind, IndexEntry
from services.intake.service_layer.ports import PersonRecord, PersonsRepository

_PERSON_COLUMNS = (
    "p.beneficiary_id, p.agency_id, p.commune_code, p.age_band, p.household_type, p.children, p.orientation_date,"
    " p.enrolled_on, p.referral_source, p.version, p.identity, k.wrapped_key, p.erased_on"
)


def _record(row: Any) -> PersonRecord:
    return PersonRecord(**dict(row))


class PostgresPersons(PersonsRepository):
    """The beneficiaries' store in intake's PostgreSQL schema."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def lock_dedup(self, conn):
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"ali-intake-dedup-{self.schema}")

    async def entries_matching(self, conn, keys):
        kinds, digests = [], []
        for kind, digest in keys:
            kinds.append(str(kind))
            digests.append(digest)
        if not kinds:
            return []
        rows = await conn.fetch(
            f"""SELECT e.kind, e.digest, e.beneficiary_id FROM {self.schema}.dedup_index e
                WHERE e.beneficiary_id IN (
                    SELECT i.beneficiary_id
                    FROM unnest($1::text[], $2::bytea[]) AS k(kind, digest)
                    JOIN {self.schema}.dedup_index i ON i.kind = k.kind AND i.digest = k.digest)""",
            kinds,
            digests,
        )
        return [IndexEntry(DedupKind(r["kind"]), r["digest"], r["beneficiary_id"]) for r in rows]

    async def agencies_of(self, conn, beneficiary_ids):
        ids = list(beneficiary_ids)
        if not ids:
            return {}
        rows = await conn.fetch(
            f"SELECT beneficiary_id, agency_id FROM {self.schema}.persons WHERE beneficiary_id = ANY($1::uuid[])", ids
        )
        return {r["beneficiary_id"]: r["agency_id"] for r in rows}

    async def versions_of(self, conn, beneficiary_ids):
        ids = list(beneficiary_ids)
        if not ids:
            return {}
        rows = await conn.fetch(
            f"SELECT beneficiary_id, version FROM {self.schema}.persons WHERE beneficiary_id = ANY($1::uuid[])", ids
        )
        return {r["beneficiary_id"]: r["version"] for r in rows}

    async def catch_up_index(self, conn, vault, indexer):
        await name_index.catch_up(conn, self.schema, vault, indexer)

    async def set_version(self, conn, beneficiary_id, version):
        await conn.execute(
            f"UPDATE {self.schema}.persons SET version = $2 WHERE beneficiary_id = $1", beneficiary_id, version
        )

    async def record_return(self, conn, record):
        await conn.execute(
            f"""UPDATE {self.schema}.persons SET agency_id = $2, commune_code = $3, age_band = $4,
                       household_type = $5, children = $6, orientation_date = $7, enrolled_on = $8,
                       referral_source = $9, version = $10, identity = $11
                WHERE beneficiary_id = $1""",
            record.beneficiary_id,
            record.agency_id,
            record.commune_code,
            record.age_band,
            record.household_type,
            record.children,
            record.orientation_date,
            record.enrolled_on,
            record.referral_source,
            record.version,
            record.identity,
        )

    async def add(self, conn, records, entries):
        if not records:
            return
        s = self.schema
        await conn.execute(
            f"""INSERT INTO {s}.persons (beneficiary_id, agency_id, commune_code, age_band, household_type, children,
                                         orientation_date, enrolled_on, referral_source, identity, version,
                                         name_index_version)
                SELECT *, {name_index.CURRENT} FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[],
                                     $5::text[], $6::int[], $7::date[], $8::date[], $9::text[], $10::bytea[],
                                     $11::int[])""",
            [r.beneficiary_id for r in records],
            [r.agency_id for r in records],
            [r.commune_code for r in records],
            [r.age_band for r in records],
            [r.household_type for r in records],
            [r.children for r in records],
            [r.orientation_date for r in records],
            [r.enrolled_on for r in records],
            [r.referral_source for r in records],
            [r.identity for r in records],
            [r.version for r in records],
        )
        await conn.execute(
            f"""INSERT INTO {s}.person_keys (beneficiary_id, wrapped_key)
                SELECT * FROM unnest($1::uuid[], $2::bytea[])""",
            [r.beneficiary_id for r in records],
            [r.wrapped_key for r in records],
        )
        await conn.execute(
            f"""INSERT INTO {s}.dedup_index (kind, digest, beneficiary_id)
                SELECT * FROM unnest($1::text[], $2::bytea[], $3::uuid[])""",
            [str(e.kind) for e in entries],
            [e.digest for e in entries],
            [e.beneficiary_id for e in entries],
        )

    async def get(self, conn, beneficiary_id):
        row = await conn.fetchrow(
            f"""SELECT {_PERSON_COLUMNS} FROM {self.schema}.persons p
                LEFT JOIN {self.schema}.person_keys k USING (beneficiary_id) WHERE p.beneficiary_id = $1""",
            beneficiary_id,
        )
        return _record(row) if row is not None else None

    async def list(self, conn, agency_id, limit, offset):
        rows = await conn.fetch(
            f"""SELECT {_PERSON_COLUMNS} FROM {self.schema}.persons p
                LEFT JOIN {self.schema}.person_keys k USING (beneficiary_id)
                WHERE $1::text IS NULL OR p.agency_id = $1
                ORDER BY p.enrolled_on DESC, p.beneficiary_id LIMIT $2 OFFSET $3""",
            agency_id,
            limit,
            offset,
        )
        return [_record(r) for r in rows]

    async def record_transfer(self, conn, beneficiary_id, agency_id, commune_code, identity, version):
        await conn.execute(
            f"""UPDATE {self.schema}.persons SET agency_id = $2, commune_code = $3, identity = $4, version = $5
                WHERE beneficiary_id = $1""",
            beneficiary_id,
            agency_id,
            commune_code,
            identity,
            version,
        )

    async def erase(self, conn, beneficiary_id, erased_on, version):
        s = self.schema
        await conn.execute(f"DELETE FROM {s}.person_keys WHERE beneficiary_id = $1", beneficiary_id)
        await conn.execute(f"DELETE FROM {s}.dedup_index WHERE beneficiary_id = $1", beneficiary_id)
        await conn.execute(
            f"UPDATE {s}.persons SET identity = NULL, erased_on = $2, version = $3 WHERE beneficiary_id = $1",
            beneficiary_id,
            erased_on,
            version,
        )
