"""Mapping profiles: the shipped ones and those an admin saves; an import names the one to read its file with."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.intake.adapters.profiles import DEFAULT_PROFILE, shipped_profiles
from services.intake.domain.errors import ProfileNotFound, ShippedProfileReadOnly
from services.intake.domain.mapping import MappingProfile
from services.intake.service_layer.dependencies import Dependencies
from shared.auth import Principal, Role
from shared.errors import Forbidden

SHIPPED = shipped_profiles()


class StoredProfile(BaseModel):
    """A profile, whether it ships with the platform (read-only), and its version."""

    profile: MappingProfile
    shipped: bool
    version: int = Field(description="0 for a shipped profile; the saved version otherwise.")


def _admin(principal: Principal) -> None:
    if principal.role != Role.ADMIN:
        raise Forbidden("seule l'intégration du Département (admin) gère les profils d'import")


async def resolve(name: str | None, *, deps: Dependencies) -> MappingProfile:
    """The profile an import names (the platform's own columns by default)."""
    name = name or DEFAULT_PROFILE
    if name in SHIPPED:
        return SHIPPED[name]
    async with deps.store.connection() as conn:
        saved = await deps.profiles.get(conn, name)
    if saved is None:
        known = sorted(SHIPPED) + [p.name for p in await list_saved(deps)]
        raise ProfileNotFound(f"pas de profil d'import « {name} » ; profils : {', '.join(known)}")
    return saved[0]


async def list_saved(deps: Dependencies) -> list[MappingProfile]:
    """The profiles admins saved."""
    async with deps.store.connection() as conn:
        return await deps.profiles.list(conn)


async def list_profiles(principal: Principal, *, deps: Dependencies) -> list[StoredProfile]:
    """Every profile: shipped first, then saved."""
    _admin(principal)
    async with deps.store.connection() as conn:
        saved = [await deps.profiles.get(conn, p.name) for p in await deps.profiles.list(conn)]
    return [StoredProfile(profile=p, shipped=True, version=0) for p in SHIPPED.values()] + [
        StoredProfile(profile=p, shipped=False, version=v) for p, v in saved if p is not None
    ]


async def get_profile(name: str, principal: Principal, *, deps: Dependencies) -> StoredProfile:
    """One profile."""
    _admin(principal)
    if name in SHIPPED:
        return StoredProfile(profile=SHIPPED[name], shipped=True, version=0)
    async with deps.store.connection() as conn:
        saved = await deps.profiles.get(conn, name)
    if saved is None:
        raise ProfileNotFound(f"pas de profil d'import « {name} »")
    return StoredProfile(profile=saved[0], shipped=False, version=saved[1])


async def save_profile(
    profile: MappingProfile, principal: Principal, *, deps: Dependencies, create: bool
) -> StoredProfile:
    """Create a profile (409 if the name is taken) or replace a saved one (404 if there is none)."""
    _admin(principal)
    if profile.name in SHIPPED:
        raise ShippedProfileReadOnly(
            f"le profil « {profile.name} » est livré avec la plateforme : enregistrez une copie sous un autre nom"
        )
    async with deps.store.transaction() as uow:
        conn = uow.connection
        current = await deps.profiles.get(conn, profile.name)
        if create and current is not None:
            raise ShippedProfileReadOnly(f"un profil « {profile.name} » existe déjà : modifiez-le (PUT)")
        if not create and current is None:
            raise ProfileNotFound(f"pas de profil d'import « {profile.name} »")
        version = await deps.profiles.put(conn, profile, current[1] if current else 0)
    return StoredProfile(profile=profile, shipped=False, version=version)
