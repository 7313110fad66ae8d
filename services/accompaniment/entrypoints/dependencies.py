"""FastAPI dependencies of accompaniment's routes: the handlers' dependencies, and running a command."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from services.accompaniment.domain.commands import Command
from services.accompaniment.domain.state import Accompaniment
from services.accompaniment.entrypoints.responses import AccompanimentDetail, detail
from services.accompaniment.service_layer import handlers
from services.accompaniment.service_layer.dependencies import Dependencies
from shared.audit import Audit
from shared.auth import Principal
from shared.http.wiring import wired
from shared.private_text import Owner


async def _dependencies(request: Request) -> Dependencies:
    # async: FastAPI runs a plain function in a worker thread; the wiring is built once (shared/http/wiring.py).
    return wired(request)


DependenciesDep = Annotated[Dependencies, Depends(_dependencies)]


async def execute(accompaniment_id: UUID, cmd: Command, user: Principal, deps: Dependencies) -> AccompanimentDetail:
    """Run a command on an accompaniment of the caller's agency and show the result."""
    state = await handlers.handle(accompaniment_id, cmd, user=user, deps=deps, ctx=deps.context())
    return await shown(state, user, deps, always_audited=False)


async def shown(
    state: Accompaniment, user: Principal, deps: Dependencies, *, always_audited: bool
) -> AccompanimentDetail:
    """The follow-up with its free text decrypted; the read is audited (a command's answer: when it shows text)."""
    async with deps.store.connection() as conn:
        view = await deps.texts.view(conn, Owner.person(state.beneficiary_id), state.text_refs())
    if always_audited or view.shown:
        await Audit(deps.audit, user).read(
            "accompaniment", agency_id=state.agency_id, resource_id=state.id, beneficiary_id=state.beneficiary_id
        )
    return detail(state, deps.rules, view)
