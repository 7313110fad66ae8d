"""Matching without CV (IOD): how well a person's aptitudes and constraints fit a need, and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter
from uuid import UUID

from services.placement.domain.candidate import Candidate
from services.placement.domain.state import Need
from shared import territory
from shared.contracts.accompaniment import TimeSlot
from shared.contracts.placement import WorkingCondition
from shared.contracts.referentials import WorkConstraint
from shared.referentials import FULL_TIME_WEEKLY_HOURS, RULES_OUT

SCORING = (
    "Score out of 100: aptitudes 40 (share of the required ones the person has; 40 when none are required),"
    " five constraints 10 each (time slots, weekly hours, work constraints vs working conditions, driving,"
    " commute distance), and 10 when the need's sector is one the person wishes. Candidates meeting every"
    " constraint come first, then by score, then by beneficiary id, so equal inputs always give the same order."
)
APTITUDE_POINTS = 40.0
CONSTRAINT_POINTS = 10.0
SECTOR_POINTS = 10.0

# The work constraints (referential `work_constraints`) that rule each working condition out.
RULED_OUT_BY: dict[WorkingCondition, frozenset[str]] = {
    condition: frozenset(c.value for c, conditions in RULES_OUT.items() if condition in conditions)
    for condition in WorkingCondition
}


class Constraint(StrEnum):
    """The constraints checked between a person and a need."""

    TIME_SLOTS = "time_slots"
    WEEKLY_HOURS = "weekly_hours"
    WORK_CONSTRAINTS = "work_constraints"
    DRIVING = "driving"
    DISTANCE = "distance"


@dataclass(frozen=True, slots=True)
class ConstraintCheck:
    """One constraint, compatible or not, with the reason in words."""

    constraint: Constraint
    compatible: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Match:
    """A candidate's score for a need, with everything that explains it."""

    beneficiary_id: UUID
    score: float
    compatible: bool
    aptitudes_met: tuple[str, ...]
    aptitudes_missing: tuple[str, ...]
    sector_wished: bool
    distance_km: float | None
    checks: tuple[ConstraintCheck, ...]

    @property
    def summary(self) -> str:
        """One sentence a caseworker can read."""
        required = len(self.aptitudes_met) + len(self.aptitudes_missing)
        parts = [f"{len(self.aptitudes_met)}/{required} aptitudes" if required else "no aptitude required"]
        failed = [c.detail for c in self.checks if not c.compatible]
        parts.append("every constraint compatible" if not failed else "not compatible: " + "; ".join(failed))
        if self.sector_wished:
            parts.append("wished sector")
        return ", ".join(parts)


def _slots(values: Iterable[TimeSlot]) -> str:
    return ", ".join(sorted(v.value for v in values)) or "none"


@dataclass(frozen=True)
class NeedCriteria:
    """What a need asks, prepared once to score many candidates."""

    aptitudes: frozenset[str]
    slots: frozenset[TimeSlot]
    weekly_hours: float
    conditions: tuple[WorkingCondition, ...]
    ruled_out_by: frozenset[str]
    full_time: bool
    sector: str | None
    driving_required: bool
    distances: dict[str, float]

    @classmethod
    def of(cls, need: Need) -> NeedCriteria:
        """Criteria of a need, with the distance (km, one decimal) from its place to every commune."""
        return cls(
            aptitudes=frozenset(need.required_aptitudes),
            slots=frozenset(need.time_slots),
            weekly_hours=need.weekly_hours,
            conditions=tuple(need.working_conditions),
            ruled_out_by=frozenset().union(*(RULED_OUT_BY[c] for c in need.working_conditions)),
            full_time=need.weekly_hours >= FULL_TIME_WEEKLY_HOURS,
            sector=need.sector,
            driving_required=WorkingCondition.DRIVING_REQUIRED in need.working_conditions,
            distances={code: round(km, 1) for code, km in territory.distances_from(need.commune_code).items()},
        )


_PART_TIME = WorkConstraint.PART_TIME_ONLY.value


def _constraints_allow(criteria: NeedCriteria, candidate: Candidate) -> bool:
    """No work constraint of the person rules out a condition of the post (nor full time, for part time only)."""
    if criteria.ruled_out_by & candidate.work_constraints:
        return False
    return not (criteria.full_time and _PART_TIME in candidate.work_constraints)


