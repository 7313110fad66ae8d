"""Events published by accompaniment on `ali.accompaniment.events`.

Person-related events name the accompaniment, the person (pseudonymous id) and the agency; workshop
session events name the session and the agency. None carries a name, a birth date or contact details, nor any
free text: categories are codes of closed referentials (`shared.referentials`), and what must stay free text
(labels, subjects, partners, titles) is kept encrypted by accompaniment, the event carrying its reference
(`*_ref`, see `shared.private_text`).
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from shared.contracts.exits import ExitCategory, ExitGroup
from shared.contracts.referentials import Aptitude, Sector, WorkConstraint
from shared.events import DomainEvent


class AccompanimentEvent(DomainEvent):
    """Base of accompaniment's events; every one names the accompaniment, the person and the agency."""

    context: ClassVar[str] = "accompaniment"

    accompaniment_id: UUID
    beneficiary_id: UUID
    agency_id: str


class AccompanimentOpened(AccompanimentEvent):
    """A one-year accompaniment started for an enrolled beneficiary, in the commune they live in.

    v2 adds `commune_code`. Events recorded as v1 are read with `commune_code` null (see the upcaster in
    `shared.contracts`): v1 did not carry it and no other event of the stream gives the commune at opening.
    v3 adds `is_return` and `previous_accompaniment_id`, copied from the enrolment that opened it.
    """

    schema_version: ClassVar[int] = 3

    start_date: date
    planned_end_date: date
    orientation_date: date
    commune_code: str | None = Field(
        None,
        pattern=r"^93\d{3}$",
        description="INSEE code of the commune the person lives in (from the enrolment); null only in events"
        " recorded as v1, before the event carried it.",
        examples=["93027"],
    )
    is_return: bool = Field(
        False, description="True when the person comes back after an earlier accompaniment (v3): still an entry."
    )
    previous_accompaniment_id: UUID | None = Field(
        None, description="On a return: the earlier accompaniment, closed, that this one follows (v3)."
    )


class AccompanimentClosed(AccompanimentEvent):
    """The accompaniment ended with an exit."""

    closed_on: date
    exit_category: ExitCategory
    exit_group: ExitGroup = Field(description="Official group of the exit category.")


class TimeSlot(StrEnum):
    """Parts of the week a person can work, or a job requires."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    NIGHT = "night"
    WEEKEND = "weekend"


class CandidateProfileUpdated(AccompanimentEvent):
    """What placement needs to match the person without a CV (IOD): aptitudes and constraints, never diplomas.

    v2: aptitudes, work constraints (functional, never a diagnosis; they replace v1's free-text health
    restrictions) and wished sectors are codes of closed referentials.
    """

    schema_version: ClassVar[int] = 2

    commune_code: str = Field(pattern=r"^93\d{3}$")
    aptitudes: list[Aptitude] = Field(description="Observed aptitudes.", examples=[["handling", "customer_contact"]])
    available_slots: list[TimeSlot] = Field(examples=[["morning", "afternoon"]])
    max_weekly_hours: int = Field(ge=1, le=48, examples=[35])
    max_commute_km: float = Field(ge=0, le=100, examples=[10])
    driving_licence: bool = False
    work_constraints: list[WorkConstraint] = Field(
        default_factory=list, description="What a post must allow (functional limits).", examples=[["no_night_work"]]
    )
    wished_sectors: list[Sector] = Field(default_factory=list, description="NAF sections.", examples=[["H", "I"]])


class ExitProposalCause(StrEnum):
    """What proposed an exit."""

    HIRE = "hire"
    RSA_RIGHTS_ENDED = "rsa_rights_ended"


class ExitProposed(AccompanimentEvent):
    """An exit is proposed; the caseworker confirms it on closure.

    A hire recorded by placement proposes the exit its contract implies (`cause` `hire`, `hire_id`); the end of the
    person's RSA right reported by the CAF/MSA flow proposes `end_of_rsa_rights` (`cause` `rsa_rights_ended`,
    `rights_ended_on`), which a hire's proposal outranks. v2 adds `cause` and `rights_ended_on`; `hire_id` is null
    for the end of rights.
    """

    schema_version: ClassVar[int] = 2

    cause: ExitProposalCause = ExitProposalCause.HIRE
    hire_id: UUID | None = None
    rights_ended_on: date | None = Field(None, description="The end of the RSA right (cause `rsa_rights_ended`).")
    exit_category: ExitCategory
    exit_group: ExitGroup
    proposed_on: date


class ExitProposalWithdrawn(AccompanimentEvent):
    """The hire behind a proposed exit ended early (trial period, resignation...): the proposal no longer holds.

    When another hire of the person still runs, its proposal is the one in force again (`replaced_by_*`);
    otherwise no exit is proposed and closing needs an explicit category. An exit already recorded (the
    accompaniment closed) is never changed: this event is then not recorded.
    """

    hire_id: UUID = Field(description="The hire that ended early.")
    exit_category: ExitCategory = Field(description="The exit its proposal implied, withdrawn.")
    exit_group: ExitGroup
    hire_ended_on: date
    withdrawn_on: date
    replaced_by_hire_id: UUID | None = Field(None, description="Another hire still running, whose proposal holds.")
    replaced_by_exit_category: ExitCategory | None = None


# --- referentials carried by the events below ------------------------------------------------------


class BarrierCategory(StrEnum):
    """Barriers to employment (freins), common referential of the France Travail diagnostic."""

    MOBILITY = "mobility"
    FAMILY_CONSTRAINTS = "family_constraints"
    HEALTH = "health"
    LITERACY_NUMERACY = "literacy_numeracy"
    FRENCH_LANGUAGE = "french_language"
    HOUSING = "housing"
    FINANCIAL = "financial"
    ADMINISTRATIVE_LEGAL = "administrative_legal"
    DIGITAL_SKILLS = "digital_skills"
    SELF_ESTEEM = "self_esteem"


class ActionStatus(StrEnum):
    """Where an action of the plan stands."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ABANDONED = "abandoned"


