"""Documented error answers of the HTTP APIs: `responses=errors(401, 403, 404)` on a route (the mapping of the
platform's errors to these status codes is in `shared.http`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Problem(BaseModel):
    """An error: a readable detail, the error's name, and for some a stable machine `code`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"detail": "no beneficiary 6f1d2c9e-6a43-4d8e-bb0e-2f9f0c3e7a10", "error": "BeneficiaryNotFound"}
            ]
        }
    )

    detail: str
    error: str
    code: str | None = None


class FieldError(BaseModel):
    """One invalid field: where it is and why."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(BaseModel):
    """Invalid input: the invalid fields (a list), or a readable detail when the content breaks a rule."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": [
                        {
                            "loc": ["body", "commune_code"],
                            "msg": "String should match pattern",
                            "type": "string_pattern_mismatch",
                        }
                    ]
                },
                {
                    "detail": "commune '75056' is not a commune of Seine-Saint-Denis covered by an ALI",
                    "error": "UnknownCommune",
                },
            ]
        }
    )

    detail: list[FieldError] | str
    error: str | None = None


_DESCRIPTIONS = {
    401: "Missing or invalid bearer token.",
    403: "The caller's role or agency may not do this.",
    404: "Unknown id.",
    409: "A rule of the domain forbids it, or the resource changed meanwhile (reload and retry).",
    413: "The file is too large.",
    422: "Invalid input: each field and its reason (a list), or a readable detail for a rule of the content.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route answering these error codes."""
    return {
        code: {"model": ValidationProblem if code == 422 else Problem, "description": _DESCRIPTIONS[code]}
        for code in codes
    }