def score(criteria: NeedCriteria, candidate: Candidate) -> tuple[float, bool]:
    """The score out of 100 and whether every constraint is compatible; cheap enough for thousands."""
    required = len(criteria.aptitudes)
    aptitudes = (
        APTITUDE_POINTS * len(criteria.aptitudes & candidate.aptitudes) / required if required else APTITUDE_POINTS
    )
    km = criteria.distances.get(candidate.commune_code)
    compatible = (
        criteria.slots <= candidate.available_slots,
        criteria.weekly_hours <= candidate.max_weekly_hours,
        _constraints_allow(criteria, candidate),
        candidate.driving_licence or not criteria.driving_required,
        km is not None and km <= candidate.max_commute_km,
    )
    bonus = SECTOR_POINTS if criteria.sector in candidate.wished_sectors else 0.0
    return round(aptitudes + CONSTRAINT_POINTS * sum(compatible) + bonus, 1), all(compatible)


def _checks(criteria: NeedCriteria, candidate: Candidate) -> tuple[ConstraintCheck, ...]:
    lacking = criteria.slots - candidate.available_slots
    slots = ConstraintCheck(
        Constraint.TIME_SLOTS,
        not lacking,
        f"not available {_slots(lacking)}" if lacking else f"available {_slots(criteria.slots)}",
    )
    fits = criteria.weekly_hours <= candidate.max_weekly_hours
    hours = ConstraintCheck(
        Constraint.WEEKLY_HOURS,
        fits,
        f"{criteria.weekly_hours:g} h a week {'within' if fits else 'above'} the "
        f"{candidate.max_weekly_hours} h the person can work",
    )
    conflicts = [c.value for c in criteria.conditions if RULED_OUT_BY[c] & candidate.work_constraints]
    if criteria.full_time and _PART_TIME in candidate.work_constraints:
        conflicts.append(f"full time ({criteria.weekly_hours:g} h a week)")
    constraints = ConstraintCheck(
        Constraint.WORK_CONSTRAINTS,
        not conflicts,
        f"work constraints rule out {', '.join(conflicts)}" if conflicts else "no work constraint in the way",
    )
    driving = ConstraintCheck(
        Constraint.DRIVING,
        candidate.driving_licence or not criteria.driving_required,
        ("holds a driving licence" if candidate.driving_licence else "no driving licence")
        + (" (driving required)" if criteria.driving_required else " (no driving required)"),
    )
    km = criteria.distances.get(candidate.commune_code)
    if km is None:
        distance = ConstraintCheck(Constraint.DISTANCE, False, f"commune {candidate.commune_code} not located")
    else:
        near = km <= candidate.max_commute_km
        distance = ConstraintCheck(
            Constraint.DISTANCE,
            near,
            f"{km:g} km {'within' if near else 'beyond'} the {candidate.max_commute_km:g} km the person can travel",
        )
    return slots, hours, constraints, driving, distance


def assess(criteria: NeedCriteria, candidate: Candidate) -> Match:
    """Score one candidate against a need, explaining each part of the score."""
    points, compatible = score(criteria, candidate)
    return Match(
        beneficiary_id=candidate.beneficiary_id,
        score=points,
        compatible=compatible,
        aptitudes_met=tuple(sorted(criteria.aptitudes & candidate.aptitudes)),
        aptitudes_missing=tuple(sorted(criteria.aptitudes - candidate.aptitudes)),
        sector_wished=criteria.sector in candidate.wished_sectors,
        distance_km=criteria.distances.get(candidate.commune_code),
        checks=_checks(criteria, candidate),
    )


def rank(
    need: Need, candidates: Iterable[Candidate], *, limit: int | None = None, compatible_only: bool = False
) -> list[Match]:
    """The active candidates ranked for a need (compatible first, best score, then beneficiary id), explained."""
    criteria = NeedCriteria.of(need)
    ranked = []
    for candidate in candidates:
        if not candidate.active:
            continue
        points, compatible = score(criteria, candidate)
        if compatible or not compatible_only:
            ranked.append((not compatible, -points, candidate.beneficiary_id, candidate))
    ranked.sort(key=itemgetter(0, 1, 2))
    chosen = ranked if limit is None else ranked[:limit]
    return [assess(criteria, candidate) for *_, candidate in chosen]