class SchemeKind(StrEnum):
    """Kinds of schemes (dispositifs) and partners a person is referred to."""

    TRAINING = "training"
    IAE = "iae"
    TOWN_HALL = "town_hall"
    SOCIAL_SERVICES = "social_services"
    OTHER = "other"


class SuspensionReason(StrEnum):
    """Why an accompaniment is put on hold."""

    SICK_LEAVE = "sick_leave"
    MATERNITY_LEAVE = "maternity_leave"
    HOSPITALISATION = "hospitalisation"
    FAMILY_REASONS = "family_reasons"
    OTHER = "other"


class RenewalReason(StrEnum):
    """Why an accompaniment is renewed for another period."""

    BARRIERS_STILL_BEING_LIFTED = "barriers_still_being_lifted"
    TRAINING_IN_PROGRESS = "training_in_progress"
    JOB_SEARCH_IN_PROGRESS = "job_search_in_progress"
    HEALTH_RECOVERY = "health_recovery"
    OTHER = "other"


class WorkshopTheme(StrEnum):
    """Themes of collective workshops (ateliers collectifs)."""

    SELF_CONFIDENCE = "self_confidence"
    COVER_LETTERS = "cover_letters"
    LABOUR_LAW_AND_PAY = "labour_law_and_pay"
    DIGITAL_SKILLS = "digital_skills"
    JOB_INTERVIEWS = "job_interviews"
    MOBILITY = "mobility"
    BUDGET = "budget"
    OTHER = "other"


# --- follow-up of one person -----------------------------------------------------------------------


class ReferentAssigned(AccompanimentEvent):
    """A caseworker of the agency became the person's referent.

    v2: the referent is a staff uuid (`shared.staff`), never free text.
    """

    schema_version: ClassVar[int] = 2

    referent_id: UUID = Field(description="Staff id of the caseworker.")
    assigned_on: date


class EngagementContractSigned(AccompanimentEvent):
    """The engagement contract (contrat d'engagement) was signed; late when after the deadline."""

    signed_on: date
    deadline: date = Field(description="Orientation date plus the department's deadline.")
    late: bool
    days_after_orientation: int = Field(ge=0)


class AppointmentScheduled(AccompanimentEvent):
    """An individual appointment (entretien individualisé) was planned."""

    appointment_id: UUID
    appointment_date: date
    scheduled_on: date


class AppointmentHeld(AccompanimentEvent):
    """An appointment took place; the first one carries the delay since orientation."""

    appointment_id: UUID
    held_on: date
    first: bool = Field(description="True for the first appointment held in this accompaniment.")
    days_since_orientation: int | None = Field(None, ge=0, description="Set on the first appointment held.")


