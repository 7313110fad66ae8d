"""One row of a source's file, as its cells were read, turned into a referral; or the reason, in French, why not."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.communes import resolve_commune
from services.intake.domain.mapping import AUTO, DATE_FORMATS, LABELS, MappingProfile, Target, token
from shared.contracts.intake import HouseholdType
from shared.territory import UnknownCommune

Cell = str | int | float | date | datetime | None

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_DATES = (Target.BIRTH_DATE, Target.ORIENTATION_DATE, Target.ENROLMENT_DATE)


class RowError(Exception):
    """A row that cannot be a referral; the message, in French, says why."""


def text(cell: Cell) -> str | None:
    """A cell as text: numbers without their `.0` (a spreadsheet's 1234567.0 is 1234567), empty cells as None."""
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, datetime):
        cell = cell.date()
    value = (cell.isoformat() if isinstance(cell, date) else str(cell)).strip()
    return value or None


def parse_date(cell: Cell, date_format: str, label: str) -> date:
    """A date cell (a spreadsheet date, or text in the profile's format); raises `RowError` in French."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    value = text(cell) or ""
    try:
        if date_format != AUTO:
            return datetime.strptime(value, DATE_FORMATS[date_format]).date()
        if match := _ISO.match(value):
            year, month, day = (int(g) for g in match.groups())
        elif match := _DAY_FIRST.match(value):
            day, month, year = (int(g) for g in match.groups())
        else:
            raise ValueError
        return date(year, month, day)
    except ValueError:
        expected = "AAAA-MM-JJ ou JJ/MM/AAAA" if date_format == AUTO else date_format.upper().replace("Y", "A")
        raise RowError(f"{label} : « {value} » n'est pas une date valide (attendu {expected})") from None


_MESSAGES = {
    "missing": "manquant",
    "string_too_short": "vide",
    "string_too_long": "trop long",
    "string_pattern_mismatch": "format invalide",
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "greater_than_equal": "trop petit",
    "less_than_equal": "trop grand",
    "enum": "valeur inconnue",
    "date_from_datetime_parsing": "date invalide",
    "date_parsing": "date invalide",
    "extra_forbidden": "champ inconnu",
}


def french_reason(error: ValidationError) -> str:
    """The reasons of a validation error, field by field, in French."""
    parts = []
    for e in error.errors(include_url=False):
        field = str(e["loc"][0]) if e["loc"] else ""
        label = LABELS.get(field, field or "ligne")
        if e["type"] == "value_error":
            message = e["msg"].removeprefix("Value error, ")
            message = "adresse invalide" if field == "email" else message
        else:
            message = _MESSAGES.get(e["type"], "valeur invalide")
        parts.append(f"{label} : {message}")
    return " ; ".join(parts)


def _code(value: str | None, codes: Mapping[str, Any], label: str, allowed: str) -> Any:
    if value is None:
        return None
    found = codes.get(value) or codes.get(token(value))
    if found is None:
        raise RowError(f"{label} : « {value} » inconnu ({allowed})")
    return found


_TEXTS = (Target.LAST_NAME, Target.FIRST_NAME, Target.NIR, Target.ADDRESS, Target.PHONE, Target.EMAIL)


class RowReader:
    """Turns rows into referrals with one profile (its code tables prepared once for the whole file)."""

    def __init__(self, profile: MappingProfile, import_day: date) -> None:
        self.profile = profile
        self.import_day = import_day
        self.roles = dict(profile.roles)
        self.households: dict[str, Any] = {**profile.households, **{h.value: h for h in HouseholdType}}
        self.allowed_households = ", ".join(self.households)

    def __call__(self, values: Mapping[Target, Cell]) -> ReferBeneficiary:
        """The referral a row designates; raises `RowError` with the reason, in French."""
        cells = {target: text(cell) for target, cell in values.items()}
        fields: dict[str, Any] = {t.value: cells.get(t) for t in _TEXTS}
        fields["referral_source"] = cells.get(Target.REFERRAL_SOURCE) or self.profile.referral_source
        number = cells.get(Target.ALLOCATAIRE_NUMBER)
        fields["allocataire_number"] = (number.lstrip("0") or "0") if number and number.isdigit() else number
        fields["allocataire_role"] = _code(
            cells.get(Target.ALLOCATAIRE_ROLE), self.roles, LABELS["allocataire_role"], "demandeur ou conjoint"
        )
        household = _code(
            cells.get(Target.HOUSEHOLD_TYPE), self.households, LABELS["household_type"], self.allowed_households
        )
        if household is not None:
            fields["household_type"] = household
        if (children := cells.get(Target.CHILDREN)) is not None:
            fields["children"] = children
        for target in _DATES:
            if cells.get(target) is not None:
                fields[target.value] = parse_date(values[target], self.profile.date_format, LABELS[target.value])
        if "birth_date" not in fields:
            raise RowError("date de naissance : manquante")
        if "orientation_date" not in fields:
            if not self.profile.orientation_on_import_day:
                raise RowError("date d'orientation : manquante")
            fields["orientation_date"] = self.import_day
        try:
            fields["commune_code"] = resolve_commune(
                insee=cells.get(Target.COMMUNE_CODE), postcode=cells.get(Target.POSTCODE), town=cells.get(Target.TOWN)
            )
        except UnknownCommune as e:
            raise RowError(str(e)) from None
        try:
            return ReferBeneficiary.model_validate({k: v for k, v in fields.items() if v is not None})
        except ValidationError as e:
            raise RowError(french_reason(e)) from None


def to_referral(values: Mapping[Target, Cell], profile: MappingProfile, import_day: date) -> ReferBeneficiary:
    """The referral one row designates (see `RowReader` for a whole file)."""
    return RowReader(profile, import_day)(values)
