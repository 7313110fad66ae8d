from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from services.accompaniment.domain import commands as c
from services.accompaniment.domain.decisions import appointments, diagnosis, engagement, lifecycle
from services.accompaniment.domain.decisions.guards import header
from services.accompaniment.domain.errors import (
    AccompanimentClosedError,
    AccompanimentSuspendedError,
    AlreadyRecorded,
    InvalidDate,
    InvalidHire,
    LifecycleConflict,
    MissingInformation,
)
from services.accompaniment.domain.evolution import apply_accompaniment
from services.accompaniment.service_layer.handlers import DECIDERS
from shared.contracts.accompaniment import (
    AccompanimentTransferred,
    BarrierCategory,
    CandidateProfileUpdated,
    ExitProposed,
    RenewalReason,
    SuspensionReason,
)
from shared.contracts.employment import ContractType
from shared.contracts.exits import ExitCategory, ExitGroup
from shared.contracts.intake import BeneficiaryTransferred
from shared.contracts.placement import HireRecorded
from shared.staff import staff_id
from tests.builders import hire_recorded, moved
from tests.unit.accompaniment_steps import folded, on, opened

START, END = date(2025, 1, 20), date(2026, 1, 20)  # those of `opened()`


def _closed():
    state = opened()
    return folded(
        state, lifecycle.close(state, c.CloseAccompaniment(exit_category=ExitCategory.CDI), on(date(2025, 5, 1)))
    )


# --- suspension and resumption -------------------------------------------------------------------


def _on_sick_leave(state, ctx):
    """`state` suspended for sick leave from 1 March 2025."""
    command = c.SuspendAccompaniment(reason=SuspensionReason.SICK_LEAVE, suspended_on=date(2025, 3, 1))
    return folded(state, lifecycle.suspend(state, command, ctx))


def test_suspension_then_resumption_records_the_days_on_hold():
    state = opened()
    ctx = on(date(2025, 4, 30))
    suspended = _on_sick_leave(state, ctx)
    assert suspended.status == "suspended" and suspended.current_suspension.reason == SuspensionReason.SICK_LEAVE
    [resumed] = lifecycle.resume(suspended, c.ResumeAccompaniment(resumed_on=date(2025, 4, 15)), ctx)
    assert resumed.suspended_days == 45
    after = apply_accompaniment(suspended, resumed)
    assert after.status == "open" and after.suspensions[0].resumed_on == date(2025, 4, 15)


def test_suspending_twice_or_resuming_an_active_accompaniment_is_refused():
    state = opened()
    ctx = on(date(2025, 4, 30))
    with pytest.raises(LifecycleConflict, match="n'est pas suspendu"):
        lifecycle.resume(state, c.ResumeAccompaniment(), ctx)
    suspended = folded(state, lifecycle.suspend(state, c.SuspendAccompaniment(reason=SuspensionReason.SICK_LEAVE), ctx))
    with pytest.raises(LifecycleConflict, match="déjà suspendu depuis le 2025-04-30"):
        lifecycle.suspend(suspended, c.SuspendAccompaniment(reason=SuspensionReason.OTHER), ctx)


def test_resumption_cannot_precede_the_suspension_and_a_new_suspension_cannot_precede_the_last_resumption():
    state = opened()
    ctx = on(date(2025, 6, 30))
    suspended = _on_sick_leave(state, ctx)
    with pytest.raises(InvalidDate, match="précède la suspension"):
        lifecycle.resume(suspended, c.ResumeAccompaniment(resumed_on=date(2025, 2, 1)), ctx)
    resumed = folded(suspended, lifecycle.resume(suspended, c.ResumeAccompaniment(resumed_on=date(2025, 4, 1)), ctx))
    with pytest.raises(InvalidDate, match="before the last resumption"):
        lifecycle.suspend(
            resumed, c.SuspendAccompaniment(reason=SuspensionReason.OTHER, suspended_on=date(2025, 3, 15)), ctx
        )
    again = folded(
        resumed,
        lifecycle.suspend(
            resumed, c.SuspendAccompaniment(reason=SuspensionReason.OTHER, suspended_on=date(2025, 5, 1)), ctx
        ),
    )
    assert len(again.suspensions) == 2 and again.status == "suspended"


