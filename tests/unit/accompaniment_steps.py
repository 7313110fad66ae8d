"""Steps the unit tests of accompaniment's decisions share: an opening, the context of a day, the state after some
events."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from services.accompaniment.domain.evolution import apply_accompaniment
from services.accompaniment.domain.rules import Context, Rules
from services.accompaniment.domain.state import Accompaniment
from shared.contracts.accompaniment import AccompanimentOpened


def opening(**changes: Any) -> AccompanimentOpened:
    """An accompaniment opened at La Courneuve: oriented on 10 January 2025, from 20 January 2025 for a year."""
    values: dict[str, Any] = dict(
        accompaniment_id=uuid.uuid4(),
        beneficiary_id=uuid.uuid4(),
        agency_id="ali-la-courneuve",
        start_date=date(2025, 1, 20),
        planned_end_date=date(2026, 1, 20),
        orientation_date=date(2025, 1, 10),
    )
    return AccompanimentOpened(**(values | changes))


def opened(**changes: Any) -> Accompaniment:
    """The accompaniment as `opening(**changes)` leaves it."""
    return apply_accompaniment(None, opening(**changes))


def folded(state: Accompaniment, events: Iterable) -> Accompaniment:
    """The accompaniment once `events` (decided on it) are folded."""
    for event in events:
        state = apply_accompaniment(state, event)
    return state


def on(day: date, **rules) -> Context:
    """Deciding on `day`, with these rules changed from their defaults."""
    return Context(today=day, rules=Rules(**rules))
