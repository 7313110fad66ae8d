from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest

from services.accompaniment.domain import commands as c
from services.accompaniment.domain.decisions import action_plan, appointments, candidate, diagnosis, engagement
from services.accompaniment.domain.errors import (
    AlreadyRecorded,
    InvalidDate,
    ItemNotFound,
    MissingInformation,
    TransitionRefused,
)
from services.accompaniment.domain.evolution import apply_accompaniment
from services.accompaniment.domain.rules import Context
from services.accompaniment.domain.state import AppointmentStatus, BarrierStatus
from shared.contracts.accompaniment import (
    ActionStatus,
    BarrierCategory,
    BarrierLifted,
    BarrierNotLifted,
    BarrierWorkedOn,
    SchemeKind,
)
from shared.private_text import text_ref
from tests.unit.accompaniment_steps import folded, on, opened

ORIENTATION, START = date(2025, 1, 10), date(2025, 1, 20)  # those of `opened()`


def _opened():
    return opened(commune_code="93027")


# --- engagement contract -----------------------------------------------------------------------------


def test_a_contract_signed_within_a_month_of_orientation_is_in_time():
    [signed] = engagement.sign_contract(
        _opened(), c.SignEngagementContract(signed_on=date(2025, 2, 9)), on(date(2025, 3, 1))
    )
    assert (signed.deadline, signed.late, signed.days_after_orientation) == (date(2025, 2, 9), False, 30)


def test_a_contract_signed_after_the_deadline_is_flagged_late():
    state = _opened()
    [signed] = engagement.sign_contract(
        state, c.SignEngagementContract(signed_on=date(2025, 2, 10)), on(date(2025, 3, 1))
    )
    assert signed.late is True and signed.days_after_orientation == 31
    assert apply_accompaniment(state, signed).contract.late is True


def test_the_contract_deadline_is_a_department_setting():
    ctx = on(date(2025, 3, 1), contract_deadline_days=15)
    [signed] = engagement.sign_contract(_opened(), c.SignEngagementContract(signed_on=date(2025, 1, 26)), ctx)
    assert signed.deadline == date(2025, 1, 25) and signed.late


def test_the_contract_is_signed_once_and_not_in_the_future_nor_before_the_start():
    state = _opened()
    ctx = on(date(2025, 3, 1))
    with pytest.raises(InvalidDate, match="dans le futur"):
        engagement.sign_contract(state, c.SignEngagementContract(signed_on=date(2025, 3, 2)), ctx)
    with pytest.raises(InvalidDate, match="précède le début de l'accompagnement"):
        engagement.sign_contract(state, c.SignEngagementContract(signed_on=date(2025, 1, 15)), ctx)
    signed = folded(state, engagement.sign_contract(state, c.SignEngagementContract(), ctx))
    assert signed.contract.signed_on == date(2025, 3, 1)
    with pytest.raises(AlreadyRecorded, match="déjà été signé le 2025-03-01"):
        engagement.sign_contract(signed, c.SignEngagementContract(), ctx)


# --- appointments ---------------------------------------------------------------------------------------


def _scheduled(state, day: date, ctx: Context):
    cmd = c.ScheduleAppointment(appointment_date=day)
    return folded(state, appointments.schedule(state, cmd, ctx)), cmd.appointment_id


def test_appointments_may_be_scheduled_in_the_future_but_not_before_the_start():
    state = _opened()
    ctx = on(date(2025, 2, 1))
    state, appointment_id = _scheduled(state, date(2025, 3, 15), ctx)
    assert state.appointments[appointment_id].status == AppointmentStatus.SCHEDULED
    with pytest.raises(InvalidDate, match="précède le début"):
        appointments.schedule(state, c.ScheduleAppointment(appointment_date=date(2025, 1, 19)), ctx)
    with pytest.raises(AlreadyRecorded):
        appointments.schedule(
            state, c.ScheduleAppointment(appointment_id=appointment_id, appointment_date=date(2025, 3, 16)), ctx
        )