def test_a_suspension_in_the_future_or_with_an_earlier_expected_resumption_is_refused():
    state = opened()
    ctx = on(date(2025, 4, 30))
    with pytest.raises(InvalidDate, match="dans le futur"):
        lifecycle.suspend(
            state, c.SuspendAccompaniment(reason=SuspensionReason.SICK_LEAVE, suspended_on=date(2025, 5, 1)), ctx
        )
    with pytest.raises(InvalidDate, match="reprise prévue"):
        lifecycle.suspend(
            state,
            c.SuspendAccompaniment(reason=SuspensionReason.SICK_LEAVE, expected_resumption_on=date(2025, 4, 1)),
            ctx,
        )


def test_no_appointment_is_scheduled_while_suspended_but_the_accompaniment_can_still_be_closed():
    state = opened()
    ctx = on(date(2025, 4, 30))
    suspended = folded(
        state, lifecycle.suspend(state, c.SuspendAccompaniment(reason=SuspensionReason.HOSPITALISATION), ctx)
    )
    with pytest.raises(AccompanimentSuspendedError, match="reprenez-le d'abord"):
        appointments.schedule(suspended, c.ScheduleAppointment(appointment_date=date(2025, 5, 10)), ctx)
    [closed] = lifecycle.close(suspended, c.CloseAccompaniment(exit_category=ExitCategory.HEALTH), ctx)
    assert closed.exit_group == ExitGroup.AUTRE_SORTIE


# --- renewal ----------------------------------------------------------------------------------------


def test_renewal_is_refused_before_the_window_before_the_planned_end():
    state = opened()
    too_early = END - timedelta(days=61)
    with pytest.raises(LifecycleConflict, match="peut être renouvelé à partir du 2025-11-21"):
        lifecycle.renew(state, c.RenewAccompaniment(reason=RenewalReason.TRAINING_IN_PROGRESS), on(too_early))


def test_renewal_within_the_window_extends_the_planned_end_by_one_period():
    state = opened()
    [renewed] = lifecycle.renew(
        state, c.RenewAccompaniment(reason=RenewalReason.TRAINING_IN_PROGRESS), on(END - timedelta(days=60))
    )
    assert (renewed.previous_planned_end_date, renewed.new_planned_end_date) == (END, date(2027, 1, 20))
    assert renewed.renewal_number == 1 and renewed.reason == RenewalReason.TRAINING_IN_PROGRESS
    after = apply_accompaniment(state, renewed)
    assert after.planned_end_date == date(2027, 1, 20) and len(after.renewals) == 1


def test_a_late_renewal_runs_a_full_period_from_the_day_it_is_decided():
    state = opened()
    [renewed] = lifecycle.renew(state, c.RenewAccompaniment(reason=RenewalReason.OTHER), on(date(2026, 3, 1)))
    assert renewed.new_planned_end_date == date(2027, 3, 1)


def test_a_renewed_accompaniment_cannot_be_renewed_again_until_its_new_end_nears():
    state = opened()
    ctx = on(END - timedelta(days=10))
    renewed = folded(state, lifecycle.renew(state, c.RenewAccompaniment(reason=RenewalReason.OTHER), ctx))
    with pytest.raises(LifecycleConflict):
        lifecycle.renew(renewed, c.RenewAccompaniment(reason=RenewalReason.OTHER), ctx)
    [second] = lifecycle.renew(renewed, c.RenewAccompaniment(reason=RenewalReason.OTHER), on(date(2027, 1, 1)))
    assert second.renewal_number == 2


def test_renewal_needs_a_reason():
    with pytest.raises(MissingInformation, match="doit être motivé"):
        lifecycle.renew(opened(), c.RenewAccompaniment(), on(END))


def test_the_renewal_window_is_a_department_setting():
    ctx = on(END - timedelta(days=80), renewal_window_days=90)
    assert lifecycle.renew(opened(), c.RenewAccompaniment(reason=RenewalReason.OTHER), ctx)


# --- nothing on a closed accompaniment -----------------------------------------------------------------


