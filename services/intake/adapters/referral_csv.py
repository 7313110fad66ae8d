"""The department's monthly referral file (CSV) read into referral commands, with a reason for each bad row.

Format (documented on `POST /referrals/import`): UTF-8 (with or without BOM) or Latin-1/Windows-1252, `;` or `,`
separated, one header line naming the columns (English names, or the usual French ones: `nom`, `prenom`,
`date_naissance`...), one referral per line. Dates are `YYYY-MM-DD` or `DD/MM/YYYY`. Empty cells are absent
values. A quoted field cannot span lines: a row is a line, so that every line is accounted for.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.errors import InvalidReferralFile

# Canonical columns, with what each one holds (shown in the API documentation).
COLUMNS: dict[str, str] = {
    "last_name": "family name (required)",
    "first_name": "given name (required)",
    "birth_date": "YYYY-MM-DD or DD/MM/YYYY (required)",
    "nir": "social security number, 13 or 15 characters, spaces allowed",
    "allocataire_number": "CAF/MSA allocataire number, up to 7 digits",
    "allocataire_role": "demandeur or conjoint (required with the allocataire number)",
    "address": "street address",
    "commune_code": "INSEE code of the commune, e.g. 93027 (required)",
    "phone": "phone number",
    "email": "e-mail address",
    "household_type": "single, single_parent, couple or couple_with_children (default single)",
    "children": "number of children (default 0)",
    "orientation_date": "date of the department's orientation (required)",
    "enrolment_date": "date the agency enrolled the person (default: the day of the import)",
    "referral_source": "code of the channel, e.g. caf_monthly_list (default: the import's source)",
}
REQUIRED = ("last_name", "first_name", "birth_date", "commune_code", "orientation_date")

_ALIASES: dict[str, str] = {
    "nom": "last_name",
    "nom_de_famille": "last_name",
    "nom_naissance": "last_name",
    "prenom": "first_name",
    "date_naissance": "birth_date",
    "date_de_naissance": "birth_date",
    "ddn": "birth_date",
    "nir": "nir",
    "numero_securite_sociale": "nir",
    "num_allocataire": "allocataire_number",
    "numero_allocataire": "allocataire_number",
    "matricule": "allocataire_number",
    "role": "allocataire_role",
    "qualite": "allocataire_role",
    "adresse": "address",
    "code_insee": "commune_code",
    "code_commune": "commune_code",
    "insee": "commune_code",
    "telephone": "phone",
    "tel": "phone",
    "courriel": "email",
    "mail": "email",
    "composition_foyer": "household_type",
    "foyer": "household_type",
    "nb_enfants": "children",
    "nombre_enfants": "children",
    "enfants": "children",
    "date_orientation": "orientation_date",
    "date_entree": "enrolment_date",
    "date_inscription": "enrolment_date",
    "date_d_orientation": "orientation_date",
    "date_de_l_orientation": "orientation_date",
    "source": "referral_source",
}
_VALUE_ALIASES: dict[str, dict[str, str]] = {
    "allocataire_role": {"dem": "demandeur", "cjt": "conjoint", "conj": "conjoint"},
    "household_type": {
        "isole": "single",
        "personne_seule": "single",
        "parent_isole": "single_parent",
        "famille_monoparentale": "single_parent",
        "couple_sans_enfant": "couple",
        "couple_avec_enfants": "couple_with_children",
        "couple_avec_enfant": "couple_with_children",
    },
}
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_LINES = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class ParsedRow:
    """One line of the file: a command, or the reason it cannot be one."""

    line: int
    command: ReferBeneficiary | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ParsedFile:
    """Every data line of a referral file, and how the file was read."""

    rows: list[ParsedRow]
    encoding: str
    delimiter: str
    ignored_columns: list[str]


def _token(text: str) -> str:
    """`Date de naissance` -> `date_de_naissance`: lower case, no accents, words joined by `_`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding it was read with: UTF-8 first, else Windows-1252, else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def parse_date(text: str) -> date:
    """`2026-11-20`, `20/11/2026`, `20.11.2026` or `20-11-2026`; raises `ValueError` with a readable reason."""
    value = text.strip()
    if match := _ISO.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_FIRST.match(value):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD or DD/MM/YYYY)")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date") from None


def _header(line: str, delimiter: str) -> tuple[list[str | None], list[str]]:
    """The canonical column of each header cell (None when unknown), and the unknown cells."""
    try:
        cells = next(csv.reader([line], delimiter=delimiter, strict=True))
    except (csv.Error, StopIteration) as e:
        raise InvalidReferralFile(f"the header line cannot be read: {e}") from e
    columns: list[str | None] = []
    ignored: list[str] = []
    for cell in cells:
        token = _token(cell)
        name = token if token in COLUMNS else _ALIASES.get(token)
        if name is None:
            ignored.append(cell)
        elif name in columns:
            raise InvalidReferralFile(f"the header names the column {name!r} twice")
        columns.append(name)
    if missing := [c for c in REQUIRED if c not in columns]:
        raise InvalidReferralFile(
            f"the header lacks the required column(s) {', '.join(missing)}; the columns are {', '.join(COLUMNS)}"
        )
    return columns, ignored


def _delimiter(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") else ","


def _values(columns: list[str | None], cells: list[str], default_source: str) -> dict[str, Any]:
    values: dict[str, Any] = {"referral_source": default_source}
    for name, cell in zip(columns, cells, strict=False):
        cell = cell.strip()
        if name is None or not cell:
            continue
        if name in ("birth_date", "orientation_date", "enrolment_date"):
            try:
                values[name] = parse_date(cell)
            except ValueError as e:
                raise ValueError(f"{name}: {e}") from None
        elif name in _VALUE_ALIASES:
            values[name] = _VALUE_ALIASES[name].get(_token(cell), _token(cell))
        else:
            values[name] = cell
    return values


def _reason(error: ValidationError) -> str:
    parts = []
    for e in error.errors(include_url=False):
        field = ".".join(str(p) for p in e["loc"]) or "row"
        message = e["msg"].removeprefix("Value error, ")
        parts.append(f"{field}: {message}")
    return "; ".join(parts)


def _row(line_number: int, line: str, columns: list[str | None], delimiter: str, default_source: str) -> ParsedRow:
    try:
        cells = next(csv.reader([line], delimiter=delimiter, strict=True))
    except csv.Error as e:
        return ParsedRow(line_number, reason=f"the line cannot be read as CSV: {e}")
    if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
        return ParsedRow(line_number, reason=f"{len(cells)} fields where the header has {len(columns)}")
    try:
        values = _values(columns, cells, default_source)
        return ParsedRow(line_number, command=ReferBeneficiary.model_validate(values))
    except ValidationError as e:
        return ParsedRow(line_number, reason=_reason(e))
    except ValueError as e:
        return ParsedRow(line_number, reason=str(e))


def parse(data: bytes, *, default_source: str) -> ParsedFile:
    """Every data line of the file, read into a command or rejected with its reason; blank lines are skipped."""
    text, encoding = decode(data)
    lines = _LINES.split(text)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InvalidReferralFile("the file is empty: it needs a header line and one line per referral")
    delimiter = _delimiter(lines[first])
    columns, ignored = _header(lines[first], delimiter)
    rows = [
        _row(number, line, columns, delimiter, default_source)
        for number, line in enumerate(lines[first + 1 :], start=first + 2)
        if line.strip()
    ]
    return ParsedFile(rows=rows, encoding=encoding.removesuffix("-sig"), delimiter=delimiter, ignored_columns=ignored)
