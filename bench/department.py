"""Path 6, the simulated department loaded through the public APIs, beside the same requests to a bare app.

- project: `simulation.driver.play` of the full department (seed 93: about 27,000 people, 17,000 followed) on
  the benchmark platform, then until reporting's caseload equals the one the plan implies; every request the
  simulation makes is recorded on the way;
- anchor: the same HTTP requests (method, path, body: mostly `POST /batch` of up to `BATCH` commands), sent by the
  same HTTP client with as many in flight as the simulation had connections, to the bare FastAPI app
  (`bench.bare_app`, which answers a batch with one sub-response per request): what the load would take if every
  route answered at once.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import Progress

from bench.platform import DEPARTMENT, SERVICES, Platform
from bench.results import Goal, Line
from shared.auth import Role
from simulation import population
from simulation.driver import Api, play, progress_bar

SIZES = {"full": population.DEPARTMENT_CASELOAD, "small": 300}
SEED = 93
# The simulation's client: people played at once, requests per batch, connections per service.
CONCURRENCY = 400
BATCH = 50
CONNECTIONS = 4


async def _caseload(client: httpx.AsyncClient) -> int | None:
    """Reporting's caseload, or None when it does not answer (yet)."""
    try:
        response = await client.get("/indicators")
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    return response.json()["accompaniments"]["caseload"]


async def until_caseload(plat: Platform, caseload: int, timeout: float) -> float:
    """Wait until reporting shows `caseload`; returns the seconds waited. Fails when reporting is gone."""
    staff = {"Authorization": f"Bearer {plat.token(Role.DEPARTMENT_STAFF)}"}
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=plat.urls["reporting"], headers=staff, timeout=120) as client:
        while (shown := await _caseload(client)) != caseload:
            if plat.pid("reporting") is None:
                raise RuntimeError("the reporting service of the benchmark platform exited (see .data/bench/logs)")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"reporting shows a caseload of {shown}, the plan {caseload}")
            await asyncio.sleep(0.5)
    return time.monotonic() - started


def plan(size: str) -> tuple[list, dict]:
    """The department's plan for today and the figures it implies."""
    today = date.today()
    plans = population.department(seed=SEED, caseload=SIZES.get(size) or int(size), today=today)
    return plans, population.expected_figures(plans, today)


async def adopt(plat: Platform, size: str = "full", timeout: float = 1800) -> dict:
    """Record a department loaded earlier (by an interrupted run) once reporting shows the plan's caseload."""
    import json

    _, expected = plan(size)
    await until_caseload(plat, expected["caseload"], timeout)
    record = {"size": size, "seconds": None, "loaded_at": time.strftime("%FT%T%z"), "expected": expected}
    DEPARTMENT.write_text(json.dumps(record, indent=2))
    return record


def _progress(log: Path | None) -> Progress:
    if log is None:
        return progress_bar()
    return Progress(console=Console(file=log.open("a"), force_terminal=False))


async def load(
    plat: Platform,
    size: str = "full",
    concurrency: int = CONCURRENCY,
    batch: int = BATCH,
    connections: int = CONNECTIONS,
    log: Path | None = None,
) -> dict:
    """Play the plan on the (empty) benchmark platform; returns seconds, requests and expected figures."""
    import json

    today = date.today()
    plans, expected = plan(size)
    sent: list[tuple[str, str, bytes, str | None]] = []
    settings = {"concurrency": concurrency, "batch": batch, "connections": connections}
    async with Api(plat.urls, plat.token(), record=sent, **settings) as api:
        if await api.call("accompaniment", "GET", "/accompaniments", params={"limit": 1}):
            raise RuntimeError("the benchmark platform already holds accompaniments")
        sent.clear()
        progress = _progress(log)
        started = time.monotonic()
        with progress:
            await play(plans, api, today, SEED, progress)
        played = time.monotonic() - started
        await until_caseload(plat, expected["caseload"], timeout=900)
        seconds = time.monotonic() - started
    record = {
        "size": size,
        "seconds": seconds,
        "played_seconds": played,
        "requests": len(sent),
        "commands": sum(b.sent for b in api.batches.values()),
        "client": settings,
        "loaded_at": time.strftime("%FT%T%z"),
        "expected": expected,
    }
    DEPARTMENT.write_text(json.dumps(record, indent=2))
    return {**record, "sent": sent}


async def replay(base_url: str, sent: list[tuple[str, str, bytes, str | None]], concurrency: int) -> float:
    """Send the recorded HTTP requests (batches, imports, pages) to the bare app, `concurrency` at a time (the
    simulation's connections to the four services), reading each JSON answer as the client does; returns seconds."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0)
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits, headers={"Authorization": "x"}) as c:

        async def one(method: str, path: str, content: bytes, kind: str | None) -> None:
            async with semaphore:
                headers = {"content-type": kind} if kind else None
                response = await c.request(method, path, content=content or None, headers=headers)
                response.raise_for_status()
                response.json()

        started = time.monotonic()
        for start in range(0, len(sent), 5000):
            await asyncio.gather(*(one(*request) for request in sent[start : start + 5000]))
        return time.monotonic() - started


def in_flight(client: dict) -> int:
    """The most HTTP requests the simulation's client had in flight: a connection per person played at once when
    it sends requests one by one, else `connections` per service."""
    if client["batch"] <= 1:
        return client["concurrency"]
    return min(client["concurrency"], client["connections"] * len(SERVICES))


def lines(project_seconds: float, anchor_seconds: float) -> list[Line]:
    """The path's line, in minutes."""
    return [Line("department-load", project_seconds / 60, anchor_seconds / 60, "min", Goal.project("<=", 5, "min"))]
