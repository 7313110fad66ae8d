"""Intake's settings."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import ClassVar

from pydantic import Field, SecretStr, model_validator

from shared.settings import PlatformSettings

KEY_BYTES = 32
_KEYS = {"intake_master_key": "ALI_INTAKE_MASTER_KEY", "intake_index_key": "ALI_INTAKE_INDEX_KEY"}


def _decode_key(value: SecretStr, variable: str) -> bytes:
    try:
        key = base64.b64decode(value.get_secret_value(), validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValueError(f"{variable} is not valid base64") from e
    if len(key) != KEY_BYTES:
        raise ValueError(f"{variable} must be {KEY_BYTES} bytes once base64-decoded, not {len(key)}")
    return key


class IntakeSettings(PlatformSettings):
    """Settings of the intake service (env prefix `ALI_`, `ALI_INTAKE_` for its own)."""

    credentials_name: ClassVar[str | None] = "intake"

    intake_http_port: int = 8001
    intake_db_schema: str = "intake"
    # Keys of the personal data, base64 of 32 random bytes each (`openssl rand -base64 32`). The master key wraps
    # each person's data key; the index key makes the de-duplication digests. Required outside development.
    intake_master_key: SecretStr | None = None
    intake_index_key: SecretStr | None = None
    # Bulk import: rows per transaction, and the largest file accepted over HTTP.
    intake_import_chunk_size: int = Field(1000, ge=1, le=10_000)
    intake_import_max_bytes: int = Field(50 * 1024 * 1024, ge=1024)

    @model_validator(mode="after")
    def _personal_data_keys(self) -> IntakeSettings:
        for field, variable in _KEYS.items():
            value: SecretStr | None = getattr(self, field)
            if value is not None:
                _decode_key(value, variable)
        if self.intake_master_key is not None and self.intake_master_key == self.intake_index_key:
            raise ValueError("ALI_INTAKE_MASTER_KEY and ALI_INTAKE_INDEX_KEY must be different keys")
        return self

    def production_problems(self) -> list[str]:
        """The platform's checks, and intake's keys of the personal data: set, and not the development ones."""
        problems = super().production_problems()
        for field, variable in _KEYS.items():
            value: SecretStr | None = getattr(self, field)
            if value is None:
                problems.append(f"{variable} is not set (base64 of {KEY_BYTES} random bytes: openssl rand -base64 32)")
            elif _decode_key(value, variable) == _development_key(field):
                problems.append(f"{variable} is the key derived for development from a public string")
        return problems

    def master_key(self) -> bytes:
        """The key wrapping every person's data key (a fixed, derived one in development)."""
        return self._key("intake_master_key")

    def index_key(self) -> bytes:
        """The key of the de-duplication digests (a fixed, derived one in development)."""
        return self._key("intake_index_key")

    def _key(self, field: str) -> bytes:
        value: SecretStr | None = getattr(self, field)
        if value is None:
            # Development only (production_problems refuses a missing key elsewhere): stable, so local data stays
            # readable.
            return _development_key(field)
        return _decode_key(value, _KEYS[field])


def _development_key(field: str) -> bytes:
    """The fixed key development derives from a public string when none is set."""
    return hashlib.sha256(f"ali-development-{field}".encode()).digest()
