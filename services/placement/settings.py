"""Placement's settings."""

from __future__ import annotations

from typing import ClassVar

from shared.settings import PlatformSettings


class PlacementSettings(PlatformSettings):
    """Settings of the placement service (env prefix `ALI_`)."""

    credentials_name: ClassVar[str | None] = "placement"

    placement_http_port: int = 8003
    placement_db_schema: str = "placement"
