"""The accompaniment aggregate: a pure fold of its events, and decisions returning new events."""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from services.accompaniment.domain.errors import (
    AccompanimentClosedError,
    AccompanimentNotFound,
    InvalidClosure,
)
from shared.contracts.accompaniment import AccompanimentClosed, AccompanimentEvent, AccompanimentOpened
from shared.contracts.exits import ExitCategory
from shared.contracts.intake import BeneficiaryEnrolled

# Accompaniment ids are derived from the enrolment event, so reacting twice to it designates the same one.
_NAMESPACE = uuid.UUID("6f1c3a52-4d0e-4b8f-9a57-2e61c7d0a4b3")


@dataclass(frozen=True)
class Accompaniment:
    """State of one accompaniment, rebuilt from its events."""

    id: UUID
    beneficiary_id: UUID
    agency_id: str
    start_date: date
    planned_end_date: date
    orientation_date: date
    version: int = 0
    closed_on: date | None = None
    exit_category: ExitCategory | None = None

    @property
    def is_closed(self) -> bool:
        """True once an exit has been recorded."""
        return self.closed_on is not None


def apply(state: Accompaniment | None, event: AccompanimentEvent) -> Accompaniment:
    """Fold one event into the state."""
    match event:
        case AccompanimentOpened():
            return Accompaniment(
                id=event.accompaniment_id,
                beneficiary_id=event.beneficiary_id,
                agency_id=event.agency_id,
                start_date=event.start_date,
                planned_end_date=event.planned_end_date,
                orientation_date=event.orientation_date,
                version=1,
            )
        case AccompanimentClosed():
            return replace(
                state, closed_on=event.closed_on, exit_category=event.exit_category, version=state.version + 1
            )
    raise TypeError(f"unhandled event {type(event).__name__}")


def fold(events: list[AccompanimentEvent]) -> Accompaniment | None:
    """State after all `events`."""
    state = None
    for event in events:
        state = apply(state, event)
    return state


def accompaniment_id_for(enrolment_event_id: UUID) -> UUID:
    """The id of the accompaniment opened by an enrolment."""
    return uuid.uuid5(_NAMESPACE, f"enrolment:{enrolment_event_id}")


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clipped to the end of shorter months."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def open_for(enrolled: BeneficiaryEnrolled, accompaniment_id: UUID, duration_months: int) -> list[AccompanimentOpened]:
    """Open the accompaniment of a newly enrolled beneficiary."""
    start = enrolled.enrolled_on
    return [
        AccompanimentOpened(
            accompaniment_id=accompaniment_id,
            beneficiary_id=enrolled.beneficiary_id,
            agency_id=enrolled.agency_id,
            start_date=start,
            planned_end_date=add_months(start, duration_months),
            orientation_date=enrolled.orientation_date,
        )
    ]


def close(
    state: Accompaniment | None, category: ExitCategory, closed_on: date, today: date
) -> list[AccompanimentClosed]:
    """Close an open accompaniment with an exit."""
    if state is None:
        raise AccompanimentNotFound("no such accompaniment")
    if state.is_closed:
        raise AccompanimentClosedError(f"this accompaniment was already closed on {state.closed_on}")
    if closed_on < state.start_date:
        raise InvalidClosure(f"closure date {closed_on} is before the start of the accompaniment ({state.start_date})")
    if closed_on > today:
        raise InvalidClosure(f"closure date {closed_on} is in the future")
    return [
        AccompanimentClosed(
            accompaniment_id=state.id,
            beneficiary_id=state.beneficiary_id,
            agency_id=state.agency_id,
            closed_on=closed_on,
            exit_category=category,
            exit_group=category.group,
        )
    ]


def stream_id(accompaniment_id: UUID) -> str:
    """Event stream of one accompaniment."""
    return f"accompaniment-{accompaniment_id}"
