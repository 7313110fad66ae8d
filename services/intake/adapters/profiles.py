"""Mapping profiles: the ones that ship with the platform (files in `services/intake/profiles/`, read-only) and
the ones an admin saves (intake's database)."""

from __future__ import annotations

import json
from pathlib import Path

from services.intake.domain.mapping import MappingProfile
from services.intake.service_layer.ports import ProfileStore
from shared.errors import ConcurrencyError

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