class AppointmentMissed(AccompanimentEvent):
    """The person did not come to an appointment (no-show)."""

    appointment_id: UUID
    appointment_date: date


class AppointmentCancelled(AccompanimentEvent):
    """An appointment was called off before it took place."""

    appointment_id: UUID
    appointment_date: date
    cancelled_on: date


_LEGACY_BARRIER_NAMESPACE = UUID("3b0f6c1e-8d2a-4c57-b9e4-71a5d20f6e93")


def legacy_barrier_id(stream_id: str, stream_version: int) -> UUID:
    """The id of a barrier identified by a `BarrierIdentified` v1 event, which carried none.

    Derived from the identification's own position (its accompaniment stream and its version there), so every
    reader (the accompaniment's fold, reporting, a rebuild) names the barrier alike.
    """
    return uuid.uuid5(_LEGACY_BARRIER_NAMESPACE, f"{stream_id}:{stream_version}")


_NAMED_SINCE_V2 = (
    "The barrier this is about. Null only in events recorded as v1, which named the category alone: they"
    " concern the barrier of that category then followed (one at a time), identified before them in the stream."
)


class BarrierIdentified(AccompanimentEvent):
    """The diagnosis found a barrier of this category: one barrier, even of a category met before.

    v2 adds `barrier_id`. Events recorded as v1 are read with the id `legacy_barrier_id(stream id, version)`
    derived from their position (see the upcaster in `shared.contracts`).
    """

    schema_version: ClassVar[int] = 2

    barrier_id: UUID = Field(description="Identity of this barrier; the later barrier events name it.")
    category: BarrierCategory
    identified_on: date


class BarrierWorkedOn(AccompanimentEvent):
    """Work on a barrier started. v2 adds `barrier_id`."""

    schema_version: ClassVar[int] = 2

    barrier_id: UUID | None = Field(description=_NAMED_SINCE_V2)
    category: BarrierCategory
    started_on: date


class BarrierLifted(AccompanimentEvent):
    """A barrier no longer stands in the way. v2 adds `barrier_id`."""

    schema_version: ClassVar[int] = 2

    barrier_id: UUID | None = Field(description=_NAMED_SINCE_V2)
    category: BarrierCategory
    lifted_on: date
    days_since_identified: int = Field(ge=0)


class BarrierNotLifted(AccompanimentEvent):
    """A barrier was assessed as not lifted; its follow-up ends. v2 adds `barrier_id`."""

    schema_version: ClassVar[int] = 2

    barrier_id: UUID | None = Field(description=_NAMED_SINCE_V2)
    category: BarrierCategory
    assessed_on: date
    days_since_identified: int = Field(ge=0)


class TrainingNeedRecorded(AccompanimentEvent):
    """A training need was noted in the diagnosis.

    v2: the subject is kept encrypted by accompaniment; the event carries its reference.
    """

    schema_version: ClassVar[int] = 2

    training_need_id: UUID
    subject_ref: UUID = Field(description="Reference of the subject, a free text kept by accompaniment.")
    recorded_on: date


class ObjectiveSet(AccompanimentEvent):
    """An objective of the action plan was set.

    v2: the label is kept encrypted by accompaniment; the event carries its reference.
    """

    schema_version: ClassVar[int] = 2

    objective_id: UUID
    label_ref: UUID = Field(description="Reference of the label, a free text kept by accompaniment.")
    set_on: date
    target_date: date | None = None


class ActionPlanned(AccompanimentEvent):
    """An action towards an objective was planned.

    v2: the label is kept encrypted by accompaniment; the event carries its reference.
    """

    schema_version: ClassVar[int] = 2

    action_id: UUID
    objective_id: UUID
    label_ref: UUID = Field(description="Reference of the label, a free text kept by accompaniment.")
    planned_on: date
    due_on: date | None = None


class ActionStatusChanged(AccompanimentEvent):
    """An action of the plan moved on (started, done, abandoned)."""

    action_id: UUID
    objective_id: UUID
    previous_status: ActionStatus
    status: ActionStatus
    changed_on: date


