"""Command handlers: load the accompaniment, check access, decide, append, all in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import asyncpg

from services.accompaniment.adapters.repository import AccompanimentRepository
from services.accompaniment.domain import action_plan, appointments, candidate, diagnosis, engagement, lifecycle
from services.accompaniment.domain import commands as c
from services.accompaniment.domain.guards import existing
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.state import Accompaniment
from shared.contracts.accompaniment import AccompanimentEvent
from shared.eventstore import Tracing

Decider = Callable[[Accompaniment | None, Any, Context], list[AccompanimentEvent]]
# Raises Forbidden when the caller may not work on the given agency's people.
Authorize = Callable[[str], None]

DECIDERS: dict[type[c.Command], Decider] = {
    c.AssignReferent: lifecycle.assign_referent,
    c.SuspendAccompaniment: lifecycle.suspend,
    c.ResumeAccompaniment: lifecycle.resume,
    c.RenewAccompaniment: lifecycle.renew,
    c.CloseAccompaniment: lifecycle.close,
    c.SignEngagementContract: engagement.sign_contract,
    c.ScheduleAppointment: appointments.schedule,
    c.RecordAppointmentHeld: appointments.hold,
    c.RecordAppointmentMissed: appointments.miss,
    c.CancelAppointment: appointments.cancel,
    c.IdentifyBarrier: diagnosis.identify_barrier,
    c.ProgressBarrier: diagnosis.progress_barrier,
    c.RecordTrainingNeed: diagnosis.record_training_need,
    c.SetObjective: action_plan.set_objective,
    c.PlanAction: action_plan.plan_action,
    c.ChangeActionStatus: action_plan.change_action_status,
    c.ReferToScheme: action_plan.refer_to_scheme,
}


async def handle(
    accompaniment_id: UUID,
    cmd: c.Command,
    *,
    authorize: Authorize,
    pool: asyncpg.Pool,
    repo: AccompanimentRepository,
    ctx: Context,
) -> Accompaniment:
    """Apply one command to an accompaniment; a concurrent change makes the append fail (409)."""
    decide = DECIDERS[type(cmd)]
    async with pool.acquire() as conn, conn.transaction():
        state = existing(await repo.get(accompaniment_id, conn))
        authorize(state.agency_id)
        return await repo.save(conn, state, decide(state, cmd, ctx), Tracing.new())


async def update_candidate_profile(
    accompaniment_id: UUID,
    cmd: c.UpdateCandidateProfile,
    *,
    authorize: Authorize,
    pool: asyncpg.Pool,
    repo: AccompanimentRepository,
    ctx: Context,
) -> Accompaniment:
    """Publish the candidate profile, with the commune known from enrolment or the last transfer."""
    async with pool.acquire() as conn, conn.transaction():
        state = existing(await repo.get(accompaniment_id, conn))
        authorize(state.agency_id)
        row = await repo.views.row(conn, accompaniment_id)
        events = candidate.update_candidate_profile(state, cmd, ctx, row["commune_code"] if row else None)
        return await repo.save(conn, state, events, Tracing.new())
