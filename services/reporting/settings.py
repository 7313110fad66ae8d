"""Reporting's settings."""

from __future__ import annotations

from shared.contracts.exits import DEFAULT_POSITIVE_GROUPS, ExitGroup
from shared.settings import PlatformSettings


class ReportingSettings(PlatformSettings):
    """Settings of the reporting service (env prefix `ALI_`)."""

    reporting_http_port: int = 8004
    # Department setting: the exit groups counted by the headline "positive-exit rate".
    positive_exit_groups: list[ExitGroup] = list(DEFAULT_POSITIVE_GROUPS)