class SchemeReferralMade(AccompanimentEvent):
    """The person was referred to a scheme or partner (training, IAE, town hall, social services...).

    v2: the partner's name is kept encrypted by accompaniment; the event carries its reference.
    """

    schema_version: ClassVar[int] = 2

    referral_id: UUID
    scheme: SchemeKind
    partner_ref: UUID = Field(description="Reference of the partner's name, a free text kept by accompaniment.")
    referred_on: date


class AccompanimentSuspended(AccompanimentEvent):
    """The accompaniment is on hold (sick leave...)."""

    reason: SuspensionReason
    suspended_on: date
    expected_resumption_on: date | None = None


class AccompanimentResumed(AccompanimentEvent):
    """A suspended accompaniment goes on."""

    resumed_on: date
    suspended_days: int = Field(ge=0)


class AccompanimentRenewed(AccompanimentEvent):
    """The accompaniment was renewed for another period."""

    reason: RenewalReason
    renewed_on: date
    previous_planned_end_date: date
    new_planned_end_date: date
    renewal_number: int = Field(ge=1)


class AccompanimentTransferred(AccompanimentEvent):
    """The person moved: the accompaniment, with its history, continues in the new agency (`agency_id`)."""

    from_agency_id: str
    to_agency_id: str
    commune_code: str = Field(pattern=r"^93\d{3}$")
    transferred_on: date


class RegisteredForWorkshop(AccompanimentEvent):
    """The person was registered for a workshop session."""

    session_id: UUID
    theme: WorkshopTheme
    session_date: date


class WorkshopAttendanceRecorded(AccompanimentEvent):
    """Whether the person attended a workshop session they were registered for."""

    session_id: UUID
    theme: WorkshopTheme
    session_date: date
    attended: bool


# --- collective workshop sessions (one stream per session) ------------------------------------------


class WorkshopEvent(DomainEvent):
    """Base of workshop session events: the session and the agency that runs it."""

    context: ClassVar[str] = "accompaniment"

    session_id: UUID
    agency_id: str


class WorkshopSessionScheduled(WorkshopEvent):
    """An agency scheduled a collective workshop session.

    v2: the title, when there is one, is kept encrypted by accompaniment (the agency's key); the event carries
    its reference.
    """

    schema_version: ClassVar[int] = 2

    theme: WorkshopTheme
    session_date: date
    capacity: int = Field(ge=1, le=200)
    scheduled_on: date
    title_ref: UUID | None = Field(None, description="Reference of the title, a free text kept by accompaniment.")


class WorkshopSessionOpenedToDepartment(WorkshopEvent):
    """The session takes participants followed by any agency of the department, not only by its own.

    After it, a `ParticipantRegistered` or `AttendanceRecorded` of the session (which name the session's agency)
    may concern a person of another agency: the person's agency is on `RegisteredForWorkshop` and
    `WorkshopAttendanceRecorded`, in their accompaniment's stream.
    """

    opened_on: date


class ParticipantRegistered(WorkshopEvent):
    """A person followed by the agency took a seat in the session."""

    accompaniment_id: UUID
    beneficiary_id: UUID
    registered_on: date


class AttendanceRecorded(WorkshopEvent):
    """Whether a registered participant attended the session."""

    accompaniment_id: UUID
    beneficiary_id: UUID
    theme: WorkshopTheme
    session_date: date
    attended: bool


EVENTS: list[type[DomainEvent]] = [
    AccompanimentOpened,
    AccompanimentClosed,
    CandidateProfileUpdated,
    ExitProposed,
    ExitProposalWithdrawn,
    ReferentAssigned,
    EngagementContractSigned,
    AppointmentScheduled,
    AppointmentHeld,
    AppointmentMissed,
    AppointmentCancelled,
    BarrierIdentified,
    BarrierWorkedOn,
    BarrierLifted,
    BarrierNotLifted,
    TrainingNeedRecorded,
    ObjectiveSet,
    ActionPlanned,
    ActionStatusChanged,
    SchemeReferralMade,
    AccompanimentSuspended,
    AccompanimentResumed,
    AccompanimentRenewed,
    AccompanimentTransferred,
    RegisteredForWorkshop,
    WorkshopAttendanceRecorded,
    WorkshopSessionScheduled,
    WorkshopSessionOpenedToDepartment,
    ParticipantRegistered,
    AttendanceRecorded,
]
