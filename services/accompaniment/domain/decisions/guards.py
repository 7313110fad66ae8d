"""What the decisions share: preconditions (the accompaniment exists, is open, is active, dates make sense) and the
header every event of an accompaniment carries."""

from __future__ import annotations

from datetime import date

from services.accompaniment.domain.errors import (
    AccompanimentClosedError,
    AccompanimentNotFound,
    AccompanimentSuspendedError,
    InvalidDate,
)
from services.accompaniment.domain.state import Accompaniment


def existing(state: Accompaniment | None) -> Accompaniment:
    """The state, or 404."""
    if state is None:
        raise AccompanimentNotFound("no such accompaniment")
    return state


def open_(state: Accompaniment | None) -> Accompaniment:
    """The state of an accompaniment that is not closed (409 otherwise)."""
    state = existing(state)
    if state.is_closed:
        raise AccompanimentClosedError(
            f"this accompaniment was already closed on {state.closed_on}: nothing more can be recorded on it"
        )
    return state


def active(state: Accompaniment | None) -> Accompaniment:
    """The state of an open accompaniment that is not suspended (409 otherwise)."""
    state = open_(state)
    if (suspension := state.current_suspension) is not None:
        raise AccompanimentSuspendedError(
            f"the accompaniment is suspended since {suspension.suspended_on} ({suspension.reason}): resume it first"
        )
    return state


def not_before_start(state: Accompaniment, day: date, what: str) -> date:
    """Refuse a date before the start of the accompaniment."""
    if day < state.start_date:
        raise InvalidDate(f"{what} ({day}) is before the start of the accompaniment ({state.start_date})")
    return day


def not_in_future(day: date, today: date, what: str) -> date:
    """Refuse a date after today."""
    if day > today:
        raise InvalidDate(f"{what} ({day}) is in the future (today is {today})")
    return day


def past_fact(state: Accompaniment, day: date | None, today: date, what: str) -> date:
    """A date of something that happened: defaults to today, not before the start, not in the future."""
    day = today if day is None else day
    not_before_start(state, day, what)
    return not_in_future(day, today, what)


def header(state: Accompaniment) -> dict:
    """Fields every event of this accompaniment carries."""
    return {"accompaniment_id": state.id, "beneficiary_id": state.beneficiary_id, "agency_id": state.agency_id}
