"""Bad input gets a clear 4xx with a stable code and a French detail, never a 500, an echo or a stall."""

from __future__ import annotations

import json
from datetime import date

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, Request

from shared.errors import ConcurrencyError, InvalidField, NotFound, RuleViolation
from shared.http import service_app
from shared.http.params import AsOf, Limit, Offset
from shared.inputs import BirthDate, FactDate, Hours, Input, Label, Text
from shared.settings import PlatformSettings


class Enrol(Input):
    """A request model as the services write them."""

    name: Label
    note: Text | None = None
    birth_date: BirthDate
    met_on: FactDate | None = None
    hours: Hours = 0
    tags: list[str] = []


class AppointmentNotFound(NotFound):
    """A domain error without a declared code."""


class AlreadyClosed(RuleViolation):
    """A domain error with a declared code."""

    code = "accompaniment_already_closed"


router = APIRouter()


@router.post("/people", status_code=201)
async def enrol(body: Enrol) -> dict:
    return {"name": body.name}


@router.get("/people")
async def people(limit: Limit = 10, offset: Offset = 0, as_of: AsOf = None) -> dict:
    return {"limit": limit, "offset": offset}


@router.get("/errors/{kind}")
async def fail(kind: str) -> dict:
    raise {
        "missing": AppointmentNotFound("aucun rendez-vous 42"),
        "closed": AlreadyClosed("l'accompagnement est déjà clos"),
        "field": InvalidField("held_on", "la date est dans le futur"),
        "conflict": ConcurrencyError("accompaniment-1", 3, 4),
        "shutdown": asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        "starting": asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        "lost": asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        "refused": ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 54329)"),
        "lost-state": asyncpg.exceptions._base.InternalClientError(
            "cannot switch to state 15; another operation (2) is in progress"
        ),
        "bug": ValueError("a programming error"),
        "misuse": asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
    }[kind]


@router.get("/rollback-on-a-closed-connection")
async def rollback_on_a_closed_connection() -> dict:
    # What `async with conn.transaction()` raises when PostgreSQL closed the connection under the statement.
    try:
        raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")
    except asyncpg.PostgresError:
        raise asyncpg.InterfaceError(  # noqa: B904 - raised while handling, as asyncpg's transaction exit does
            "cannot call Transaction.__aexit__(): the underlying connection is closed"
        )


uploads = APIRouter()


@uploads.post("/imports")
async def upload(request: Request) -> dict:
    return {"size": len(await request.body())}


class _Runtime:
    settings = PlatformSettings(
        http_max_body_bytes=4096,
        auth_public_key_file=None,
        auth_issuer="https://idp.test/realms/ali",
        auth_jwks_url="http://idp.test/jwks",
    )

    async def start(self, **_):
        return None

    async def stop(self):
        return None

    async def readiness(self):
        return {}


@pytest.fixture
async def client():
    app = service_app(
        title="t", description="d", runtime=_Runtime(), routers=[router, (uploads, 64 * 1024)], start_workers=False
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


VALID = {"name": "Aminata", "birth_date": "1988-04-12"}


def _raw(client: httpx.AsyncClient, body: str):
    return client.post(
        "/people", content=body.encode("utf-8", "surrogatepass"), headers={"content-type": "application/json"}
    )


async def test_a_body_above_the_limit_is_refused_413_before_it_is_parsed(client):
    huge = "{" + ",".join(f'"k{i}": 1' for i in range(2000)) + "}"
    answer = await _raw(client, huge)
    assert answer.status_code == 413
    assert answer.json()["code"] == "body_too_large" and "dépasse 4096 octets" in answer.json()["detail"]


async def test_a_route_for_files_takes_a_larger_body_but_not_without_end(client):
    assert (await client.post("/imports", content=b"x" * 20_000)).json() == {"size": 20_000}
    refused = await client.post("/imports", content=b"x" * 70_000)
    assert refused.status_code == 413 and refused.json()["code"] == "body_too_large"


async def test_unknown_keys_are_refused_naming_a_few_fields_without_echoing_the_input(client):
    body = {**VALID, **{f"secret{i}": "Diallo 0601020304" for i in range(100)}}
    answer = await client.post("/people", json=body)
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "invalid_input" and problem["detail"].startswith("données invalides")
    assert len(problem["errors"]) == 20 and problem["errors"][0] == {
        "loc": ["body", "secret0"],
        "msg": "champ inconnu",
        "type": "extra_forbidden",
    }
    assert "Diallo" not in answer.text and '"input"' not in answer.text


@pytest.mark.parametrize(
    "text", ['"x\\u0000y"', '"x\\ud800y"', '"a\\u001bb"', '"\\udfff"'], ids=["nul", "surrogate", "escape", "low"]
)
async def test_text_that_cannot_be_stored_is_refused_anywhere_in_the_body(client, text):
    for body in (
        f'{{"name": {text}, "birth_date": "1988-04-12"}}',
        f'{{"name": "A", "birth_date": "1988-04-12", "tags": ["ok", {text}]}}',
        f'{{"name": "A", "birth_date": "1988-04-12", {text}: 1}}',
    ):
        answer = await _raw(client, body)
        assert answer.status_code == 422, body
        assert "caractère non accepté" in answer.json()["detail"]


async def test_tab_and_line_breaks_are_text(client):
    answer = await client.post("/people", json={**VALID, "note": "ligne 1\n\tligne 2\r\n"})
    assert answer.status_code == 201


@pytest.mark.parametrize("number", ["Infinity", "-Infinity", "NaN", "1e999"])
async def test_numbers_must_be_finite(client, number):
    answer = await _raw(client, f'{{"name": "A", "birth_date": "1988-04-12", "hours": {number}}}')
    assert answer.status_code == 422 and answer.json()["errors"][0]["loc"] == ["body", "hours"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("birth_date", "9999-12-31"),
        ("birth_date", "0001-01-01"),
        ("birth_date", "1899-12-31"),
        ("met_on", "9999-01-01"),
    ],
)
async def test_dates_outside_their_window_are_refused(client, field, value):
    answer = await client.post("/people", json={**VALID, field: value})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["loc"] == ["body", field]
    assert answer.json()["errors"][0]["msg"].startswith("la date doit être comprise entre")


