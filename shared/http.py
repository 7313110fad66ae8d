"""HTTP pieces every service shares: error mapping, health endpoints and Prometheus metrics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_fastapi_instrumentator import Instrumentator

from shared.audit import router as audit_router
from shared.auth.verification import trusted_issuers
from shared.errors import ConcurrencyError, DomainError, EventTooLarge, Forbidden, NotFound, RuleViolation
from shared.referentials_api import router as referentials_router

# The one place where domain errors become HTTP status codes.
_STATUS: list[tuple[type[Exception], int]] = [
    (ConcurrencyError, 409),
    (NotFound, 404),
    (Forbidden, 403),
    (RuleViolation, 409),
    # The request is well-formed but would record an event above the size limit (checked before it is stored).
    (EventTooLarge, 413),
    (DomainError, 422),
]


def install_error_handlers(app: FastAPI) -> None:
    """Map the platform's errors to status codes with a readable `detail`."""

    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        status = next(code for cls, code in _STATUS if isinstance(exc, cls))
        body = {"detail": str(exc), "error": type(exc).__name__}
        if code := getattr(exc, "code", None):
            body["code"] = code
        if field := getattr(exc, "field", None):
            body["field"] = field
        if isinstance(exc, ConcurrencyError):
            body["detail"] = f"{exc}; reload and try again"
        return JSONResponse(status_code=status, content=body)

    for cls, _ in _STATUS:
        app.add_exception_handler(cls, handle)

    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Each invalid field and why, never the value sent: it may be personal data, or megabytes of it.
        errors = [{k: v for k, v in e.items() if k not in ("input", "url")} for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": jsonable_encoder(errors)})

    app.add_exception_handler(RequestValidationError, invalid)


ReadinessCheck = Callable[[], Awaitable[dict]]


def health_router(ready: ReadinessCheck) -> APIRouter:
    """`/health/live` (the process answers) and `/health/ready` (its dependencies answer)."""
    router = APIRouter(prefix="/health", tags=["health"])

    @router.get("/live")
    async def live() -> dict:
        """The process is up."""
        return {"status": "ok"}

    @router.get("/ready")
    async def readiness() -> JSONResponse:
        """PostgreSQL, Kafka and the background workers answer."""
        checks = await ready()
        ok = all(c.get("ok") for c in checks.values())
        return JSONResponse(
            status_code=200 if ok else 503, content={"status": "ok" if ok else "unavailable", "checks": checks}
        )

    return router


def install_metrics(app: FastAPI) -> None:
    """Prometheus metrics on `/metrics`."""
    Instrumentator(excluded_handlers=["/metrics", "/health/.*"]).instrument(app).expose(
        app, endpoint="/metrics", include_in_schema=False
    )


def service_app(
    *,
    title: str,
    description: str,
    runtime,
    routers: list[APIRouter],
    start_workers: bool,
) -> FastAPI:
    """A service's FastAPI application: its routers, errors, health, metrics, and the runtime in its lifespan."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await runtime.start(relay=start_workers, consumers=start_workers)
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    settings = runtime.settings
    app.state.token_verifier = trusted_issuers(settings)
    for router in routers:
        app.include_router(router)
    app.include_router(referentials_router)
    app.include_router(audit_router)
    app.include_router(health_router(runtime.readiness))
    install_error_handlers(app)
    install_metrics(app)
    return app
