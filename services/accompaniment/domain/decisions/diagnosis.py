"""The diagnosis: barriers by category (identified, worked on, lifted or not) and training needs."""

from __future__ import annotations

from services.accompaniment.domain.commands import (
    BarrierProgress,
    IdentifyBarrier,
    ProgressBarrier,
    RecordTrainingNeed,
)
from services.accompaniment.domain.decisions.guards import header, open_, past_fact
from services.accompaniment.domain.errors import AlreadyRecorded, InvalidDate, ItemNotFound, TransitionRefused
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.state import Accompaniment, Barrier, BarrierStatus
from shared.contracts.accompaniment import (
    AccompanimentEvent,
    BarrierIdentified,
    BarrierLifted,
    BarrierNotLifted,
    BarrierWorkedOn,
    TrainingNeedRecorded,
)
from shared.private_text import text_ref


def identify_barrier(state: Accompaniment | None, cmd: IdentifyBarrier, ctx: Context) -> list[BarrierIdentified]:
    """Record a new barrier; a category is followed once at a time (again, as a new barrier, once it ended)."""
    state = open_(state)
    if state.barrier(cmd.barrier_id) is not None:
        raise AlreadyRecorded(f"barrier {cmd.barrier_id} is already recorded")
    if (current := state.active_barrier(cmd.category)) is not None:
        raise AlreadyRecorded(
            f"un frein {cmd.category.value} est déjà suivi depuis le {current.identified_on} (frein {current.id})"
        )
    on = past_fact(state, cmd.identified_on, ctx.today, "la date d'identification")
    return [BarrierIdentified(**header(state), barrier_id=cmd.barrier_id, category=cmd.category, identified_on=on)]


def _followed(state: Accompaniment, cmd: ProgressBarrier) -> Barrier:
    """The barrier a progress is about, which must still be followed."""
    if cmd.barrier_id is not None:
        barrier = state.barrier(cmd.barrier_id)
        if barrier is None:
            raise ItemNotFound(f"aucun frein {cmd.barrier_id} dans cet accompagnement")
        if not barrier.is_active:
            raise TransitionRefused(
                f"le frein {barrier.category.value} {barrier.id} a pris fin le {barrier.ended_on}"
                f" ({barrier.status.value}) : identifiez un nouveau frein s'il fait de nouveau obstacle"
            )
        return barrier
    assert cmd.category is not None
    barrier = state.active_barrier(cmd.category)
    if barrier is None:
        raise TransitionRefused(f"aucun frein {cmd.category.value} n'est suivi : identifiez-le d'abord")
    return barrier


def progress_barrier(state: Accompaniment | None, cmd: ProgressBarrier, ctx: Context) -> list[AccompanimentEvent]:
    """Move a followed barrier on: worked on (once), then lifted or not lifted, which ends its follow-up."""
    state = open_(state)
    barrier = _followed(state, cmd)
    on = past_fact(state, cmd.on, ctx.today, "la date")
    if on < barrier.identified_on:
        raise InvalidDate(f"la date {on} précède l'identification du frein ({barrier.identified_on})")
    days = (on - barrier.identified_on).days
    named = {**header(state), "barrier_id": barrier.id, "category": barrier.category}
    match cmd.status:
        case BarrierProgress.WORKED_ON:
            if barrier.status == BarrierStatus.WORKED_ON:
                raise TransitionRefused(
                    f"the {barrier.category.value} barrier is already worked on since {barrier.worked_on_from}"
                )
            return [BarrierWorkedOn(**named, started_on=on)]
        case BarrierProgress.LIFTED:
            return [BarrierLifted(**named, lifted_on=on, days_since_identified=days)]
        case BarrierProgress.NOT_LIFTED:
            return [BarrierNotLifted(**named, assessed_on=on, days_since_identified=days)]
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
            **header(state),
            training_need_id=cmd.training_need_id,
            subject_ref=text_ref(cmd.training_need_id, "subject"),
            recorded_on=on,
        )
    ]
