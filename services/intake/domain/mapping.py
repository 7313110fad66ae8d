"""Mapping profiles: how the files of one source are read (format, encoding, separator, dates, which column holds
what). An admin saves one per source; two ship with the platform (`services/intake/profiles/`)."""

from __future__ import annotations

import codecs
import re
import unicodedata
from enum import StrEnum
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from services.intake.domain.commands import AllocataireRole
from shared.contracts.intake import HouseholdType
from shared.contracts.referentials import ReferralSource
from shared.inputs import Input


class FileFormat(StrEnum):
    """What kind of file a source sends."""

    CSV = "csv"
    XLSX = "xlsx"
    CAF_XML = "caf_xml"  # the CAF/MSA beneficiary flow (vrsb0801): its structure is fixed, no columns to map


class Target(StrEnum):
    """What a column of a file may hold."""

    LAST_NAME = "last_name"
    FIRST_NAME = "first_name"
    BIRTH_DATE = "birth_date"
    NIR = "nir"
    ALLOCATAIRE_NUMBER = "allocataire_number"
    ALLOCATAIRE_ROLE = "allocataire_role"
    ADDRESS = "address"
    COMMUNE_CODE = "commune_code"
    POSTCODE = "postcode"
    TOWN = "town"
    PHONE = "phone"
    EMAIL = "email"
    HOUSEHOLD_TYPE = "household_type"
    CHILDREN = "children"
    ORIENTATION_DATE = "orientation_date"
    ENROLMENT_DATE = "enrolment_date"
    REFERRAL_SOURCE = "referral_source"


# French labels, for the report and the dry run.
LABELS: dict[str, str] = {
    "last_name": "nom",
    "first_name": "prénom",
    "birth_date": "date de naissance",
    "nir": "NIR",
    "allocataire_number": "n° allocataire",
    "allocataire_role": "rôle",
    "address": "adresse",
    "commune_code": "commune",
    "postcode": "code postal",
    "town": "ville",
    "phone": "téléphone",
    "email": "courriel",
    "household_type": "composition du foyer",
    "children": "nombre d'enfants",
    "orientation_date": "date d'orientation",
    "enrolment_date": "date d'entrée",
    "referral_source": "source",
}

DATE_FORMATS: dict[str, str] = {
    "dd/mm/yyyy": "%d/%m/%Y",
    "dd-mm-yyyy": "%d-%m-%Y",
    "dd.mm.yyyy": "%d.%m.%Y",
    "yyyy-mm-dd": "%Y-%m-%d",
    "yyyymmdd": "%Y%m%d",
    "dd/mm/yy": "%d/%m/%y",
}
AUTO = "auto"  # YYYY-MM-DD or DD/MM/YYYY (also with - or .), what the platform's own files use

REQUIRED: tuple[Target, ...] = (Target.LAST_NAME, Target.FIRST_NAME, Target.BIRTH_DATE)
PLACE: tuple[Target, ...] = (Target.COMMUNE_CODE, Target.POSTCODE, Target.TOWN)

DEFAULT_ROLES: dict[str, AllocataireRole] = {
    "demandeur": AllocataireRole.DEMANDEUR,
    "dem": AllocataireRole.DEMANDEUR,
    "d": AllocataireRole.DEMANDEUR,
    "allocataire": AllocataireRole.DEMANDEUR,
    "conjoint": AllocataireRole.CONJOINT,
    "cjt": AllocataireRole.CONJOINT,
    "conj": AllocataireRole.CONJOINT,
    "c": AllocataireRole.CONJOINT,
}
DEFAULT_HOUSEHOLDS: dict[str, HouseholdType] = {
    "seul": HouseholdType.SINGLE,
    "isole": HouseholdType.SINGLE,
    "personne_seule": HouseholdType.SINGLE,
    "parent_isole": HouseholdType.SINGLE_PARENT,
    "famille_monoparentale": HouseholdType.SINGLE_PARENT,
    "monoparental": HouseholdType.SINGLE_PARENT,
    "couple_sans_enfant": HouseholdType.COUPLE,
    "couple_avec_enfant": HouseholdType.COUPLE_WITH_CHILDREN,
    "couple_avec_enfants": HouseholdType.COUPLE_WITH_CHILDREN,
}


