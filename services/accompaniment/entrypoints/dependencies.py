"""What the routes need, taken from the running application: pool, repositories, department settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import Depends, Request

from services.accompaniment.adapters.read_model import AccompanimentViews
from services.accompaniment.adapters.repository import AccompanimentRepository
from services.accompaniment.adapters.workshops import WorkshopRepository
from services.accompaniment.domain.commands import Command, UpdateCandidateProfile
from services.accompaniment.domain.rules import Context, Rules
from services.accompaniment.domain.state import Accompaniment
from services.accompaniment.domain.worklist import Thresholds
from services.accompaniment.entrypoints.views import AccompanimentDetail, detail
from services.accompaniment.service_layer import handlers
from shared.auth import Principal, Role
from shared.errors import Forbidden


@dataclass(frozen=True)
class Deps:
    """The service's adapters and settings for one request."""

    pool: asyncpg.Pool
    repo: AccompanimentRepository
    sessions: WorkshopRepository
    rules: Rules
    thresholds: Thresholds

    @property
    def views(self) -> AccompanimentViews:
        """The accompaniments read model."""
        return self.repo.views

    def context(self) -> Context:
        """Decision context: today's date and the department rules."""
        return Context(today=date.today(), rules=self.rules)

    async def show(self, state: Accompaniment) -> AccompanimentDetail:
        """The detail of `state`, with the commune from the read model."""
        row = await self.views.row(self.pool, state.id)
        return detail(state, self.rules, row["commune_code"] if row else None)

    async def execute(self, accompaniment_id: UUID, cmd: Command, user: Principal) -> AccompanimentDetail:
        """Run a command on an accompaniment of the caller's agency and show the result."""
        args = dict(authorize=user.require_personal_data, pool=self.pool, repo=self.repo, ctx=self.context())
        if isinstance(cmd, UpdateCandidateProfile):
            state = await handlers.update_candidate_profile(accompaniment_id, cmd, **args)
        else:
            state = await handlers.handle(accompaniment_id, cmd, **args)
        return await self.show(state)


def _deps(request: Request) -> Deps:
    state = request.app.state
    store = state.runtime.store
    return Deps(
        pool=state.runtime.pool,
        repo=AccompanimentRepository(store, AccompanimentViews(state.schema)),
        sessions=WorkshopRepository(store, state.schema),
        rules=state.rules,
        thresholds=state.thresholds,
    )


DepsDep = Annotated[Deps, Depends(_deps)]


def personal_scope(user: Principal, agency_id: str | None) -> str | None:
    """The agency a list of people is limited to: the caller's own (403 for another), any for admin."""
    if user.role == Role.DEPARTMENT_STAFF:
        raise Forbidden("department staff see indicators only, not personal data")
    if user.agency_scope is None:
        return agency_id
    if agency_id is not None:
        user.require_agency(agency_id)
    return user.agency_scope