def test_the_first_held_appointment_records_the_delay_since_orientation_and_later_ones_do_not():
    state = _opened()
    ctx = on(date(2025, 3, 1))
    state, first = _scheduled(state, date(2025, 1, 24), ctx)
    state, second = _scheduled(state, date(2025, 2, 20), ctx)
    [held] = appointments.hold(state, c.RecordAppointmentHeld(appointment_id=first), ctx)
    assert (held.first, held.days_since_orientation, held.held_on) == (True, 14, date(2025, 1, 24))
    state = apply_accompaniment(state, held)
    [later] = appointments.hold(state, c.RecordAppointmentHeld(appointment_id=second), ctx)
    assert (later.first, later.days_since_orientation) == (False, None)
    state = apply_accompaniment(state, later)
    assert state.first_appointment_delay_days == 14 and state.last_contact_on == date(2025, 2, 20)


def test_a_missed_appointment_is_not_the_first_held_one():
    state = _opened()
    ctx = on(date(2025, 3, 1))
    state, missed = _scheduled(state, date(2025, 1, 24), ctx)
    state = folded(state, appointments.miss(state, c.RecordAppointmentMissed(appointment_id=missed), ctx))
    assert state.appointments[missed].status == AppointmentStatus.MISSED and state.last_contact_on is None
    state, held = _scheduled(state, date(2025, 2, 3), ctx)
    [first] = appointments.hold(state, c.RecordAppointmentHeld(appointment_id=held), ctx)
    assert first.first and first.days_since_orientation == 24


def test_an_appointment_has_one_outcome():
    state = _opened()
    ctx = on(date(2025, 3, 1))
    state, appointment_id = _scheduled(state, date(2025, 2, 3), ctx)
    state = folded(state, appointments.cancel(state, c.CancelAppointment(appointment_id=appointment_id), ctx))
    assert state.appointments[appointment_id].status == AppointmentStatus.CANCELLED
    for cmd, decide in [
        (c.RecordAppointmentHeld(appointment_id=appointment_id), appointments.hold),
        (c.RecordAppointmentMissed(appointment_id=appointment_id), appointments.miss),
        (c.CancelAppointment(appointment_id=appointment_id), appointments.cancel),
    ]:
        with pytest.raises(TransitionRefused, match="already cancelled"):
            decide(state, cmd, ctx)
    with pytest.raises(ItemNotFound):
        appointments.hold(state, c.RecordAppointmentHeld(appointment_id=uuid.uuid4()), ctx)


def test_a_future_appointment_cannot_be_held_or_missed_yet():
    state = _opened()
    ctx = on(date(2025, 3, 1))
    state, appointment_id = _scheduled(state, date(2025, 3, 10), ctx)
    with pytest.raises(InvalidDate, match="dans le futur"):
        appointments.hold(state, c.RecordAppointmentHeld(appointment_id=appointment_id), ctx)
    with pytest.raises(InvalidDate, match="not taken place yet"):
        appointments.miss(state, c.RecordAppointmentMissed(appointment_id=appointment_id), ctx)
    [cancelled] = appointments.cancel(state, c.CancelAppointment(appointment_id=appointment_id), ctx)
    assert cancelled.cancelled_on == date(2025, 3, 1)


# --- barriers --------------------------------------------------------------------------------------------------


def _progress(state, category, status, day, ctx):
    cmd = c.ProgressBarrier(category=category, status=status, on=day)
    return diagnosis.progress_barrier(state, cmd, ctx)


def test_a_barrier_is_identified_worked_on_then_lifted():
    state = _opened()
    ctx = on(date(2025, 6, 1))
    state = folded(
        state,
        diagnosis.identify_barrier(
            state, c.IdentifyBarrier(category=BarrierCategory.MOBILITY, identified_on=date(2025, 2, 1)), ctx
        ),
    )
    [worked] = _progress(state, BarrierCategory.MOBILITY, c.BarrierProgress.WORKED_ON, date(2025, 2, 15), ctx)
    assert isinstance(worked, BarrierWorkedOn)
    state = apply_accompaniment(state, worked)
    assert state.active_barrier(BarrierCategory.MOBILITY).status == BarrierStatus.WORKED_ON
    with pytest.raises(TransitionRefused, match="already worked on since 2025-02-15"):
        _progress(state, BarrierCategory.MOBILITY, c.BarrierProgress.WORKED_ON, date(2025, 3, 1), ctx)
    [lifted] = _progress(state, BarrierCategory.MOBILITY, c.BarrierProgress.LIFTED, date(2025, 5, 2), ctx)
    assert isinstance(lifted, BarrierLifted) and lifted.days_since_identified == 90
    state = apply_accompaniment(state, lifted)
    [barrier] = state.barriers
    assert (barrier.status, barrier.ended_on) == (BarrierStatus.LIFTED, date(2025, 5, 2))
    assert state.active_barrier(BarrierCategory.MOBILITY) is None


