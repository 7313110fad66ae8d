"""The employer aggregate: registration in the network, the agency following it, prospecting contacts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from services.placement.domain.commands import RecordEmployerContact, RegisterEmployer
from services.placement.domain.errors import EmployerNotFound, InvalidInput
from services.placement.domain.siret import check_siret
from shared.aggregate import Aggregate
from shared.contracts.placement import (
    EmployerAssignedToAgency,
    EmployerContactRecorded,
    EmployerRegistered,
    EmployerSize,
    PlacementEvent,
)


@dataclass(frozen=True)
class Employer:
    """State of one employer, rebuilt from its events."""

    id: UUID
    siret: str
    name: str
    size: EmployerSize
    sector: str
    social_economy: bool
    siae: bool
    commune_code: str
    agency_id: str | None = None
    contacts: int = 0
    last_contact_on: date | None = None
    version: int = 0


def apply(state: Employer | None, event: PlacementEvent) -> Employer:
    """Fold one event into the state."""
    match event:
        case EmployerRegistered():
            return Employer(
                id=event.employer_id,
                siret=event.siret,
                name=event.name,
                size=event.size,
                sector=event.sector,
                social_economy=event.social_economy,
                siae=event.siae,
                commune_code=event.commune_code,
                version=1,
            )
        case EmployerAssignedToAgency():
            return replace(state, agency_id=event.agency_id, version=state.version + 1)
        case EmployerContactRecorded():
            last = max(filter(None, (state.last_contact_on, event.contact_date)))
            return replace(state, contacts=state.contacts + 1, last_contact_on=last, version=state.version + 1)
    raise TypeError(f"unhandled event {type(event).__name__}")


def register(
    employer_id: UUID, command: RegisterEmployer, agency_id: str | None, today: date
) -> list[EmployerRegistered | EmployerAssignedToAgency]:
    """Register an employer whose SIRET is valid, followed by an agency."""
    siret = check_siret(command.siret)
    if agency_id is None:
        raise InvalidInput("agency_id", "name the agency that will follow this employer")
    return [
        EmployerRegistered(
            employer_id=employer_id,
            siret=siret,
            name=command.name,
            size=command.size,
            sector=command.sector,
            social_economy=command.social_economy,
            siae=command.siae,
            commune_code=command.commune_code,
        ),
        EmployerAssignedToAgency(employer_id=employer_id, agency_id=agency_id, assigned_on=today),
    ]


def record_contact(
    state: Employer | None,
    contact_id: UUID,
    command: RecordEmployerContact,
    *,
    agency_id: str,
    caseworker: str,
    today: date,
) -> list[EmployerContactRecorded]:
    """Record a prospecting contact made by an agency; it cannot be dated in the future."""
    if state is None:
        raise EmployerNotFound("no such employer")
    if command.contact_date > today:
        raise InvalidInput("contact_date", f"{command.contact_date} is in the future")
    return [
        EmployerContactRecorded(
            employer_id=state.id,
            contact_id=contact_id,
            agency_id=agency_id,
            contact_date=command.contact_date,
            kind=command.kind,
            caseworker=caseworker,
            notes=command.notes,
        )
    ]


# Streams `employer-<id>`, keyed by the employer (its needs follow it too).
EMPLOYER: Aggregate[Employer] = Aggregate("employer", apply, partition_key=lambda s: s.id)
