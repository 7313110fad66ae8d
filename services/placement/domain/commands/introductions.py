"""Commands about introductions at the workstation, their outcome and the follow-up of hires."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from services.placement.domain.commands.base import Command, Notes, check_duration, given_exactly_when
from shared.contracts.accompaniment import BarrierCategory
from shared.contracts.employment import ContractType
from shared.contracts.placement import EarlyEndReason, NotHiredReason
from shared.inputs import FactDate


class MakeIntroduction(Command):
    """Introduce a person to an employer at the workstation, for one need."""

    need_id: UUID
    beneficiary_id: UUID
    introduced_on: FactDate
    caseworker: UUID | None = Field(None, description="Staff id; defaults to the caller.")


class OutcomeKind(StrEnum):
    """How an introduction ended."""

    HIRED = "hired"
    NOT_HIRED = "not_hired"


class RecordOutcome(Command):
    """The outcome of an introduction: a hire (contract, hours, start, duration if fixed-term) or a reason."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "outcome": "hired",
                    "contract_type": "cdd",
                    "duration_months": 6,
                    "weekly_hours": 24,
                    "start_date": "2026-03-02",
                },
                {"outcome": "not_hired", "reason": "employer_declined"},
            ]
        }
    )

    outcome: OutcomeKind
    decided_on: FactDate | None = Field(None, description="Defaults to today.")
    contract_type: ContractType | None = Field(None, validate_default=True)
    duration_months: float | None = Field(None, gt=0, le=60, validate_default=True)
    weekly_hours: float | None = Field(None, gt=0, le=48, validate_default=True)
    start_date: FactDate | None = Field(None, validate_default=True)
    reason: NotHiredReason | None = Field(None, validate_default=True)

    @field_validator("contract_type", "weekly_hours", "start_date")
    @classmethod
    def _only_and_always_for_a_hire(cls, value: object, info: ValidationInfo) -> object:
        return given_exactly_when(
            value,
            info,
            "outcome",
            when=OutcomeKind.HIRED,
            otherwise=OutcomeKind.NOT_HIRED,
            missing="obligatoire pour une embauche",
            unexpected="seulement pour une embauche",
        )

    @field_validator("duration_months")
    @classmethod
    def _duration_matches_contract(cls, months: float | None, info: ValidationInfo) -> float | None:
        if info.data.get("outcome") == OutcomeKind.NOT_HIRED and months is not None:
            raise ValueError("seulement pour une embauche")
        return check_duration(info.data.get("contract_type"), months)

    @field_validator("reason")
    @classmethod
    def _reason_when_not_hired(cls, reason: NotHiredReason | None, info: ValidationInfo) -> NotHiredReason | None:
        return given_exactly_when(
            reason,
            info,
            "outcome",
            when=OutcomeKind.NOT_HIRED,
            otherwise=OutcomeKind.HIRED,
            missing="une issue sans embauche doit être motivée (reason)",
            unexpected="une embauche n'a pas de motif de non-embauche",
        )


class RecordCheckIn(Command):
    """Follow-up in work at 1, 3 or 6 months after the start."""

    month: Literal[1, 3, 6]
    checked_on: FactDate
    still_employed: bool
    barriers_worked_on: list[BarrierCategory] = Field(
        default_factory=list, max_length=len(BarrierCategory), examples=[["mobility"]]
    )
    notes: Notes = Field(
        "", description="Kept encrypted under the person's key.", examples=["Childcare solved; shifts now fit."]
    )


class EndHireEarly(Command):
    """The contract ended before its term."""

    ended_on: FactDate
    reason: EarlyEndReason
