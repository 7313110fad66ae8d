"""Decisions on the life of an accompaniment: opening, referent, suspension, renewal, transfer, exit, closure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID

from services.accompaniment.domain.commands import (
    AssignReferent,
    CloseAccompaniment,
    RenewAccompaniment,
    ResumeAccompaniment,
    SuspendAccompaniment,
)
from services.accompaniment.domain.decisions.guards import header, open_, past_fact
from services.accompaniment.domain.errors import (
    AlreadyRecorded,
    InvalidClosure,
    InvalidDate,
    InvalidHire,
    LifecycleConflict,
    MissingInformation,
)
from services.accompaniment.domain.rules import Context, Rules, add_months
from services.accompaniment.domain.state import Accompaniment
from shared.contracts.accompaniment import (
    AccompanimentClosed,
    AccompanimentEvent,
    AccompanimentOpened,
    AccompanimentRenewed,
    AccompanimentResumed,
    AccompanimentSuspended,
    AccompanimentTransferred,
    ExitProposalCause,
    ExitProposalWithdrawn,
    ExitProposed,
    ReferentAssigned,
)
from shared.contracts.employment import exit_category_for
from shared.contracts.exits import ExitCategory
from shared.contracts.intake import BeneficiaryEnrolled, BeneficiaryTransferred, RsaRightsEnded
from shared.contracts.placement import HireEndedEarly, HireRecorded


def open_for(enrolled: BeneficiaryEnrolled, accompaniment_id: UUID, rules: Rules) -> list[AccompanimentOpened]:
    """Open the accompaniment of an enrolled beneficiary, for one period (a return opens a new one, linked)."""
    start = enrolled.enrolled_on
    return [
        AccompanimentOpened(
            accompaniment_id=accompaniment_id,
            beneficiary_id=enrolled.beneficiary_id,
            agency_id=enrolled.agency_id,
            start_date=start,
            planned_end_date=add_months(start, rules.duration_months),
            orientation_date=enrolled.orientation_date,
            commune_code=enrolled.commune_code,
            is_return=enrolled.is_return,
            previous_accompaniment_id=enrolled.previous_accompaniment_id,
        )
    ]


def assign_referent(state: Accompaniment | None, cmd: AssignReferent, ctx: Context) -> list[ReferentAssigned]:
    """Make a caseworker the referent."""
    state = open_(state)
    if state.referent_id == cmd.referent_id:
        raise AlreadyRecorded(f"{cmd.referent_id} est déjà le référent de cet accompagnement")
    return [ReferentAssigned(**header(state), referent_id=cmd.referent_id, assigned_on=ctx.today)]


def suspend(state: Accompaniment | None, cmd: SuspendAccompaniment, ctx: Context) -> list[AccompanimentSuspended]:
    """Put the accompaniment on hold; it cannot be suspended twice."""
    state = open_(state)
    if (current := state.current_suspension) is not None:
        raise LifecycleConflict(f"l'accompagnement est déjà suspendu depuis le {current.suspended_on}")
    on = past_fact(state, cmd.suspended_on, ctx.today, "la date de suspension")
    if state.suspensions and on < state.suspensions[-1].resumed_on:
        raise InvalidDate(
            f"the suspension date {on} is before the last resumption ({state.suspensions[-1].resumed_on})"
        )
    if cmd.expected_resumption_on is not None and cmd.expected_resumption_on < on:
        raise InvalidDate(f"la reprise prévue ({cmd.expected_resumption_on}) précède la suspension ({on})")
    return [
        AccompanimentSuspended(
            **header(state), reason=cmd.reason, suspended_on=on, expected_resumption_on=cmd.expected_resumption_on
        )
    ]


def resume(state: Accompaniment | None, cmd: ResumeAccompaniment, ctx: Context) -> list[AccompanimentResumed]:
    """Take up a suspended accompaniment again."""
    state = open_(state)
    current = state.current_suspension
    if current is None:
        raise LifecycleConflict("l'accompagnement n'est pas suspendu : il n'y a rien à reprendre")
    on = past_fact(state, cmd.resumed_on, ctx.today, "la date de reprise")
    if on < current.suspended_on:
        raise InvalidDate(f"la date de reprise {on} précède la suspension ({current.suspended_on})")
    return [AccompanimentResumed(**header(state), resumed_on=on, suspended_days=(on - current.suspended_on).days)]


def renewal_opens_on(state: Accompaniment, rules: Rules) -> date:
    """First day a renewal is possible: the department's window before the planned end."""
    return state.planned_end_date - timedelta(days=rules.renewal_window_days)


def renew(state: Accompaniment | None, cmd: RenewAccompaniment, ctx: Context) -> list[AccompanimentRenewed]:
    """Renew for another period, only near or after the planned end, and for a stated reason."""
    state = open_(state)
    if cmd.reason is None:
        raise MissingInformation("un renouvellement doit être motivé (reason)")
    on = past_fact(state, cmd.renewed_on, ctx.today, "la date de renouvellement")
    opens = renewal_opens_on(state, ctx.rules)
    if on < opens:
        raise LifecycleConflict(
            f"l'accompagnement finit le {state.planned_end_date} : il peut être renouvelé à partir du {opens} "
            f"({ctx.rules.renewal_window_days} jours avant sa fin), pas le {on}"
        )
    # A late renewal starts a full period from the day it is decided.
    new_end = add_months(max(state.planned_end_date, on), ctx.rules.duration_months)
    return [
        AccompanimentRenewed(
            **header(state),
            reason=cmd.reason,
            renewed_on=on,
            previous_planned_end_date=state.planned_end_date,
            new_planned_end_date=new_end,
            renewal_number=len(state.renewals) + 1,
        )
    ]


