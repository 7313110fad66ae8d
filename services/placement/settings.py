"""Placement's settings."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr, model_validator

from shared.settings import PlatformSettings

_KEYS = {"placement_master_key": "ALI_PLACEMENT_MASTER_KEY"}


class PlacementSettings(PlatformSettings):
    """Settings of the placement service (env prefix `ALI_`)."""

    credentials_name: ClassVar[str | None] = "placement"

    placement_http_port: int = 8003
    placement_db_schema: str = "placement"
    # Wraps the data key of each owner whose free text placement keeps (`shared.private_text`): base64 of 32 random
    # bytes (`openssl rand -base64 32`); required outside development.
    placement_master_key: SecretStr | None = None

    @model_validator(mode="after")
    def _personal_data_key(self) -> PlacementSettings:
        self.check_keys(_KEYS)
        return self

    def production_problems(self) -> list[str]:
        """The platform's checks, and the key of the free text: set, and not the development one."""
        return super().production_problems() + self.key_problems(_KEYS)

    def master_key(self) -> bytes:
        """The key wrapping the data keys of the free text (a fixed, derived one in development)."""
        return self.key("placement_master_key", _KEYS["placement_master_key"])
