"""Reporting's settings."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from services.reporting.domain.definitions import DEFAULT_HEADLINE_GROUPS, EXIT_GROUP_NAMES
from shared.settings import PlatformSettings


class ReportingSettings(PlatformSettings):
    """Settings of the reporting service (env prefix `ALI_`)."""

    credentials_name: ClassVar[str | None] = "reporting"

    reporting_http_port: int = 8004
    # Bump to fold the topics again into empty fact tables (every replica at once: a replica of an older
    # version stops writing).
    reporting_projection_version: int = 1
    # PostgreSQL schema of the fact tables, and of the read models for BI tools.
    reporting_db_schema: str = "reporting"
    reporting_bi_schema: str = "bi"
    # Database role of the BI tools, granted USAGE on that schema and SELECT on its views ("": none). The facts'
    # schema (with the audit trail of exports) stays out of its reach.
    reporting_bi_reader_role: str = "bi_reader"
    # Records read per batch (one transaction per batch).
    reporting_batch_records: int = 2000
    # Not ready (`/health/ready` 503) when the workers are this many events behind the topics.
    reporting_max_lag: int = 2000
    # How often the lag to the topics is measured, in seconds.
    reporting_lag_check_seconds: float = 1.0
    # Figures are computed again at most this often while the facts change (they are served from the last
    # computation in between), in seconds.
    reporting_refresh_seconds: float = 0.25
    # Each API process reads the facts changed by the workers' batches at most this often, in seconds: under load
    # one read takes the changes of several batches (a query per fact table each time) instead of one per batch.
    reporting_sync_seconds: float = Field(0.2, ge=0, le=5)
    # Nobody reading an API process's figures for this many seconds, it reads the changed facts only every
    # `reporting_idle_sync_seconds`; the next read of the figures waits for it to catch up first.
    reporting_idle_after_seconds: float = Field(30.0, ge=0)
    reporting_idle_sync_seconds: float = Field(5.0, gt=0, le=60)
    # Fault injection for restart tests only: loading the facts at start takes this much longer.
    fault_reporting_recovery_delay_seconds: float = 0.0
    # Department setting: the exit groups counted by the headline "positive-exit rate".
    positive_exit_groups: list[str] = list(DEFAULT_HEADLINE_GROUPS)
    # The dashboard signs people in with the identity provider `auth_issuer` as this public client (PKCE).
    dashboard_client_id: str = "ali-dashboard"
    # Seconds between two automatic refreshes of the dashboard (people can pause them).
    dashboard_refresh_seconds: int = Field(5, ge=2, le=3600)

    @field_validator("positive_exit_groups")
    @classmethod
    def _known_groups(cls, groups: list[str]) -> list[str]:
        unknown = sorted(set(groups) - set(EXIT_GROUP_NAMES))
        if unknown or not groups:
            raise ValueError(f"positive exit groups must be among {', '.join(EXIT_GROUP_NAMES)} (got {groups})")
        return groups
