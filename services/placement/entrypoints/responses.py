"""Response models of placement's HTTP API, and how the domain's states are shown in them."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel

from services.placement.domain import matching
from services.placement.domain.candidate import Candidate
from services.placement.domain.commands import OutcomeKind
from services.placement.domain.state import Need, NeedStatus
from shared.contracts.accompaniment import TimeSlot
from shared.contracts.employment import ContractType
from shared.contracts.placement import (
    ContactKind,
    EarlyEndReason,
    EmployerSize,
    ImmersionHost,
    ImmersionOutcome,
    NotHiredReason,
    WorkingCondition,
)


class CandidateOut(BaseModel):
    """A candidate: aptitudes and constraints, never a diploma or a CV."""

    beneficiary_id: UUID
    agency_id: str
    commune_code: str
    aptitudes: list[str]
    available_slots: list[TimeSlot]
    max_weekly_hours: int
    max_commute_km: float
    driving_licence: bool
    health_restrictions: list[str]
    wished_sectors: list[str]
    active: bool


def candidate_out(candidate: Candidate) -> dict:
    """The representation of a candidate."""
    return {
        "beneficiary_id": candidate.beneficiary_id,
        "agency_id": candidate.agency_id,
        "commune_code": candidate.commune_code,
        "aptitudes": sorted(candidate.aptitudes),
        "available_slots": sorted(candidate.available_slots),
        "max_weekly_hours": candidate.max_weekly_hours,
        "max_commute_km": candidate.max_commute_km,
        "driving_licence": candidate.driving_licence,
        "health_restrictions": sorted(candidate.health_restrictions),
        "wished_sectors": sorted(candidate.wished_sectors),
        "active": candidate.active,
    }


class EmployerOut(BaseModel):
    """An employer of the network."""

    employer_id: UUID
    siret: str
    name: str
    size: EmployerSize
    sector: str
    social_economy: bool
    siae: bool
    commune_code: str
    agency_id: str | None = None
    contacts: int = 0
    last_contact_on: date | None = None


class ContactOut(BaseModel):
    """A prospecting contact with an employer."""

    contact_id: UUID
    agency_id: str
    contact_date: date
    kind: ContactKind
    caseworker: str
    notes: str


class EmployerDetail(EmployerOut):
    """An employer with the history of the agencies' contacts."""

    contact_history: list[ContactOut]


class ContactRecorded(BaseModel):
    """The id of the recorded contact."""

    contact_id: UUID
    employer_id: UUID


class HireOut(BaseModel):
    """A hire and its follow-up; `check_ins` maps the month (1, 3, 6) to "still employed"."""

    hire_id: UUID
    introduction_id: UUID
    need_id: UUID
    employer_id: UUID
    beneficiary_id: UUID
    agency_id: str
    sector: str
    contract_type: ContractType
    duration_months: float | None
    weekly_hours: float
    start_date: date
    check_ins: dict[int, bool]
    ended_on: date | None
    end_reason: EarlyEndReason | None
    version: int


class PeriodOut(BaseModel):
    """One period of presence."""

    start_date: date
    end_date: date
    days: int


class ImmersionOut(BaseModel):
    """An immersion, its periods (the first, and the renewal if any) and its outcome."""

    immersion_id: UUID
    beneficiary_id: UUID
    agency_id: str
    host_kind: ImmersionHost
    employer_id: UUID | None
    host_name: str
    sector: str | None
    periods: list[PeriodOut]
    days_of_presence: int
    renewed: bool
    outcome: ImmersionOutcome | None
    completed_on: date | None
    version: int


class IntroductionOut(BaseModel):
    """An introduction and, once known, its outcome."""

    introduction_id: UUID
    need_id: UUID
    employer_id: UUID
    beneficiary_id: UUID
    agency_id: str
    sector: str
    introduced_on: date
    caseworker: str
    outcome: OutcomeKind | None = None
    decided_on: date | None = None
    not_hired_reason: NotHiredReason | None = None
    hire_id: UUID | None = None
    version: int


class AptitudesOut(BaseModel):
    """Required aptitudes the person has, and those they lack."""

    met: list[str]
    missing: list[str]


class ConstraintOut(BaseModel):
    """One constraint, compatible or not, and why."""

    constraint: matching.Constraint
    compatible: bool
    detail: str


class MatchOut(BaseModel):
    """A candidate's score for the need (out of 100) and its explanation."""

    beneficiary_id: UUID
    score: float
    compatible: bool
    summary: str
    aptitudes: AptitudesOut
    constraints: list[ConstraintOut]
    sector_wished: bool
    distance_km: float | None


class MatchesOut(BaseModel):
    """The ranking of the agency's active candidates for one need."""

    need_id: UUID
    agency_id: str
    candidates_considered: int
    scoring: str
    matches: list[MatchOut]


def match_out(match: matching.Match) -> dict:
    """The representation of one match."""
    return {
        "beneficiary_id": match.beneficiary_id,
        "score": match.score,
        "compatible": match.compatible,
        "summary": match.summary,
        "aptitudes": {"met": list(match.aptitudes_met), "missing": list(match.aptitudes_missing)},
        "constraints": [
            {"constraint": c.constraint, "compatible": c.compatible, "detail": c.detail} for c in match.checks
        ],
        "sector_wished": match.sector_wished,
        "distance_km": match.distance_km,
    }


class NeedOut(BaseModel):
    """A field need: tasks, hours, place and conditions."""

    need_id: UUID
    employer_id: UUID
    agency_id: str
    title: str
    sector: str
    tasks: list[str]
    weekly_hours: float
    time_slots: list[TimeSlot]
    commune_code: str
    required_aptitudes: list[str]
    working_conditions: list[WorkingCondition]
    contract_type: ContractType
    duration_months: float | None
    positions: int
    published_on: date
    status: NeedStatus
    ended_on: date | None
    version: int


def need_out(need: Need) -> dict:
    """The representation of a need."""
    return {
        "need_id": need.id,
        "employer_id": need.employer_id,
        "agency_id": need.agency_id,
        "title": need.title,
        "sector": need.sector,
        "tasks": list(need.tasks),
        "weekly_hours": need.weekly_hours,
        "time_slots": list(need.time_slots),
        "commune_code": need.commune_code,
        "required_aptitudes": list(need.required_aptitudes),
        "working_conditions": list(need.working_conditions),
        "contract_type": need.contract_type,
        "duration_months": need.duration_months,
        "positions": need.positions,
        "published_on": need.published_on,
        "status": need.status,
        "ended_on": need.ended_on,
        "version": need.version,
    }
