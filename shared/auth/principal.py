"""The authenticated caller and THE access rule of the platform: which agency's data a caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from shared.errors import Forbidden
from shared.staff import staff_id


class Role(StrEnum):
    """What a person may do on the platform."""

    CASEWORKER = "caseworker"
    AGENCY_MANAGER = "agency_manager"
    DEPARTMENT_STAFF = "department_staff"
    ADMIN = "admin"


# Roles bound to one agency (claim `agency_id`); the others see every agency.
AGENCY_ROLES = frozenset({Role.CASEWORKER, Role.AGENCY_MANAGER})


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    subject: str
    role: Role
    agency_id: str | None = None

    def scope(self, agency_id: str | None, *, personal: bool = True) -> str | None:
        """The agency this access is limited to (None: every agency), or 403.

        `agency_id` is the agency of the resource, or the one a list is asked for (None: no filter asked).
        `personal` says whether the data concerns people (names, follow-ups, candidates...) rather than
        figures or the employer network. The rule:
        - caseworker, agency_manager: their own agency only (a list without a filter is their agency's);
        - department_staff: every agency, but never personal data;
        - admin: everything.
        """
        if self.role == Role.DEPARTMENT_STAFF and personal:
            raise Forbidden("les services du Département voient les indicateurs, pas les données personnelles")
        if self.role not in AGENCY_ROLES:
            return agency_id
        if agency_id is not None and agency_id != self.agency_id:
            raise Forbidden(f"cela relève de l'agence {agency_id}, pas de votre agence {self.agency_id}")
        return self.agency_id

    @property
    def staff_id(self) -> UUID:
        """The uuid naming this caller in events and read models (referent, caseworker of a contact...)."""
        return staff_id(self.subject)

    def require_role(self, *roles: Role) -> None:
        """Refuse (403) callers without one of `roles` (admin always passes)."""
        if self.role != Role.ADMIN and self.role not in roles:
            raise Forbidden(f"le rôle {self.role} ne le permet pas ; il faut l'un de : {', '.join(roles)}")

    @property
    def agency_scope(self) -> str | None:
        """The only agency this caller may list, or None for every agency (`scope(None, personal=False)`)."""
        return self.agency_id if self.role in AGENCY_ROLES else None

    def can_see_agency(self, agency_id: str) -> bool:
        """True when `scope(agency_id, personal=False)` lets the caller see this agency's figures."""
        return self.role not in AGENCY_ROLES or self.agency_id == agency_id
