"""Events published by accompaniment on `ali.accompaniment.events`."""

from __future__ import annotations

from datetime import date
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


EVENTS: list[type[AccompanimentEvent]] = [AccompanimentOpened, AccompanimentClosed]
