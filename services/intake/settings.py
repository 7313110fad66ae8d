"""Intake's settings."""

from __future__ import annotations

from shared.settings import PlatformSettings


class IntakeSettings(PlatformSettings):
    """Settings of the intake service (env prefix `ALI_`, `ALI_INTAKE_` for its own)."""

    intake_http_port: int = 8001
    intake_db_schema: str = "intake"
