"""Command handlers: load the accompaniment, check access, decide, save, all in one unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar
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
from shared.eventstore import Beside, Tracing
from shared.private_text import Owner, Revealed, TextState, TextView
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
    return await _with_commune(deps, uow.connection, await uow.load(ACCOMPANIMENT, accompaniment_id))


async def _with_commune(deps: Dependencies, conn: Any, state: Accompaniment | None) -> Accompaniment | None:
    if state is not None and state.commune_code is None:
        state = replace(state, commune_code=await deps.accompaniments.commune_of(conn, state.id))
    return state


async def load_shown(
    conn: Any, deps: Dependencies, accompaniment_id: UUID, user: Principal
) -> tuple[Accompaniment, Owner, TextView]:
    """An accompaniment of the caller's agency (else `NotFound`, `Forbidden`), its person, and their texts as it
    shows them; the texts are read with the stream in one round trip when its state is kept from an earlier read."""
    uow = deps.store.join(conn, Tracing.new())
    asked: set[UUID | None] = {None}

    def texts_beside(kept: Accompaniment) -> Beside | None:
        asked.update(kept.text_refs())
        return deps.texts.view_beside(Owner.person(kept.beneficiary_id), kept.text_refs())

    found, rows = await uow.load_beside(ACCOMPANIMENT, accompaniment_id, texts_beside)
    state = existing(await _with_commune(deps, uow.connection, found))
    user.scope(state.agency_id)
    owner = Owner.person(state.beneficiary_id)
    refs = state.text_refs()
    # Read beside the stream for the references of the state as kept; the events read since may have added some.
    if rows is not None and asked.issuperset(refs):
        return state, owner, deps.texts.view_of(rows, refs)
    return state, owner, await deps.texts.view(conn, owner, refs)


# Times a command is decided and saved when another change of the same accompaniment keeps getting in first.
CONFLICT_ATTEMPTS = 3

T = TypeVar("T")


@dataclass(frozen=True)
class Handled:
    """A command's outcome: the accompaniment as saved, and the person's texts as its answer shows them."""

    state: Accompaniment
    view: TextView


async def handle(
    accompaniment_id: UUID, cmd: c.Command, *, user: Principal, deps: Dependencies, ctx: Context
) -> Accompaniment:
    """Apply one command to an accompaniment of the caller's agency; the accompaniment as saved."""
    return (await handle_shown(accompaniment_id, cmd, user=user, deps=deps, ctx=ctx)).state


async def handle_shown(
    accompaniment_id: UUID, cmd: c.Command, *, user: Principal, deps: Dependencies, ctx: Context
) -> Handled:
    """Apply one command to an accompaniment of the caller's agency; the accompaniment and its texts as saved.

    The stream is read and the decision taken before the unit of work that writes: the process's units of work
    share commits and run one after another on their shared connection, so only the writes wait their turn there
    (the events are appended with the group's, at its commit). The append at the version read is what keeps a
    change made in between from being overwritten: it fails with `ConcurrencyError`, and the command is decided
    again on the stream as it now is, up to CONFLICT_ATTEMPTS times (then the 409 reaches the caller).
    """
    return await decided_again(lambda: _handle_once(accompaniment_id, cmd, user=user, deps=deps, ctx=ctx))


async def decided_again(once: Callable[[], Awaitable[T]]) -> T:
    """Run `once` (read, decide, save at the version read) again while a concurrent change of what it read makes
    its save fail with `ConcurrencyError`, up to CONFLICT_ATTEMPTS times; the last conflict reaches the caller."""
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            return await once()
        except ConcurrencyError:
            if attempt == CONFLICT_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def _handle_once(
    accompaniment_id: UUID, cmd: c.Command, *, user: Principal, deps: Dependencies, ctx: Context
) -> Handled:
    decide = DECIDERS[type(cmd)]
    async with deps.store.connection() as conn:
        # The person's texts as they were, read on the same connection: with the command's own, they make the
        # answer's (no second connection and query after the commit).
        state, owner, before = await load_shown(conn, deps, accompaniment_id, user)
    events = decide(state, cmd, ctx)
    texts = cmd.texts()
    async with deps.store.transaction() as uow:
        # Free text stays here, encrypted with the person's key; the events carry its reference only.
        # Sealing fails with `PersonalDataErased` once the person was erased (checked under a lock).
        await deps.texts.seal(uow.connection, owner, texts)
        saved = await uow.save(ACCOMPANIMENT, state, events)
    return Handled(saved, await _answered(deps, owner, saved, before, texts))


async def _answered(
    deps: Dependencies, owner: Owner, saved: Accompaniment, before: TextView, texts: dict[UUID, str]
) -> TextView:
    """The texts of the saved state: those read before the command, with the ones it sealed. A reference known to
    neither (none of today's commands makes one) is read again after the commit."""
    known = {**before.texts, **{ref: Revealed(TextState.AVAILABLE, text) for ref, text in texts.items()}}
    refs = saved.text_refs()
    if all(ref in known for ref in refs):
        return TextView(erased=before.erased, texts={ref: known[ref] for ref in refs})
    async with deps.store.connection() as conn:
        return await deps.texts.view(conn, owner, refs)
