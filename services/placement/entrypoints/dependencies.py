"""FastAPI dependencies of placement's routes: the handlers' dependencies of the running service, paging."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.placement.service_layer.dependencies import Dependencies
from shared.http.wiring import wired


async def _dependencies(request: Request) -> Dependencies:
    # async: FastAPI runs a plain function in a worker thread; the wiring is built once (shared/http/wiring.py).
    return wired(request)


DependenciesDep = Annotated[Dependencies, Depends(_dependencies)]