def close(state: Accompaniment | None, cmd: CloseAccompaniment, ctx: Context) -> list[AccompanimentClosed]:
    """Close with an exit: the one chosen, else the one proposed by a recorded hire still running."""
    state = open_(state)
    category = cmd.exit_category or (state.proposed_exit.exit_category if state.proposed_exit else None)
    if category is None and (withdrawn := state.withdrawn_exit) is not None:
        raise MissingInformation(
            f"choose an exit category: the hire that proposed the exit '{withdrawn.exit_category.value}'"
            f" ({withdrawn.exit_group.value}) ended early on {withdrawn.hire_ended_on}, so its proposal was withdrawn"
        )
    if category is None:
        raise MissingInformation(
            "choisissez un motif de sortie (exit category) : aucune embauche enregistrée n'en a proposé"
        )
    closed_on = ctx.today if cmd.closed_on is None else cmd.closed_on
    if closed_on < state.start_date:
        raise InvalidClosure(
            f"la date de clôture {closed_on} précède le début de l'accompagnement ({state.start_date})"
        )
    if closed_on > ctx.today:
        raise InvalidClosure(f"la date de clôture {closed_on} est dans le futur")
    return [
        AccompanimentClosed(**header(state), closed_on=closed_on, exit_category=category, exit_group=category.group)
    ]


def transfer(state: Accompaniment, moved: BeneficiaryTransferred) -> list[AccompanimentEvent]:
    """Follow the person to the agency of their new commune, keeping the history; the referent is cleared.

    A candidate profile is published again under the new agency so that placement matches the person there.
    Nothing happens for a closed accompaniment or one already in the new agency (a redelivered transfer).
    """
    if state.is_closed or state.agency_id == moved.to_agency_id:
        return []
    events: list[AccompanimentEvent] = [
        AccompanimentTransferred(
            accompaniment_id=state.id,
            beneficiary_id=state.beneficiary_id,
            agency_id=moved.to_agency_id,
            from_agency_id=state.agency_id,
            to_agency_id=moved.to_agency_id,
            commune_code=moved.commune_code,
            transferred_on=moved.transferred_on,
        )
    ]
    if state.candidate_profile is not None:
        events.append(
            state.candidate_profile.model_copy(
                update={"agency_id": moved.to_agency_id, "commune_code": moved.commune_code}
            )
        )
    return events


def propose_exit(state: Accompaniment, hire: HireRecorded, proposed_on: date) -> list[ExitProposed]:
    """The exit a hire's contract implies (CDI: emploi durable...); nothing for a closed or already seen hire."""
    if state.is_closed or any(p.hire_id == hire.hire_id for p in state.proposed_exits):
        return []
    try:
        category = exit_category_for(hire.contract_type, hire.duration_months)
    except ValueError as e:
        raise InvalidHire(f"embauche {hire.hire_id} : {e}") from e
    return [
        ExitProposed(
            **header(state),
            hire_id=hire.hire_id,
            exit_category=category,
            exit_group=category.group,
            proposed_on=proposed_on,
        )
    ]


def propose_end_of_rights(state: Accompaniment, ended: RsaRightsEnded, proposed_on: date) -> list[ExitProposed]:
    """The CAF/MSA flow reported the end of the person's RSA right: `end_of_rsa_rights` is proposed (a running
    hire's proposal still outranks it). Nothing for a closed accompaniment or an end of rights already proposed."""
    if state.is_closed or any(p.rights_ended_on == ended.ended_on for p in state.proposed_exits):
        return []
    category = ExitCategory.END_OF_RSA_RIGHTS
    return [
        ExitProposed(
            **header(state),
            cause=ExitProposalCause.RSA_RIGHTS_ENDED,
            rights_ended_on=ended.ended_on,
            exit_category=category,
            exit_group=category.group,
            proposed_on=proposed_on,
        )
    ]


def withdraw_exit(state: Accompaniment, ended: HireEndedEarly, withdrawn_on: date) -> list[ExitProposalWithdrawn]:
    """A hire that ended early no longer proposes its exit; another hire still running proposes its own again.

    Nothing for a closed accompaniment (the exit recorded stays as recorded; the check-ins of placement tell
    the rest), nor for a hire that proposed nothing here or whose proposal is already withdrawn (redelivery).
    """
    proposal = next((p for p in state.proposed_exits if p.hire_id == ended.hire_id and p.holds), None)
    if state.is_closed or proposal is None:
        return []
    others = tuple(p for p in state.proposed_exits if p is not proposal)
    replacement = replace(state, proposed_exits=others).proposed_exit
    return [
        ExitProposalWithdrawn(
            **header(state),
            hire_id=proposal.hire_id,
            exit_category=proposal.exit_category,
            exit_group=proposal.exit_group,
            hire_ended_on=ended.ended_on,
            withdrawn_on=withdrawn_on,
            replaced_by_hire_id=replacement.hire_id if replacement else None,
            replaced_by_exit_category=replacement.exit_category if replacement else None,
        )
    ]
