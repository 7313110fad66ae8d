"""The published OpenAPI documents every error a route can answer, all with the one `Problem` schema.

Derived from what each operation is: authenticated (401, 403), with a path parameter (404), a write (409, a
concurrent change at least; 404 too when it has a body, which may refer to an unknown id), with parameters or a
body (422), with a body (413). A route declares anything else
it answers with `responses=errors(...)` (`shared.problems`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from shared.problems import Problem, errors

_WRITES = {"post", "put", "patch", "delete"}
_METHODS = _WRITES | {"get", "head", "options"}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _statuses(operation: dict[str, Any], method: str) -> set[int]:
    secured = bool(operation.get("security"))
    parameters = operation.get("parameters", [])
    body = "requestBody" in operation
    statuses: set[int] = set()
    if secured:
        statuses |= {401, 403}
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if secured and method in _WRITES:
        statuses.add(409)
        if body:
            statuses.add(404)  # an id the body refers to (employer, need...) is unknown
    if parameters or body:
        statuses.add(422)
    if body:
        statuses.add(413)
    return statuses


def _problem_content() -> dict[str, Any]:
    return {"application/json": {"schema": dict(_PROBLEM_REF)}}


def _is_error_schema(response: dict[str, Any]) -> bool:
    """A response that documents no body, FastAPI's validation error or a `Problem` (a route may document another)."""
    content = response.get("content")
    if not content:
        return True
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] in ("HTTPValidationError", "Problem")


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every operation's error answers documented as `Problem`s."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    descriptions = errors(400, 401, 403, 404, 409, 413, 422, 503)
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in _statuses(operation, method):
                responses.setdefault(str(status), {"description": descriptions[status]["description"]})
            for status, response in responses.items():
                if status[:1] in ("4", "5") and _is_error_schema(response):
                    response["content"] = _problem_content()
    return schema


def install_openapi(app: FastAPI) -> None:
    """Have `app.openapi()` (hence `/openapi.json` and `/docs`) document the errors of every route."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
