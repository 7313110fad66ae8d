"""Placement's settings."""

from __future__ import annotations

from pydantic import SecretStr, model_validator

from shared.settings import PlatformSettings


class PlacementSettings(PlatformSettings):
    """Settings of the placement service (env prefix `ALI_`)."""

    placement_http_port: int = 8003
    placement_db_schema: str = "placement"
    # Wraps the data key of each person, employer contact and employer whose free text placement keeps: base64
    # of 32 random bytes (`openssl rand -base64 32`); required outside development.
    placement_master_key: SecretStr | None = None

    @model_validator(mode="after")
    def _personal_data_key(self) -> PlacementSettings:
        self.check_keys({"placement_master_key": "ALI_PLACEMENT_MASTER_KEY"})
        return self

    def master_key(self) -> bytes:
        """The key wrapping the data keys of the free text (a fixed, derived one in development)."""
        return self.key("placement_master_key", "ALI_PLACEMENT_MASTER_KEY")
