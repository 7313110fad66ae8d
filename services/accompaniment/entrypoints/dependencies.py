"""FastAPI dependencies of accompaniment's routes: the handlers' dependencies, and running a command."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from services.accompaniment.domain.commands import Command
from services.accompaniment.entrypoints.responses import AccompanimentDetail, detail
from services.accompaniment.service_layer import handlers
from services.accompaniment.service_layer.dependencies import Dependencies
from shared.auth import Principal


def _dependencies(request: Request) -> Dependencies:
    return request.app.state.dependencies(request.app.state.runtime)


DependenciesDep = Annotated[Dependencies, Depends(_dependencies)]


async def execute(accompaniment_id: UUID, cmd: Command, user: Principal, deps: Dependencies) -> AccompanimentDetail:
    """Run a command on an accompaniment of the caller's agency and show the result."""
    state = await handlers.handle(accompaniment_id, cmd, user=user, deps=deps, ctx=deps.context())
    return detail(state, deps.rules)
