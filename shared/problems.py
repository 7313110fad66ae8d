"""The one schema of every error answer of the HTTP APIs, and its documentation on routes.

Every error is answered as a `Problem`: a stable machine `code` (snake_case, English, e.g. `access_denied`,
`beneficiary_not_found`), a `detail` in French for the person reading it, and for invalid input the invalid fields
(`errors`: where and why, never the value sent). `shared.http` documents 401, 404, 409, 413 and 422 on every route
that can answer them; a route adds what only it answers with `responses=errors(403)` (or any codes).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# The codes every service may answer; each domain error adds its own (its class's `code`).
GENERIC_CODES: dict[str, str] = {
    "unauthenticated": "no bearer token, or one that cannot be trusted (401)",
    "access_denied": "the caller's role or agency may not do this (403)",
    "not_found": "unknown id or address (404)",
    "method_not_allowed": "the address does not answer this method (405)",
    "rule_violated": "a rule of the domain forbids it (409)",
    "concurrent_change": "the resource changed meanwhile: reload and retry (409)",
    "body_too_large": "the request's body is above the route's limit (413)",
    "invalid_input": "fields are missing or invalid: see `errors` (422)",
    "malformed_body": "the body cannot be read (422)",
    "invalid_request": "the content breaks a rule of the domain (422)",
    "invalid_field": "one field is not acceptable given what is known (422)",
    "unavailable": "a dependency does not answer (503)",
    "overloaded": "the process runs as many requests as it may: retry after `Retry-After` seconds (503)",
}


class FieldError(BaseModel):
    """One invalid field: where it is (`body`, `query`, `path`, then the field's path) and why, in French."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An error: a stable machine `code`, a French `detail`, and for invalid input the fields (`errors`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "beneficiary_not_found",
                    "detail": "aucun bénéficiaire 6f1d2c9e-6a43-4d8e-bb0e-2f9f0c3e7a10",
                },
                {
                    "code": "invalid_input",
                    "detail": "données invalides : body.commune_code : format non reconnu",
                    "errors": [
                        {
                            "loc": ["body", "commune_code"],
                            "msg": "format non reconnu",
                            "type": "string_pattern_mismatch",
                        }
                    ],
                },
            ]
        }
    )

    code: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Stable machine code (snake_case): "
        + "; ".join(f"`{code}` {meaning}" for code, meaning in GENERIC_CODES.items())
        + "; a domain error answers its own (e.g. `known_to_department`, `accompaniment_already_closed`).",
    )
    detail: str = Field(description="What went wrong, in French.")
    errors: list[FieldError] | None = Field(None, description="The invalid fields (422), never their values.")


_DESCRIPTIONS = {
    400: "The request cannot be read.",
    401: "Missing or invalid bearer token (`unauthenticated`).",
    403: "The caller's role or agency may not do this (`access_denied` or a more precise code).",
    404: "Unknown id (`not_found`, or `<resource>_not_found`).",
    409: "A rule of the domain forbids it, or the resource changed meanwhile (`concurrent_change`: reload and retry).",
    413: "The request's body is too large for this route (`body_too_large`).",
    422: "Invalid input: `errors` names each field and why (`invalid_input`), or `detail` a rule of the content.",
    503: "A dependency (PostgreSQL, Kafka, a worker) does not answer, or the process is overloaded (`overloaded`:"
    " retry after `Retry-After` seconds).",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route answering these error codes (all with the `Problem` schema)."""
    return {code: {"model": Problem, "description": _DESCRIPTIONS[code]} for code in codes}
