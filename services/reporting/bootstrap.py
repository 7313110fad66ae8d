"""Wires reporting: the faust app started in FastAPI's lifespan, the BI read models, the HTTP API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg
import structlog
from fastapi import FastAPI

from services.reporting.adapters.bi import BiStore
from services.reporting.adapters.faust_app import CONTEXTS, ReportingStreams
from services.reporting.entrypoints import api, dashboard
from services.reporting.settings import ReportingSettings
from shared.http import service_app
from shared.kafka import ensure_topics
from shared.service import postgres_check

log = structlog.get_logger(__name__)


@dataclass
class ReportingRuntime:
    """Reporting's run-time objects, started and stopped with the HTTP application."""

    settings: ReportingSettings
    streams: ReportingStreams | None = None
    pool: asyncpg.Pool | None = None
    bi: BiStore | None = None
    bi_synced: bool = False
    _memo: dict = field(default_factory=dict, repr=False)
    _flusher: asyncio.Task | None = field(default=None, repr=False)

    async def start(self, *, relay: bool = True, consumers: bool = True) -> None:
        """Create topics, connect to PostgreSQL, start the faust app and the BI flusher."""
        s = self.settings
        await ensure_topics(s, [s.topic(f"{c}.events") for c in CONTEXTS] + [s.topic("reporting.dlq")])
        self.pool = await asyncpg.create_pool(s.database_url, min_size=1, max_size=4)
        self.bi = BiStore(self.pool, s.reporting_bi_schema, s.reporting_bi_reader_role)
        await self.bi.migrate()
        # Built here, on the running loop, so faust binds to uvicorn's loop.
        self.streams = ReportingStreams(s)
        if consumers:
            await self.streams.app.start()
            self._flusher = asyncio.create_task(self._flush_forever(), name="bi-flusher")

    async def _flush_forever(self) -> None:
        while True:
            try:
                if not self.bi_synced and self.streams.recovered():
                    # After a restart the table is whole again: make the read models match it exactly.
                    self.streams.take_dirty()
                    await self.bi.replace_all({k: r for k, r in self.streams.facts.items() if r})
                    self.bi_synced = True
                elif self.bi_synced and self.streams.dirty:
                    await self.bi.upsert(self.streams.take_dirty())
            except (OSError, asyncpg.PostgresError) as e:
                log.error("bi.flush_failed", error=str(e))
                self.bi_synced = False
            await asyncio.sleep(self.settings.reporting_bi_flush_seconds)

    def memo(self, key: tuple, compute: Callable[[], dict]) -> dict:
        """`compute()`, or its last result while the projection has not changed since."""
        version = self.streams.changes
        cached = self._memo.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        value = compute()
        if len(self._memo) > 512:
            self._memo.clear()
        self._memo[key] = (version, value)
        return value

    async def stop(self) -> None:
        """Stop the flusher (after a last flush), the faust app, and close the pool."""
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            if self.bi_synced and self.streams.dirty:
                await self.bi.upsert(self.streams.take_dirty())
        if self.streams is not None and self.streams.app.started:
            await self.streams.app.stop()
        if self.pool is not None:
            await self.pool.close()

    async def readiness(self) -> dict:
        """PostgreSQL, Kafka, the projection agents and the BI read models."""
        checks: dict[str, dict] = {"postgres": await postgres_check(self.pool)}
        streams = self.streams
        consumer = streams.app.consumer if streams and streams.app.started else None
        checks["kafka"] = {"ok": consumer is not None and bool(consumer.assignment())}
        checks["projection"] = {
            "ok": bool(streams and streams.agents_alive() and streams.recovered()),
            "events_processed": streams.processed if streams else 0,
            "dead_lettered": streams.dead_lettered if streams else 0,
        }
        checks["bi-read-models"] = {"ok": self.bi_synced, "pending_rows": len(streams.dirty) if streams else 0}
        return checks


def build_app(settings: ReportingSettings | None = None, *, start_workers: bool | None = None) -> FastAPI:
    """Reporting's HTTP application."""
    settings = settings or ReportingSettings()
    app = service_app(
        title="ALI reporting",
        description="Outcome indicators of the ALIs, projected from the event streams; dashboard and BI read models.",
        runtime=ReportingRuntime(settings),
        routers=[api.router, dashboard.router],
        start_workers=settings.run_workers if start_workers is None else start_workers,
    )
    app.state.settings = settings
    return app
