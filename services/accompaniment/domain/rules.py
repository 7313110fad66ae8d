"""Department settings the decisions depend on, and the context every decision receives."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date


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


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clipped to the end of shorter months."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
