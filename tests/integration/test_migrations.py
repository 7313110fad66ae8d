"""Versioned migrations: replicas starting together, databases made by the former scripts, new revisions."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys

import asyncpg
import pytest

from services.accompaniment.adapters.migrations import MIGRATIONS as ACCOMPANIMENT
from services.intake.adapters.migrations import MIGRATIONS as INTAKE
from services.placement.adapters.migrations import MIGRATIONS as PLACEMENT
from services.reporting.adapters.facts_migrations import FACTS as REPORTING_FACTS
from services.reporting.adapters.migrations import MIGRATIONS as REPORTING
from shared.contracts.placement import EmployerRegistered, EmployerSize
from shared.eventstore import PostgresEventStore, Tracing
from shared.migrations import EVENTSTORE, Migrations, current, heads, upgrade
from tests.support import REPO, service_env

pytestmark = pytest.mark.integration

SERVICES = {"intake": INTAKE, "accompaniment": ACCOMPANIMENT, "placement": PLACEMENT}
# The last revision of each set that was a script of the former release, run at every start (revision 0001 of a set
# is that script verbatim; intake's 0002 is its second script).
FORMER = {"eventstore": "0001", "intake": "0002", "accompaniment": "0001", "placement": "0001", "reporting": "0001"}


def _head(migrations: Migrations) -> str:
    [head] = heads(migrations)
    return head


async def _as_the_former_scripts_left_it(pool: asyncpg.Pool, url: str, schema: str, *sets: Migrations) -> None:
    """The schema as the former scripts made it: their tables, and no record of any revision."""
    for migrations in sets:
        await upgrade(url, schema, migrations, to=FORMER[migrations.name])
        await pool.execute(f"DROP TABLE {schema}.{migrations.version_table}")


async def _tables(pool: asyncpg.Pool, schema: str) -> set[str]:
    rows = await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", schema)
    return {r["tablename"] for r in rows}


async def test_two_service_processes_migrating_an_empty_schema_together_both_succeed(infra, pool, run_id):
    env = service_env(infra, run_id)

    def migrate() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "services.accompaniment", "migrate"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    first, second = await asyncio.gather(asyncio.to_thread(migrate), asyncio.to_thread(migrate))
    for result in (first, second):
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"accompaniment at revision {_head(ACCOMPANIMENT)}" in result.stdout
        assert f"eventstore at revision {_head(EVENTSTORE)}" in result.stdout
    schema = f"{run_id}_accompaniment"
    assert {"events", "accompaniments", "parked_events", "alembic_version_accompaniment"} <= await _tables(pool, schema)


async def test_many_concurrent_migrators_of_every_service_schema_agree(infra, pool, run_id):
    for name, migrations in [*SERVICES.items(), ("bi", REPORTING), ("reporting", REPORTING_FACTS)]:
        schema = f"{run_id}_{name}"
        sets = (migrations,) if migrations in (REPORTING, REPORTING_FACTS) else (EVENTSTORE, migrations)
        results = await asyncio.gather(*(upgrade(infra.database_url, schema, *sets) for _ in range(4)))
        expected = {m.name: _head(m) for m in sets}
        assert results == [expected] * 4
        assert await current(infra.database_url, schema, *sets) == expected


# One reporting replica's start-up migration (fact tables, `bi` revisions, views, the BI role's grants).
_REPORTING_START = """
import asyncio, sys
import asyncpg
from services.reporting.adapters.bi import migrate

async def main(url, facts, bi):
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    try:
        await migrate(pool, facts, bi, ("emploi_durable",), "bi_reader")
    finally:
        await pool.close()

