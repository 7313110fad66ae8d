"""Routes of the mapping profiles (admin): which column of a source's files holds what."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.intake.domain.mapping import MappingProfile
from services.intake.entrypoints.dependencies import DependenciesDep
from services.intake.service_layer import profiles
from services.intake.service_layer.profiles import StoredProfile
from shared.auth import CurrentUser
from shared.errors import DomainError
from shared.problems import errors

router = APIRouter(prefix="/import-profiles", tags=["import profiles"])


@router.get("", response_model=list[StoredProfile], responses=errors(401, 403))
async def list_profiles(user: CurrentUser, deps: DependenciesDep) -> list[StoredProfile]:
    """Every mapping profile: the shipped ones (read-only), then those saved by admins."""
    return await profiles.list_profiles(user, deps=deps)


@router.get("/{name}", response_model=StoredProfile, responses=errors(401, 403, 404))
async def get_profile(name: str, user: CurrentUser, deps: DependenciesDep) -> StoredProfile:
    """One mapping profile."""
    return await profiles.get_profile(name, user, deps=deps)


@router.post(
    "", response_model=StoredProfile, status_code=status.HTTP_201_CREATED, responses=errors(401, 403, 409, 422)
)
async def create_profile(profile: MappingProfile, user: CurrentUser, deps: DependenciesDep) -> StoredProfile:
    """Save the mapping profile of a source (validated: the names, birth date and commune must be mapped)."""
    return await profiles.save_profile(profile, user, deps=deps, create=True)


@router.put("/{name}", response_model=StoredProfile, responses=errors(401, 403, 404, 409, 422))
async def replace_profile(
    name: str, profile: MappingProfile, user: CurrentUser, deps: DependenciesDep
) -> StoredProfile:
    """Replace a saved mapping profile (the shipped ones are read-only)."""
    if profile.name != name:
        raise DomainError(f"le nom du profil ({profile.name}) diffère de celui de l'adresse ({name})")
    return await profiles.save_profile(profile, user, deps=deps, create=False)
