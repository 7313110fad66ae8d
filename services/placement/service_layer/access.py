"""Who may record what in placement: staff of an agency for their agency, admin for any agency it names."""

from __future__ import annotations

from shared.auth import Principal, Role
from shared.errors import InvalidField

STAFF = (Role.CASEWORKER, Role.AGENCY_MANAGER)


def acting_agency(user: Principal, requested: str | None) -> str:
    """The agency a record is made for: the one asked (if the caller may act for it) or the caller's own."""
    user.require_role(*STAFF)
    agency = user.scope(requested)
    if agency is None:
        raise InvalidField("agency_id", "indiquez l'agence pour laquelle c'est enregistré")
    return agency
