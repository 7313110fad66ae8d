"""Contract types of hires, and the exit category each one implies (6-month rule of the official reporting)."""

from __future__ import annotations

from enum import StrEnum

from shared.contracts.exits import ExitCategory

SIX_MONTHS = 6


class ContractType(StrEnum):
    """Employment contracts a hire can be made on."""

    CDI = "cdi"
    CDI_INCLUSION = "cdi_inclusion"
    CDI_INTERIMAIRE = "cdi_interimaire"
    CDD = "cdd"
    CDD_USAGE = "cdd_usage"
    CDDI = "cddi"
    CDD_TREMPLIN = "cdd_tremplin"
    APPRENTICESHIP = "apprenticeship"
    PROFESSIONALISATION = "professionalisation"
    TEMP_MISSION = "temp_mission"
    CONTRAT_AIDE = "contrat_aide"
    BUSINESS_CREATION = "business_creation"

    @property
    def needs_duration(self) -> bool:
        """Fixed-term contracts must state their duration in months."""
        return self in _BY_DURATION


_PERMANENT = {ContractType.CDI, ContractType.CDI_INCLUSION, ContractType.CDI_INTERIMAIRE}
_BY_DURATION = {
    ContractType.CDD,
    ContractType.CDD_USAGE,
    ContractType.CDD_TREMPLIN,
    ContractType.APPRENTICESHIP,
    ContractType.PROFESSIONALISATION,
    ContractType.TEMP_MISSION,
}


def exit_category_for(contract: ContractType, duration_months: float | None) -> ExitCategory:
    """The exit a hire on this contract implies: CDI -> emploi durable, CDD under 6 months -> transition..."""
    if contract in _PERMANENT:
        return ExitCategory.CDI
    if contract in _BY_DURATION:
        if duration_months is None:
            raise ValueError(f"a {contract} needs its duration in months")
        if duration_months >= SIX_MONTHS:
            return ExitCategory.CDD_OR_TEMP_6_MONTHS_OR_MORE
        return ExitCategory.CDD_OR_TEMP_UNDER_6_MONTHS
    if contract == ContractType.CDDI:
        return ExitCategory.OTHER_SIAE_HIRE
    if contract == ContractType.CONTRAT_AIDE:
        return ExitCategory.CONTRAT_AIDE
    return ExitCategory.BUSINESS_CREATION