def token(text: str) -> str:
    """`N° CAF` -> `n_caf`, `Date de naissance` -> `date_de_naissance`: how headers and codes are compared."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


class MappingProfile(Input):
    """How the files of one source are read."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "agences-rdv",
                    "description": "Exports des outils de rendez-vous des ALI",
                    "format": "csv",
                    "encoding": "cp1252",
                    "delimiter": ";",
                    "date_format": "dd/mm/yyyy",
                    "columns": {
                        "last_name": ["NOM"],
                        "first_name": ["PRENOM"],
                        "birth_date": ["DATE NAISSANCE", "DDN"],
                        "allocataire_number": ["N CAF"],
                        "allocataire_role": ["ROLE"],
                        "town": ["VILLE"],
                    },
                }
            ]
        },
    )

    # Starts with a letter: a profile name is an identifier that stays, so it cannot be a number (a NIR...).
    name: str = Field(pattern=r"^[a-z][a-z0-9_\-]{1,63}$", description="Identifier of the source's profile.")
    description: str = Field("", max_length=300)
    format: FileFormat = FileFormat.CSV
    encoding: str = Field("utf-8", description="Encoding of the source's CSV files (UTF-8 unless named here).")
    delimiter: Literal[";", ",", "\t", "|"] | None = Field(None, description="CSV separator; guessed when absent.")
    date_format: str = Field(AUTO, description=f"One of {', '.join([AUTO, *DATE_FORMATS])}.")
    header_row: int = Field(1, ge=1, le=50, description="Line (CSV) or row (XLSX) of the column headers.")
    sheet: str | None = Field(None, max_length=100, description="XLSX sheet; the first one when absent.")
    columns: dict[Target, list[str]] = Field(
        default_factory=dict, description="For each target, the header(s) of the column holding it (first found)."
    )
    roles: dict[str, AllocataireRole] = Field(
        default_factory=lambda: dict(DEFAULT_ROLES), description="Role codes of the file (demandeur/conjoint)."
    )
    households: dict[str, HouseholdType] = Field(default_factory=lambda: dict(DEFAULT_HOUSEHOLDS))
    referral_source: ReferralSource = Field(
        ReferralSource.DEPARTMENT_IMPORT,
        description="Of rows that name none; published in events, so a code of `GET /referentials/referral_sources`.",
    )
    orientation_on_import_day: bool = Field(
        True, description="Without an orientation date column (or cell), the day of the import is the orientation."
    )

    @field_validator("columns", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("columns")
    @classmethod
    def _headers(cls, value: dict[Target, list[str]]) -> dict[Target, list[str]]:
        seen: dict[str, Target] = {}
        for target, headers in value.items():
            if not headers or any(not h.strip() or len(h) > 100 for h in headers):
                raise ValueError(f"{target}: give one or more column headers (1 to 100 characters)")
            for header in headers:
                if (other := seen.setdefault(token(header), target)) != target:
                    raise ValueError(f"the column {header!r} is mapped to both {other} and {target}")
        return value

    @field_validator("roles", "households", mode="before")
    @classmethod
    def _codes(cls, value: Any) -> Any:
        return {token(k): v for k, v in value.items()} if isinstance(value, dict) else value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        try:
            name = codecs.lookup(value).name
        except LookupError:
            raise ValueError(f"unknown encoding {value!r} (e.g. utf-8, cp1252, latin-1)") from None
        if "\n".encode(name) != b"\n" or ";".encode(name) != b";":
            raise ValueError(f"{value!r} is not an ASCII-compatible encoding; files are read line by line")
        return name

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value: str) -> str:
        if value != AUTO and value not in DATE_FORMATS:
            raise ValueError(f"unknown date format {value!r}; one of {', '.join([AUTO, *DATE_FORMATS])}")
        return value

    @model_validator(mode="after")
    def _complete(self) -> MappingProfile:
        if self.format == FileFormat.CAF_XML:
            return self
        if missing := [t.value for t in REQUIRED if t not in self.columns]:
            raise ValueError(f"columns: map {', '.join(missing)}")
        if not any(t in self.columns for t in PLACE):
            raise ValueError("columns: map the commune (commune_code, postcode or town)")
        if Target.ORIENTATION_DATE not in self.columns and not self.orientation_on_import_day:
            raise ValueError("columns: map orientation_date, or set orientation_on_import_day")
        return self
