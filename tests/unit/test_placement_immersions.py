"""Immersions (PMSMP): agreement, a single renewal of au plus 30 jours, one outcome."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.placement.domain.candidate import Candidate
from services.placement.domain.commands import AgreeImmersion, CompleteImmersion, RegisterEmployer, RenewImmersion
from services.placement.domain.decisions import employers, immersions
from services.placement.domain.errors import (
    CandidateInactive,
    CandidateNotFound,
    EmployerNotFound,
    ImmersionAlreadyRenewed,
    ImmersionNotFound,
    OutcomeAlreadyRecorded,
)
from services.placement.domain.evolution import apply_employer, apply_immersion
from services.placement.domain.state import Employer, Immersion
from shared.errors import InvalidField
from shared.private_text import text_ref
from tests.builders import candidate

TODAY = date(2026, 6, 30)


def _candidate(active: bool = True) -> Candidate:
    return candidate(agency_id="ali-stains", commune_code="93072", active=active)


def _employer() -> Employer:
    registration = RegisterEmployer(
        siret="73282932000074", name="Jardins de Stains", size="pme", sector="N", commune_code="93072"
    )
    [registered, assigned] = employers.register(uuid.uuid4(), registration, "ali-stains", TODAY)
    return apply_employer(apply_employer(None, registered), assigned)


def _agreed(start: date = date(2026, 3, 2), end: date = date(2026, 3, 13)) -> Immersion:
    host = _employer()
    command = AgreeImmersion(
        beneficiary_id=uuid.uuid4(), host_kind="employer", employer_id=host.id, start_date=start, end_date=end
    )
    [agreed] = immersions.agree(uuid.uuid4(), command, candidate=_candidate(), employer=host, today=TODAY)
    return apply_immersion(None, agreed)


def test_an_immersion_with_an_employer_is_named_by_its_id_and_takes_its_sector():
    state = _agreed()
    assert (state.host_name_ref, state.sector, state.days_of_presence) == (None, "N", 12)
    assert state.employer_id is not None
    assert not state.renewed


def test_an_immersion_in_a_training_centre_is_named():
    command = AgreeImmersion(
        beneficiary_id=uuid.uuid4(),
        host_kind="training_centre",
        host_name="AFPA Montreuil",
        presence_dates=[date(2026, 3, 2), date(2026, 3, 4)],
    )
    immersion_id = uuid.uuid4()
    [agreed] = immersions.agree(immersion_id, command, candidate=_candidate(), employer=None, today=TODAY)
    assert (agreed.host_name_ref, agreed.employer_id, agreed.days_of_presence) == (
        text_ref(immersion_id, "host_name"),
        None,
        2,
    )
    assert "AFPA" not in agreed.model_dump_json()


def test_an_immersion_needs_an_active_candidate_and_a_known_employer():
    command = AgreeImmersion(
        beneficiary_id=uuid.uuid4(),
        host_kind="employer",
        employer_id=uuid.uuid4(),
        start_date=date(2026, 3, 2),
        end_date=date(2026, 3, 6),
    )
    with pytest.raises(CandidateNotFound):
        immersions.agree(uuid.uuid4(), command, candidate=None, employer=_employer(), today=TODAY)
    with pytest.raises(CandidateInactive):
        immersions.agree(uuid.uuid4(), command, candidate=_candidate(active=False), employer=_employer(), today=TODAY)
    with pytest.raises(EmployerNotFound):
        immersions.agree(uuid.uuid4(), command, candidate=_candidate(), employer=None, today=TODAY)


def test_an_immersion_is_renewed_once_for_up_to_thirty_days():
    state = _agreed()
    [renewed] = immersions.renew(state, RenewImmersion(start_date=date(2026, 3, 16), end_date=date(2026, 4, 14)), TODAY)
    state = apply_immersion(state, renewed)
    assert state.renewed and state.days_of_presence == 12 + 30 and state.end_date == date(2026, 4, 14)
    with pytest.raises(ImmersionAlreadyRenewed):
        immersions.renew(state, RenewImmersion(start_date=date(2026, 4, 20), end_date=date(2026, 4, 24)), TODAY)


def test_a_renewal_starts_after_the_current_period():
    with pytest.raises(InvalidField, match="start_date"):
        immersions.renew(_agreed(), RenewImmersion(start_date=date(2026, 3, 13), end_date=date(2026, 3, 20)), TODAY)


def test_an_immersion_has_one_outcome_and_nothing_after_it():
    state = _agreed()
    [done] = immersions.complete(state, CompleteImmersion(outcome="hired", completed_on=date(2026, 3, 13)), TODAY)
    assert (done.outcome, done.total_days_of_presence, done.host_kind) == ("hired", 12, "employer")
    state = apply_immersion(state, done)
    with pytest.raises(OutcomeAlreadyRecorded):
        immersions.complete(state, CompleteImmersion(outcome="training", completed_on=date(2026, 3, 14)), TODAY)
    with pytest.raises(OutcomeAlreadyRecorded):
        immersions.renew(state, RenewImmersion(start_date=date(2026, 3, 16), end_date=date(2026, 3, 20)), TODAY)


def test_an_outcome_is_dated_between_the_start_and_today():
    state = _agreed()
    with pytest.raises(InvalidField, match="completed_on"):
        immersions.complete(state, CompleteImmersion(outcome="no_follow_up", completed_on=date(2026, 3, 1)), TODAY)
    with pytest.raises(InvalidField, match="completed_on"):
        immersions.complete(state, CompleteImmersion(outcome="no_follow_up", completed_on=date(2026, 7, 1)), TODAY)


def test_renewing_an_unknown_immersion_is_not_found():
    with pytest.raises(ImmersionNotFound):
        immersions.renew(None, RenewImmersion(start_date=date(2026, 3, 16), end_date=date(2026, 3, 20)), TODAY)
