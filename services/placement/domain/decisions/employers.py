"""Decisions on employers: registration in the network (valid SIRET, an agency to follow it), prospecting contacts."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.placement.domain.commands import (
    RecordEmployerContact,
    RegisterEmployer,
)
from services.placement.domain.decisions.dates import past
from services.placement.domain.errors import (
    EmployerNotFound,
)
from services.placement.domain.siret import check_siret
from services.placement.domain.state import Employer
from shared.contracts.placement import (
    EmployerAssignedToAgency,
    EmployerContactRecorded,
    EmployerRegistered,
)
from shared.errors import InvalidField
from shared.private_text import text_ref


def register(
    employer_id: UUID, command: RegisterEmployer, agency_id: str | None, today: date
) -> list[EmployerRegistered | EmployerAssignedToAgency]:
    """Register an employer whose SIRET is valid, followed by an agency."""
    siret = check_siret(command.siret)
    if agency_id is None:
        raise InvalidField("agency_id", "indiquez l'agence qui suivra cet employeur")
    return [
        EmployerRegistered(
            employer_id=employer_id,
            siret=siret,
            name_ref=text_ref(employer_id, "name"),
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
    caseworker: UUID,
    today: date,
) -> list[EmployerContactRecorded]:
    """Record a prospecting contact made by an agency; it cannot be dated in the future."""
    if state is None:
        raise EmployerNotFound("aucun employeur ne porte cet identifiant")
    past("contact_date", command.contact_date, today)
    return [
        EmployerContactRecorded(
            employer_id=state.id,
            contact_id=contact_id,
            agency_id=agency_id,
            contact_date=command.contact_date,
            kind=command.kind,
            caseworker=caseworker,
            contact_name_ref=text_ref(contact_id, "contact_name") if command.contact_name else None,
            notes_ref=text_ref(contact_id, "notes") if command.notes else None,
        )
    ]
