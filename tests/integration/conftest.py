from __future__ import annotations

import asyncpg
import pytest

from shared.eventstore import PostgresEventStore
from shared.settings import PlatformSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(infra):
    """A connection pool on the real PostgreSQL."""
    pool = await asyncpg.create_pool(infra.database_url, min_size=1, max_size=12)
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
    """Settings pointing at the real infrastructure, with topics of this run only."""
    return PlatformSettings(
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        database_url=infra.database_url,
        topic_prefix=f"{run_id}.",
    )
