"""Commands accepted by accompaniment: what a caseworker asks for, validated for shape only.

Dates left empty mean "today" (the decisions receive today's date). Ids of new items may be given by
the client, which makes a retried request harmless (the second one is refused as already recorded).
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid4

from pydantic import ConfigDict, Field

from shared.contracts.accompaniment import (
    ActionStatus,
    BarrierCategory,
    RenewalReason,
    SchemeKind,
    SuspensionReason,
    TimeSlot,
    WorkshopTheme,
)
from shared.contracts.exits import ExitCategory
from shared.inputs import FactDate, Input


class Command(Input):
    """Base of the commands: immutable, closed to unknown fields, trimmed storable strings, finite numbers."""


class AssignReferent(Command):
    """Make a caseworker of the agency the person's referent."""

    referent_id: str = Field(min_length=1, max_length=128, examples=["caseworker-amina"])


class SignEngagementContract(Command):
    """Record the signature of the engagement contract."""

    signed_on: FactDate | None = Field(None, examples=["2026-02-10"])


class ScheduleAppointment(Command):
    """Plan an individual appointment (may be in the future)."""

    appointment_id: UUID = Field(default_factory=uuid4)
    appointment_date: FactDate = Field(examples=["2026-02-12"])


class RecordAppointmentHeld(Command):
    """The appointment took place."""

    appointment_id: UUID
    held_on: FactDate | None = None


class RecordAppointmentMissed(Command):
    """The person did not come."""

    appointment_id: UUID


class CancelAppointment(Command):
    """Call off an appointment that has not taken place."""

    appointment_id: UUID
    cancelled_on: FactDate | None = None


class IdentifyBarrier(Command):
    """Record a barrier found by the diagnosis."""

    category: BarrierCategory
    identified_on: FactDate | None = Field(None, examples=["2026-02-12"])


class BarrierProgress(StrEnum):
    """Steps a barrier can move to after being identified."""

    WORKED_ON = "worked_on"
    LIFTED = "lifted"
    NOT_LIFTED = "not_lifted"


class ProgressBarrier(Command):
    """Move a barrier on: worked on, lifted, or assessed as not lifted."""

    category: BarrierCategory
    status: BarrierProgress
    on: FactDate | None = None


class RecordTrainingNeed(Command):
    """Note a training need."""

    training_need_id: UUID = Field(default_factory=uuid4)
    subject: str = Field(min_length=1, max_length=120, examples=["forklift licence (CACES 1)"])
    recorded_on: FactDate | None = None


class SetObjective(Command):
    """Add an objective to the action plan."""

    objective_id: UUID = Field(default_factory=uuid4)
    label: str = Field(min_length=1, max_length=200, examples=["find a job in logistics"])
    target_date: FactDate | None = Field(None, examples=["2026-09-30"])
    set_on: FactDate | None = None


class PlanAction(Command):
    """Plan an action towards an objective."""

    action_id: UUID = Field(default_factory=uuid4)
    objective_id: UUID
    label: str = Field(min_length=1, max_length=200, examples=["sign up for the CACES 1 course"])
    due_on: FactDate | None = Field(None, examples=["2026-04-30"])
    planned_on: FactDate | None = None


class ChangeActionStatus(Command):
    """Start, complete or abandon an action."""

    action_id: UUID
    status: ActionStatus
    changed_on: FactDate | None = None


class ReferToScheme(Command):
    """Refer the person to a scheme or partner."""

    referral_id: UUID = Field(default_factory=uuid4)
    scheme: SchemeKind
    partner: str = Field(min_length=1, max_length=120, examples=["CCAS de La Courneuve"])
    referred_on: FactDate | None = None


class SuspendAccompaniment(Command):
    """Put the accompaniment on hold."""

    reason: SuspensionReason
    suspended_on: FactDate | None = None
    expected_resumption_on: FactDate | None = Field(None, examples=["2026-05-01"])


class ResumeAccompaniment(Command):
    """Take up a suspended accompaniment again."""

    resumed_on: FactDate | None = None


class RenewAccompaniment(Command):
    """Renew for another period, near or after the planned end; a reason is required."""

    reason: RenewalReason | None = Field(None, examples=["training_in_progress"])
    renewed_on: FactDate | None = None


class CloseAccompaniment(Command):
    """Close with an exit category; without one, the exit proposed by a recorded hire is taken."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"exit_category": "cdi", "closed_on": "2026-11-02"}]})

    exit_category: ExitCategory | None = None
    closed_on: FactDate | None = None


class UpdateCandidateProfile(Command):
    """What placement needs to match the person without a CV: aptitudes and constraints, never diplomas."""

    aptitudes: list[str] = Field(default_factory=list, max_length=30, examples=[["handling", "customer_contact"]])
    available_slots: list[TimeSlot] = Field(default_factory=list, examples=[["morning", "afternoon"]])
    max_weekly_hours: int = Field(ge=1, le=48, examples=[35])
    max_commute_km: float = Field(ge=0, le=100, examples=[10])
    driving_licence: bool = False
    health_restrictions: list[str] = Field(default_factory=list, max_length=20, examples=[["no_heavy_lifting"]])
    wished_sectors: list[str] = Field(default_factory=list, max_length=20, examples=[["logistics"]])


class ScheduleWorkshopSession(Command):
    """An agency plans a collective workshop session."""

    session_id: UUID = Field(default_factory=uuid4)
    agency_id: str = Field(min_length=1, max_length=64, examples=["ali-la-courneuve"])
    theme: WorkshopTheme
    session_date: FactDate = Field(examples=["2026-03-05"])
    capacity: int = Field(ge=1, le=200, examples=[12])
    title: str | None = Field(None, max_length=120, examples=["Prendre confiance en soi"])


class RegisterParticipant(Command):
    """Give a seat in a session to a person followed by the agency."""

    accompaniment_id: UUID


class Attendance(Command):
    """Whether one registered person attended."""

    accompaniment_id: UUID
    attended: bool


class RecordAttendance(Command):
    """The attendance sheet of a session (all or nothing)."""

    participants: list[Attendance] = Field(min_length=1, max_length=200)
