"""Matching without CV: score, explanation, ordering and determinism."""

from __future__ import annotations

import random
import uuid
from functools import partial

import pytest

from services.placement.domain import matching
from services.placement.domain.candidate import Candidate
from services.placement.domain.state import Need
from shared.contracts.accompaniment import CandidateProfileUpdated, TimeSlot
from shared.contracts.employment import ContractType
from shared.contracts.placement import WorkingCondition as W
from tests import builders

M, A, E, N = TimeSlot.MORNING, TimeSlot.AFTERNOON, TimeSlot.EVENING, TimeSlot.NIGHT


# A permanent job of mornings and afternoons, standing and lifting, asking four aptitudes...
_need = partial(
    builders.need,
    time_slots=(M, A),
    required_aptitudes=("handling", "teamwork", "cleaning", "cooking"),
    working_conditions=(W.STANDING, W.HEAVY_LIFTING),
    contract_type=ContractType.CDI,
    duration_months=None,
)


def _candidate(n: int = 1, **changes) -> Candidate:
    """...and a person who has them, free but at night, within 10 km, wishing its sector."""
    values = dict(
        aptitudes=frozenset({"handling", "teamwork", "cleaning", "cooking"}),
        available_slots=frozenset({M, A, E}),
        max_commute_km=10,
        wished_sectors=frozenset({"I"}),
    )
    return builders.candidate(beneficiary_id=uuid.UUID(int=n), **(values | changes))


def _assess(candidate: Candidate, need: Need | None = None) -> matching.Match:
    return matching.assess(matching.NeedCriteria.of(need or _need()), candidate)


def _check(match: matching.Match, constraint: matching.Constraint) -> matching.ConstraintCheck:
    return next(c for c in match.checks if c.constraint == constraint)


def test_a_candidate_meeting_everything_scores_one_hundred():
    match = _assess(_candidate())
    assert match.score == 100 and match.compatible and match.sector_wished
    assert match.aptitudes_met == ("cleaning", "cooking", "handling", "teamwork") and match.aptitudes_missing == ()
    assert match.summary == "4/4 aptitudes, every constraint compatible, wished sector"


def test_missing_aptitudes_cost_their_share_of_forty_points_and_are_listed():
    match = _assess(_candidate(aptitudes=frozenset({"handling", "cooking"})))
    assert match.aptitudes_met == ("cooking", "handling") and match.aptitudes_missing == ("cleaning", "teamwork")
    assert match.score == 100 - 20 and match.compatible


def test_a_need_without_required_aptitudes_gives_every_aptitude_point():
    assert _assess(_candidate(aptitudes=frozenset()), _need(required_aptitudes=())).score == 100


def test_a_missing_time_slot_is_incompatible_and_named():
    match = _assess(_candidate(available_slots=frozenset({M, E})))
    check = _check(match, matching.Constraint.TIME_SLOTS)
    assert not check.compatible and check.detail == "not available afternoon"
    assert not match.compatible and match.score == 90


def test_too_many_weekly_hours_are_incompatible():
    check = _check(_assess(_candidate(max_weekly_hours=20)), matching.Constraint.WEEKLY_HOURS)
    assert not check.compatible and check.detail == "24 h a week above the 20 h the person can work"


@pytest.mark.parametrize(
    "constraint, condition",
    [("no_heavy_lifting", "heavy_lifting"), ("no_prolonged_standing", "standing")],
)
def test_a_work_constraint_against_a_working_condition_is_incompatible(constraint, condition):
    match = _assess(_candidate(work_constraints=frozenset({constraint})))
    check = _check(match, matching.Constraint.WORK_CONSTRAINTS)
    assert not check.compatible and check.detail == f"work constraints rule out {condition}"


def test_a_work_constraint_unrelated_to_the_conditions_is_compatible():
    match = _assess(_candidate(work_constraints=frozenset({"no_night_work", "adapted_workstation"})))
    assert _check(match, matching.Constraint.WORK_CONSTRAINTS).compatible and match.compatible


def test_part_time_only_rules_out_a_full_time_post():
    full_time = _need(weekly_hours=35)
    match = _assess(_candidate(work_constraints=frozenset({"part_time_only"})), full_time)
    check = _check(match, matching.Constraint.WORK_CONSTRAINTS)
    assert not check.compatible and check.detail == "work constraints rule out full time (35 h a week)"
    assert (
        matching.score(matching.NeedCriteria.of(full_time), _candidate(work_constraints=frozenset({"part_time_only"})))[
            1
        ]
        is False
    )
    assert _assess(_candidate(work_constraints=frozenset({"part_time_only"}))).compatible  # 24 h: part time