async def test_a_birth_date_may_not_be_in_the_future_but_a_planned_fact_may(client):
    tomorrow = date.fromordinal(date.today().toordinal() + 1).isoformat()
    assert (await client.post("/people", json={**VALID, "birth_date": tomorrow})).status_code == 422
    assert (await client.post("/people", json={**VALID, "met_on": tomorrow})).status_code == 201


@pytest.mark.parametrize(
    "query", ["offset=9223372036854775808", "offset=-1", "limit=0", "limit=100000", "as_of=0001-01-01", "as_of=x"]
)
async def test_pages_and_reference_dates_are_bounded(client, query):
    answer = await client.get(f"/people?{query}")
    assert answer.status_code == 422 and answer.json()["errors"][0]["loc"][0] == "query"


async def test_a_body_that_is_not_json_is_malformed(client):
    answer = await _raw(client, "{'name':")
    assert answer.status_code == 422 and answer.json()["code"] == "malformed_body"


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("missing", 404, "appointment_not_found"),
        ("closed", 409, "accompaniment_already_closed"),
        ("field", 422, "invalid_field"),
        ("conflict", 409, "concurrent_change"),
    ],
)
async def test_domain_errors_answer_their_code_and_french_detail(client, kind, status, code):
    answer = await client.get(f"/errors/{kind}")
    assert answer.status_code == status and answer.json()["code"] == code
    if kind == "field":
        assert answer.json()["errors"] == [
            {"loc": ["body", "held_on"], "msg": "la date est dans le futur", "type": code}
        ]


async def test_an_unknown_address_answers_a_problem_in_french(client):
    answer = await client.get("/nowhere")
    assert answer.status_code == 404 and answer.json() == {"code": "not_found", "detail": "adresse inconnue"}


async def test_the_published_schema_documents_the_errors_with_one_problem_schema(client):
    schema = (await client.get("/openapi.json")).json()
    post = schema["paths"]["/people"]["post"]["responses"]
    assert {"413", "422"} <= set(post)
    assert post["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert {"404", "422"} <= set(schema["paths"]["/errors/{kind}"]["get"]["responses"])
    assert "HTTPValidationError" not in json.dumps(schema)
    assert schema["components"]["schemas"]["Problem"]["required"] == ["code", "detail"]


def test_error_codes_are_snake_case_class_names_unless_declared():
    assert AppointmentNotFound.code == "appointment_not_found" and AlreadyClosed.code == "accompaniment_already_closed"
    assert NotFound.code == "not_found" and ConcurrencyError.code == "concurrent_change"


@pytest.mark.parametrize("kind", ["shutdown", "starting", "lost", "refused", "lost-state", "closed-during-rollback"])
async def test_a_database_that_does_not_answer_is_a_503_to_retry_never_a_500(client, kind):
    path = "/rollback-on-a-closed-connection" if kind == "closed-during-rollback" else f"/errors/{kind}"
    answer = await client.get(path)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"].isdigit()
    body = answer.json()
    assert body["code"] == "unavailable" and "réessayez" in body["detail"]
    assert "127.0.0.1" not in body["detail"], "nothing of the infrastructure is echoed"


async def test_any_other_failure_is_still_a_server_error():
    app = service_app(title="t", description="d", runtime=_Runtime(), routers=[router], start_workers=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        assert (await c.get("/errors/bug")).status_code == 500
        assert (await c.get("/errors/misuse")).status_code == 500
