"""Placement decisions."""

from __future__ import annotations

from uuid import UUID

from services.placement.domain.siret import check_siret
from shared.contracts.placement import EmployerRegistered, EmployerSize


def register_employer(
    employer_id: UUID,
    *,
    siret: str,
    name: str,
    size: EmployerSize,
    sector: str,
    social_economy: bool,
    siae: bool,
    commune_code: str,
) -> list[EmployerRegistered]:
    """Register an employer after checking its SIRET."""
    return [
        EmployerRegistered(
            employer_id=employer_id,
            siret=check_siret(siret),
            name=name,
            size=size,
            sector=sector,
            social_economy=social_economy,
            siae=siae,
            commune_code=commune_code,
        )
    ]


def employer_stream(employer_id: UUID) -> str:
    """Event stream of one employer."""
    return f"employer-{employer_id}"
