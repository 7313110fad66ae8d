"""Placement's settings."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from services.placement.domain.rules import DEFAULT_IMMERSION_DAYS_PER_HOST, Rules
from shared.settings import PlatformSettings


class PlacementSettings(PlatformSettings):
    """Settings of the placement service (env prefix `ALI_`)."""

    credentials_name: ClassVar[str | None] = "placement"

    placement_http_port: int = 8003
    placement_db_schema: str = "placement"
    placement_immersion_days_per_host: int = Field(
        DEFAULT_IMMERSION_DAYS_PER_HOST,
        ge=1,
        le=366,
        description="Department setting: days of presence in immersions (PMSMP) one person may spend with one host"
        " over 12 rolling months (ALI_PLACEMENT_IMMERSION_DAYS_PER_HOST).",
    )

    def rules(self) -> Rules:
        """The department's settings the decisions apply."""
        return Rules(immersion_days_per_host=self.placement_immersion_days_per_host)
