"""A service's FastAPI application: routers, body limits, error answers and their documentation, health, metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from pydantic import BaseModel

from shared import worker_board
from shared.audit import router as audit_router
from shared.auth.verification import trusted_issuers
from shared.gc_pauses import keep_out_of_full_passes
from shared.http.batch import batch_router
from shared.http.errors import install_error_handlers
from shared.http.limits import BodyLimit
from shared.http.metrics import install_metrics
from shared.http.openapi import install_openapi
from shared.http.shedding import LoadShedding
from shared.referentials_api import router as referentials_router

ReadinessCheck = Callable[[], Awaitable[dict]]

# The services' telemetry is Prometheus metrics (`/metrics`) and structured logs, not OpenTelemetry. FastAPI's own
# OpenTelemetry is off: left on, it looks up the global providers on every request, sub-requests of a batch
# included, to find none configured (3 % of an API process's time under a bulk load).
NO_OPENTELEMETRY = TelemetryConfig(tracing=False, metrics=False, logs=False, operation_spans=False)


class Liveness(BaseModel):
    """The process answers."""

    status: str


class Readiness(BaseModel):
    """Whether the service's dependencies and workers answer, each with its details."""

    status: str
    checks: dict[str, dict[str, Any]]


def health_router(ready: ReadinessCheck) -> APIRouter:
    """`/health/live` (the process answers) and `/health/ready` (its dependencies answer)."""
    router = APIRouter(prefix="/health", tags=["health"])

    @router.get("/live", response_model=Liveness)
    async def live() -> Liveness:
        """The process is up."""
        return Liveness(status="ok")

    @router.get(
        "/ready",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "A dependency or a worker does not answer."}},
    )
    async def readiness() -> JSONResponse:
        """PostgreSQL, Kafka and the background workers answer."""
        checks = await ready()
        ok = all(c.get("ok") for c in checks.values())
        return JSONResponse(
            status_code=200 if ok else 503, content={"status": "ok" if ok else "unavailable", "checks": checks}
        )

    return router


async def readiness_with_workers(own: ReadinessCheck) -> dict:
    """This process's checks, with those of the replica's workers process when the workers run in one."""
    checks = await own()
    board = worker_board.current()
    return checks if board is None else worker_board.merge(checks, board.checks())


def service_app(
    *,
    title: str,
    description: str,
    runtime,
    routers: list[APIRouter | tuple[APIRouter, int]],
    start_workers: bool,
) -> FastAPI:
    """A service's FastAPI application: its routers, errors, health, metrics, and the runtime in its lifespan.

    A request body above `settings.http_max_body_bytes` is answered 413 before it is read whole; a router given
    as `(router, max_bytes)` (file imports) takes larger bodies. Above `settings.http_max_concurrent_requests`
    requests in progress, a new one is answered 503 with `Retry-After` (shared/http/shedding.py).
    """
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start(relay=start_workers, consumers=start_workers)
        app.state.runtime = runtime
        settled = None
        if settings.gc_freeze_seconds > 0:  # no stall of the loop for a full pass over long-lived objects
            every, full_every = settings.gc_freeze_seconds, settings.gc_full_collection_seconds
            settled = asyncio.create_task(keep_out_of_full_passes(every, full_every))
        try:
            yield
        finally:
            if settled is not None:
                settled.cancel()
            await runtime.stop()

    settings = runtime.settings
    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        telemetry=NO_OPENTELEMETRY,
    )
    app.state.token_verifier = trusted_issuers(settings)
    limits = []
    for entry in routers:
        router, limit = entry if isinstance(entry, tuple) else (entry, None)
        app.include_router(router)
        if limit is not None:
            limits += [(route.path_regex, limit) for route in router.routes if hasattr(route, "path_regex")]
    app.include_router(referentials_router)
    app.include_router(audit_router)
    app.include_router(batch_router())
    app.include_router(health_router(partial(readiness_with_workers, runtime.readiness)))
    app.add_middleware(BodyLimit, default=settings.http_max_body_bytes, limits=limits)
    install_error_handlers(app)
    install_openapi(app)
    install_metrics(app)
    # Outermost: a request refused for overload, or whose client has gone, costs nothing further.
    app.add_middleware(
        LoadShedding, limit=settings.http_max_concurrent_requests, retry_after=settings.http_retry_after_seconds
    )
    return app
