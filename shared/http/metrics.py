"""Prometheus metrics of the HTTP API on `/metrics`: requests by route, method and status class, and their duration.

An ASGI middleware of its own rather than a generic instrumentator: the route a request went to is read from the
scope once the router has matched it (`scope["route"]`), so a request costs a counter and a histogram observation,
not a second walk over every route of the service to find its template.
"""

from __future__ import annotations

import time

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMEASURED_PREFIXES = ("/metrics", "/health/")

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by route template, method and status class.",
    ["handler", "method", "status"],
)
DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by route template and method.",
    ["handler", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class RequestMetrics:
    """ASGI middleware counting and timing every request (health and metrics excluded)."""

    def __init__(self, app: ASGIApp, *, unmeasured: tuple[str, ...] = UNMEASURED_PREFIXES) -> None:
        self.app = app
        self.unmeasured = unmeasured

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(self.unmeasured):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            # Unmatched paths share one label: a scan of random URLs cannot grow the series without bound.
            handler = getattr(route, "path", None) or "none"
            method = scope.get("method", "")
            REQUESTS.labels(handler, method, f"{status // 100}xx").inc()
            DURATION.labels(handler, method).observe(time.perf_counter() - started)


def install_metrics(app: FastAPI) -> None:
    """Measure the app's requests and expose the process's metrics on `/metrics`."""
    app.add_middleware(RequestMetrics)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
