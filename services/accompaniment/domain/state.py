"""State of accompaniment's aggregates as folded from their events: the accompaniment, and the workshop session.

Plain frozen records, no behaviour beyond reading; how they evolve is in `evolution`, what may happen in `decisions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from uuid import UUID

from shared.contracts.accompaniment import (
    ActionStatus,
    BarrierCategory,
    CandidateProfileUpdated,
    RenewalReason,
    SchemeKind,
    SuspensionReason,
    WorkshopTheme,
)
from shared.contracts.exits import ExitCategory, ExitGroup


class AppointmentStatus(StrEnum):
    """Where an individual appointment stands."""

    SCHEDULED = "scheduled"
    HELD = "held"
    MISSED = "missed"
    CANCELLED = "cancelled"


class BarrierStatus(StrEnum):
    """Life of a barrier: identified, worked on, then lifted or not."""

    IDENTIFIED = "identified"
    WORKED_ON = "worked_on"
    LIFTED = "lifted"
    NOT_LIFTED = "not_lifted"


@dataclass(frozen=True)
class EngagementContract:
    """The signed engagement contract."""

    signed_on: date
    deadline: date
    late: bool


@dataclass(frozen=True)
class Appointment:
    """An individual appointment and its outcome."""

    id: UUID
    appointment_date: date
    status: AppointmentStatus = AppointmentStatus.SCHEDULED
    outcome_on: date | None = None
    days_since_orientation: int | None = None


@dataclass(frozen=True)
class Barrier:
    """One barrier of the diagnosis; a category can be identified again once its previous barrier ended."""

    id: UUID
    category: BarrierCategory
    identified_on: date
    status: BarrierStatus = BarrierStatus.IDENTIFIED
    worked_on_from: date | None = None
    ended_on: date | None = None

    @property
    def is_active(self) -> bool:
        """True until the barrier is lifted or assessed as not lifted."""
        return self.status in (BarrierStatus.IDENTIFIED, BarrierStatus.WORKED_ON)


@dataclass(frozen=True)
class TrainingNeed:
    """A training need noted in the diagnosis."""

    id: UUID
    subject_ref: UUID
    recorded_on: date


@dataclass(frozen=True)
class Objective:
    """An objective of the action plan."""

    id: UUID
    label_ref: UUID
    set_on: date
    target_date: date | None = None


@dataclass(frozen=True)
class Action:
    """An action towards an objective."""

    id: UUID
    objective_id: UUID
    label_ref: UUID
    planned_on: date
    due_on: date | None = None
    status: ActionStatus = ActionStatus.PLANNED
    status_changed_on: date | None = None


@dataclass(frozen=True)
class SchemeReferral:
    """A referral to a scheme or partner."""

    id: UUID
    scheme: SchemeKind
    partner_ref: UUID
    referred_on: date


@dataclass(frozen=True)
class Suspension:
    """A period on hold; open while `resumed_on` is None."""

    reason: SuspensionReason
    suspended_on: date
    expected_resumption_on: date | None = None
    resumed_on: date | None = None


@dataclass(frozen=True)
class Renewal:
    """A renewal for another period."""

    reason: RenewalReason
    renewed_on: date
    previous_planned_end_date: date
    new_planned_end_date: date


@dataclass(frozen=True)
class Transfer:
    """A move to another agency."""

    from_agency_id: str
    to_agency_id: str
    commune_code: str
    transferred_on: date


@dataclass(frozen=True)
class WorkshopParticipation:
    """A workshop session the person was registered for, and whether they attended."""

    session_id: UUID
    theme: WorkshopTheme
    session_date: date
    attended: bool | None = None


@dataclass(frozen=True)
class ProposedExit:
    """An exit proposed: by a recorded hire (withdrawn when the hire ends early), or by the end of the RSA right."""

    hire_id: UUID | None
    exit_category: ExitCategory
    exit_group: ExitGroup
    proposed_on: date
    withdrawn_on: date | None = None
    hire_ended_on: date | None = None
    rights_ended_on: date | None = None

    @property
    def by_hire(self) -> bool:
        """True when a hire proposed it."""
        return self.hire_id is not None

    @property
    def holds(self) -> bool:
        """True while the hire behind it runs."""
        return self.withdrawn_on is None


@dataclass(frozen=True)
class Accompaniment:
    """State of one accompaniment, rebuilt from its events."""

    id: UUID
    beneficiary_id: UUID
    agency_id: str
    start_date: date
    planned_end_date: date
    orientation_date: date
    commune_code: str | None = None
    is_return: bool = False
    previous_accompaniment_id: UUID | None = None
    version: int = 0
    referent_id: UUID | None = None
    contract: EngagementContract | None = None
    appointments: dict[UUID, Appointment] = field(default_factory=dict)
    barriers: tuple[Barrier, ...] = ()
    training_needs: tuple[TrainingNeed, ...] = ()
    objectives: dict[UUID, Objective] = field(default_factory=dict)
    actions: dict[UUID, Action] = field(default_factory=dict)
    referrals: tuple[SchemeReferral, ...] = ()
    suspensions: tuple[Suspension, ...] = ()
    renewals: tuple[Renewal, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    workshops: dict[UUID, WorkshopParticipation] = field(default_factory=dict)
    proposed_exits: tuple[ProposedExit, ...] = ()
    candidate_profile: CandidateProfileUpdated | None = None
    closed_on: date | None = None
    exit_category: ExitCategory | None = None

    @property
    def is_closed(self) -> bool:
        """True once an exit has been recorded."""
        return self.closed_on is not None

    @property
    def current_suspension(self) -> Suspension | None:
        """The suspension in force, if any."""
        last = self.suspensions[-1] if self.suspensions else None
        return last if last is not None and last.resumed_on is None else None

    @property
    def status(self) -> str:
        """`open`, `suspended` or `closed`."""
        if self.is_closed:
            return "closed"
        return "suspended" if self.current_suspension else "open"

    @property
    def proposed_exit(self) -> ProposedExit | None:
        """The exit proposed by the latest hire still running (a hire that ended early proposes nothing); else the
        end of the RSA right, when the CAF/MSA flow reported it (a hire outranks it: the job is the exit)."""
        holding = [p for p in self.proposed_exits if p.holds]
        return next((p for p in reversed(holding) if p.by_hire), holding[-1] if holding else None)

    @property
    def withdrawn_exit(self) -> ProposedExit | None:
        """The latest proposal withdrawn because its hire ended early."""
        return next((p for p in reversed(self.proposed_exits) if not p.holds), None)

    @property
    def first_appointment_delay_days(self) -> int | None:
        """Days from orientation to the first appointment held."""
        return next(
            (a.days_since_orientation for a in self.appointments.values() if a.days_since_orientation is not None), None
        )

    @property
    def has_held_appointment(self) -> bool:
        """True once an appointment took place."""
        return any(a.status == AppointmentStatus.HELD for a in self.appointments.values())

    def text_refs(self) -> list[UUID]:
        """References of the free text of this follow-up (kept encrypted with the person's key)."""
        return [
            *(n.subject_ref for n in self.training_needs),
            *(o.label_ref for o in self.objectives.values()),
            *(a.label_ref for a in self.actions.values()),
            *(r.partner_ref for r in self.referrals),
        ]

    @property
    def last_contact_on(self) -> date | None:
        """Latest appointment held or workshop attended."""
        held = [a.outcome_on for a in self.appointments.values() if a.status == AppointmentStatus.HELD]
        attended = [w.session_date for w in self.workshops.values() if w.attended]
        return max([d for d in held + attended if d is not None], default=None)

    def active_barrier(self, category: BarrierCategory) -> Barrier | None:
        """The barrier of this category still being followed, if any."""
        return next((b for b in reversed(self.barriers) if b.category == category and b.is_active), None)

    def barrier(self, barrier_id: UUID) -> Barrier | None:
        """The barrier with this id, followed or ended."""
        return next((b for b in self.barriers if b.id == barrier_id), None)


@dataclass(frozen=True)
class Registration:
    """A seat taken by one person, and whether they came."""

    accompaniment_id: UUID
    beneficiary_id: UUID
    registered_on: date
    attended: bool | None = None


@dataclass(frozen=True)
class WorkshopSession:
    """State of one session, rebuilt from its events."""

    id: UUID
    agency_id: str
    theme: WorkshopTheme
    session_date: date
    capacity: int
    title_ref: UUID | None = None
    version: int = 0
    registrations: dict[UUID, Registration] = field(default_factory=dict)
    open_to_department: bool = False

    @property
    def seats_left(self) -> int:
        """Seats still free."""
        return self.capacity - len(self.registrations)
