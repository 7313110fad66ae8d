"""Commands accepted by intake."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.contracts.intake import HouseholdType


class AllocataireRole(StrEnum):
    """Role of the person in the CAF/MSA file."""

    DEMANDEUR = "demandeur"
    CONJOINT = "conjoint"


class ReferBeneficiary(BaseModel):
    """The department refers an RSA beneficiary to the ALI covering their commune."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    first_name: str = Field(min_length=1, max_length=100, examples=["Aminata"])
    last_name: str = Field(min_length=1, max_length=100, examples=["Diallo"])
    birth_date: date = Field(examples=["1988-04-12"])
    nir: str | None = Field(
        None,
        pattern=r"^[12]\d{2}(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2A|2B)\d{6}(\d{2})?$",
        description="Numéro de sécurité sociale (13 or 15 characters).",
    )
    allocataire_number: str | None = Field(None, pattern=r"^\d{7}$", description="CAF/MSA allocataire number.")
    allocataire_role: AllocataireRole | None = None
    commune_code: str = Field(pattern=r"^\d{5}$", examples=["93027"], description="INSEE code of the commune.")
    address: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=20)
    email: EmailStr | None = None
    household_type: HouseholdType = HouseholdType.SINGLE
    children: int = Field(0, ge=0, le=20)
    orientation_date: date
    referral_source: str = Field("department", max_length=64)
