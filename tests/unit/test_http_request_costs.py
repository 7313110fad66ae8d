"""What every request pays for besides its route: metrics by route template, dependencies wired once, and audit
entries written together when reads arrive together (each caller answered only once its entry is committed)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from prometheus_client import REGISTRY

from shared.audit import AuditAction, AuditEntry, PostgresAuditTrail
from shared.http.metrics import install_metrics
from shared.http.wiring import wired


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _count(handler: str, method: str, status: str) -> float:
    labels = {"handler": handler, "method": method, "status": status}
    return REGISTRY.get_sample_value("http_requests_total", labels) or 0.0


async def test_requests_are_counted_by_route_template_and_exposed_on_metrics():
    router = APIRouter(prefix="/things/{thing_id}/parts")

    @router.post("")
    async def add(thing_id: str) -> dict:
        return {"thing": thing_id}

    app = FastAPI()
    app.include_router(router)
    install_metrics(app)
    before = _count("/things/{thing_id}/parts", "POST", "2xx")
    unmatched = _count("none", "GET", "4xx")
    async with _client(app) as client:
        assert (await client.post("/things/a/parts")).status_code == 200
        assert (await client.post("/things/b/parts")).status_code == 200
        assert (await client.get("/no/such/route")).status_code == 404
        exposed = await client.get("/metrics")
    assert _count("/things/{thing_id}/parts", "POST", "2xx") == before + 2, "one series per template, not per id"
    assert _count("none", "GET", "4xx") == unmatched + 1, "unknown paths share one series"
    assert exposed.status_code == 200 and 'handler="/things/{thing_id}/parts"' in exposed.text
    assert "/metrics" not in {s.labels.get("handler") for m in REGISTRY.collect() for s in m.samples}


async def _wired(request: Request) -> SimpleNamespace:
    return wired(request)


Wired = Annotated[SimpleNamespace, Depends(_wired)]


async def test_dependencies_are_wired_once_per_started_runtime_in_the_event_loop():
    built: list[object] = []

    def build(runtime):
        built.append(runtime)
        return SimpleNamespace(runtime=runtime)

    app = FastAPI()
    app.state.dependencies = build
    app.state.runtime = SimpleNamespace(store=object())

    @app.get("/")
    async def route(d: Wired) -> dict:
        return {"same": d.runtime is app.state.runtime}

    async with _client(app) as client:
        assert [(await client.get("/")).json()["same"] for _ in range(3)] == [True] * 3
        assert len(built) == 1
        app.state.runtime.store = object()  # the runtime was restarted on a new store
        assert (await client.get("/")).json()["same"]
        assert len(built) == 2


class _Pool:
    """Records the rows of each audit insert; an insert waits until released, or fails."""

    def __init__(self) -> None:
        self.inserts: list[list[str]] = []
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()
        self.fail = False

    async def execute(self, _sql: str, *columns) -> None:
        self.entered.set()
        await self.gate.wait()
        if self.fail:
            raise OSError("connection lost")
        self.inserts.append(list(columns[5]))  # resource_id


def _entry(n: int) -> AuditEntry:
    return AuditEntry("s", "caseworker", "ali-a", AuditAction.READ, "accompaniment", resource_id=str(n))


async def test_audit_entries_recorded_together_share_one_insert_and_each_caller_waits_for_it():
    pool = _Pool()
    trail = PostgresAuditTrail(pool, "svc")  # type: ignore[arg-type]
    first = asyncio.create_task(trail.record([_entry(0)]))
    await asyncio.wait_for(pool.entered.wait(), 5)
    later = [asyncio.create_task(trail.record([_entry(n)])) for n in range(1, 6)]
    await asyncio.sleep(0.01)
    assert not any(t.done() for t in [first, *later]), "nobody is answered before their entry is written"
    pool.gate.set()
    await asyncio.wait_for(asyncio.gather(first, *later), 5)
    assert pool.inserts == [["0"], ["1", "2", "3", "4", "5"]], "the reads that arrived meanwhile went in one insert"


async def test_a_failed_audit_insert_fails_each_of_its_callers_and_the_next_ones_are_written():
    pool = _Pool()
    trail = PostgresAuditTrail(pool, "svc")  # type: ignore[arg-type]
    pool.fail = True
    pool.gate.set()
    failed = [asyncio.create_task(trail.record([_entry(n)])) for n in range(3)]
    results = await asyncio.wait_for(asyncio.gather(*failed, return_exceptions=True), 5)
    assert all(isinstance(r, OSError) for r in results)
    pool.fail = False
    await asyncio.wait_for(trail.record([_entry(9)]), 5)
    assert pool.inserts == [["9"]]


async def test_recording_nothing_writes_nothing():
    pool = _Pool()
    await PostgresAuditTrail(pool, "svc").record([])  # type: ignore[arg-type]
    assert pool.inserts == [] and not pool.entered.is_set()
