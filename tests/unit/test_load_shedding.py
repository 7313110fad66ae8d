"""Under overload a process answers 503 with Retry-After at once, and never runs a request whose client has gone."""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import Message

from shared.http.shedding import LoadShedding


class Gate:
    """An application whose requests wait until released, counting those that ran."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = 0
        self.two_started = asyncio.Event()
        self.bodies: list[bytes] = []

    async def __call__(self, scope, receive, send) -> None:
        self.started += 1
        if self.started == 2:
            self.two_started.set()
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        if scope["path"] == "/slow":
            await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_requests_above_the_cap_are_answered_503_with_retry_after_at_once():
    gate = Gate()
    app = LoadShedding(gate, limit=2, retry_after=3)
    async with _client(app) as client:
        held = [asyncio.create_task(client.get("/slow")) for _ in range(2)]
        await asyncio.wait_for(gate.two_started.wait(), 5)
        refused = await client.get("/slow")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "3"
        assert refused.json()["code"] == "overloaded"
        assert gate.started == 2, "the refused request did not reach the application"
        health = await asyncio.wait_for(client.get("/health/live"), 1)
        assert health.status_code == 200, "health is never capped"
        gate.release.set()
        assert [r.status_code for r in await asyncio.gather(*held)] == [200, 200]
        assert app.in_progress == 0
        assert (await client.get("/slow")).status_code == 200, "room again once the others finished"
    assert app.shed == 1


async def test_no_cap_when_the_limit_is_zero():
    gate = Gate()
    gate.release.set()
    app = LoadShedding(gate, limit=0, retry_after=1)
    async with _client(app) as client:
        answers = await asyncio.gather(*(client.get("/slow") for _ in range(20)))
    assert {a.status_code for a in answers} == {200}


async def test_a_request_whose_client_has_gone_is_not_run():
    gate = Gate()
    app = LoadShedding(gate, limit=10, retry_after=1)
    sent: list[Message] = []

    async def gone() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/appointments", "headers": [], "query_string": b""}
    await app(scope, gone, send)
    assert gate.started == 0, "nothing runs for a client that left"
    assert sent == [], "and nothing is answered to it"
    assert app.abandoned == 1 and app.in_progress == 0


async def test_the_body_reaches_the_application_whole():
    gate = Gate()
    gate.release.set()
    app = LoadShedding(gate, limit=4, retry_after=1)
    async with _client(app) as client:
        answer = await client.post("/quick", content=b"x" * 100_000)
    assert answer.status_code == 200
    assert gate.bodies == [b"x" * 100_000]
