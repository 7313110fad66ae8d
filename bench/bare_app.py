"""The anchor of the API paths: a bare FastAPI app served by uvicorn with the services' settings.

    python -m bench.bare_app [--port 8109]

Any GET answers a small JSON document; any POST or PUT validates a JSON body with pydantic and answers it back
(201). No database, no token check: what FastAPI and uvicorn alone cost on this machine.
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from fastapi import FastAPI, status
from pydantic import BaseModel, ConfigDict

PORT = 8109
# The services' uvicorn settings (shared/cli.py): one process, default loop and HTTP parser, no access log.
UVICORN_OPTIONS: dict[str, Any] = {"log_config": None, "access_log": False}


class Body(BaseModel):
    """Any JSON object."""

    model_config = ConfigDict(extra="allow", frozen=True)


def build_app() -> FastAPI:
    """The bare app."""
    app = FastAPI(title="bare")

    @app.get("/{path:path}")
    async def read(path: str) -> dict:
        return {"path": path, "status": "open", "items": list(range(10))}

    @app.post("/{path:path}", status_code=status.HTTP_201_CREATED)
    async def write(path: str, body: Body | None = None) -> dict:
        return {"path": path, "body": body.model_dump() if body else None}

    @app.put("/{path:path}")
    async def replace(path: str, body: Body | None = None) -> dict:
        return {"path": path, "body": body.model_dump() if body else None}

    return app


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.bare_app", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=PORT)
    args = parser.parse_args()
    uvicorn.run(build_app(), host="127.0.0.1", port=args.port, **UVICORN_OPTIONS)


if __name__ == "__main__":
    main()
