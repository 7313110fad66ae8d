"""The one place where errors become HTTP answers: a status, and a `Problem` (code, French detail, fields).

Domain errors map to one status each (`NotFound` 404, `Forbidden` 403, `RuleViolation` and `ConcurrencyError`
409, `EventTooLarge` 413, other `DomainError` 422); invalid request data is a 422 naming each field in French
without echoing what was sent; Starlette's own answers (401 from authentication, 404 of an unknown address, 405,
413 of a body above the route's limit) take the same shape. PostgreSQL not answering (restarting, refusing
connections, out of connections) is a 503 `unavailable` with `Retry-After`: the request may be sent again.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from shared.errors import (
    ConcurrencyError,
    DomainError,
    EventTooLarge,
    Forbidden,
    InvalidField,
    NotFound,
    PlatformError,
    RuleViolation,
)
from shared.http.messages import french
from shared.problems import FieldError, Problem

log = structlog.get_logger(__name__)

_STATUS: list[tuple[type[PlatformError], int]] = [
    (ConcurrencyError, 409),
    (NotFound, 404),
    (Forbidden, 403),
    (RuleViolation, 409),
    # Well-formed, but it would record an event above the size limit (refused before it is stored).
    (EventTooLarge, 413),
    (DomainError, 422),
]

# The database does not answer: its connection was lost or refused (class 08), it is shutting down or starting up
# (57P01-57P03), or it has no connection left (53300). Nothing was committed unless the commit itself was cut off,
# so a client sends the same request again (an identical command is recognised: a duplicate, or 409).
UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    ConnectionRefusedError,
    ConnectionResetError,
    # A pooled connection whose session PostgreSQL ended mid-operation, found in a lost protocol state ("cannot
    # switch to state ...; another operation is in progress"); the pool discards it when it is released.
    asyncpg.exceptions._base.InternalClientError,
)
RETRY_AFTER_SECONDS = 2

# Starlette's and FastAPI's own answers, by status: code and French detail.
_HTTP: dict[int, tuple[str, str]] = {
    400: ("malformed_body", "le corps de la requête est illisible"),
    401: ("unauthenticated", "authentification requise"),
    403: ("access_denied", "accès refusé"),
    404: ("not_found", "adresse inconnue"),
    405: ("method_not_allowed", "méthode non permise à cette adresse"),
    413: ("body_too_large", "le corps de la requête dépasse la taille permise pour cette adresse"),
    415: ("unsupported_media_type", "type de contenu non accepté"),
}

# A few fields are enough to correct a request; a body with thousands of unknown keys must not make a huge answer.
MAX_FIELD_ERRORS = 20


def problem(status: int, code: str, detail: str, errors: list[FieldError] | None = None, headers=None) -> JSONResponse:
    """An error answer."""
    body = Problem(code=code, detail=detail, errors=errors).model_dump(exclude_none=True)
    return JSONResponse(status_code=status, content=body, headers=headers)


def _location(loc: tuple[Any, ...]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


def field_errors(raw: list[dict[str, Any]]) -> list[FieldError]:
    """Each invalid field with a French message, never the value sent."""
    return [
        FieldError(loc=_location(tuple(e.get("loc", ()))), msg=french(e), type=str(e.get("type", "")))
        for e in raw[:MAX_FIELD_ERRORS]
    ]


def _summary(fields: list[FieldError], total: int) -> str:
    named = "; ".join(f"{'.'.join(str(p) for p in f.loc)} : {f.msg}" for f in fields[:3])
    more = f" (et {total - 3} autre(s))" if total > 3 else ""
    return f"données invalides : {named}{more}"


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    status = next(code for cls, code in _STATUS if isinstance(exc, cls))
    fields = None
    if isinstance(exc, InvalidField):
        fields = [FieldError(loc=["body", exc.field], msg=exc.reason, type=exc.code)]
    return problem(status, exc.code, str(exc), fields)


def database_unavailable(exc: BaseException) -> bool:
    """True when the database did not answer: the error, or one it was raised from or while handling (a rollback on
    a connection PostgreSQL closed fails in turn, with asyncpg's `InterfaceError`, "the underlying connection is
    closed")."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, UNAVAILABLE):
            return True
        if isinstance(seen, asyncpg.InterfaceError) and "connection is closed" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def _unavailable(_request: Request, exc: Exception) -> JSONResponse:
    if not database_unavailable(exc):
        raise exc  # a programming error with asyncpg's interface: the server error it is
    log.warning("http.database_unavailable", error_type=type(exc).__name__, error=str(exc))
    return problem(
        503,
        "unavailable",
        "la base de données ne répond pas pour l'instant : réessayez dans quelques secondes",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    fields = field_errors(raw)
    if len(raw) == 1 and raw[0].get("type") == "json_invalid":
        return problem(422, "malformed_body", f"le corps n'est pas un JSON lisible ({fields[0].msg})", fields)
    return problem(422, "invalid_input", _summary(fields, len(raw)), fields)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code, default = _HTTP.get(exc.status_code, ("http_error", "requête refusée"))
    # Starlette's own answers carry the English reason phrase ("Not Found"); ours carry a French detail.
    phrase = HTTPStatus(exc.status_code).phrase if exc.status_code in HTTPStatus._value2member_map_ else None
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail not in (phrase, "Content Too Large") else default
    if exc.status_code == 400:
        # FastAPI's "There was an error parsing the body": the body cannot be read, as invalid JSON is.
        return problem(422, code, detail)
    return problem(exc.status_code, code, detail, headers=getattr(exc, "headers", None))


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error of the platform, of request validation and of Starlette as a `Problem`."""
    for cls, _ in _STATUS:
        app.add_exception_handler(cls, _domain_error)
    for cls in (*UNAVAILABLE, asyncpg.InterfaceError):
        app.add_exception_handler(cls, _unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
