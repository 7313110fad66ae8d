"""Month arithmetic on dates, shared by the services (accompaniment periods, placement follow-ups, reporting)."""

from __future__ import annotations

import calendar as _calendar
from datetime import date, timedelta


def add_months(day: date, months: float) -> date:
    """`months` later: whole months keep the day (clipped to shorter months), a fraction counts 30 days a month."""
    whole = int(months)
    index = day.month - 1 + whole
    year, month = day.year + index // 12, index % 12 + 1
    shifted = date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))
    return shifted + timedelta(days=round((months - whole) * 30))
