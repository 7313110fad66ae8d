"""The aggregate store on PostgreSQL: units of work on connections of the service's pool, grouped into shared
commits when they run concurrently."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from shared.eventstore import PostgresEventStore, Tracing
from shared.unit_of_work import AggregateStore, Projections, States, UnitOfWork


class PostgresAggregateStore(AggregateStore):
    """Units of work on the pool of a PostgreSQL event store."""

    def __init__(
        self, events: PostgresEventStore, projections: Projections | None = None, states: States | None = None
    ) -> None:
        super().__init__(events, projections, states)
        self.pool: asyncpg.Pool = events.pool

    @asynccontextmanager
    async def transaction(self, tracing: Tracing | None = None) -> AsyncIterator[UnitOfWork]:
        # Concurrent units of work of the process share a commit (shared/adapters/group_commit.py).
        # A unit's appends are written with its group's, just before the commit.
        async with self.events.group_commits.unit() as unit:
            yield UnitOfWork(
                self.events,
                unit.connection,
                projections=self.projections,
                tracing=tracing or Tracing.new(),
                appender=unit.append,
                defer=unit.defer,
            )

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.pool.acquire() as conn:
            yield conn
