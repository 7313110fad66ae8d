"""Response models of the HTTP API, and how an accompaniment's state is shown."""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING
from datetime import date, datetime
from typing import Any, get_type_hints
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, create_model

from services.accompaniment.domain import state as s
from services.accompaniment.domain.decisions.engagement import contract_deadline
from services.accompaniment.domain.rules import Rules
from services.accompaniment.domain.state import WorkshopSession
from shared.contracts.accompaniment import WorkshopTheme
from shared.contracts.exits import ExitCategory, ExitGroup
from shared.contracts.referentials import Aptitude, Sector, WorkConstraint
from shared.private_text import NO_TEXT, TextView

ERASED_TEXT = "Null once the person's personal data is erased (then `personal_data_erased` is true)."


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _shown_as_recorded(record: type, doc: str) -> type[_Out]:
    """The response model `<Record>Out` of a record of the state: its fields, types and defaults, as they are."""
    hints = get_type_hints(record)
    fields: dict[str, Any] = {
        f.name: (hints[f.name], ... if f.default is MISSING else f.default) for f in dataclasses.fields(record)
    }
    return create_model(f"{record.__name__}Out", __base__=_Out, __doc__=doc, __module__=__name__, **fields)


class _Accompaniment(_Out):
    """What a list and the whole follow-up both show of an accompaniment, first."""

    accompaniment_id: UUID
    beneficiary_id: UUID
    agency_id: str
    commune_code: str | None = None
    status: str
    start_date: date
    planned_end_date: date
    orientation_date: date
    referent_id: UUID | None = None


class AccompanimentSummary(_Accompaniment):
    """An accompaniment in a list."""

    contract_signed_on: date | None = None
    last_contact_on: date | None = None
    closed_on: date | None = None
    exit_category: ExitCategory | None = None
    exit_group: ExitGroup | None = None
    proposed_exit_category: ExitCategory | None = None
    is_return: bool = False
    previous_accompaniment_id: UUID | None = None
    version: int


class ContractOut(_Out):
    """The signed engagement contract."""

    signed_on: date
    deadline: date
    late: bool


class AppointmentOut(_Out):
    """An individual appointment."""

    id: UUID
    appointment_date: date
    status: s.AppointmentStatus
    outcome_on: date | None = None
    days_since_orientation: int | None = None


class BarrierOut(_Out):
    """A barrier of the diagnosis."""

    barrier_id: UUID = Field(validation_alias="id")
    category: str
    identified_on: date
    status: s.BarrierStatus
    worked_on_from: date | None = None
    ended_on: date | None = None


class TrainingNeedOut(_Out):
    """A training need."""

    id: UUID
    subject: str | None = Field(description=ERASED_TEXT)
    recorded_on: date


class ActionOut(_Out):
    """An action of the plan."""

    id: UUID
    label: str | None = Field(description=ERASED_TEXT)
    planned_on: date
    due_on: date | None = None
    status: str
    status_changed_on: date | None = None


class ObjectiveOut(_Out):
    """An objective with its actions."""

    id: UUID
    label: str | None = Field(description=ERASED_TEXT)
    set_on: date
    target_date: date | None = None
    actions: list[ActionOut]


class ReferralOut(_Out):
    """A referral to a scheme or partner."""

    id: UUID
    scheme: str
    partner: str | None = Field(description=ERASED_TEXT)
    referred_on: date


class SuspensionOut(_Out):
    """A period on hold."""

    reason: str
    suspended_on: date
    expected_resumption_on: date | None = None
    resumed_on: date | None = None


class RenewalOut(_Out):
    """A renewal."""

    reason: str
    renewed_on: date
    previous_planned_end_date: date
    new_planned_end_date: date


TransferOut = _shown_as_recorded(s.Transfer, "A move to another agency.")
WorkshopParticipationOut = _shown_as_recorded(
    s.WorkshopParticipation, "A workshop session the person was registered for."
)
ProposedExitOut = _shown_as_recorded(
    s.ProposedExit,
    """An exit proposed by a recorded hire (withdrawn when the hire ended early), or by the end of the RSA right
    reported by the CAF/MSA flow (`hire_id` null, `rights_ended_on`).""",
)


class CandidateProfileOut(_Out):
    """The profile placement matches on."""

    commune_code: str
    aptitudes: list[Aptitude]
    available_slots: list[str]
    max_weekly_hours: int
    max_commute_km: float
    driving_licence: bool
    work_constraints: list[WorkConstraint]
    wished_sectors: list[Sector]


class AccompanimentDetail(_Accompaniment):
    """The whole follow-up of one person."""

    personal_data_erased: bool = Field(
        False, description="The person's personal data was erased: the free text of the follow-up is null."
    )
    contract_deadline: date
    contract: ContractOut | None = None
    first_appointment_delay_days: int | None = None
    last_contact_on: date | None = None
    appointments: list[AppointmentOut]
    barriers: list[BarrierOut]
    training_needs: list[TrainingNeedOut]
    objectives: list[ObjectiveOut]
    referrals: list[ReferralOut]
    workshops: list[WorkshopParticipationOut]
    suspensions: list[SuspensionOut]
    renewals: list[RenewalOut]
    transfers: list[TransferOut]
    proposed_exit: ProposedExitOut | None = None
    withdrawn_exits: list[ProposedExitOut] = Field(
        default_factory=list, description="Exits proposed by hires that ended early: no longer proposed."
    )
    candidate_profile: CandidateProfileOut | None = None
    closed_on: date | None = None
    exit_category: ExitCategory | None = None
    exit_group: ExitGroup | None = None
    is_return: bool = Field(False, description="A return: the person came back after an earlier accompaniment.")
    previous_accompaniment_id: UUID | None = Field(None, description="On a return, the earlier accompaniment.")
    version: int


