"""Events published by placement on `ali.placement.events`."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

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


EVENTS: list[type[PlacementEvent]] = [EmployerRegistered]
