"""Reporting's settings."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from shared.contracts.exits import DEFAULT_POSITIVE_GROUPS, ExitGroup
from shared.settings import PlatformSettings


class ReportingSettings(PlatformSettings):
    """Settings of the reporting service (env prefix `ALI_`)."""

    credentials_name: ClassVar[str | None] = "reporting"

    reporting_http_port: int = 8004
    # Bump to rebuild the live projection from the topics under a new consumer group and changelog.
    reporting_projection_version: int = 1
    # PostgreSQL schema of the read models for BI tools.
    reporting_bi_schema: str = "bi"
    # Database role of the BI tools, granted USAGE on that schema and SELECT on its tables and views ("": none).
    reporting_bi_reader_role: str = "bi_reader"
    reporting_bi_flush_seconds: float = 1.0
    # Department setting: the exit groups counted by the headline "positive-exit rate".
    positive_exit_groups: list[ExitGroup] = list(DEFAULT_POSITIVE_GROUPS)
    # The dashboard signs people in with the identity provider `auth_issuer` as this public client (PKCE).
    dashboard_client_id: str = "ali-dashboard"
    # Seconds between two automatic refreshes of the dashboard (people can pause them).
    dashboard_refresh_seconds: int = Field(5, ge=2, le=3600)
