"""Events published by placement on `ali.placement.events`."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from shared.contracts.employment import ContractType
from shared.events import DomainEvent


class EmployerSize(StrEnum):
    """Company size by headcount."""

    TPE = "tpe"
    PME = "pme"
    ETI = "eti"
    GE = "ge"


class PlacementEvent(DomainEvent):
    """Base of placement's events."""

    context: ClassVar[str] = "placement"


class EmployerRegistered(PlacementEvent):
    """An employer joined the agencies' network."""

    employer_id: UUID
    siret: str = Field(pattern=r"^\d{14}$")
    name: str
    size: EmployerSize
    sector: str
    social_economy: bool
    siae: bool
    commune_code: str


class HireRecorded(PlacementEvent):
    """An introduction at the workstation ended in a hire."""

    hire_id: UUID
    introduction_id: UUID
    beneficiary_id: UUID
    agency_id: str
    employer_id: UUID
    need_id: UUID | None = None
    contract_type: ContractType
    duration_months: float | None = Field(None, ge=0, description="For fixed-term contracts.")
    weekly_hours: float = Field(gt=0, le=48, examples=[35])
    start_date: date
    sector: str = Field(examples=["food retail"])


EVENTS: list[type[PlacementEvent]] = [EmployerRegistered, HireRecorded]