CLOSED_COMMANDS = [
    c.AssignReferent(referent_id=staff_id("alice")),
    c.SignEngagementContract(),
    c.ScheduleAppointment(appointment_date=date(2025, 5, 10)),
    c.RecordAppointmentHeld(appointment_id=uuid.uuid4()),
    c.RecordAppointmentMissed(appointment_id=uuid.uuid4()),
    c.CancelAppointment(appointment_id=uuid.uuid4()),
    c.IdentifyBarrier(category=BarrierCategory.MOBILITY),
    c.ProgressBarrier(category=BarrierCategory.MOBILITY, status=c.BarrierProgress.LIFTED),
    c.RecordTrainingNeed(subject="CACES"),
    c.SetObjective(label="a job"),
    c.PlanAction(objective_id=uuid.uuid4(), label="an action"),
    c.ChangeActionStatus(action_id=uuid.uuid4(), status="done"),
    c.ReferToScheme(scheme="iae", partner="Régie de quartier"),
    c.SuspendAccompaniment(reason=SuspensionReason.SICK_LEAVE),
    c.ResumeAccompaniment(),
    c.RenewAccompaniment(reason=RenewalReason.OTHER),
    c.CloseAccompaniment(exit_category=ExitCategory.CDI),
    c.UpdateCandidateProfile(max_weekly_hours=35, max_commute_km=10),
]


def test_every_command_has_a_decision():
    assert {type(cmd) for cmd in CLOSED_COMMANDS} == set(DECIDERS)


@pytest.mark.parametrize("cmd", CLOSED_COMMANDS, ids=lambda cmd: type(cmd).__name__)
def test_nothing_can_be_recorded_on_a_closed_accompaniment(cmd):
    with pytest.raises(AccompanimentClosedError, match="déjà clos depuis le 2025-05-01"):
        DECIDERS[type(cmd)](_closed(), cmd, on(date(2025, 5, 2)))


# --- referent ---------------------------------------------------------------------------------------------


def test_assigning_a_referent_records_who_and_when_and_the_same_one_twice_is_refused():
    state = opened()
    amina, bruno = staff_id("caseworker-amina"), staff_id("caseworker-bruno")
    [assigned] = lifecycle.assign_referent(state, c.AssignReferent(referent_id=amina), on(date(2025, 2, 1)))
    assert (assigned.referent_id, assigned.assigned_on) == (amina, date(2025, 2, 1))
    after = apply_accompaniment(state, assigned)
    assert after.referent_id == amina
    with pytest.raises(AlreadyRecorded):
        lifecycle.assign_referent(after, c.AssignReferent(referent_id=amina), on(date(2025, 2, 1)))
    assert lifecycle.assign_referent(after, c.AssignReferent(referent_id=bruno), on(date(2025, 2, 2)))


# --- hires propose an exit -------------------------------------------------------------------------------------


def _hire(state, contract: ContractType, months: float | None = None) -> HireRecorded:
    return hire_recorded(state.beneficiary_id, contract, months, agency_id=state.agency_id)


@pytest.mark.parametrize(
    "contract, months, category, group",
    [
        (ContractType.CDI, None, ExitCategory.CDI, ExitGroup.EMPLOI_DURABLE),
        (ContractType.CDD, 3, ExitCategory.CDD_OR_TEMP_UNDER_6_MONTHS, ExitGroup.EMPLOI_TRANSITION),
        (ContractType.CDD, 6, ExitCategory.CDD_OR_TEMP_6_MONTHS_OR_MORE, ExitGroup.EMPLOI_DURABLE),
        (ContractType.CDDI, None, ExitCategory.OTHER_SIAE_HIRE, ExitGroup.SORTIE_POSITIVE),
    ],
)
def test_a_hire_proposes_the_exit_its_contract_implies(contract, months, category, group):
    state = opened()
    [proposed] = lifecycle.propose_exit(state, _hire(state, contract, months), date(2025, 5, 2))
    assert isinstance(proposed, ExitProposed)
    assert (proposed.exit_category, proposed.exit_group, proposed.proposed_on) == (category, group, date(2025, 5, 2))
    assert apply_accompaniment(state, proposed).proposed_exit.exit_category == category


