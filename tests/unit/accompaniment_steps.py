"""Steps the unit tests of accompaniment's decisions share: the context of a day, the state after some events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from services.accompaniment.domain.evolution import apply_accompaniment
from services.accompaniment.domain.rules import Context, Rules
from services.accompaniment.domain.state import Accompaniment


def folded(state: Accompaniment, events: Iterable) -> Accompaniment:
    """The accompaniment once `events` (decided on it) are folded."""
    for event in events:
        state = apply_accompaniment(state, event)
    return state


def on(day: date, **rules) -> Context:
    """Deciding on `day`, with these rules changed from their defaults."""
    return Context(today=day, rules=Rules(**rules))