def detail(state: s.Accompaniment, rules: Rules, view: TextView = NO_TEXT) -> AccompanimentDetail:
    """How caseworkers see an accompaniment, its free text read from `view` (the person's texts)."""

    def action(a: s.Action) -> ActionOut:
        return ActionOut(
            id=a.id,
            label=view.text(a.label_ref),
            planned_on=a.planned_on,
            due_on=a.due_on,
            status=a.status,
            status_changed_on=a.status_changed_on,
        )

    objectives = [
        ObjectiveOut(
            id=o.id,
            label=view.text(o.label_ref),
            set_on=o.set_on,
            target_date=o.target_date,
            actions=[action(a) for a in state.actions.values() if a.objective_id == o.id],
        )
        for o in state.objectives.values()
    ]
    return AccompanimentDetail(
        accompaniment_id=state.id,
        beneficiary_id=state.beneficiary_id,
        agency_id=state.agency_id,
        commune_code=state.commune_code,
        status=state.status,
        start_date=state.start_date,
        planned_end_date=state.planned_end_date,
        orientation_date=state.orientation_date,
        referent_id=state.referent_id,
        personal_data_erased=view.erased,
        contract_deadline=contract_deadline(state.orientation_date, rules),
        contract=ContractOut.model_validate(state.contract) if state.contract else None,
        first_appointment_delay_days=state.first_appointment_delay_days,
        last_contact_on=state.last_contact_on,
        appointments=[AppointmentOut.model_validate(a) for a in state.appointments.values()],
        barriers=[BarrierOut.model_validate(b) for b in state.barriers],
        training_needs=[
            TrainingNeedOut(id=n.id, subject=view.text(n.subject_ref), recorded_on=n.recorded_on)
            for n in state.training_needs
        ],
        objectives=objectives,
        referrals=[
            ReferralOut(id=r.id, scheme=r.scheme, partner=view.text(r.partner_ref), referred_on=r.referred_on)
            for r in state.referrals
        ],
        workshops=[WorkshopParticipationOut.model_validate(w) for w in state.workshops.values()],
        suspensions=[SuspensionOut.model_validate(x) for x in state.suspensions],
        renewals=[RenewalOut.model_validate(r) for r in state.renewals],
        transfers=[TransferOut.model_validate(t) for t in state.transfers],
        proposed_exit=ProposedExitOut.model_validate(state.proposed_exit) if state.proposed_exit else None,
        withdrawn_exits=[ProposedExitOut.model_validate(p) for p in state.proposed_exits if not p.holds],
        candidate_profile=(
            CandidateProfileOut.model_validate(state.candidate_profile) if state.candidate_profile else None
        ),
        closed_on=state.closed_on,
        exit_category=state.exit_category,
        exit_group=state.exit_category.group if state.exit_category else None,
        is_return=state.is_return,
        previous_accompaniment_id=state.previous_accompaniment_id,
        version=state.version,
    )


class HistoryEntry(BaseModel):
    """One recorded event of an accompaniment."""

    version: int
    type: str
    recorded_at: datetime
    data: dict[str, Any]


class ErasureDone(BaseModel):
    """The key was destroyed: the texts it encrypted are unreadable from now on."""

    erased: bool
    already_erased: bool = Field(description="True when it had been erased before this request.")


RegistrationOut = _shown_as_recorded(s.Registration, "A seat in a workshop session.")


class WorkshopSessionOut(_Out):
    """A workshop session with its seats."""

    session_id: UUID
    agency_id: str
    theme: WorkshopTheme
    title: str | None = Field(None, description="Kept encrypted under the session's key; null once erased.")
    session_date: date
    capacity: int
    registered: int
    attended: int
    open_to_department: bool = False
    version: int


class WorkshopSessionDetail(WorkshopSessionOut):
    """A workshop session with its participants."""

    participants: list[RegistrationOut]


def session_detail(session: WorkshopSession, view: TextView = NO_TEXT) -> WorkshopSessionDetail:
    """A session as its agency sees it (its title read from `view`, the agency's texts)."""
    seats = list(session.registrations.values())
    return WorkshopSessionDetail(
        session_id=session.id,
        agency_id=session.agency_id,
        theme=session.theme,
        title=view.text(session.title_ref),
        session_date=session.session_date,
        capacity=session.capacity,
        registered=len(seats),
        attended=sum(1 for r in seats if r.attended),
        open_to_department=session.open_to_department,
        version=session.version,
        participants=[RegistrationOut.model_validate(r) for r in seats],
    )
