"""Wires reporting: the faust app started in FastAPI's lifespan, a PostgreSQL pool, the HTTP API."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import asyncpg
from fastapi import FastAPI

from services.reporting.adapters.faust_app import ReportingStreams
from services.reporting.entrypoints import api
from services.reporting.settings import ReportingSettings
from shared.http import service_app
from shared.kafka import ensure_topics


@dataclass
class ReportingRuntime:
    """Reporting's run-time objects, started and stopped with the HTTP application."""

    settings: ReportingSettings
    streams: ReportingStreams | None = None
    pool: asyncpg.Pool | None = None
    started: dict = field(default_factory=dict)

    async def start(self, *, relay: bool = True, consumers: bool = True) -> None:
        """Create topics, connect to PostgreSQL and start the faust app."""
        s = self.settings
        await ensure_topics(s, [s.topic("accompaniment.events"), s.topic("reporting.dlq")])
        self.pool = await asyncpg.create_pool(s.database_url, min_size=1, max_size=4)
        # Built here, on the running loop, so faust binds to uvicorn's loop.
        self.streams = ReportingStreams(s)
        if consumers:
            await self.streams.app.start()

    async def stop(self) -> None:
        """Stop the faust app and close the pool."""
        if self.streams is not None and self.streams.app.started:
            await self.streams.app.stop()
        if self.pool is not None:
            await self.pool.close()

    async def readiness(self) -> dict:
        """PostgreSQL, Kafka and the projection agent."""
        checks: dict[str, dict] = {}
        try:
            await asyncio.wait_for(self.pool.fetchval("SELECT 1"), timeout=2)
            checks["postgres"] = {"ok": True}
        except (OSError, asyncpg.PostgresError, TimeoutError) as e:
            checks["postgres"] = {"ok": False, "error": str(e) or type(e).__name__}
        consumer = self.streams.app.consumer if self.streams and self.streams.app.started else None
        checks["kafka"] = {"ok": consumer is not None and bool(consumer.assignment())}
        checks["projection-agent"] = {
            "ok": bool(self.streams and self.streams.agent_alive()),
            "events_processed": self.streams.processed if self.streams else 0,
            "dead_lettered": self.streams.dead_lettered if self.streams else 0,
        }
        return checks


def build_app(settings: ReportingSettings | None = None, *, start_workers: bool | None = None) -> FastAPI:
    """Reporting's HTTP application."""
    settings = settings or ReportingSettings()
    app = service_app(
        title="ALI reporting",
        description="Outcome indicators of the ALIs, projected from the event streams.",
        runtime=ReportingRuntime(settings),
        routers=[api.router],
        start_workers=settings.run_workers if start_workers is None else start_workers,
    )
    app.state.settings = settings
    return app
