"""Accompaniment's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field, SecretStr

from services.accompaniment.domain.rules import Rules
from services.accompaniment.domain.worklist import Thresholds
from shared.settings import PlatformSettings


class AccompanimentSettings(PlatformSettings):
    """Settings of the accompaniment service (env prefix `ALI_`); the department settings have its defaults."""

    credentials_name: ClassVar[str | None] = "accompaniment"
    data_keys: ClassVar[Mapping[str, str]] = {"accompaniment_master_key": "ALI_ACCOMPANIMENT_MASTER_KEY"}

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
    # Worklist pages an API process keeps as answered until the read model changes (shared/read_cache.py), the least
    # recently read dropped first; about 40 KB each (a page of 100). 0: none kept.
    accompaniment_worklist_pages_kept: int = Field(512, ge=0)
    # Wraps the data key of each owner whose free text accompaniment keeps (`shared.private_text`): base64 of 32 random
    # bytes (`openssl rand -base64 32`); required outside development.
    accompaniment_master_key: SecretStr | None = None

    def master_key(self) -> bytes:
        """The key wrapping the data keys of the free text (a fixed, derived one in development)."""
        return self.key("accompaniment_master_key")

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
