"""`POST /batch`: several requests of one client in one HTTP exchange, each answered as if it had been sent alone.

In the manner of JSON batching (Microsoft Graph's `$batch`): the body lists up to `MAX_REQUESTS` sub-requests
`{"id", "method", "url", "body"}`; the answer is `200` with `{"responses": [{"id", "status", "body"}, ...]}` in the
order of the requests, whatever each one's status (a sub-request refused 404 or 409 does not fail the others). A
JSON answer is given as it is; any other (a CSV export) as a string.

Each sub-request goes through the service's own application, in this process: the batch's `Authorization` header,
so the same principal and agency scoping, then the same body limit, validation, audit, error answers and metrics
as the route it names. No route behaves differently inside a batch. Sub-requests run concurrently (at most
`CONCURRENCY` at a time): they must be independent of each other, and commands on one stream may answer 409
`concurrent_change` as two separate requests would. A sub-request cannot be a batch (`nested_batch`).

Load shedding (`shared/http/shedding.py`) counts a batch as one request: it is refused 503 as a whole or admitted
as a whole, and its sub-requests, which do not pass through the cap again, run at most `CONCURRENCY` at a time.

A batch's answer closes its connection (`Connection: close`). A service runs its API in several processes, each
listening on the port (`shared/http/processes.py`), and the kernel gives each new connection to one of them: a
client that keeps a few connections alive for a whole bulk load would stay on the processes that accepted them,
possibly all on one while the others idle. Each batch on a new connection is placed afresh, so a bulk load spreads
over every process; a handshake costs nothing beside the work of a batch.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal
from urllib.parse import unquote

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.types import ASGIApp, Message, Scope

from shared.auth.http import CurrentUser
from shared.http.shedding import SUB_REQUEST
from shared.problems import errors

PATH = "/batch"
MAX_REQUESTS = 100
CONCURRENCY = 16
# What a sub-request keeps of the batch's scope: the connection, and the application's own keys.
_KEPT = ("type", "asgi", "http_version", "scheme", "server", "client", "root_path", "app", "state", "extensions")


class SubRequest(BaseModel):
    """One request of a batch: its id (unique in the batch), method, address (path and query, printable ASCII:
    anything else percent-encoded) and JSON body."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    url: str = Field(min_length=1, max_length=2048, pattern=r"^/([\x21-\x22\x24-\x2e\x30-\x7e][\x21-\x22\x24-\x7e]*)?$")
    body: Any = None


class BatchRequest(BaseModel):
    """Up to `MAX_REQUESTS` independent requests, run concurrently."""

    model_config = ConfigDict(extra="forbid")

    requests: list[SubRequest] = Field(min_length=1, max_length=MAX_REQUESTS)

    @model_validator(mode="after")
    def _unique_ids(self) -> BatchRequest:
        seen: set[str] = set()
        for request in self.requests:
            if request.id in seen:
                raise ValueError(f"l'identifiant {request.id!r} est donné à plusieurs requêtes du lot")
            seen.add(request.id)
        return self


class SubResponse(BaseModel):
    """The answer to one request of the batch: its id, HTTP status and JSON body (a `Problem` for an error)."""

    id: str
    status: int
    body: Any = None


class BatchResponse(BaseModel):
    """The answers, in the order of the requests."""

    responses: list[SubResponse]


def _address(url: str) -> tuple[str, str, str]:
    """The raw path, the path as a server gives it (percent-decoded) and the query string of an address."""
    raw, _, query = url.partition("?")
    return raw, unquote(raw), query


def _nested(id_: str) -> bytes:
    detail = "un lot ne peut pas contenir de requête vers /batch"
    return _entry(id_, 422, orjson.dumps({"code": "nested_batch", "detail": detail}))


def _entry(id_: str, status: int, body: bytes) -> bytes:
    return b'{"id":' + orjson.dumps(id_) + b',"status":' + str(status).encode() + b',"body":' + body + b"}"


def _scope(batch: Scope, sub: SubRequest, body: bytes) -> Scope:
    """The scope of a sub-request: the batch's connection and Authorization, its own method, address and body."""
    raw, path, query = _address(sub.url)
    headers = [(k, v) for k, v in batch["headers"] if k == b"authorization"]
    headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    scope = {k: batch[k] for k in _KEPT if k in batch}
    scope.update(
        method=sub.method,
        path=path,
        raw_path=raw.encode(),
        query_string=query.encode(),
        headers=headers,
    )
    if "state" in batch:  # the lifespan's state, copied per request as the server does
        scope["state"] = dict(batch["state"])
    scope[SUB_REQUEST] = True
    return scope


async def _run(app: ASGIApp, batch: Scope, sub: SubRequest, done: asyncio.Event) -> bytes:
    """The sub-request through the application; its entry of the answer."""
    if _address(sub.url)[1].rstrip("/") == PATH:
        return _nested(sub.id)
    # The standard encoder, ASCII only: whatever was read is sent on as it was (integers above 64 bits, escaped
    # lone surrogates, which the route then refuses as it would alone).
    body = b"" if sub.body is None else json.dumps(sub.body, ensure_ascii=True).encode()
    sent = False
    status = 500
    is_json = False
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()  # nothing more is sent: "disconnected" once the batch is answered
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, is_json
        if message["type"] == "http.response.start":
            status = message["status"]
            kind = next((v for k, v in message.get("headers", ()) if k.lower() == b"content-type"), b"")
            is_json = kind.startswith(b"application/json") or kind.endswith(b"+json")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await app(_scope(batch, sub, body), receive, send)
    except Exception:  # answered 500 by the application's server-error handler, and logged there
        if not chunks:
            return _entry(sub.id, 500, orjson.dumps({"code": "internal_error", "detail": "erreur interne"}))
    raw = b"".join(chunks)
    if not raw:
        return _entry(sub.id, status, b"null")
    if is_json:  # spliced as it is, not parsed again
        return _entry(sub.id, status, raw)
    return _entry(sub.id, status, orjson.dumps(raw.decode("utf-8", "replace")))


def batch_router() -> APIRouter:
    """`POST /batch`, whose sub-requests go to the application the batch came to."""
    router = APIRouter(tags=["batch"])

    @router.post(
        PATH,
        response_model=BatchResponse,
        responses=errors(401, 413, 422),
        summary="Several requests in one",
    )
    async def batch(request: Request, payload: BatchRequest, _caller: CurrentUser) -> Response:
        """Runs up to 100 independent requests of this service concurrently, each exactly as if sent alone with
        the same `Authorization`, and answers each one's status and body in the order sent. A sub-request to
        `/batch` is answered 422 `nested_batch`. The batch counts as one request for load shedding."""
        app = request.app
        done = asyncio.Event()
        semaphore = asyncio.Semaphore(CONCURRENCY)

        async def bounded(sub: SubRequest) -> bytes:
            async with semaphore:
                return await _run(app, request.scope, sub, done)

        try:
            entries = await asyncio.gather(*(bounded(sub) for sub in payload.requests))
        finally:
            done.set()
        body = b'{"responses":[' + b",".join(entries) + b"]}"
        return Response(body, media_type="application/json", headers={"connection": "close"})

    return router
