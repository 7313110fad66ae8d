"""Commands about employers and their field needs."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field, ValidationInfo, field_validator

from services.placement.domain.commands.base import (
    AgencyId,
    Command,
    CommuneCode,
    Notes,
    Task,
    check_duration,
)
from shared.contracts.accompaniment import TimeSlot
from shared.contracts.employment import ContractType
from shared.contracts.placement import ContactKind, EmployerSize, NeedClosureReason, WorkingCondition
from shared.contracts.referentials import Aptitude, Sector
from shared.inputs import FactDate


class RegisterEmployer(Command):
    """An employer joins the network (TPE-PME, social economy, SIAE), followed by one agency."""

    siret: str = Field(examples=["73282932000074"])
    name: str = Field(
        min_length=1, max_length=200, description="Kept encrypted by placement.", examples=["Boulangerie du Marché"]
    )
    size: EmployerSize
    sector: Sector = Field(description="NAF section (`GET /referentials/sectors`).", examples=["G"])
    social_economy: bool = False
    siae: bool = False
    commune_code: CommuneCode
    agency_id: AgencyId | None = Field(None, description="Agency following the employer; defaults to the caller's.")


class RecordEmployerContact(Command):
    """A prospecting contact with an employer: visit, phone call or event."""

    contact_date: FactDate
    kind: ContactKind
    caseworker: UUID | None = Field(None, description="Staff id; defaults to the caller.")
    contact_name: str | None = Field(
        None, min_length=1, max_length=200, description="The person met; kept encrypted under the contact's key."
    )
    notes: Notes = Field(
        "", description="Kept encrypted under the contact's key.", examples=["Two kitchen posts likely in March."]
    )
    agency_id: AgencyId | None = Field(None, description="Agency making the contact; defaults to the caller's.")


class PublishNeed(Command):
    """An employer's field need, the IOD way: tasks, hours, place and conditions, never diplomas."""

    employer_id: UUID
    agency_id: AgencyId | None = Field(None, description="Agency handling the need; defaults to the caller's.")
    title: str = Field(min_length=1, max_length=120, description="Kept encrypted.", examples=["kitchen porter"])
    sector: Sector | None = Field(None, description="NAF section; defaults to the employer's.")
    tasks: list[Task] = Field(min_length=1, max_length=20, examples=[["washing up", "receiving deliveries"]])
    weekly_hours: float = Field(gt=0, le=48, examples=[24])
    time_slots: list[TimeSlot] = Field(min_length=1, examples=[["morning", "afternoon"]])
    commune_code: CommuneCode | None = Field(None, description="Place of work; defaults to the employer's commune.")
    required_aptitudes: list[Aptitude] = Field(
        default_factory=list, max_length=len(Aptitude), examples=[["handling", "teamwork"]]
    )
    working_conditions: list[WorkingCondition] = Field(default_factory=list, examples=[["standing"]])
    contract_type: ContractType
    duration_months: float | None = Field(None, gt=0, le=60, validate_default=True, examples=[6])
    positions: int = Field(1, ge=1, le=50)
    published_on: FactDate | None = Field(None, description="Defaults to today.")

    @field_validator("time_slots", "required_aptitudes", "working_conditions")
    @classmethod
    def _distinct(cls, values: list) -> list:
        return list(dict.fromkeys(values))

    @field_validator("duration_months")
    @classmethod
    def _duration_matches_contract(cls, months: float | None, info: ValidationInfo) -> float | None:
        return check_duration(info.data.get("contract_type"), months)


class FillNeed(Command):
    """Every position of the need is taken."""

    filled_on: FactDate | None = Field(None, description="Defaults to today.")


class CloseNeed(Command):
    """Withdraw a need."""

    reason: NeedClosureReason
    closed_on: FactDate | None = Field(None, description="Defaults to today.")
