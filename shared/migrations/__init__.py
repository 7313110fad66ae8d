"""Versioned schema migrations (Alembic), run under a lock at start-up, for one PostgreSQL schema at a time.

Every service keeps its tables in a schema of its own whose name is a setting (tests use `{run_id}_intake`), so the
schema is a parameter of every migration: a revision is a module of an Alembic script directory whose
`upgrade(schema)` (and `downgrade(schema)`) receive it, and `execute(schema, sql)` runs SQL written with a `{schema}`
placeholder.

A schema holds one or more *migration sets* (`Migrations`): the event store's tables (`EVENTSTORE`, shared by every
service) and the service's own read models. Each set has its own version table in the schema
(`alembic_version_<set>`), so the sets evolve independently.

`upgrade(connect, schema, *sets)` brings the schema to the head of every set in ONE transaction that first takes a
transaction-scoped advisory lock named after the schema: replicas starting together on an empty database queue on the
lock; the first creates everything and commits, the next ones find the version tables at head and do nothing.

Databases made before versioned migrations (tables created by the former `*.sql` scripts run at every start): each
set's first revision (`0001`) is exactly the former script, idempotent (`IF NOT EXISTS`), so on such a database it
changes nothing, and Alembic records the schema at `0001`; later revisions then apply as on a new database.

A revision is SQL alone: its module names `revision` and `down_revision` and builds `upgrade, downgrade` with
`sql_revision(...)`. Adding one: `python -m shared.migrations new <set directory> "what changes"` writes
`versions/NNNN_what_changes.py` with the next number; fill in its SQL. Never edit an applied revision.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import structlog

log = structlog.get_logger(__name__)
# Alembic narrates every step at INFO; the outcome is logged once below (`migrations.at_head`).
logging.getLogger("alembic").setLevel(logging.WARNING)

SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
Connect = Callable[[], Awaitable[asyncpg.Connection]]


@dataclass(frozen=True)
class Migrations:
    """One migration set: an Alembic script directory (env.py, script.py.mako, versions/) and its version table."""

    name: str
    directory: Path

    @property
    def version_table(self) -> str:
        """Table of the schema recording this set's revision."""
        return f"alembic_version_{self.name}"


EVENTSTORE = Migrations("eventstore", Path(__file__).parent / "eventstore")
# Sets the services share: the audit trail (every service), free text encrypted per owner (accompaniment, placement).
AUDIT = Migrations("audit", Path(__file__).parent / "audit")
PRIVATE_TEXTS = Migrations("private_texts", Path(__file__).parent / "private_texts")


def check_schema(schema: str) -> str:
    """The schema name, if it is a plain lower-case identifier (it is interpolated into SQL)."""
    if not SCHEMA_NAME.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    return schema


def statements(sql: str) -> list[str]:
    """The statements of a script, split at a `;` that ends a line (the driver prepares one statement at a time)."""
    parts = re.split(r";[ \t]*(?:--[^\n]*)?\n", sql + "\n")
    cleaned = ("\n".join(line for line in p.splitlines() if not line.strip().startswith("--")).strip() for p in parts)
    return [s for s in cleaned if s]


class Block(str):
    """SQL run as one statement although lines of its body end with `;` (a function, a `DO` block)."""


def execute(schema: str, sql: str) -> None:
    """Inside a revision: run `sql`, with `{schema}` replaced by the schema being migrated.

    The script is split into statements at each `;` ending a line, unless it is a `Block`.
    """
    from alembic import op
    from sqlalchemy import text

    whole = isinstance(sql, Block)
    sql = sql.replace("{schema}", check_schema(schema))
    for statement in [sql] if whole else statements(sql):
        op.execute(text(statement))


Step = Callable[[str], None]


IRREVERSIBLE = "this revision cannot be downgraded; drop the schema instead"


