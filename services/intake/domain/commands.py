"""Commands accepted by intake."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, EmailStr, Field, ValidationInfo, field_validator

from services.intake.domain.nir import validate_nir
from shared.contracts.intake import HouseholdType
from shared.contracts.referentials import ReferralSource
from shared.inputs import BirthDate, FactDate, Input

_ALLOCATAIRE = re.compile(r"^\d{1,7}$")


class AllocataireRole(StrEnum):
    """Role of the person in the CAF/MSA file."""

    DEMANDEUR = "demandeur"
    CONJOINT = "conjoint"


def _printable(value: Any) -> Any:
    """Refuse control characters (NUL, tabs, line breaks) in free text: they are typing or export accidents."""
    if isinstance(value, str) and any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("contient des caractères de contrôle (saut de ligne, tabulation, NUL...)")
    return value


class ReferBeneficiary(Input):
    """The department refers an RSA beneficiary to the ALI covering their commune."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "first_name": "Aminata",
                    "last_name": "Diallo",
                    "birth_date": "1988-04-12",
                    "nir": "2 88 04 75 112 045 19",
                    "allocataire_number": "1234567",
                    "allocataire_role": "demandeur",
                    "address": "12 rue de la Convention",
                    "commune_code": "93027",
                    "phone": "06 01 02 03 04",
                    "email": "aminata.diallo@example.org",
                    "household_type": "single_parent",
                    "children": 2,
                    "orientation_date": "2026-11-20",
                    "referral_source": "caf_monthly_list",
                }
            ]
        },
    )

    first_name: str = Field(min_length=1, max_length=100, examples=["Aminata"])
    last_name: str = Field(min_length=1, max_length=100, examples=["Diallo"])
    birth_date: BirthDate = Field(examples=["1988-04-12"])
    nir: str | None = Field(
        None,
        description="Numéro de sécurité sociale, 13 characters or 15 with the key; spaces and dots are ignored.",
        examples=["2 88 04 75 112 045 19"],
    )
    allocataire_number: str | None = Field(
        None,
        description="CAF/MSA allocataire number (up to 7 digits; leading zeros lost by spreadsheets are restored).",
        examples=["1234567"],
    )
    allocataire_role: AllocataireRole | None = Field(
        None, validate_default=True, description="Required with the allocataire number."
    )
    commune_code: str = Field(pattern=r"^\d{5}$", examples=["93027"], description="INSEE code of the commune.")
    address: str | None = Field(None, max_length=200, examples=["12 rue de la Convention"])
    phone: str | None = Field(None, pattern=r"^\+?[0-9][0-9 .\-]{5,19}$", examples=["06 01 02 03 04"])
    email: EmailStr | None = None
    household_type: HouseholdType = HouseholdType.SINGLE
    children: int = Field(0, ge=0, le=20)
    orientation_date: FactDate = Field(description="Date the department referred the person to the ALI.")
    enrolment_date: FactDate | None = Field(
        None,
        description="Date the agency enrolled the person (the accompaniment starts then); today when omitted."
        " Not before the orientation, not in the future: earlier enrolments are entered when an agency's"
        " files are taken over.",
    )
    referral_source: ReferralSource = Field(
        ReferralSource.DEPARTMENT,
        description="Code of the channel (`GET /referentials/referral_sources`); published in events, so a code of"
        " a closed list, never free text.",
        examples=["caf_monthly_list"],
    )

    @field_validator("first_name", "last_name", "address")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return _printable(value)

    @field_validator("first_name", "last_name")
    @classmethod
    def _has_letters(cls, value: str) -> str:
        if not any(c.isalpha() for c in value):
            raise ValueError("un nom doit contenir des lettres")
        return value

    @field_validator("nir", mode="before")
    @classmethod
    def _nir(cls, value: Any) -> Any:
        return validate_nir(value) if isinstance(value, str) and value.strip() else value or None

    @field_validator("allocataire_number", mode="before")
    @classmethod
    def _allocataire_number(cls, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            return value or None
        digits = re.sub(r"\s", "", value)
        if not _ALLOCATAIRE.match(digits):
            raise ValueError("un numéro d'allocataire a au plus 7 chiffres")
        return digits.zfill(7)

    @field_validator("allocataire_role")
    @classmethod
    def _role_with_number(cls, value: AllocataireRole | None, info: ValidationInfo) -> AllocataireRole | None:
        has_number = info.data.get("allocataire_number") is not None
        if has_number and value is None:
            raise ValueError("le rôle (demandeur ou conjoint) est requis avec un numéro d'allocataire")
        # A role without a number designates no file: it is dropped rather than failing the referral.
        return value if has_number else None


class TransferBeneficiary(Input):
    """The person moved: follow them up in the agency covering their new commune."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [{"commune_code": "93014", "address": "3 allée de Gagny", "transferred_on": "2026-11-25"}]
        },
    )

    commune_code: str = Field(pattern=r"^\d{5}$", examples=["93014"], description="INSEE code of the new commune.")
    address: str | None = Field(
        None, max_length=200, description="New address; when omitted the old one is cleared (it is no longer valid)."
    )
    transferred_on: FactDate = Field(default_factory=date.today, description="Date of the move; today by default.")

    @field_validator("address")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return _printable(value)
