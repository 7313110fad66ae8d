"""The simulation's client puts requests of people played at once in batches; each caller awaits its own answer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.auth import Role, generate_keys, mint_token
from shared.auth.http import CurrentUser
from shared.auth.verification import ISSUER, TokenVerifier, TrustedIssuers
from shared.http.batch import batch_router
from shared.http.errors import install_error_handlers
from simulation.driver import Api, SimulationError


def _app(public_key: str) -> tuple[FastAPI, dict]:
    seen: dict = {"batches": [], "direct": 0, "conflicts": 0}
    app = FastAPI()
    app.state.token_verifier = TrustedIssuers({ISSUER: lambda: TokenVerifier(public_key=public_key, issuer=ISSUER)})

    @app.middleware("http")
    async def count(request: Request, call_next):
        if request.url.path == "/batch":
            seen["batches"].append(len((await request.json())["requests"]))
        elif "ali.batch.sub_request" not in request.scope:
            seen["direct"] += 1
        return await call_next(request)

    @app.post("/people/{n}", status_code=201)
    async def person(n: int, caller: CurrentUser, body: dict | None = None) -> dict:
        await asyncio.sleep(0.001)
        return {"n": n, "by": caller.subject, "body": body}

    @app.post("/contended")
    async def contended(_caller: CurrentUser):
        seen["conflicts"] += 1
        if seen["conflicts"] < 3:
            return JSONResponse({"code": "concurrent_change", "detail": "modifié entre-temps"}, status_code=409)
        return {"after": seen["conflicts"]}

    @app.post("/refused")
    async def refused(_caller: CurrentUser):
        return JSONResponse({"code": "rule_violated", "detail": "non"}, status_code=409)

    app.include_router(batch_router())
    install_error_handlers(app)
    return app, seen


@pytest.fixture
def keys(tmp_path: Path) -> tuple[str, str]:
    private, public = generate_keys(tmp_path)
    return private.read_text(), public.read_text()


def _api(app: FastAPI, private: str, **settings) -> Api:
    token = mint_token(private, subject="simulation", role=Role.ADMIN)
    transport = httpx.ASGITransport(app=app)
    return Api({"accompaniment": "http://test"}, token, transport=transport, **settings)


async def test_requests_of_people_played_at_once_go_in_batches_each_caller_getting_its_answer(keys):
    app, seen = _app(keys[1])
    sent: list = []
    async with _api(app, keys[0], batch=10, connections=2, record=sent) as api:
        answers = await asyncio.gather(
            *(api.call("accompaniment", "POST", f"/people/{n}", json={"k": n}) for n in range(35))
        )
    assert answers == [{"n": n, "by": "simulation", "body": {"k": n}} for n in range(35)]
    assert sum(seen["batches"]) == 35 and max(seen["batches"]) <= 10 and len(seen["batches"]) < 35
    assert seen["direct"] == 0
    assert [(m, p) for m, p, _, _ in sent] == [("POST", "/batch")] * len(seen["batches"]), "what was sent is recorded"


async def test_a_concurrent_change_is_retried_and_another_error_raised(keys):
    app, seen = _app(keys[1])
    async with _api(app, keys[0], batch=10) as api:
        assert await api.call("accompaniment", "POST", "/contended") == {"after": 3}
        with pytest.raises(SimulationError, match="409"):
            await api.call("accompaniment", "POST", "/refused")


async def test_one_by_one_without_batches_and_for_bodies_that_are_not_json(keys):
    app, seen = _app(keys[1])
    async with _api(app, keys[0], batch=1) as api:
        assert (await api.call("accompaniment", "POST", "/people/1", json={}))["n"] == 1
    async with _api(app, keys[0], batch=10) as api:
        raw = await api.call(
            "accompaniment", "POST", "/people/2", content=b"{}", headers={"content-type": "application/json"}
        )
        assert raw["n"] == 2
    assert seen["batches"] == [] and seen["direct"] == 2