asyncio.run(main(*sys.argv[1:]))
"""


async def test_reporting_replicas_starting_together_make_their_views_and_grants_in_turn(infra, pool, run_id):
    """Four reporting processes migrating at once, twice over (an empty schema, then one at head), as the
    reporting role: none deadlocks, and the BI role reads the views."""
    facts, bi = f"{run_id}_reporting", f"{run_id}_bi"
    args = [sys.executable, "-c", _REPORTING_START, infra.database_url_of("reporting"), facts, bi]

    def start() -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=180)

    for _ in range(2):
        for result in await asyncio.gather(*(asyncio.to_thread(start) for _ in range(4))):
            assert result.returncode == 0, result.stderr[-3000:]
    readable = await pool.fetchval(
        "SELECT count(*) FROM information_schema.role_table_grants"
        " WHERE grantee = 'bi_reader' AND table_schema = $1 AND privilege_type = 'SELECT'",
        bi,
    )
    assert readable > 0


async def test_a_database_made_by_the_former_scripts_upgrades_cleanly_and_keeps_its_data(infra, pool, run_id):
    for name, migrations in SERVICES.items():
        schema = f"{run_id}_{name}"
        # As a platform of the former release left it: both scripts run, some events and read models written.
        await _as_the_former_scripts_left_it(pool, infra.database_url, schema, EVENTSTORE, migrations)
        await pool.execute(
            f"""INSERT INTO {schema}.events (position, event_id, stream_id, version, partition_key, type,
                    schema_version, dataschema, source, correlation_id, recorded_at, data)
                VALUES (nextval('{schema}.events_position_seq'), gen_random_uuid(), 'old-1', 1, 'k', 't', 1, 'urn:x',
                        '/ali/{name}', gen_random_uuid(), now(), '{{}}')"""
        )
        await pool.execute(f"INSERT INTO {schema}.relay_checkpoints (relay, position) VALUES ('kafka', 1)")
        assert await current(infra.database_url, schema, EVENTSTORE, migrations) == {
            "eventstore": None,
            migrations.name: None,
        }

        revisions = await upgrade(infra.database_url, schema, EVENTSTORE, migrations)

        assert revisions == {"eventstore": _head(EVENTSTORE), migrations.name: _head(migrations)}
        assert await pool.fetchval(f"SELECT count(*) FROM {schema}.events") == 1
        assert await pool.fetchval(f"SELECT position FROM {schema}.relay_checkpoints") == 1
        assert {"relay_parked", "parked_events"} <= await _tables(pool, schema)
        store = PostgresEventStore(pool, schema, source=f"/ali/{name}")
        employer = EmployerRegistered(
            employer_id="00000000-0000-0000-0000-000000000001",
            siret="73282932000074",
            name_ref="00000000-0000-0000-0000-000000000002",
            size=EmployerSize.TPE,
            sector="S",
            social_economy=False,
            siae=False,
            commune_code="93027",
        )
        [appended] = await store.append("new-1", 0, [employer], partition_key="k", tracing=Tracing.new())
        assert appended.position == 2, "the sequence of the former store goes on"
    bi = f"{run_id}_bi"
    await _as_the_former_scripts_left_it(pool, infra.database_url, bi, REPORTING)
    await pool.execute(f"INSERT INTO {bi}.facts (key, kind, data) VALUES ('k', 'beneficiary', '{{}}')")
    assert await upgrade(infra.database_url, bi, REPORTING) == {"reporting": _head(REPORTING)}
    # Revision 0002 drops the JSON copy of the facts: reporting's views read its typed fact tables instead.
    assert await pool.fetchval("SELECT to_regclass($1)", f"{bi}.facts") is None


async def test_a_new_revision_is_written_with_the_next_number_and_applied(infra, pool, run_id, tmp_path):
    directory = tmp_path / "placement"
    shutil.copytree(PLACEMENT.directory, directory, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "shared.migrations", "new", str(directory), "add employer website"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    head = int(_head(PLACEMENT))
    written = directory / "versions" / f"{head + 1:04d}_add_employer_website.py"
    assert str(written) in result.stdout
    text = written.read_text()
    assert f'down_revision = "{head:04d}"' in text.replace("'", '"')
    empty_upgrade = '    """,\n    downgrade="""'
    filled = "        ALTER TABLE {schema}.employers ADD COLUMN website text;\n" + empty_upgrade
    written.write_text(text.replace(empty_upgrade, filled, 1))
    schema = f"{run_id}_placement"
    trial = Migrations("placement", directory)
    assert await upgrade(infra.database_url, schema, EVENTSTORE, trial) == {
        "eventstore": _head(EVENTSTORE),
        "placement": f"{head + 1:04d}",
    }
    columns = await pool.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'employers'",
        schema,
    )
    assert "website" in {c["column_name"] for c in columns}
