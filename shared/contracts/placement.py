"""Events published by placement on `ali.placement.events`.

Employer and need streams are keyed by the employer id; introductions, hires and immersions by the
beneficiary's pseudonymous id, so one person's events stay in order. No diploma or CV anywhere: needs are
described by tasks, hours, place and conditions, people by aptitudes and constraints (IOD method). No free text
either: sectors and aptitudes are codes of closed referentials (`shared.referentials`), staff are uuids, hosts
and employers are ids, and what must stay free text (employer and contact names, notes, need titles and tasks,
training centres) is kept encrypted by placement, the event carrying its reference (`*_ref`).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from shared.contracts.accompaniment import BarrierCategory, TimeSlot
from shared.contracts.employment import ContractType
from shared.contracts.referentials import Aptitude, Sector
from shared.events import DomainEvent


class EmployerSize(StrEnum):
    """Company size by headcount."""

    TPE = "tpe"
    PME = "pme"
    ETI = "eti"
    GE = "ge"


class ContactKind(StrEnum):
    """How an agency met an employer while prospecting."""

    VISIT = "visit"
    PHONE = "phone"
    EVENT = "event"


class WorkingCondition(StrEnum):
    """Conditions of a post that a person's health or situation may rule out."""

    HEAVY_LIFTING = "heavy_lifting"
    STANDING = "standing"
    OUTDOOR = "outdoor"
    NIGHT_WORK = "night_work"
    DRIVING_REQUIRED = "driving_required"
    WEEKEND_WORK = "weekend_work"
    COLD_ENVIRONMENT = "cold_environment"
    REPETITIVE_MOVEMENTS = "repetitive_movements"
    WORK_AT_HEIGHT = "work_at_height"


class NeedClosureReason(StrEnum):
    """Why a need was withdrawn without being filled through the agency."""

    CANCELLED_BY_EMPLOYER = "cancelled_by_employer"
    FILLED_ELSEWHERE = "filled_elsewhere"
    EXPIRED = "expired"
    OTHER = "other"


class NotHiredReason(StrEnum):
    """Why an introduction at the workstation did not end in a hire."""

    EMPLOYER_DECLINED = "employer_declined"
    CANDIDATE_DECLINED = "candidate_declined"
    NO_SHOW = "no_show"
    POSITION_FILLED = "position_filled"
    CONSTRAINTS_INCOMPATIBLE = "constraints_incompatible"
    HEALTH = "health"
    OTHER = "other"


class EarlyEndReason(StrEnum):
    """Why a contract ended before its term (or, for a permanent one, at all)."""

    TRIAL_PERIOD_ENDED_BY_EMPLOYER = "trial_period_ended_by_employer"
    TRIAL_PERIOD_ENDED_BY_EMPLOYEE = "trial_period_ended_by_employee"
    RESIGNATION = "resignation"
    DISMISSAL = "dismissal"
    MUTUAL_AGREEMENT = "mutual_agreement"
    EMPLOYER_CLOSED = "employer_closed"
    HEALTH = "health"
    OTHER = "other"


class ImmersionHost(StrEnum):
    """Where an immersion (PMSMP) takes place."""

    EMPLOYER = "employer"
    TRAINING_CENTRE = "training_centre"


class ImmersionOutcome(StrEnum):
    """What followed an immersion."""

    HIRED = "hired"
    TRAINING = "training"
    NEW_IMMERSION = "new_immersion"
    NO_FOLLOW_UP = "no_follow_up"
    INTERRUPTED = "interrupted"


class PlacementEvent(DomainEvent):
    """Base of placement's events.

    The `agency_id` of an event about a person (introduction, hire, check-in, early end, immersion) is the agency
    that followed the person on the day of the fact it records: a person's records follow them to another agency
    from the date of their transfer (`IntroductionTransferred`, `ImmersionTransferred`).
    """

    context: ClassVar[str] = "placement"


