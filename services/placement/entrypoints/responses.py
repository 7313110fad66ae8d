"""Response models of placement's HTTP API, and how the domain's states are shown in them."""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

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
from shared.contracts.referentials import Aptitude, Sector, WorkConstraint
from shared.private_text import TextView

ERASED_TEXT = "Null once erased (then `personal_data_erased` is true), or when none was given."


class CandidateOut(BaseModel):
    """A candidate: aptitudes and constraints, never a diploma or a CV."""

    beneficiary_id: UUID
    agency_id: str
    commune_code: str
    aptitudes: list[Aptitude]
    available_slots: list[TimeSlot]
    max_weekly_hours: int
    max_commute_km: float
    driving_licence: bool
    work_constraints: list[WorkConstraint]
    wished_sectors: list[Sector]
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
        "work_constraints": sorted(candidate.work_constraints),
        "wished_sectors": sorted(candidate.wished_sectors),
        "active": candidate.active,
    }


class EmployerOut(BaseModel):
    """An employer of the network."""

    employer_id: UUID
    siret: str
    name: str | None = Field(description=ERASED_TEXT)
    personal_data_erased: bool = Field(False, description="The employer's key was destroyed (a sole trader's request).")
    size: EmployerSize
    sector: Sector | None
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
    caseworker: UUID = Field(description="Staff id.")
    contact_name: str | None = Field(description=ERASED_TEXT)
    notes: str | None = Field(description=ERASED_TEXT)
    personal_data_erased: bool = Field(False, description="This contact's key was destroyed.")


class EmployerDetail(EmployerOut):
    """An employer with the history of the agencies' contacts."""

    contact_history: list[ContactOut]


class ErasureDone(BaseModel):
    """The key was destroyed: the texts it encrypted are unreadable from now on."""

    erased: bool
    already_erased: bool = Field(description="True when it had been erased before this request.")


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
    sector: Sector | None
    contract_type: ContractType
    duration_months: float | None
    weekly_hours: float
    start_date: date
    check_ins: dict[int, bool]
    check_in_notes: dict[int, str | None] = Field(description="Notes of each check-in. " + ERASED_TEXT)
    personal_data_erased: bool = Field(False, description="The person's personal data was erased.")
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
    host_name: str | None = Field(description="The employer's name, or the training centre's. " + ERASED_TEXT)
    personal_data_erased: bool = Field(False, description="The person's personal data was erased.")
    sector: Sector | None
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
    sector: Sector | None
    introduced_on: date
    caseworker: UUID = Field(description="Staff id.")
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
    title: str | None = Field(description=ERASED_TEXT)
    personal_data_erased: bool = Field(False, description="The employer's key was destroyed.")
    sector: Sector | None
    tasks: list[str] | None = Field(description=ERASED_TEXT)
    weekly_hours: float
    time_slots: list[TimeSlot]
    commune_code: str
    required_aptitudes: list[Aptitude]
    working_conditions: list[WorkingCondition]
    contract_type: ContractType
    duration_months: float | None
    positions: int
    published_on: date
    status: NeedStatus
    ended_on: date | None
    version: int


def need_out(need: Need, view: TextView) -> dict:
    """The representation of a need, its title and tasks read from `view` (the employer's texts)."""
    tasks = view.text(need.tasks_ref)
    return {
        "need_id": need.id,
        "employer_id": need.employer_id,
        "agency_id": need.agency_id,
        "title": view.text(need.title_ref),
        "personal_data_erased": view.erased,
        "sector": need.sector,
        "tasks": json.loads(tasks) if tasks is not None else None,
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