def test_driving_is_required_only_when_the_need_says_so():
    driving_need = _need(working_conditions=(W.DRIVING_REQUIRED,))
    without = _assess(_candidate(driving_licence=False), driving_need)
    assert not _check(without, matching.Constraint.DRIVING).compatible
    assert _check(_assess(_candidate(driving_licence=True), driving_need), matching.Constraint.DRIVING).compatible
    assert _check(_assess(_candidate(driving_licence=False)), matching.Constraint.DRIVING).compatible


def test_a_commute_beyond_what_the_person_can_travel_is_incompatible():
    # Saint-Denis to Noisy-le-Grand is about 17 km.
    far = _assess(_candidate(commune_code="93066", max_commute_km=10), _need(commune_code="93051"))
    check = _check(far, matching.Constraint.DISTANCE)
    assert not check.compatible and far.distance_km == pytest.approx(17.3, abs=0.5)
    assert "beyond the 10 km" in check.detail
    near = _assess(_candidate(commune_code="93001", max_commute_km=3))
    assert _check(near, matching.Constraint.DISTANCE).compatible and near.distance_km == pytest.approx(1.9, abs=0.2)


def test_the_wished_sector_adds_ten_points():
    assert _assess(_candidate(wished_sectors=frozenset())).score == 90
    assert not _assess(_candidate(wished_sectors=frozenset({"H"}))).sector_wished


def test_compatible_candidates_come_first_then_by_score_then_by_id():
    candidates = [
        _candidate(5, aptitudes=frozenset({"handling"})),  # compatible, 10 + 50 + 10 = 70
        _candidate(4, max_weekly_hours=20),  # incompatible, 40 + 40 + 10 = 90
        _candidate(3),  # compatible, 100
        _candidate(2, aptitudes=frozenset({"cooking"})),  # compatible, 70, lower id than 5
        _candidate(1, max_commute_km=0, commune_code="93066"),  # incompatible, 90, lower id than 4
    ]
    ranked = matching.rank(_need(), candidates)
    assert [m.beneficiary_id.int for m in ranked] == [3, 2, 5, 1, 4]
    assert [m.score for m in ranked] == [100, 70, 70, 90, 90]


def test_ranking_is_the_same_whatever_the_order_of_the_candidates():
    rng = random.Random(7)
    slots = list(TimeSlot)
    pool = [
        _candidate(
            n,
            aptitudes=frozenset(rng.sample(["handling", "teamwork", "cleaning", "cooking", "care"], 2)),
            available_slots=frozenset(rng.sample(slots, 3)),
            max_weekly_hours=rng.choice([20, 24, 35]),
            commune_code=rng.choice(["93027", "93001", "93066", "93051"]),
        )
        for n in range(1, 200)
    ]
    first = matching.rank(_need(), pool)
    rng.shuffle(pool)
    again = matching.rank(_need(), pool)
    assert [m.beneficiary_id for m in first] == [m.beneficiary_id for m in again]
    assert first == again


def test_inactive_candidates_are_not_ranked_and_limit_and_compatible_only_apply():
    candidates = [_candidate(1), _candidate(2, active=False), _candidate(3, max_weekly_hours=10), _candidate(4)]
    assert [m.beneficiary_id.int for m in matching.rank(_need(), candidates)] == [1, 4, 3]
    assert [m.beneficiary_id.int for m in matching.rank(_need(), candidates, limit=1)] == [1]
    assert [m.beneficiary_id.int for m in matching.rank(_need(), candidates, compatible_only=True)] == [1, 4]


def test_the_fast_score_agrees_with_the_explained_one():
    criteria = matching.NeedCriteria.of(_need())
    for candidate in [_candidate(1), _candidate(2, max_weekly_hours=10), _candidate(3, aptitudes=frozenset())]:
        match = matching.assess(criteria, candidate)
        assert matching.score(criteria, candidate) == (match.score, match.compatible)
        assert match.compatible == all(c.compatible for c in match.checks)


def test_a_candidate_is_built_from_accompaniments_profile_without_identity():
    profile = CandidateProfileUpdated(
        accompaniment_id=uuid.uuid4(),
        beneficiary_id=uuid.uuid4(),
        agency_id="ali-stains",
        commune_code="93072",
        aptitudes=["handling", "customer_contact"],
        available_slots=["morning"],
        max_weekly_hours=30,
        max_commute_km=8,
        driving_licence=True,
        work_constraints=["no_heavy_lifting"],
        wished_sectors=["G"],
    )
    candidate = Candidate.from_profile(profile)
    assert candidate.aptitudes == {"handling", "customer_contact"}
    assert candidate.work_constraints == {"no_heavy_lifting"} and candidate.wished_sectors == {"G"}
    assert candidate.active and candidate.agency_id == "ali-stains"