def sql_revision(*scripts: str, downgrade: str | None = None, irreversible: str = IRREVERSIBLE) -> tuple[Step, Step]:
    """A revision's `upgrade(schema)` and `downgrade(schema)`: run `scripts` in turn, or undo them with `downgrade`.

    Without `downgrade` the revision is irreversible and its downgrade raises, saying `irreversible` (what to do).
    """

    def up(schema: str) -> None:
        for sql in scripts:
            execute(schema, sql)

    def down(schema: str) -> None:
        if downgrade is None:
            raise NotImplementedError(irreversible)
        execute(schema, downgrade)

    return up, down


def run_alembic_env() -> None:
    """Body of every set's env.py: run the revisions on the connection and schema `upgrade` passed in."""
    from alembic import context

    config = context.config
    schema = config.attributes["schema"]
    context.configure(
        connection=config.attributes["connection"],
        version_table=config.attributes["version_table"],
        version_table_schema=schema,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations(schema=schema)


def _config(migrations: Migrations, schema: str, connection=None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations.directory))
    config.attributes.update(schema=schema, version_table=migrations.version_table, connection=connection)
    return config


def connector(dsn: str) -> Connect:
    """How to open a connection to the database at `dsn` (a `postgresql://` URL)."""

    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(dsn)

    return connect


def pool_connector(pool: asyncpg.Pool) -> Connect:
    """How to open a connection with the same arguments as `pool` (not one of its connections)."""
    args, kwargs = pool._connect_args, pool._connect_kwargs  # noqa: SLF001 - asyncpg has a setter, no getter

    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(*args, **kwargs)

    return connect


async def upgrade(connect: Connect | str, schema: str, *sets: Migrations, to: str = "head") -> dict[str, str | None]:
    """Bring `schema` to the head of every set (or to revision `to`), in one transaction under the schema's lock.

    Returns each set's revision after the upgrade.
    """
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    check_schema(schema)
    if isinstance(connect, str):
        connect = connector(connect)
    engine = create_async_engine("postgresql+asyncpg://", async_creator=connect, poolclass=NullPool)

    def run(connection) -> dict[str, str | None]:
        from alembic import command
        from alembic.runtime.migration import MigrationContext

        # Held until commit: a second process starting now waits here, then finds every set at head.
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"ali-migrate-{schema}"})
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        heads: dict[str, str | None] = {}
        for migrations in sets:
            command.upgrade(_config(migrations, schema, connection), to)
            context = MigrationContext.configure(
                connection, opts={"version_table": migrations.version_table, "version_table_schema": schema}
            )
            heads[migrations.name] = context.get_current_revision()
        return heads

    try:
        async with engine.begin() as connection:
            heads = await connection.run_sync(run)
    finally:
        await engine.dispose()
    log.info("migrations.at_head", schema=schema, revisions=heads)
    return heads


async def current(connect: Connect | str, schema: str, *sets: Migrations) -> dict[str, str | None]:
    """Each set's revision in `schema` (None where never migrated)."""
    if isinstance(connect, str):
        connect = connector(connect)
    conn = await connect()
    try:
        revisions: dict[str, str | None] = {}
        for migrations in sets:
            exists = await conn.fetchval("SELECT to_regclass($1)", f"{check_schema(schema)}.{migrations.version_table}")
            revisions[migrations.name] = (
                await conn.fetchval(f"SELECT version_num FROM {schema}.{migrations.version_table}") if exists else None
            )
        return revisions
    finally:
        await conn.close()


def heads(migrations: Migrations) -> list[str]:
    """Head revision(s) of a set, from its script directory."""
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(_config(migrations, "unused")).get_heads())


def new_revision(directory: Path, message: str) -> Path:
    """Write the next numbered revision of the set in `directory`; returns its file."""
    from alembic import command

    versions = directory / "versions"
    numbers = [int(m.group(1)) for f in versions.glob("*.py") if (m := re.match(r"^(\d{4})_", f.name))]
    rev_id = f"{max(numbers, default=0) + 1:04d}"
    config = _config(Migrations(directory.name, directory), "unused")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    script = command.revision(config, message=message, rev_id=rev_id)
    return Path(script.path)  # type: ignore[union-attr]
