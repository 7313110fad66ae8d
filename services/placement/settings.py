"""Placement's settings."""

from __future__ import annotations

from shared.settings import PlatformSettings


class PlacementSettings(PlatformSettings):
    """Settings of the placement service (env prefix `ALI_`)."""

    placement_http_port: int = 8003
    placement_db_schema: str = "placement"
