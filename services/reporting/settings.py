"""Reporting's settings."""

from __future__ import annotations

from shared.contracts.exits import DEFAULT_POSITIVE_GROUPS, ExitGroup
from shared.settings import PlatformSettings


class ReportingSettings(PlatformSettings):
    """Settings of the reporting service (env prefix `ALI_`)."""

    reporting_http_port: int = 8004
    # Bump to rebuild the live projection from the topics under a new consumer group and changelog.
    reporting_projection_version: int = 1
    # PostgreSQL schema of the read models for BI tools.
    reporting_bi_schema: str = "bi"
    # PostgreSQL schema of reporting's own tables that BI tools must not read (the audit trail of exports).
    reporting_db_schema: str = "reporting"
    reporting_bi_flush_seconds: float = 1.0
    # Department setting: the exit groups counted by the headline "positive-exit rate".
    positive_exit_groups: list[ExitGroup] = list(DEFAULT_POSITIVE_GROUPS)
