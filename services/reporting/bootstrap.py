"""Wires reporting: the shared fact store, this replica's mirror of it, the projection worker, the HTTP API.

Start-up returns at once so the API answers from the first second: 503 `recovering` while the facts load
(seconds) or, for a new projection, until they first caught up with the topics.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.reporting.adapters.bi import migrate
from services.reporting.adapters.consumer import DeadLetters, ProjectionConsumer, source_topics
from services.reporting.adapters.follower import Follower
from services.reporting.adapters.lag import LagMonitor
from services.reporting.adapters.store import FactStore
from services.reporting.entrypoints import api, dashboard
from services.reporting.service_layer.figures import FigureCache
from services.reporting.service_layer.mirror import Mirror
from services.reporting.service_layer.projector import Projector
from services.reporting.settings import ReportingSettings
from shared import audit
from shared.errors import PlatformError
from shared.http import service_app
from shared.kafka import ensure_topics, make_producer
from shared.migrations import AUDIT, upgrade
from shared.runtime import Supervisor
from shared.service import postgres_check

log = structlog.get_logger(__name__)

RETRY_AFTER_SECONDS = 2


class ProjectionRecovering(PlatformError):
    """The facts are loading, or being built from the topics: figures would be partial."""


@dataclass
class ReportingRuntime:
    """Reporting's run-time objects, started and stopped with the HTTP application."""

    settings: ReportingSettings
    pool: asyncpg.Pool | None = None
    store: FactStore | None = None
    mirror: Mirror | None = None
    follower: Follower | None = None
    figures: FigureCache | None = None
    lag: LagMonitor | None = None
    worker: ProjectionConsumer | None = None
    projector: Projector | None = None
    audit: audit.AuditTrail | None = None
    supervisor: Supervisor = field(default_factory=Supervisor)
    started_at: float = field(default_factory=time.monotonic)
    recovered_in: float | None = None
    _producer: object | None = None
    _letters: DeadLetters | None = None
    _start: asyncio.Task | None = None

    async def start(self, *, relay: bool = True, consumers: bool = True) -> None:
        """Connect and migrate, then load the facts and start the workers in the background."""
        s = self.settings
        self.started_at = time.monotonic()
        self.store = FactStore(s.reporting_db_schema)
        self.mirror = Mirror(self.store)
        self.figures = FigureCache(self.mirror, s.reporting_refresh_seconds)
        self.pool = await asyncpg.create_pool(s.database_url, min_size=2, max_size=6)
        self.follower = Follower(
            self.mirror,
            self.pool,
            sync_seconds=s.reporting_sync_seconds,
            idle_after=s.reporting_idle_after_seconds,
            idle_sync_seconds=s.reporting_idle_sync_seconds,
        )
        await migrate(
            self.pool, s.reporting_db_schema, s.reporting_bi_schema, s.positive_exit_groups, s.reporting_bi_reader_role
        )
        await upgrade(s.database_url, s.reporting_db_schema, AUDIT)
        self.audit = audit.PostgresAuditTrail(self.pool, s.reporting_db_schema)
        async with self.pool.acquire() as conn:
            await self.store.prepare(conn, s.reporting_projection_version)
        self._start = asyncio.create_task(self._recover(consumers), name="reporting-recovery")

    async def _recover(self, consumers: bool) -> None:
        s = self.settings
        if s.fault_reporting_recovery_delay_seconds:
            # Fault injection for the restart test: a load that takes this long.
            await asyncio.sleep(s.fault_reporting_recovery_delay_seconds)
        while True:
            try:
                async with self.pool.acquire() as conn:
                    await self.mirror.load(conn)
                break
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as e:
                log.warning("reporting.load_failed", error=str(e))
                await asyncio.sleep(1)
        self.recovered_in = time.monotonic() - self.started_at
        log.info("reporting.recovered", seconds=round(self.recovered_in, 2), generation=self.mirror.generation)
        # Kafka may be away: these workers retry (with backoff) until it answers; the API answers meanwhile.
        self.lag = LagMonitor(s, self.store, self.pool, self.mirror)
        self.supervisor.start("lag-monitor", self.lag.run)
        self.supervisor.start("facts-sync", self.follower.run)
        if consumers:
            self._letters = DeadLetters(None, s.topic("reporting.dlq"))
            self.projector = Projector(
                self.store, self.mirror, self.pool, s.reporting_projection_version, self._letters
            )
            self.worker = ProjectionConsumer(s, self.projector, self.store, self.pool)
            self.supervisor.start("projection-worker", self._project)

    async def _project(self, stop: asyncio.Event) -> None:
        """The projection worker: topics, the dead-letter producer, then the consumer (retried until Kafka answers)."""
        s = self.settings
        await ensure_topics(s, [*source_topics(s), s.topic("reporting.dlq")])
        if self._producer is None:
            producer = make_producer(s)
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = self._letters.producer = producer
        await self.worker.run(stop)

    async def readable(self) -> None:
        """Before the figures are read: refused (503) until the facts are whole, then caught up with the store if
        nobody read them for a while (`Follower.reading`)."""
        self.require_ready()
        await self.follower.reading()

    def require_ready(self) -> None:
        """Refuse (503) until the facts are whole: loaded, and caught up with the topics once."""
        mirror = self.mirror
        if mirror is None or not mirror.loaded:
            raise ProjectionRecovering("the indicators are recovering: loading the facts")
        if not mirror.caught_up:
            lag = self.lag.lag if self.lag else None
            behind = f" ({lag} events to go)" if lag is not None else ""
            raise ProjectionRecovering(f"the indicators are recovering: building them from the topics{behind}")

    def status(self) -> dict:
        """Where the projection stands (the dashboard shows `recovering`)."""
        mirror = self.mirror
        try:
            self.require_ready()
            state = "ready"
        except ProjectionRecovering:
            state = "recovering"
        return {
            "state": state,
            "generation": mirror.generation if mirror else None,
            "facts_loaded": bool(mirror and mirror.loaded),
            "caught_up": bool(mirror and mirror.caught_up),
            "lag": self.lag.lag if self.lag else None,
            "recovered_in_seconds": round(self.recovered_in, 3) if self.recovered_in is not None else None,
        }

    async def stop(self) -> None:
        """Stop the workers, then the clients."""
        if self._start is not None and not self._start.done():
            self._start.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._start
        await self.supervisor.shutdown()
        if self._producer is not None:
            await self._producer.stop()
        if self.figures is not None:
            self.figures.close()
        if self.pool is not None:
            await self.pool.close()

    async def readiness(self) -> dict:
        """PostgreSQL, Kafka, the facts and their lag behind the topics, the workers."""
        checks: dict[str, dict] = {"postgres": await postgres_check(self.pool)}
        lag = self.lag
        fresh = lag is not None and lag.checked_at is not None and time.monotonic() - lag.checked_at < 10
        checks["kafka"] = {"ok": bool(lag and lag.kafka_ok), "error": lag.kafka_error if lag else "starting"}
        behind = lag.lag if lag else None
        checks["lag"] = {
            "ok": fresh and behind is not None and behind <= self.settings.reporting_max_lag,
            "events_behind": behind,
            "max": self.settings.reporting_max_lag,
        }
        status = self.status()
        checks["projection"] = status | {"ok": status["state"] == "ready"}
        if self.worker is not None:
            p = self.projector
            checks["projection"].update(
                partitions=len(self.worker.assignment),
                applied=p.applied,
                skipped=p.skipped,
                dead_lettered=p.dead_lettered,
                blocked=self.worker.blocked,
            )
            checks["projection"]["ok"] = checks["projection"]["ok"] and self.worker.blocked is None
        for name, state in self.supervisor.states.items():
            checks[name] = {"ok": state.running, "restarts": state.restarts, "last_error": state.last_error}
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

    async def recovering(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            status_code=503,
            content={"detail": str(exc), "error": type(exc).__name__, "state": "recovering"},
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    app.add_exception_handler(ProjectionRecovering, recovering)
    return app
