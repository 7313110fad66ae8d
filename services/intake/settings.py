"""Intake's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field, SecretStr

from shared.settings import PlatformSettings


class IntakeSettings(PlatformSettings):
    """Settings of the intake service (env prefix `ALI_`, `ALI_INTAKE_` for its own)."""

    credentials_name: ClassVar[str | None] = "intake"
    data_keys: ClassVar[Mapping[str, str]] = {
        "intake_master_key": "ALI_INTAKE_MASTER_KEY",
        "intake_index_key": "ALI_INTAKE_INDEX_KEY",
    }

    intake_http_port: int = 8001
    intake_db_schema: str = "intake"
    # Keys of the personal data, base64 of 32 random bytes each (`openssl rand -base64 32`). The master key wraps
    # each person's data key; the index key makes the de-duplication digests. Required outside development.
    intake_master_key: SecretStr | None = None
    intake_index_key: SecretStr | None = None
    # Bulk import: rows per transaction, and the largest file accepted over HTTP.
    intake_import_chunk_size: int = Field(1000, ge=1, le=10_000)
    intake_import_max_bytes: int = Field(50 * 1024 * 1024, ge=1024)

    def master_key(self) -> bytes:
        """The key wrapping every person's data key (a fixed, derived one in development)."""
        return self.key("intake_master_key")

    def index_key(self) -> bytes:
        """The key of the de-duplication digests (a fixed, derived one in development)."""
        return self.key("intake_index_key")
