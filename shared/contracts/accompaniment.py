"""Events published by accompaniment on `ali.accompaniment.events`."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from shared.contracts.exits import ExitCategory, ExitGroup
from shared.events import DomainEvent


class AccompanimentEvent(DomainEvent):
    """Base of accompaniment's events; every one names the accompaniment, the person and the agency."""

    context: ClassVar[str] = "accompaniment"

    accompaniment_id: UUID
    beneficiary_id: UUID
    agency_id: str


class AccompanimentOpened(AccompanimentEvent):
    """A one-year accompaniment started for an enrolled beneficiary."""

    start_date: date
    planned_end_date: date
    orientation_date: date


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
    """What placement needs to match the person without a CV (IOD): aptitudes and constraints, never diplomas."""

    commune_code: str = Field(pattern=r"^93\d{3}$")
    aptitudes: list[str] = Field(
        description="Observed aptitudes, e.g. handling, customer_contact, cleaning.",
        examples=[["handling", "customer_contact"]],
    )
    available_slots: list[TimeSlot] = Field(examples=[["morning", "afternoon"]])
    max_weekly_hours: int = Field(ge=1, le=48, examples=[35])
    max_commute_km: float = Field(ge=0, le=100, examples=[10])
    driving_licence: bool = False
    health_restrictions: list[str] = Field(default_factory=list, description="e.g. no_heavy_lifting")
    wished_sectors: list[str] = Field(default_factory=list)


class ExitProposed(AccompanimentEvent):
    """A hire recorded by placement proposes the exit its contract implies; the caseworker confirms it on closure."""

    hire_id: UUID
    exit_category: ExitCategory
    exit_group: ExitGroup
    proposed_on: date


EVENTS: list[type[AccompanimentEvent]] = [
    AccompanimentOpened,
    AccompanimentClosed,
    CandidateProfileUpdated,
    ExitProposed,
]
