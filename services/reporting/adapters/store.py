"""Reporting's facts in PostgreSQL: the schema, whole loads, changes since a generation, batch writes.

Every batch transaction starts by moving `projection_state.generation` (`UPDATE ... RETURNING`): the row lock
serialises batch transactions across workers, so generations follow commit order and a reader that has seen
generation G has seen every fact written at G or before. Facts are stamped with the generation that wrote
them; a replica catches up by reading the facts stamped after the generation it holds.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.reporting.adapters.fact_tables import MAPPING_OF, MAPPINGS, OFFSETS, STREAM_VERSIONS, TABLES, Mapping_
from services.reporting.domain.facts import Fact

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class State:
    """Where the stored facts stand."""

    store_id: str  # changes when the tables are emptied for a new projection version
    projection_version: int
    generation: int
    caught_up: bool


@dataclass
class Changes:
    """Facts stamped after a generation, and the stream versions that came with them."""

    facts: dict[type, dict[str, Fact]]
    versions: dict[str, int]

    def __len__(self) -> int:
        return sum(len(f) for f in self.facts.values()) + len(self.versions)


class ProjectionSuperseded(Exception):  # noqa: N818 - a state, named as such
    """The stored facts belong to a newer projection version than this code: it must not write them."""


class FactStore:
    """The facts' tables in one schema."""

    def __init__(self, schema: str) -> None:
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"invalid schema name {schema!r}")
        self.schema = schema
        self.channel = f"{schema}_changed"
        self._upserts = {t.name: t.upsert(schema) for m in MAPPINGS for t in (m.table, *(h for h, _ in m.history))}

    async def prepare(self, conn: asyncpg.Connection, projection_version: int) -> None:
        """The projection's state row; a newer projection version empties the facts, to be folded again.

        The tables themselves come from the versioned migrations (`adapters/facts_migrations`).
        """
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"ali-migrate-{self.schema}")
            stored = await conn.fetchval(f"SELECT projection_version FROM {self.schema}.projection_state")
            if stored is None:
                await conn.execute(
                    f"""INSERT INTO {self.schema}.projection_state (store_id, projection_version)
                        VALUES (gen_random_uuid(), $1)""",
                    projection_version,
                )
            elif stored < projection_version:
                tables = ", ".join(f"{self.schema}.{t.name}" for t in TABLES)
                await conn.execute(f"TRUNCATE {tables}")
                await conn.execute(
                    f"""UPDATE {self.schema}.projection_state SET projection_version = $1,
                        store_id = gen_random_uuid(), generation = generation + 1, caught_up_at = NULL""",
                    projection_version,
                )
            elif stored > projection_version:
                raise ProjectionSuperseded(
                    f"the facts in {self.schema} are of projection version {stored}, newer than this code's "
                    f"{projection_version}"
                )

    async def state(self, conn: asyncpg.Connection) -> State:
        """The stored generation."""
        row = await conn.fetchrow(
            f"""SELECT store_id, projection_version, generation, caught_up_at IS NOT NULL AS caught_up
                FROM {self.schema}.projection_state"""
        )
        return _state(row)

    async def next_generation(self, conn: asyncpg.Connection) -> State:
        """Open a batch: the next generation, holding the state row until commit (batches are serialised)."""
        row = await conn.fetchrow(
            f"""UPDATE {self.schema}.projection_state SET generation = generation + 1
                RETURNING store_id, projection_version, generation, caught_up_at IS NOT NULL AS caught_up"""
        )
        return _state(row)

    async def mark_caught_up(self, conn: asyncpg.Connection) -> None:
        """Record that the facts once caught up with the topics (from then on they are answered after a restart)."""
        await conn.execute(f"UPDATE {self.schema}.projection_state SET caught_up_at = now() WHERE caught_up_at IS NULL")

    async def load(self, conn: asyncpg.Connection, after: int | None = None) -> Changes:
        """Every fact (`after` None) or those stamped after generation `after`, with their stream versions."""
        return build(await self.fetch(conn, after))

    async def fetch(self, conn: asyncpg.Connection, after: int | None = None) -> Rows:
        """The rows of `load`, not yet made into facts (that can happen in another thread: `build`)."""
        kinds = {}
        for m in MAPPINGS:
            kinds[m.kind] = await self._fetch_kind(conn, m, after)
        where, args = ("", []) if after is None else (" WHERE generation > $1", [after])
        versions = await conn.fetch(f"SELECT stream_id, version FROM {self.schema}.stream_versions{where}", *args)
        return Rows(kinds, versions)

    async def _fetch_kind(self, conn: asyncpg.Connection, m: Mapping_, after: int | None) -> tuple[list, list]:
        table = f"{self.schema}.{m.table.name}"
        if after is None:
            rows = await conn.fetch(f"SELECT * FROM {table}")
        else:
            rows = await conn.fetch(f"SELECT * FROM {table} WHERE generation > $1", after)
        history = []
        if rows:
            ids = [r[m.id_column] for r in rows]
            for child, owner in m.history:
                if after is None:
                    child_rows = await conn.fetch(f"SELECT * FROM {self.schema}.{child.name}")
                else:
                    child_rows = await conn.fetch(
                        f"SELECT * FROM {self.schema}.{child.name} WHERE {owner} = ANY($1::uuid[])", ids
                    )
                history.append((child.name, owner, child_rows))
        return rows, history

    async def write(
        self,
        conn: asyncpg.Connection,
        facts: Mapping[type, Mapping[str, Fact]],
        versions: Mapping[str, int],
        offsets: Mapping[tuple[str, int], int],
        generation: int,
        notify: bool = True,
    ) -> None:
        """Write changed facts whole, stamped with `generation`, with the stream versions and the next offsets."""
        rows: dict[str, list[tuple]] = defaultdict(list)
        for kind, changed in facts.items():
            m = MAPPING_OF[kind]
            for fact in changed.values():
                row, history = m.to_rows(fact)
                rows[m.table.name].append((*row, generation))
                for name, child_rows in history.items():
                    rows[name].extend(child_rows)
        for name, table_rows in rows.items():
            if table_rows:
                await conn.execute(self._upserts[name], *(list(c) for c in zip(*table_rows, strict=True)))
        if versions:
            await conn.execute(
                f"""INSERT INTO {self.schema}.{STREAM_VERSIONS.name} (stream_id, version, generation)
                    SELECT s, v, $3 FROM unnest($1::text[], $2::int[]) AS t(s, v)
                    ON CONFLICT (stream_id) DO UPDATE
                    SET version = GREATEST({STREAM_VERSIONS.name}.version, excluded.version),
                        generation = excluded.generation""",
                list(versions),
                list(versions.values()),
                generation,
            )
        if offsets:
            await conn.execute(
                f"""INSERT INTO {self.schema}.{OFFSETS.name} (topic, partition, next_offset)
                    SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[])
                    ON CONFLICT (topic, partition) DO UPDATE
                    SET next_offset = GREATEST({OFFSETS.name}.next_offset, excluded.next_offset)""",
                [t for t, _ in offsets],
                [p for _, p in offsets],
                list(offsets.values()),
            )
        if notify:
            await conn.execute("SELECT pg_notify($1, $2)", self.channel, str(generation))

    async def offsets(self, conn: asyncpg.Connection) -> dict[tuple[str, int], int]:
        """Next offset to read of every partition read so far."""
        rows = await conn.fetch(f"SELECT topic, partition, next_offset FROM {self.schema}.{OFFSETS.name}")
        return {(r["topic"], r["partition"]): r["next_offset"] for r in rows}


@dataclass
class Rows:
    """Rows read for `load`: by kind, the facts' rows and their history's (table, owner column, rows)."""

    kinds: dict[type, tuple[list, list]]
    versions: list


def build(rows: Rows) -> Changes:
    """Facts from their rows."""
    facts: dict[type, dict[str, Fact]] = {}
    for m in MAPPINGS:
        fact_rows, history_rows = rows.kinds[m.kind]
        history: dict[str, dict[str, list[Mapping[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        for name, owner, child_rows in history_rows:
            for c in child_rows:
                history[str(c[owner])][name].append(c)
        empty: dict[str, list] = {}
        facts[m.kind] = {
            str(r[m.id_column]): m.from_rows(r, history.get(str(r[m.id_column]), empty)) for r in fact_rows
        }
    return Changes(facts, {r["stream_id"]: r["version"] for r in rows.versions})


def _state(row) -> State:
    return State(str(row["store_id"]), row["projection_version"], row["generation"], row["caught_up"])
