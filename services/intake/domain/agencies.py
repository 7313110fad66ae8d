"""The department's agencies as intake routes referrals to them (the reference data is in `shared.territory`)."""

from __future__ import annotations

from services.intake.domain.errors import AgencyNotFound
from shared.territory import AGENCIES, AGENCIES_BY_ID, COMMUNES, Agency, Commune, UnknownCommune

__all__ = [
    "AGENCIES",
    "AGENCIES_BY_ID",
    "COMMUNES",
    "Agency",
    "Commune",
    "UnknownCommune",
    "agency_by_id",
    "agency_for_commune",
]

_AGENCY_BY_COMMUNE: dict[str, Agency] = {code: a for a in AGENCIES for code in a.communes}


def agency_for_commune(code: str) -> Agency:
    """The agency covering a commune; raises `UnknownCommune` outside the department."""
    try:
        return _AGENCY_BY_COMMUNE[code]
    except KeyError:
        raise UnknownCommune(
            f"commune {code} : ce n'est pas une commune de Seine-Saint-Denis couverte par une ALI"
        ) from None


def agency_by_id(agency_id: str) -> Agency:
    """One agency; raises `AgencyNotFound` for an unknown id."""
    try:
        return AGENCIES_BY_ID[agency_id]
    except KeyError:
        raise AgencyNotFound(f"no agency {agency_id!r}; GET /agencies lists the department's agencies") from None
