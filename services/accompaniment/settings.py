"""Accompaniment's settings."""

from __future__ import annotations

from typing import ClassVar

from services.accompaniment.domain.rules import Rules
from services.accompaniment.domain.worklist import Thresholds
from shared.settings import PlatformSettings


class AccompanimentSettings(PlatformSettings):
    """Settings of the accompaniment service (env prefix `ALI_`); the department settings have its defaults."""

    credentials_name: ClassVar[str | None] = "accompaniment"

    accompaniment_http_port: int = 8002
    accompaniment_db_schema: str = "accompaniment"
    # Department setting: length of one accompaniment period, in months.
    accompaniment_duration_months: int = 12
    # Department setting: a renewal is possible from this many days before the planned end.
    accompaniment_renewal_window_days: int = 60
    # Department setting: the engagement contract is due this many days after orientation ("one month").
    accompaniment_contract_deadline_days: int = 30
    # Department settings of the worklists.
    accompaniment_worklist_ending_within_days: int = 30
    accompaniment_worklist_no_contact_days: int = 60

    def rules(self) -> Rules:
        """The department rules the decisions apply."""
        return Rules(
            duration_months=self.accompaniment_duration_months,
            renewal_window_days=self.accompaniment_renewal_window_days,
            contract_deadline_days=self.accompaniment_contract_deadline_days,
        )

    def thresholds(self) -> Thresholds:
        """The worklist thresholds."""
        return Thresholds(
            ending_within_days=self.accompaniment_worklist_ending_within_days,
            no_contact_days=self.accompaniment_worklist_no_contact_days,
        )
