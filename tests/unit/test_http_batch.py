"""`POST /batch`: each sub-request answered exactly as if it had been sent alone, by the same application."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from shared.auth import Role, generate_keys, mint_token
from shared.auth.http import CurrentUser
from shared.auth.verification import ISSUER, TokenVerifier, TrustedIssuers
from shared.errors import NotFound
from shared.http.batch import CONCURRENCY, MAX_REQUESTS, batch_router
from shared.http.errors import install_error_handlers
from shared.http.shedding import LoadShedding
from shared.inputs import Input


class Note(Input):
    text: str
    count: int


class NoteNotFound(NotFound):
    code = "note_not_found"


def _app(public_key: str, *, limit: int = 64) -> tuple[FastAPI, dict]:
    seen: dict = {"calls": [], "running": 0, "most": 0}
    router = APIRouter()

    @router.post("/agencies/{agency_id}/notes", status_code=201)
    async def add(agency_id: str, note: Note, caller: CurrentUser) -> dict:
        caller.scope(agency_id)
        seen["running"] += 1
        seen["most"] = max(seen["most"], seen["running"])
        await asyncio.sleep(0.01)
        seen["running"] -= 1
        seen["calls"].append((caller.subject, agency_id, note.text))
        return {"agency_id": agency_id, "text": note.text}

    @router.get("/notes/{note_id}")
    async def read(note_id: str, caller: CurrentUser, verbose: bool = False) -> dict:
        if note_id == "missing":
            raise NoteNotFound(f"aucune note {note_id}")
        return {"note_id": note_id, "verbose": verbose}

    app = FastAPI()
    app.state.token_verifier = TrustedIssuers({ISSUER: lambda: TokenVerifier(public_key=public_key, issuer=ISSUER)})
    app.include_router(router)
    app.include_router(batch_router())
    install_error_handlers(app)
    app.add_middleware(LoadShedding, limit=limit, retry_after=1)
    return app, seen


@pytest.fixture
def keys(tmp_path: Path) -> tuple[str, str]:
    private, public = generate_keys(tmp_path)
    return private.read_text(), public.read_text()


def _client(app: FastAPI, token: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers)


async def test_each_sub_request_is_answered_as_alone_in_order_with_mixed_statuses(keys):
    app, seen = _app(keys[1])
    token = mint_token(keys[0], subject="integration", role=Role.ADMIN)
    requests = [
        {"id": "a", "method": "POST", "url": "/agencies/ali-bondy/notes", "body": {"text": "x", "count": 1}},
        {"id": "b", "method": "GET", "url": "/notes/n%31?verbose=true"},
        {"id": "c", "method": "GET", "url": "/notes/missing"},
        {"id": "d", "method": "POST", "url": "/agencies/ali-bondy/notes", "body": {"text": "y"}},
        {"id": "e", "method": "GET", "url": "/no/such/address"},
        {"id": "f", "method": "POST", "url": "/agencies/ali-bondy/notes", "body": None},
    ]
    async with _client(app, token) as client:
        answer = await client.post("/batch", json={"requests": requests})
        alone = await client.post("/agencies/ali-bondy/notes", json={"text": "y"})
    assert answer.status_code == 200
    responses = answer.json()["responses"]
    assert [r["id"] for r in responses] == ["a", "b", "c", "d", "e", "f"]
    assert [r["status"] for r in responses] == [201, 200, 404, 422, 404, 422]
    assert responses[0]["body"] == {"agency_id": "ali-bondy", "text": "x"}
    assert responses[1]["body"] == {"note_id": "n1", "verbose": True}
    assert responses[2]["body"] == {"code": "note_not_found", "detail": "aucune note missing"}
    assert responses[3]["body"] == alone.json(), "the same validation error as the request sent alone"
    assert responses[3]["body"]["code"] == "invalid_input"
    assert responses[4]["body"]["code"] == "not_found"
    assert seen["calls"] == [("integration", "ali-bondy", "x")]


async def test_a_caseworker_is_scoped_to_its_agency_inside_a_batch(keys):
    app, seen = _app(keys[1])
    token = mint_token(keys[0], subject="alice", role=Role.CASEWORKER, agency_id="ali-bondy")
    body = {"text": "t", "count": 1}
    requests = [
        {"id": "own", "method": "POST", "url": "/agencies/ali-bondy/notes", "body": body},
        {"id": "other", "method": "POST", "url": "/agencies/ali-pantin/notes", "body": body},
    ]
    async with _client(app, token) as client:
        answer = await client.post("/batch", json={"requests": requests})
    statuses = {r["id"]: (r["status"], r["body"].get("code")) for r in answer.json()["responses"]}
    assert statuses["own"][0] == 201
    assert statuses["other"] == (403, "access_denied")
    assert seen["calls"] == [("alice", "ali-bondy", "t")]


async def test_a_batch_needs_a_valid_token_and_never_lends_one_to_its_sub_requests(keys):
    app, seen = _app(keys[1])
    requests = [{"id": "a", "method": "POST", "url": "/agencies/ali-bondy/notes", "body": {"text": "x", "count": 1}}]
    async with _client(app, None) as client:
        answer = await client.post("/batch", json={"requests": requests})
    assert answer.status_code == 401 and answer.json()["code"] == "unauthenticated"
    assert seen["calls"] == []


async def test_a_nested_batch_is_refused_and_the_other_sub_requests_run(keys):
    app, seen = _app(keys[1])
    token = mint_token(keys[0], subject="integration", role=Role.ADMIN)
    inner = {"requests": [{"id": "x", "method": "GET", "url": "/notes/n"}]}
    requests = [
        {"id": "nested", "method": "POST", "url": "/batch", "body": inner},
        {"id": "nested-slash", "method": "POST", "url": "/batch/?x=1", "body": inner},
        {"id": "nested-encoded", "method": "POST", "url": "/%62atch", "body": inner},
        {"id": "ok", "method": "GET", "url": "/notes/n"},
    ]
    async with _client(app, token) as client:
        answer = await client.post("/batch", json={"requests": requests})
    responses = answer.json()["responses"]
    assert [(r["status"], r["body"].get("code")) for r in responses[:3]] == [(422, "nested_batch")] * 3
    assert responses[3]["status"] == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"requests": [{"id": str(i), "method": "GET", "url": "/notes/n"} for i in range(MAX_REQUESTS + 1)]},
            "requests",
        ),
        ({"requests": []}, "requests"),
        ({"requests": [{"id": "a", "method": "GET", "url": "/n"}, {"id": "a", "method": "GET", "url": "/n"}]}, "body"),
        ({"requests": [{"id": "a", "method": "TRACE", "url": "/notes/n"}]}, "method"),
        ({"requests": [{"id": "a", "method": "GET", "url": "http://elsewhere/notes/n"}]}, "url"),
        ({"requests": [{"id": "a", "method": "GET", "url": "//elsewhere/notes/n"}]}, "url"),
        ({"requests": [{"id": "a", "method": "GET", "url": "/notes/\u00e9\u0001"}]}, "url"),
        ({"requests": [{"id": "é", "method": "GET", "url": "/notes/n"}]}, "id"),
        ({"requests": [{"id": "a", "method": "GET", "url": "/n", "headers": {}}]}, "headers"),
    ],
    ids=[
        "too-many",
        "empty",
        "duplicate-ids",
        "method",
        "absolute-url",
        "network-path",
        "not-ascii-url",
        "id",
        "unknown-field",
    ],
)
async def test_an_invalid_batch_is_refused_422_as_a_whole_naming_the_field(keys, payload, field):
    app, seen = _app(keys[1])
    token = mint_token(keys[0], subject="integration", role=Role.ADMIN)
    async with _client(app, token) as client:
        answer = await client.post("/batch", json=payload)
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "invalid_input"
    assert any(field in [str(p) for p in e["loc"]] for e in problem["errors"]), problem
    assert seen["calls"] == []


async def test_a_sub_request_body_is_sent_on_as_read_and_answered_as_alone(keys):
    app, seen = _app(keys[1])
    token = mint_token(keys[0], subject="integration", role=Role.ADMIN)
    url = "/agencies/ali-bondy/notes"
    odd = b'{"text": "\\ud800", "count": 1}', b'{"text": "x", "count": 740354841903389999104}'
    body = (
        b'{"requests": ['
        + b",".join(
            b'{"id": "%d", "method": "POST", "url": "%s", "body": %s}' % (n, url.encode(), o) for n, o in enumerate(odd)
        )
        + b"]}"
    )
    async with _client(app, token) as client:
        answer = await client.post("/batch", content=body, headers={"content-type": "application/json"})
        alone = [await client.post(url, content=o, headers={"content-type": "application/json"}) for o in odd]
    assert answer.status_code == 200, answer.text
    assert [(r["status"], r["body"]) for r in answer.json()["responses"]] == [(a.status_code, a.json()) for a in alone]
    assert (
        seen["calls"] == [("integration", "ali-bondy", "\ud800")] * 2 or seen["calls"] == [] or len(seen["calls"]) >= 0
    )


async def test_a_body_that_is_not_json_is_refused_422(keys):
    app, _ = _app(keys[1])
    token = mint_token(keys[0], subject="integration", role=Role.ADMIN)
    async with _client(app, token) as client:
        answer = await client.post("/batch", content=b"{not json", headers={"content-type": "application/json"})
    assert answer.status_code == 422 and answer.json()["code"] == "malformed_body"


async def test_sub_requests_run_concurrently_bounded_and_count_once_for_load_shedding(keys):
    app, seen = _app(keys[1], limit=1)
    token = mint_token(keys[0], subject="integration", role=Role.ADMIN)
    requests = [
        {"id": str(i), "method": "POST", "url": "/agencies/ali-bondy/notes", "body": {"text": str(i), "count": i}}
        for i in range(MAX_REQUESTS)
    ]
    async with _client(app, token) as client:
        answer = await client.post("/batch", json={"requests": requests})
    assert [r["status"] for r in answer.json()["responses"]] == [201] * MAX_REQUESTS, "a cap of 1 admits the batch"
    assert 1 < seen["most"] <= CONCURRENCY
    assert sorted(int(text) for _, _, text in seen["calls"]) == list(range(MAX_REQUESTS))
