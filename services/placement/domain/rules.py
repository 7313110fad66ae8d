"""The department's settings placement decides with (values from `PlacementSettings`)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_IMMERSION_DAYS_PER_HOST = 60
"""Days of presence in immersions (PMSMP) one person may spend with one host over 12 rolling months."""


@dataclass(frozen=True)
class Rules:
    """Department settings of placement."""

    immersion_days_per_host: int = DEFAULT_IMMERSION_DAYS_PER_HOST
    immersion_window_months: int = 12
