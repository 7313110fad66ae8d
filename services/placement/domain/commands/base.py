"""Base of the commands and the value types they share."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo

from shared import territory
from shared.contracts.employment import ContractType
from shared.inputs import Input

PERMANENT_CONTRACTS = frozenset({ContractType.CDI, ContractType.CDI_INCLUSION, ContractType.CDI_INTERIMAIRE})
CHECK_IN_MONTHS = (1, 3, 6)
V = TypeVar("V")


def _known_commune(code: str) -> str:
    if not territory.is_known(code):
        raise ValueError(f"{code!r} n'est pas une commune de Seine-Saint-Denis")
    return code


AgencyId = territory.AgencyId
CommuneCode = Annotated[str, AfterValidator(_known_commune), Field(examples=["93027"])]
Task = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Free text: kept encrypted by placement (its owner's key), never in an event; anything may be typed there.
Notes = Annotated[str, Field(max_length=2000)]


class Command(Input):
    """Base of placement's commands: immutable, closed to unknown fields, storable text, finite numbers."""


def check_duration(contract: ContractType | None, months: float | None) -> float | None:
    """The duration, if it fits the contract: required for fixed-term contracts, refused for permanent ones."""
    if contract is None:
        return months
    if contract.needs_duration and months is None:
        raise ValueError(f"un {contract} est à durée déterminée : indiquez sa durée en mois")
    if contract in PERMANENT_CONTRACTS and months is not None:
        raise ValueError(f"un {contract} est à durée indéterminée : il n'a pas de durée")
    return months


def given_exactly_when(
    value: V, info: ValidationInfo, field: str, *, when: Any, otherwise: Any, missing: str, unexpected: str
) -> V:
    """`value`, required when the command's `field` is `when` (else `missing`), refused when it is `otherwise`.

    Neither while `field` is invalid (its own error is reported).
    """
    chosen = info.data.get(field)
    if chosen == when and value is None:
        raise ValueError(missing)
    if chosen == otherwise and value is not None:
        raise ValueError(unexpected)
    return value
