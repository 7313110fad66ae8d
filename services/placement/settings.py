"""Placement's settings."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field, SecretStr

from services.placement.domain.rules import DEFAULT_IMMERSION_DAYS_PER_HOST, Rules
from shared.settings import PlatformSettings


class PlacementSettings(PlatformSettings):
    """Settings of the placement service (env prefix `ALI_`)."""

    credentials_name: ClassVar[str | None] = "placement"
    data_keys: ClassVar[Mapping[str, str]] = {"placement_master_key": "ALI_PLACEMENT_MASTER_KEY"}

    placement_http_port: int = 8003
    placement_db_schema: str = "placement"
    placement_immersion_days_per_host: int = Field(
        DEFAULT_IMMERSION_DAYS_PER_HOST,
        ge=1,
        le=366,
        description="Department setting: days of presence in immersions (PMSMP) one person may spend with one host"
        " over 12 rolling months (ALI_PLACEMENT_IMMERSION_DAYS_PER_HOST).",
    )

    def rules(self) -> Rules:
        """The department's settings the decisions apply."""
        return Rules(immersion_days_per_host=self.placement_immersion_days_per_host)

    # Wraps the data key of each owner whose free text placement keeps (`shared.private_text`): base64 of 32 random
    # bytes (`openssl rand -base64 32`); required outside development.
    placement_master_key: SecretStr | None = None

    def master_key(self) -> bytes:
        """The key wrapping the data keys of the free text (a fixed, derived one in development)."""
        return self.key("placement_master_key")

    def centre_index_key(self) -> bytes:
        """The key of training centres' fingerprints, derived from the master key."""
        return hmac.new(self.master_key(), b"ali.placement.centre-index", hashlib.sha256).digest()