def test_a_barrier_can_end_not_lifted_and_its_category_be_identified_again():
    state = _opened()
    ctx = on(date(2025, 6, 1))
    state = folded(state, diagnosis.identify_barrier(state, c.IdentifyBarrier(category=BarrierCategory.HOUSING), ctx))
    with pytest.raises(AlreadyRecorded, match="frein housing est déjà suivi"):
        diagnosis.identify_barrier(state, c.IdentifyBarrier(category=BarrierCategory.HOUSING), ctx)
    [not_lifted] = _progress(state, BarrierCategory.HOUSING, c.BarrierProgress.NOT_LIFTED, None, ctx)
    assert isinstance(not_lifted, BarrierNotLifted) and not_lifted.days_since_identified == 0
    state = apply_accompaniment(state, not_lifted)
    state = folded(state, diagnosis.identify_barrier(state, c.IdentifyBarrier(category=BarrierCategory.HOUSING), ctx))
    assert [b.status for b in state.barriers] == [BarrierStatus.NOT_LIFTED, BarrierStatus.IDENTIFIED]


def test_a_barrier_that_is_not_followed_cannot_move_on():
    state = _opened()
    ctx = on(date(2025, 6, 1))
    with pytest.raises(TransitionRefused, match="identifiez-le d'abord"):
        _progress(state, BarrierCategory.HEALTH, c.BarrierProgress.LIFTED, None, ctx)
    state = folded(
        state,
        diagnosis.identify_barrier(
            state, c.IdentifyBarrier(category=BarrierCategory.HEALTH, identified_on=date(2025, 3, 1)), ctx
        ),
    )
    with pytest.raises(InvalidDate, match="précède l'identification du frein"):
        _progress(state, BarrierCategory.HEALTH, c.BarrierProgress.LIFTED, date(2025, 2, 1), ctx)
    with pytest.raises(InvalidDate, match="dans le futur"):
        _progress(state, BarrierCategory.HEALTH, c.BarrierProgress.LIFTED, date(2025, 6, 2), ctx)


def test_every_barrier_category_of_the_referential_exists():
    assert {b.value for b in BarrierCategory} == {
        "mobility",
        "family_constraints",
        "health",
        "literacy_numeracy",
        "french_language",
        "housing",
        "financial",
        "administrative_legal",
        "digital_skills",
        "self_esteem",
    }


def test_training_needs_are_recorded_once_per_id():
    state = _opened()
    ctx = on(date(2025, 6, 1))
    cmd = c.RecordTrainingNeed(subject="CACES 1")
    state = folded(state, diagnosis.record_training_need(state, cmd, ctx))
    assert state.training_needs[0].subject_ref == text_ref(cmd.training_need_id, "subject")
    assert cmd.texts() == {text_ref(cmd.training_need_id, "subject"): "CACES 1"}
    with pytest.raises(AlreadyRecorded):
        diagnosis.record_training_need(state, cmd, ctx)


# --- action plan -------------------------------------------------------------------------------------------------


def _plan(state, ctx):
    objective = c.SetObjective(label="find a job in logistics", target_date=date(2025, 9, 30))
    state = folded(state, action_plan.set_objective(state, objective, ctx))
    action = c.PlanAction(objective_id=objective.objective_id, label="CACES 1 course", due_on=date(2025, 7, 1))
    return folded(state, action_plan.plan_action(state, action, ctx)), action.action_id


