"""Accompaniment's settings."""

from __future__ import annotations

from shared.settings import PlatformSettings


class AccompanimentSettings(PlatformSettings):
    """Settings of the accompaniment service (env prefix `ALI_`)."""

    accompaniment_http_port: int = 8002
    accompaniment_db_schema: str = "accompaniment"
    # Department setting: length of one accompaniment period, in months.
    accompaniment_duration_months: int = 12
