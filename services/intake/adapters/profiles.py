"""Mapping profiles: the ones that ship with the platform (files in `services/intake/profiles/`, read-only) and
the ones an admin saves (intake's database)."""

from __future__ import annotations

import abc
import json
from pathlib import Path
from typing import Any

from services.intake.domain.mapping import MappingProfile

SHIPPED_DIR = Path(__file__).parent.parent / "profiles"
DEFAULT_PROFILE = "plateforme"


def shipped_profiles(folder: Path = SHIPPED_DIR) -> dict[str, MappingProfile]:
    """The profiles shipped with the platform, by name (validated when intake starts)."""
    profiles = {}
    for path in sorted(folder.glob("*.json")):
        profile = MappingProfile.model_validate(json.loads(path.read_text(encoding="utf-8")))
        if profile.name != path.stem:
            raise ValueError(f"{path}: the profile is named {profile.name!r}, the file {path.stem!r}")
        profiles[profile.name] = profile
    return profiles


class ProfileStore(abc.ABC):
    """Port of the profiles an admin saved; every method works in the caller's transaction (`conn`)."""

    @abc.abstractmethod
    async def get(self, conn: Any, name: str) -> tuple[MappingProfile, int] | None:
        """A saved profile and its version."""

    @abc.abstractmethod
    async def list(self, conn: Any) -> list[MappingProfile]:
        """Every saved profile, by name."""

    @abc.abstractmethod
    async def put(self, conn: Any, profile: MappingProfile, expected_version: int) -> int:
        """Create (expected version 0) or replace a profile; returns the new version; raises on a conflict."""


class InMemoryProfiles(ProfileStore):
    """Saved profiles in a dictionary (unit tests)."""

    def __init__(self) -> None:
        self.saved: dict[str, tuple[MappingProfile, int]] = {}

    async def get(self, conn, name):
        return self.saved.get(name)

    async def list(self, conn):
        return [p for p, _ in sorted(self.saved.values(), key=lambda s: s[0].name)]

    async def put(self, conn, profile, expected_version):
        from shared.errors import ConcurrencyError

        current = self.saved.get(profile.name, (None, 0))[1]
        if current != expected_version:
            raise ConcurrencyError(f"profile-{profile.name}", expected_version, current)
        self.saved[profile.name] = (profile, current + 1)
        return current + 1


class PostgresProfiles(ProfileStore):
    """Saved profiles in intake's schema."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def get(self, conn, name):
        row = await conn.fetchrow(f"SELECT profile, version FROM {self.schema}.mapping_profiles WHERE name = $1", name)
        return (MappingProfile.model_validate_json(row["profile"]), row["version"]) if row else None

    async def list(self, conn):
        rows = await conn.fetch(f"SELECT profile FROM {self.schema}.mapping_profiles ORDER BY name")
        return [MappingProfile.model_validate_json(r["profile"]) for r in rows]

    async def put(self, conn, profile, expected_version):
        from shared.errors import ConcurrencyError

        body = profile.model_dump_json()
        if expected_version == 0:
            version = await conn.fetchval(
                f"""INSERT INTO {self.schema}.mapping_profiles (name, profile, version) VALUES ($1, $2::jsonb, 1)
                    ON CONFLICT (name) DO NOTHING RETURNING version""",
                profile.name,
                body,
            )
        else:
            version = await conn.fetchval(
                f"""UPDATE {self.schema}.mapping_profiles SET profile = $2::jsonb, version = version + 1,
                           updated_at = now()
                    WHERE name = $1 AND version = $3 RETURNING version""",
                profile.name,
                body,
                expected_version,
            )
        if version is None:
            current = await conn.fetchval(
                f"SELECT version FROM {self.schema}.mapping_profiles WHERE name = $1", profile.name
            )
            raise ConcurrencyError(f"profile-{profile.name}", expected_version, current or 0)
        return version
