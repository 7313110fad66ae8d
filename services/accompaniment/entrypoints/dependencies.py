"""FastAPI dependencies of accompaniment's routes: the handlers' dependencies, and running a command."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from services.accompaniment.domain.commands import Command
from services.accompaniment.entrypoints.responses import AccompanimentDetail, detail
from services.accompaniment.service_layer import handlers
from services.accompaniment.service_layer.dependencies import Dependencies
from shared.audit import Audit
from shared.auth import Principal
from shared.http.wiring import wired


async def _dependencies(request: Request) -> Dependencies:
    # async: FastAPI runs a plain function in a worker thread; the wiring is built once (shared/http/wiring.py).
    return wired(request)


DependenciesDep = Annotated[Dependencies, Depends(_dependencies)]


async def execute(accompaniment_id: UUID, cmd: Command, user: Principal, deps: Dependencies) -> AccompanimentDetail:
    """Run a command on an accompaniment of the caller's agency and show the result."""
    handled = await handlers.handle_shown(accompaniment_id, cmd, user=user, deps=deps, ctx=deps.context())
    if handled.view.shown:
        await Audit(deps.audit, user).read(
            "accompaniment",
            agency_id=handled.state.agency_id,
            resource_id=handled.state.id,
            beneficiary_id=handled.state.beneficiary_id,
        )
    return detail(handled.state, deps.rules, handled.view)
