"""What identifies a person. It stays in intake, encrypted with the person's own key, and never goes into events."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from services.intake.domain.commands import AllocataireRole, ReferBeneficiary


class Identity(BaseModel):
    """The identifying data of one beneficiary."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "first_name": "Aminata",
                    "last_name": "Diallo",
                    "birth_date": "1988-04-12",
                    "nir": "288047511204519",
                    "allocataire_number": "1234567",
                    "allocataire_role": "demandeur",
                    "address": "12 rue de la Convention",
                    "phone": "06 01 02 03 04",
                    "email": "aminata.diallo@example.org",
                }
            ]
        },
    )

    first_name: str
    last_name: str
    birth_date: date
    nir: str | None = None
    allocataire_number: str | None = None
    allocataire_role: AllocataireRole | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None

    @classmethod
    def of(cls, cmd: ReferBeneficiary) -> Identity:
        """The identity a referral carries."""
        return cls(**cmd.model_dump(include=set(cls.model_fields)))