def test_actions_move_from_planned_to_in_progress_to_done_and_then_stay_done():
    ctx = on(date(2025, 6, 1))
    state, action_id = _plan(_opened(), ctx)
    [started] = action_plan.change_action_status(
        state, c.ChangeActionStatus(action_id=action_id, status=ActionStatus.IN_PROGRESS), ctx
    )
    assert (started.previous_status, started.status) == (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)
    state = apply_accompaniment(state, started)
    state = folded(
        state,
        action_plan.change_action_status(
            state, c.ChangeActionStatus(action_id=action_id, status=ActionStatus.DONE), ctx
        ),
    )
    assert state.actions[action_id].status == ActionStatus.DONE
    for status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.ABANDONED, ActionStatus.DONE):
        with pytest.raises(TransitionRefused, match="l'action est done"):
            action_plan.change_action_status(state, c.ChangeActionStatus(action_id=action_id, status=status), ctx)


def test_an_action_needs_an_existing_objective_and_dates_in_order():
    state = _opened()
    ctx = on(date(2025, 6, 1))
    with pytest.raises(ItemNotFound, match="aucun objectif"):
        action_plan.plan_action(state, c.PlanAction(objective_id=uuid.uuid4(), label="x"), ctx)
    with pytest.raises(InvalidDate, match="échéance"):
        action_plan.set_objective(state, c.SetObjective(label="x", target_date=date(2025, 5, 1)), ctx)
    state, _ = _plan(state, ctx)
    objective_id = next(iter(state.objectives))
    with pytest.raises(InvalidDate, match="échéance"):
        action_plan.plan_action(state, c.PlanAction(objective_id=objective_id, label="y", due_on=date(2025, 5, 1)), ctx)
    with pytest.raises(ItemNotFound, match="aucune action"):
        action_plan.change_action_status(state, c.ChangeActionStatus(action_id=uuid.uuid4(), status="done"), ctx)


def test_referrals_to_schemes_are_recorded_with_their_kind_and_partner():
    state = _opened()
    ctx = on(date(2025, 6, 1))
    cmd = c.ReferToScheme(
        scheme=SchemeKind.SOCIAL_SERVICES, partner="CCAS de La Courneuve", referred_on=date(2025, 5, 20)
    )
    [referral] = action_plan.refer_to_scheme(state, cmd, ctx)
    assert (referral.scheme, referral.partner_ref, referral.referred_on) == (
        SchemeKind.SOCIAL_SERVICES,
        text_ref(cmd.referral_id, "partner"),
        date(2025, 5, 20),
    )
    assert "CCAS" not in referral.model_dump_json() and cmd.texts() == {referral.partner_ref: "CCAS de La Courneuve"}
    state = apply_accompaniment(state, referral)
    with pytest.raises(AlreadyRecorded):
        action_plan.refer_to_scheme(state, cmd, ctx)


# --- candidate profile ---------------------------------------------------------------------------------------------


def test_the_candidate_profile_carries_the_commune_of_the_accompaniment_and_codes_without_repeats():
    state = _opened()
    cmd = c.UpdateCandidateProfile(
        aptitudes=["handling", "handling", "customer_contact"],
        available_slots=["morning", "morning", "afternoon"],
        max_weekly_hours=30,
        max_commute_km=12.5,
        driving_licence=True,
        work_constraints=["no_night_work", "no_night_work"],
        wished_sectors=["H"],
    )
    [profile] = candidate.update_candidate_profile(state, cmd, on(date(2025, 6, 1)))
    assert profile.commune_code == "93027" and profile.agency_id == "ali-la-courneuve"
    assert profile.aptitudes == ["handling", "customer_contact"] and profile.wished_sectors == ["H"]
    assert profile.work_constraints == ["no_night_work"]
    assert [s.value for s in profile.available_slots] == ["morning", "afternoon"]
    assert apply_accompaniment(state, profile).candidate_profile == profile
    with pytest.raises(MissingInformation, match="commune"):
        candidate.update_candidate_profile(replace(state, commune_code=None), cmd, on(date(2025, 6, 1)))


def test_a_profile_cannot_ask_for_a_diploma():
    with pytest.raises(ValueError, match="diploma"):
        c.UpdateCandidateProfile.model_validate({"max_weekly_hours": 35, "max_commute_km": 10, "diploma": "CAP"})
