"""Department settings the decisions depend on, and the context every decision receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shared.dates import add_months  # noqa: F401 - part of the rules' vocabulary


@dataclass(frozen=True)
class Rules:
    """Department settings of the accompaniment (defaults from the department's rules)."""

    duration_months: int = 12
    renewal_window_days: int = 60
    contract_deadline_days: int = 30


@dataclass(frozen=True)
class Context:
    """What a decision needs besides the state and the command: the day it is taken and the rules."""

    today: date
    rules: Rules = field(default_factory=Rules)
