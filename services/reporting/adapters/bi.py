"""Read models for BI tools in PostgreSQL: the fact rows, upserted as they change, under typed views."""

from __future__ import annotations

import json
import re

import asyncpg

from services.reporting.adapters.migrations import MIGRATIONS
from shared.migrations import pool_connector, upgrade

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class BiStore:
    """The `bi` schema: a `facts` table and documented views over it, readable by the BI tools' role."""

    def __init__(self, pool: asyncpg.Pool, schema: str, reader_role: str = "") -> None:
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"invalid schema name {schema!r}")
        if reader_role and not _SCHEMA_NAME.match(reader_role):
            raise ValueError(f"invalid role name {reader_role!r}")
        self.pool = pool
        self.schema = schema
        self.reader_role = reader_role

    async def migrate(self, database_url: str | None = None) -> None:
        """Bring the schema, the table and the views to the latest revision (versioned migrations under a lock)."""
        await upgrade(database_url or pool_connector(self.pool), self.schema, MIGRATIONS)
        if self.reader_role:
            # The BI tools' role reads the views (and nothing to write); reporting owns the schema.
            await self.pool.execute(
                f"GRANT USAGE ON SCHEMA {self.schema} TO {self.reader_role};"
                f" GRANT SELECT ON ALL TABLES IN SCHEMA {self.schema} TO {self.reader_role};"
                f" ALTER DEFAULT PRIVILEGES IN SCHEMA {self.schema} GRANT SELECT ON TABLES TO {self.reader_role}"
            )

    async def upsert(self, rows: dict[str, dict | None]) -> None:
        """Write changed rows (a None row is deleted)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await self._write(conn, rows)

    async def replace_all(self, rows: dict[str, dict]) -> None:
        """Make the table hold exactly `rows`, in one transaction (after a rebuild or a restart)."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(f"DELETE FROM {self.schema}.facts WHERE NOT (key = ANY($1::text[]))", list(rows))
            await self._write(conn, rows)

    async def _write(self, conn: asyncpg.Connection, rows: dict[str, dict | None]) -> None:
        present = {k: r for k, r in rows.items() if r is not None}
        if present:
            await conn.execute(
                f"""INSERT INTO {self.schema}.facts (key, kind, data)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
                    ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, data = excluded.data, updated_at = now()""",
                list(present),
                [r.get("kind", "") for r in present.values()],
                [json.dumps(r) for r in present.values()],
            )
        gone = [k for k, r in rows.items() if r is None]
        if gone:
            await conn.execute(f"DELETE FROM {self.schema}.facts WHERE key = ANY($1::text[])", gone)
