"""The anchor of the API paths: a bare FastAPI app served by uvicorn with the services' settings.

    python -m bench.bare_app [--port 8109]

Any GET answers a small JSON document; `POST /batch` answers one sub-response per sub-request (its body echoed);
any other POST, PUT, PATCH or DELETE reads its body, validates it with pydantic when it is JSON, and answers it back
(201 for a POST). No database, no token check: what FastAPI and uvicorn
alone cost on this machine.
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from shared.http.app import NO_OPENTELEMETRY

PORT = 8109
# The services' uvicorn settings (shared/cli.py): one process, default loop and HTTP parser, no access log.
UVICORN_OPTIONS: dict[str, Any] = {"log_config": None, "access_log": False}


class Body(BaseModel):
    """Any JSON object."""

    model_config = ConfigDict(extra="allow", frozen=True)


def build_app() -> FastAPI:
    """The bare app."""
    app = FastAPI(title="bare", telemetry=NO_OPENTELEMETRY)  # as the services' (shared/http/app.py)

    @app.get("/{path:path}")
    async def read(path: str) -> dict:
        return {"path": path, "status": "open", "items": list(range(10))}

    @app.post("/batch")
    async def batch(request: Request) -> JSONResponse:
        # One sub-response per sub-request, its body echoed, as a service's batch answers (shared/http/batch.py).
        sent = Body.model_validate_json(await request.body()).model_dump()
        answers = [{"id": r["id"], "status": 201, "body": r.get("body")} for r in sent["requests"]]
        # Closing the connection as a service's batch does, so that the client reconnects for each batch here too.
        return JSONResponse({"responses": answers}, headers={"connection": "close"})

    @app.api_route("/{path:path}", methods=["POST", "PUT", "PATCH", "DELETE"])
    async def write(path: str, request: Request) -> JSONResponse:
        raw = await request.body()
        body = None
        if raw and request.headers.get("content-type", "").startswith("application/json"):
            body = Body.model_validate_json(raw).model_dump()
        code = status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK
        return JSONResponse({"path": path, "body": body, "bytes": len(raw)}, status_code=code)

    return app


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.bare_app", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=PORT)
    args = parser.parse_args()
    uvicorn.run(build_app(), host="127.0.0.1", port=args.port, **UVICORN_OPTIONS)


if __name__ == "__main__":
    main()
