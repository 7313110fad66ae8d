from __future__ import annotations

import asyncpg
import pytest

from shared.eventstore import PostgresEventStore
from shared.settings import PlatformSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(infra):
    """A connection pool on the real PostgreSQL, as the superuser (the tests' own schemas and checks)."""
    pool = await asyncpg.create_pool(infra.database_url, min_size=1, max_size=12)
    yield pool
    await pool.close()


@pytest.fixture
async def intake_pool(infra):
    """A connection pool with intake's role, to prepare what the intake service then works on."""
    pool = await asyncpg.create_pool(infra.database_url_of("intake"), min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def store(pool, run_id):
    """An event store in a schema of its own."""
    store = PostgresEventStore(pool, f"{run_id}_store", source="/ali/test")
    await store.migrate()
    return store


@pytest.fixture
def settings(infra, run_id) -> PlatformSettings:
    """The admin principal and the superuser on the real infrastructure, with topics of this run only."""
    return infra.settings("admin", topic_suffix=run_id)