class EmployerRegistered(PlacementEvent):
    """An employer joined the agencies' network.

    v2: the name (a sole trader's is a person's name) is kept encrypted by placement, the event carrying its
    reference; the sector is a NAF section (null only for v1 events whose free-text sector had no equivalent).
    """

    schema_version: ClassVar[int] = 2

    employer_id: UUID
    siret: str = Field(pattern=r"^\d{14}$")
    name_ref: UUID = Field(description="Reference of the name, a free text kept by placement.")
    size: EmployerSize
    sector: Sector | None = Field(description="NAF section.", examples=["I"])
    social_economy: bool
    siae: bool
    commune_code: str


class EmployerAssignedToAgency(PlacementEvent):
    """An agency follows this employer of the department's network."""

    employer_id: UUID
    agency_id: str
    assigned_on: date


class EmployerContactRecorded(PlacementEvent):
    """An agency met or called an employer (prospecting).

    v2: the person met and the notes are kept encrypted by placement under the contact's own key; the event
    carries their references (null when not given). The caseworker is a staff uuid.
    """

    schema_version: ClassVar[int] = 2

    employer_id: UUID
    contact_id: UUID
    agency_id: str
    contact_date: date
    kind: ContactKind
    caseworker: UUID = Field(description="Staff id of the caseworker who made the contact.")
    contact_name_ref: UUID | None = Field(None, description="Reference of the name of the person met.")
    notes_ref: UUID | None = Field(None, description="Reference of the notes, a free text kept by placement.")


class NeedPublished(PlacementEvent):
    """An employer's field need, described the IOD way: tasks, hours, place and conditions; never diplomas.

    v2: the title and tasks (which may name people) are kept encrypted by placement under the employer's key;
    sector and aptitudes are codes.
    """

    schema_version: ClassVar[int] = 2

    need_id: UUID
    employer_id: UUID
    agency_id: str
    title_ref: UUID = Field(description="Reference of the title, a free text kept by placement.")
    sector: Sector | None = Field(description="NAF section.", examples=["I"])
    tasks_ref: UUID = Field(description="Reference of the tasks, a free text kept by placement.")
    weekly_hours: float = Field(gt=0, le=48, examples=[24])
    time_slots: list[TimeSlot] = Field(examples=[["morning", "afternoon"]])
    commune_code: str = Field(pattern=r"^93\d{3}$")
    required_aptitudes: list[Aptitude] = Field(examples=[["handling", "teamwork"]])
    working_conditions: list[WorkingCondition] = Field(examples=[["standing"]])
    contract_type: ContractType
    duration_months: float | None = Field(None, ge=0, description="For fixed-term contracts.")
    positions: int = Field(ge=1)
    published_on: date


class NeedFilled(PlacementEvent):
    """Every position of a need is taken."""

    need_id: UUID
    employer_id: UUID
    agency_id: str
    filled_on: date
    positions_filled: int = Field(ge=0, description="Positions filled through the agency's introductions.")


class NeedClosed(PlacementEvent):
    """A need was withdrawn."""

    need_id: UUID
    employer_id: UUID
    agency_id: str
    closed_on: date
    reason: NeedClosureReason


class IntroductionEvent(PlacementEvent):
    """Base of the events of an introduction: the introduction, its need and employer, the person, the agency."""

    introduction_id: UUID
    need_id: UUID
    employer_id: UUID
    beneficiary_id: UUID
    agency_id: str


class IntroductionMade(IntroductionEvent):
    """A person was introduced to an employer at the workstation, for one need.

    v2: the caseworker is a staff uuid, the sector a NAF section.
    """

    schema_version: ClassVar[int] = 2

    introduced_on: date
    caseworker: UUID = Field(description="Staff id of the caseworker.")
    sector: Sector | None = Field(description="NAF section.", examples=["I"])
    contract_type: ContractType = Field(description="Contract offered by the need.")


class IntroductionNotHired(IntroductionEvent):
    """The introduction did not end in a hire."""

    decided_on: date
    reason: NotHiredReason


class HireEvent(PlacementEvent):
    """Base of the events of a hire: the hire, its introduction, the person, the agency and the employer."""

    hire_id: UUID
    introduction_id: UUID
    beneficiary_id: UUID
    agency_id: str
    employer_id: UUID


