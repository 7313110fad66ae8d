"""The action plan: objectives, actions towards them with their statuses, and referrals to schemes."""

from __future__ import annotations

from services.accompaniment.domain.commands import ChangeActionStatus, PlanAction, ReferToScheme, SetObjective
from services.accompaniment.domain.decisions.guards import header, open_, past_fact
from services.accompaniment.domain.errors import AlreadyRecorded, InvalidDate, ItemNotFound, TransitionRefused
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.state import Accompaniment
from shared.contracts.accompaniment import (
    ActionPlanned,
    ActionStatus,
    ActionStatusChanged,
    ObjectiveSet,
    SchemeReferralMade,
)
from shared.private_text import text_ref

# Where an action can go from each status; done and abandoned are final.
NEXT_STATUSES: dict[ActionStatus, frozenset[ActionStatus]] = {
    ActionStatus.PLANNED: frozenset({ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.ABANDONED}),
    ActionStatus.IN_PROGRESS: frozenset({ActionStatus.DONE, ActionStatus.ABANDONED}),
    ActionStatus.DONE: frozenset(),
    ActionStatus.ABANDONED: frozenset(),
}


def set_objective(state: Accompaniment | None, cmd: SetObjective, ctx: Context) -> list[ObjectiveSet]:
    """Add an objective; its target date, if any, is not before the day it is set."""
    state = open_(state)
    if cmd.objective_id in state.objectives:
        raise AlreadyRecorded(f"l'objectif {cmd.objective_id} est déjà fixé")
    set_on = past_fact(state, cmd.set_on, ctx.today, "la date")
    if cmd.target_date is not None and cmd.target_date < set_on:
        raise InvalidDate(f"l'échéance {cmd.target_date} précède la fixation de l'objectif ({set_on})")
    return [
        ObjectiveSet(
            **header(state),
            objective_id=cmd.objective_id,
            label_ref=text_ref(cmd.objective_id, "label"),
            set_on=set_on,
            target_date=cmd.target_date,
        )
    ]


def plan_action(state: Accompaniment | None, cmd: PlanAction, ctx: Context) -> list[ActionPlanned]:
    """Plan an action towards an existing objective."""
    state = open_(state)
    if cmd.objective_id not in state.objectives:
        raise ItemNotFound(f"aucun objectif {cmd.objective_id} dans cet accompagnement")
    if cmd.action_id in state.actions:
        raise AlreadyRecorded(f"l'action {cmd.action_id} est déjà prévue")
    planned_on = past_fact(state, cmd.planned_on, ctx.today, "la date")
    if cmd.due_on is not None and cmd.due_on < planned_on:
        raise InvalidDate(f"l'échéance {cmd.due_on} précède la date où l'action est prévue ({planned_on})")
    return [
        ActionPlanned(
            **header(state),
            action_id=cmd.action_id,
            objective_id=cmd.objective_id,
            label_ref=text_ref(cmd.action_id, "label"),
            planned_on=planned_on,
            due_on=cmd.due_on,
        )
    ]


def change_action_status(
    state: Accompaniment | None, cmd: ChangeActionStatus, ctx: Context
) -> list[ActionStatusChanged]:
    """Start, complete or abandon an action; a done or abandoned action stays so."""
    state = open_(state)
    action = state.actions.get(cmd.action_id)
    if action is None:
        raise ItemNotFound(f"aucune action {cmd.action_id} dans cet accompagnement")
    if cmd.status not in NEXT_STATUSES[action.status]:
        raise TransitionRefused(f"l'action est {action.status.value} : elle ne peut pas passer à {cmd.status.value}")
    on = past_fact(state, cmd.changed_on, ctx.today, "la date")
    if on < action.planned_on:
        raise InvalidDate(f"la date {on} précède la date où l'action a été prévue ({action.planned_on})")
    return [
        ActionStatusChanged(
            **header(state),
            action_id=action.id,
            objective_id=action.objective_id,
            previous_status=action.status,
            status=cmd.status,
            changed_on=on,
        )
    ]


def refer_to_scheme(state: Accompaniment | None, cmd: ReferToScheme, ctx: Context) -> list[SchemeReferralMade]:
    """Refer the person to a scheme or partner (training, IAE, town hall, social services...)."""
    state = open_(state)
    if any(r.id == cmd.referral_id for r in state.referrals):
        raise AlreadyRecorded(f"l'orientation {cmd.referral_id} est déjà enregistrée")
    on = past_fact(state, cmd.referred_on, ctx.today, "la date d'orientation vers le dispositif")
    return [
        SchemeReferralMade(
            **header(state),
            referral_id=cmd.referral_id,
            scheme=cmd.scheme,
            partner_ref=text_ref(cmd.referral_id, "partner"),
            referred_on=on,
        )
    ]
