"""Commands accepted by accompaniment: what a caseworker asks for, validated for shape only.

Dates left empty mean "today" (the decisions receive today's date). Ids of new items may be given by
the client, which makes a retried request harmless (the second one is refused as already recorded).
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid4

from pydantic import ConfigDict, Field, model_validator

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
from shared.contracts.referentials import Aptitude, Sector, WorkConstraint
from shared.inputs import FactDate, Input
from shared.private_text import text_ref
from shared.territory import AgencyId


class Command(Input):
    """Base of the commands: immutable, closed to unknown fields, trimmed storable strings, finite numbers."""

    def texts(self) -> dict[UUID, str]:
        """The free text of the command, by the reference its event carries (kept encrypted, never published)."""
        return {}


class AssignReferent(Command):
    """Make a caseworker of the agency the person's referent."""

    referent_id: UUID = Field(
        description="Staff id of the caseworker.", examples=["1b4e28ba-2fa1-11d2-883f-0016d3cca427"]
    )


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
    """Record a barrier found by the diagnosis (a new barrier, even of a category met before)."""

    barrier_id: UUID = Field(default_factory=uuid4)
    category: BarrierCategory
    identified_on: FactDate | None = Field(None, examples=["2026-02-12"])


class BarrierProgress(StrEnum):
    """Steps a barrier can move to after being identified."""

    WORKED_ON = "worked_on"
    LIFTED = "lifted"
    NOT_LIFTED = "not_lifted"


class ProgressBarrier(Command):
    """Move a barrier on: worked on, lifted, or assessed as not lifted.

    The barrier is named by its id; by its category only through the older route, which acts on the barrier of
    that category being followed.
    """

    barrier_id: UUID | None = None
    category: BarrierCategory | None = None
    status: BarrierProgress
    on: FactDate | None = None

    @model_validator(mode="after")
    def _one_barrier(self) -> ProgressBarrier:
        if (self.barrier_id is None) == (self.category is None):
            raise ValueError("name the barrier by its id (or, on the older route, by its category), not both")
        return self


class RecordTrainingNeed(Command):
    """Note a training need."""

    training_need_id: UUID = Field(default_factory=uuid4)
    subject: str = Field(min_length=1, max_length=120, examples=["forklift licence (CACES 1)"])
    recorded_on: FactDate | None = None

    def texts(self) -> dict[UUID, str]:
        return {text_ref(self.training_need_id, "subject"): self.subject}


class SetObjective(Command):
    """Add an objective to the action plan."""

    objective_id: UUID = Field(default_factory=uuid4)
    label: str = Field(min_length=1, max_length=200, examples=["find a job in logistics"])
    target_date: FactDate | None = Field(None, examples=["2026-09-30"])
    set_on: FactDate | None = None

    def texts(self) -> dict[UUID, str]:
        return {text_ref(self.objective_id, "label"): self.label}


class PlanAction(Command):
    """Plan an action towards an objective."""

    action_id: UUID = Field(default_factory=uuid4)
    objective_id: UUID
    label: str = Field(min_length=1, max_length=200, examples=["sign up for the CACES 1 course"])
    due_on: FactDate | None = Field(None, examples=["2026-04-30"])
    planned_on: FactDate | None = None

    def texts(self) -> dict[UUID, str]:
        return {text_ref(self.action_id, "label"): self.label}


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

    def texts(self) -> dict[UUID, str]:
        return {text_ref(self.referral_id, "partner"): self.partner}


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
    """What placement needs to match the person without a CV: aptitudes and constraints, never diplomas.

    Every list holds codes of a closed referential (`GET /referentials/aptitudes`, `/work_constraints`,
    `/sectors`); work constraints say what a post must allow, never why (no diagnosis).
    """

    aptitudes: list[Aptitude] = Field(default_factory=list, max_length=len(Aptitude), examples=[["handling"]])
    available_slots: list[TimeSlot] = Field(default_factory=list, examples=[["morning", "afternoon"]])
    max_weekly_hours: int = Field(ge=1, le=48, examples=[35])
    max_commute_km: float = Field(ge=0, le=100, examples=[10])
    driving_licence: bool = False
    work_constraints: list[WorkConstraint] = Field(
        default_factory=list, max_length=len(WorkConstraint), examples=[["no_heavy_lifting"]]
    )
    wished_sectors: list[Sector] = Field(default_factory=list, max_length=len(Sector), examples=[["H"]])


class ScheduleWorkshopSession(Command):
    """An agency plans a collective workshop session."""

    session_id: UUID = Field(default_factory=uuid4)
    agency_id: AgencyId
    theme: WorkshopTheme
    session_date: FactDate = Field(examples=["2026-03-05"])
    capacity: int = Field(ge=1, le=200, examples=[12])
    title: str | None = Field(None, min_length=1, max_length=120, examples=["Prendre confiance en soi"])
    open_to_department: bool = Field(
        False, description="Seats also for people followed by the other agencies of the department."
    )

    def texts(self) -> dict[UUID, str]:
        return {text_ref(self.session_id, "title"): self.title} if self.title else {}


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