class HireRecorded(HireEvent):
    """An introduction at the workstation ended in a hire.

    v2: the sector is a NAF section.
    """

    schema_version: ClassVar[int] = 2

    need_id: UUID | None = None
    contract_type: ContractType
    duration_months: float | None = Field(None, ge=0, description="For fixed-term contracts.")
    weekly_hours: float = Field(gt=0, le=48, examples=[35])
    start_date: date
    sector: Sector | None = Field(description="NAF section.", examples=["G"])


class HireCheckInRecorded(HireEvent):
    """Follow-up in work at 1, 3 or 6 months: still employed or not, barriers worked on while in work.

    v2: the barriers are barrier categories; the notes are kept encrypted by placement under the person's key.
    """

    schema_version: ClassVar[int] = 2

    month: Literal[1, 3, 6] = Field(examples=[1])
    checked_on: date
    still_employed: bool
    barriers_worked_on: list[BarrierCategory] = Field(default_factory=list, examples=[["mobility"]])
    notes_ref: UUID | None = Field(None, description="Reference of the notes, a free text kept by placement.")


class HireEndedEarly(HireEvent):
    """A contract ended before its term.

    v2: the sector is a NAF section.
    """

    schema_version: ClassVar[int] = 2

    contract_type: ContractType
    sector: Sector | None = Field(description="NAF section.", examples=["I"])
    start_date: date
    ended_on: date
    days_in_post: int = Field(ge=0)
    reason: EarlyEndReason


class IntroductionTransferred(IntroductionEvent):
    """The person moved to another agency: this introduction, its hire and its follow-up go with them.

    From `transferred_on`, the new agency (`agency_id`, `to_agency_id`) reads and records them; the events of
    facts dated before it still name the agency that followed the person then.
    """

    agency_id: str = Field(description="The agency following the person from the transfer date.")
    from_agency_id: str
    to_agency_id: str
    transferred_on: date
    hire_id: UUID | None = Field(None, description="The hire the introduction ended in, if any.")


class ImmersionEvent(PlacementEvent):
    """Base of the events of an immersion (PMSMP): the immersion, the person and the agency."""

    immersion_id: UUID
    beneficiary_id: UUID
    agency_id: str


class ImmersionAgreed(ImmersionEvent):
    """An immersion (PMSMP) was agreed with a host employer or training centre: at most 30 days of presence.

    v2: an employer host is named by its id only; a training centre's name is kept encrypted by placement under
    the person's key (`host_name_ref`). The sector is a NAF section.
    """

    schema_version: ClassVar[int] = 2

    host_kind: ImmersionHost
    employer_id: UUID | None = None
    host_name_ref: UUID | None = Field(None, description="Training centres: reference of the name.")
    host_index: str | None = Field(
        None,
        pattern="^[0-9a-f]{64}$",
        description="Training centres: a keyed fingerprint of the name (the same centre gives the same value; the "
        "name cannot be read from it), for the presence limit per host.",
    )
    sector: Sector | None = Field(None, description="NAF section.", examples=["G"])
    start_date: date
    end_date: date
    days_of_presence: int = Field(ge=1, le=30)
    agreed_on: date


class ImmersionRenewed(ImmersionEvent):
    """The immersion was renewed, once, for at most 30 more days of presence."""

    start_date: date
    end_date: date
    days_of_presence: int = Field(ge=1, le=30)
    renewed_on: date


class ImmersionTransferred(ImmersionEvent):
    """The person moved to another agency: this immersion goes with them, from `transferred_on`."""

    from_agency_id: str
    to_agency_id: str
    transferred_on: date


class ImmersionCompleted(ImmersionEvent):
    """The immersion ended, with what followed."""

    host_kind: ImmersionHost
    employer_id: UUID | None = None
    completed_on: date
    outcome: ImmersionOutcome
    total_days_of_presence: int = Field(ge=0)


EVENTS: list[type[PlacementEvent]] = [
    EmployerRegistered,
    EmployerAssignedToAgency,
    EmployerContactRecorded,
    NeedPublished,
    NeedFilled,
    NeedClosed,
    IntroductionMade,
    IntroductionNotHired,
    HireRecorded,
    HireCheckInRecorded,
    HireEndedEarly,
    IntroductionTransferred,
    ImmersionAgreed,
    ImmersionRenewed,
    ImmersionTransferred,
    ImmersionCompleted,
]
