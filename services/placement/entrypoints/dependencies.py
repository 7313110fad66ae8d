"""FastAPI dependencies of placement's routes: the handlers' dependencies of the running service, paging."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.placement.service_layer.dependencies import Dependencies


def _dependencies(request: Request) -> Dependencies:
    return request.app.state.dependencies(request.app.state.runtime)


DependenciesDep = Annotated[Dependencies, Depends(_dependencies)]
