"""Command handlers: load the accompaniment, check access, decide, save, all in one unit of work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from uuid import UUID

from services.accompaniment.domain import commands as c
from services.accompaniment.domain.decisions import (
    action_plan,
    appointments,
    candidate,
    diagnosis,
    engagement,
    lifecycle,
)
from services.accompaniment.domain.decisions.guards import existing
from services.accompaniment.domain.evolution import ACCOMPANIMENT
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.state import Accompaniment
from services.accompaniment.service_layer.dependencies import Dependencies
from shared.auth import Principal
from shared.contracts.accompaniment import AccompanimentEvent
from shared.errors import ConcurrencyError
from shared.eventstore import Tracing
from shared.private_text import Owner
from shared.unit_of_work import UnitOfWork

Decider = Callable[[Accompaniment | None, Any, Context], list[AccompanimentEvent]]

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
    c.UpdateCandidateProfile: candidate.update_candidate_profile,
}


async def load(uow: UnitOfWork, deps: Dependencies, accompaniment_id: UUID) -> Accompaniment | None:
    """The accompaniment's state; one opened before `AccompanimentOpened` v2 gets its commune from the read model.

    Events recorded as v1 do not carry the commune; the read model row has it, written from the enrolment event
    consumed when the accompaniment was opened (and from the transfers since). Later events carry it.
    """
    state = await uow.load(ACCOMPANIMENT, accompaniment_id)
    if state is not None and state.commune_code is None:
        state = replace(state, commune_code=await deps.accompaniments.commune_of(uow.connection, accompaniment_id))
    return state


# Times a command is decided and saved when another change of the same accompaniment keeps getting in first.
CONFLICT_ATTEMPTS = 3


async def handle(
    accompaniment_id: UUID, cmd: c.Command, *, user: Principal, deps: Dependencies, ctx: Context
) -> Accompaniment:
    """Apply one command to an accompaniment of the caller's agency.

    The stream is read and the decision taken before the unit of work that writes: the process's units of work
    share commits and run one after another on their shared connection, so only the writes wait their turn there
    (the events are appended with the group's, at its commit). The append at the version read is what keeps a
    change made in between from being overwritten: it fails with `ConcurrencyError`, and the command is decided
    again on the stream as it now is, up to CONFLICT_ATTEMPTS times (then the 409 reaches the caller).
    """
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            return await _handle_once(accompaniment_id, cmd, user=user, deps=deps, ctx=ctx)
        except ConcurrencyError:
            if attempt == CONFLICT_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def _handle_once(
    accompaniment_id: UUID, cmd: c.Command, *, user: Principal, deps: Dependencies, ctx: Context
) -> Accompaniment:
    decide = DECIDERS[type(cmd)]
    async with deps.store.connection() as conn:
        state = existing(await load(deps.store.join(conn, Tracing.new()), deps, accompaniment_id))
    user.scope(state.agency_id)
    events = decide(state, cmd, ctx)
    async with deps.store.transaction() as uow:
        # Free text stays here, encrypted with the person's key; the events carry its reference only.
        await deps.texts.seal(uow.connection, Owner.person(state.beneficiary_id), cmd.texts())
        return await uow.save(ACCOMPANIMENT, state, events)