def test_the_caseworker_closes_with_the_proposed_exit_or_another_one():
    state = opened()
    proposed = folded(state, lifecycle.propose_exit(state, _hire(state, ContractType.CDD, 3), date(2025, 5, 2)))
    ctx = on(date(2025, 5, 3))
    [by_default] = lifecycle.close(proposed, c.CloseAccompaniment(), ctx)
    assert by_default.exit_category == ExitCategory.CDD_OR_TEMP_UNDER_6_MONTHS
    [chosen] = lifecycle.close(proposed, c.CloseAccompaniment(exit_category=ExitCategory.QUALIFYING_TRAINING), ctx)
    assert chosen.exit_category == ExitCategory.QUALIFYING_TRAINING


def test_closing_without_an_exit_category_needs_a_proposed_one():
    with pytest.raises(MissingInformation, match="choisissez un motif de sortie"):
        lifecycle.close(opened(), c.CloseAccompaniment(), on(date(2025, 5, 3)))


def test_the_same_hire_twice_or_a_hire_after_closure_proposes_nothing():
    state = opened()
    hire = _hire(state, ContractType.CDI)
    once = folded(state, lifecycle.propose_exit(state, hire, date(2025, 5, 2)))
    assert lifecycle.propose_exit(once, hire, date(2025, 5, 3)) == []
    assert lifecycle.propose_exit(_closed(), hire, date(2025, 5, 3)) == []


def test_a_fixed_term_hire_without_duration_is_refused_as_invalid():
    state = opened()
    with pytest.raises(InvalidHire, match="duration"):
        lifecycle.propose_exit(state, _hire(state, ContractType.CDD), date(2025, 5, 2))


# --- transfer -------------------------------------------------------------------------------------------------------


def _transfer(state, to: str = "ali-clichy-sous-bois", commune: str = "93014") -> BeneficiaryTransferred:
    return moved(state.beneficiary_id, date(2025, 4, 1), to, commune, from_agency_id=state.agency_id)


def test_a_transfer_moves_the_accompaniment_keeping_its_history_and_clears_the_referent():
    state = opened()
    ctx = on(date(2025, 3, 1))
    state = folded(state, lifecycle.assign_referent(state, c.AssignReferent(referent_id=staff_id("alice")), ctx))
    state = folded(state, engagement.sign_contract(state, c.SignEngagementContract(), ctx))
    state = folded(state, diagnosis.identify_barrier(state, c.IdentifyBarrier(category=BarrierCategory.HOUSING), ctx))
    [moved] = lifecycle.transfer(state, _transfer(state))
    assert isinstance(moved, AccompanimentTransferred)
    assert (moved.from_agency_id, moved.to_agency_id, moved.agency_id) == (
        "ali-la-courneuve",
        "ali-clichy-sous-bois",
        "ali-clichy-sous-bois",
    )
    after = apply_accompaniment(state, moved)
    assert after.agency_id == "ali-clichy-sous-bois" and after.referent_id is None
    assert after.contract == state.contract and after.barriers == state.barriers
    assert after.transfers[0].commune_code == "93014" and after.version == state.version + 1
    assert after.commune_code == "93014"


def test_a_transfer_republishes_an_existing_candidate_profile_under_the_new_agency():
    state = opened()
    profile = CandidateProfileUpdated(
        **header(state),
        commune_code="93027",
        aptitudes=["handling"],
        available_slots=["morning"],
        max_weekly_hours=30,
        max_commute_km=8,
    )
    state = apply_accompaniment(state, profile)
    moved, republished = lifecycle.transfer(state, _transfer(state))
    assert isinstance(republished, CandidateProfileUpdated)
    assert (republished.agency_id, republished.commune_code) == ("ali-clichy-sous-bois", "93014")
    assert republished.aptitudes == ["handling"] and republished.max_weekly_hours == 30


def test_a_transfer_without_profile_publishes_only_the_move_and_a_repeated_one_nothing():
    state = opened()
    events = lifecycle.transfer(state, _transfer(state))
    assert [type(e) for e in events] == [AccompanimentTransferred]
    moved = folded(state, events)
    assert lifecycle.transfer(moved, _transfer(state)) == []
    assert lifecycle.transfer(_closed(), _transfer(state)) == []
