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
        raise AccompanimentNotFound("aucun accompagnement ne porte cet identifiant")
    return state


def open_(state: Accompaniment | None) -> Accompaniment:
    """The state of an accompaniment that is not closed (409 otherwise)."""
    state = existing(state)
    if state.is_closed:
        raise AccompanimentClosedError(
            f"cet accompagnement est déjà clos depuis le {state.closed_on} : plus rien ne peut y être enregistré"
        )
    return state


def active(state: Accompaniment | None) -> Accompaniment:
    """The state of an open accompaniment that is not suspended (409 otherwise)."""
    state = open_(state)
    if (suspension := state.current_suspension) is not None:
        raise AccompanimentSuspendedError(
            f"l'accompagnement est suspendu depuis le {suspension.suspended_on} ({suspension.reason}) :"
            " reprenez-le d'abord"
        )
    return state


def not_before_start(state: Accompaniment, day: date, what: str) -> date:
    """Refuse a date before the start of the accompaniment."""
    if day < state.start_date:
        raise InvalidDate(f"{what} ({day}) précède le début de l'accompagnement ({state.start_date})")
    return day


def not_in_future(day: date, today: date, what: str) -> date:
    """Refuse a date after today."""
    if day > today:
        raise InvalidDate(f"{what} ({day}) est dans le futur (nous sommes le {today})")
    return day


def past_fact(state: Accompaniment, day: date | None, today: date, what: str) -> date:
    """A date of something that happened: defaults to today, not before the start, not in the future."""
    day = today if day is None else day
    not_before_start(state, day, what)
    return not_in_future(day, today, what)


def header(state: Accompaniment) -> dict:
    """Fields every event of this accompaniment carries."""
    return {"accompaniment_id": state.id, "beneficiary_id": state.beneficiary_id, "agency_id": state.agency_id}
