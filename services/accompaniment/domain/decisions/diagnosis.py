"""The diagnosis: barriers by category (identified, worked on, lifted or not) and training needs."""

from __future__ import annotations

from services.accompaniment.domain.commands import (
    BarrierProgress,
    IdentifyBarrier,
    ProgressBarrier,
    RecordTrainingNeed,
)
from services.accompaniment.domain.decisions.guards import header, open_, past_fact
from services.accompaniment.domain.errors import AlreadyRecorded, InvalidDate, TransitionRefused
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.state import Accompaniment, BarrierStatus
from shared.contracts.accompaniment import (
    AccompanimentEvent,
    BarrierIdentified,
    BarrierLifted,
    BarrierNotLifted,
    BarrierWorkedOn,
    TrainingNeedRecorded,
)


def identify_barrier(state: Accompaniment | None, cmd: IdentifyBarrier, ctx: Context) -> list[BarrierIdentified]:
    """Record a barrier; a category is followed once at a time (again only after it was lifted or not)."""
    state = open_(state)
    if (current := state.active_barrier(cmd.category)) is not None:
        raise AlreadyRecorded(f"un frein {cmd.category.value} est déjà suivi depuis le {current.identified_on}")
    on = past_fact(state, cmd.identified_on, ctx.today, "la date d'identification")
    return [BarrierIdentified(**header(state), category=cmd.category, identified_on=on)]


def progress_barrier(state: Accompaniment | None, cmd: ProgressBarrier, ctx: Context) -> list[AccompanimentEvent]:
    """Move a followed barrier on: worked on (once), then lifted or not lifted, which ends its follow-up."""
    state = open_(state)
    barrier = state.active_barrier(cmd.category)
    if barrier is None:
        raise TransitionRefused(f"aucun frein {cmd.category.value} n'est suivi : identifiez-le d'abord")
    on = past_fact(state, cmd.on, ctx.today, "la date")
    if on < barrier.identified_on:
        raise InvalidDate(f"la date {on} précède l'identification du frein ({barrier.identified_on})")
    days = (on - barrier.identified_on).days
    match cmd.status:
        case BarrierProgress.WORKED_ON:
            if barrier.status == BarrierStatus.WORKED_ON:
                raise TransitionRefused(
                    f"the {cmd.category.value} barrier is already worked on since {barrier.worked_on_from}"
                )
            return [BarrierWorkedOn(**header(state), category=cmd.category, started_on=on)]
        case BarrierProgress.LIFTED:
            return [BarrierLifted(**header(state), category=cmd.category, lifted_on=on, days_since_identified=days)]
        case BarrierProgress.NOT_LIFTED:
            return [
                BarrierNotLifted(**header(state), category=cmd.category, assessed_on=on, days_since_identified=days)
            ]
    raise TransitionRefused(f"statut de frein inconnu : {cmd.status}")


def record_training_need(
    state: Accompaniment | None, cmd: RecordTrainingNeed, ctx: Context
) -> list[TrainingNeedRecorded]:
    """Note a training need."""
    state = open_(state)
    if any(n.id == cmd.training_need_id for n in state.training_needs):
        raise AlreadyRecorded(f"le besoin de formation {cmd.training_need_id} est déjà enregistré")
    on = past_fact(state, cmd.recorded_on, ctx.today, "la date")
    return [
        TrainingNeedRecorded(
            **header(state), training_need_id=cmd.training_need_id, subject=cmd.subject, recorded_on=on
        )
    ]
