"""Reading a source's file (CSV, XLSX) into rows of cells named by target, as its mapping profile says.

A CSV file is decoded line by line in the profile's encoding (UTF-8 unless it names another): a line holding a
byte that does not decode is rejected with its line number and the others are read; nothing is ever guessed
or silently mangled. A row is one line (a quoted field cannot span lines), so every line is accounted for.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from services.intake.domain.errors import InvalidReferralFile
from services.intake.domain.mapping import REQUIRED, FileFormat, MappingProfile, Target, token
from services.intake.domain.referral_rows import Cell
from shared.contracts.intake import RsaRightsClosureReason, RsaRightsState

_BOM = codecs.BOM_UTF8
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class RsaRights:
    """The household's RSA right as the CAF/MSA flow reports it."""

    state: RsaRightsState
    ended_on: date | None = None
    reason: RsaRightsClosureReason | None = None


@dataclass(frozen=True)
class SourceRow:
    """One data row of a file: its cells by target, or why it cannot be read, or why it is not a referral."""

    line: int
    values: dict[Target, Cell] = field(default_factory=dict)
    error: str | None = None
    skipped: str | None = None
    rights: RsaRights | None = None


@dataclass(frozen=True)
class SourceFile:
    """Every data row of a file, and how it was read."""

    rows: list[SourceRow]
    format: FileFormat
    encoding: str | None = None
    delimiter: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # target -> header found
    ignored_columns: list[str] = field(default_factory=list)
    flow_date: date | None = None


def _columns(headers: list[Any], profile: MappingProfile) -> tuple[dict[int, Target], dict[str, str], list[str]]:
    """Which target each header cell holds, per the profile; raises when a required one is missing."""
    tokens = [token(str(h)) if h not in (None, "") else "" for h in headers]
    by_index: dict[int, Target] = {}
    found: dict[str, str] = {}
    for target, names in profile.columns.items():
        for name in names:
            if token(name) in tokens:
                index = tokens.index(token(name))
                by_index[index] = target
                found[target.value] = str(headers[index])
                break
    missing = [t for t in REQUIRED if t not in by_index.values()]
    if not any(t in by_index.values() for t in (Target.COMMUNE_CODE, Target.POSTCODE, Target.TOWN)):
        missing.append(Target.TOWN)
    if missing:
        wanted = "; ".join(f"{t.value} ({' ou '.join(profile.columns.get(t, ['?']))})" for t in missing)
        raise InvalidReferralFile(
            f"profil « {profile.name} » : l'en-tête ne contient pas la ou les colonnes {wanted} ;"
            f" colonnes du fichier : {', '.join(str(h) for h in headers if h not in (None, ''))}"
        )
    ignored = [str(h) for i, h in enumerate(headers) if i not in by_index and h not in (None, "")]
    return by_index, found, ignored


def _undecodable(raw: bytes, encoding: str, error: UnicodeDecodeError) -> str:
    bad = raw[error.start : error.end]
    column = len(raw[: error.start].decode(encoding, errors="replace")) + 1
    return (
        f"octet(s) {bad.hex(' ').upper()} illisible(s) en {encoding} (caractère {column}) : la ligne n'est pas"
        f" importée ; enregistrez le fichier en {encoding} ou indiquez son encodage dans le profil"
    )


def _lines(data: bytes, encoding: str) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, or the decoding error) of every line."""
    if encoding == "utf-8" and data.startswith(_BOM):
        data = data[len(_BOM) :]
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.removesuffix(b"\r")
        try:
            yield number, raw.decode(encoding), None
        except UnicodeDecodeError as e:
            yield number, None, _undecodable(raw, encoding, e)


def _guess_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t", "|")}
    return max(counts, key=lambda d: counts[d])


def read_csv(data: bytes, profile: MappingProfile) -> SourceFile:
    """The rows of a CSV file."""
    lines = list(_lines(data, profile.encoding))
    header_at = profile.header_row
    if len(lines) < header_at or not (lines[header_at - 1][1] or "").strip():
        if len(lines) >= header_at and lines[header_at - 1][2]:
            raise InvalidReferralFile(f"ligne d'en-tête {header_at} : {lines[header_at - 1][2]}")
        raise InvalidReferralFile(f"le fichier n'a pas de ligne d'en-tête (ligne {header_at} attendue)")
    header = lines[header_at - 1][1] or ""
    delimiter = profile.delimiter or _guess_delimiter(header)
    try:
        headers = next(csv.reader([header], delimiter=delimiter, strict=True))
    except csv.Error as e:
        raise InvalidReferralFile(f"ligne d'en-tête illisible : {e}") from e
    by_index, found, ignored = _columns(headers, profile)
    rows = []
    for number, line, error in lines[header_at:]:
        if error is not None:
            rows.append(SourceRow(number, error=error))
            continue
        if not line or not line.strip():
            continue
        try:
            cells = next(csv.reader([line], delimiter=delimiter, strict=True))
        except csv.Error as e:
            rows.append(SourceRow(number, error=f"ligne illisible en CSV : {e}"))
            continue
        if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers) :]):
            rows.append(SourceRow(number, error=f"{len(cells)} champs alors que l'en-tête en a {len(headers)}"))
            continue
        rows.append(SourceRow(number, values={t: cells[i] for i, t in by_index.items() if i < len(cells)}))
    return SourceFile(rows, FileFormat.CSV, profile.encoding, delimiter, found, ignored)


def read_xlsx(data: bytes, profile: MappingProfile) -> SourceFile:
    """The rows of a sheet of an XLSX workbook (the profile's sheet, or the first)."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if profile.sheet is not None:
            if profile.sheet not in workbook.sheet_names:
                raise InvalidReferralFile(
                    f"pas de feuille « {profile.sheet} » ; feuilles du classeur : {', '.join(workbook.sheet_names)}"
                )
            sheet = workbook.get_sheet_by_name(profile.sheet)
        else:
            sheet = workbook.get_sheet_by_index(0)
        table = sheet.to_python(skip_empty_area=False)
    except CalamineError as e:
        raise InvalidReferralFile(f"le classeur XLSX est illisible : {e}") from e
    header_at = profile.header_row
    if len(table) < header_at:
        raise InvalidReferralFile(f"la feuille n'a pas de ligne d'en-tête (ligne {header_at} attendue)")
    by_index, found, ignored = _columns(table[header_at - 1], profile)
    rows = []
    for number, cells in enumerate(table[header_at:], start=header_at + 1):
        if all(c in (None, "") for c in cells):
            continue
        values = {t: (None if cells[i] == "" else cells[i]) for i, t in by_index.items() if i < len(cells)}
        rows.append(SourceRow(number, values=values))
    return SourceFile(rows, FileFormat.XLSX, None, None, found, ignored)


def read(data: bytes, profile: MappingProfile) -> SourceFile:
    """The rows of a file of the profile's format."""
    if not data.strip():
        raise InvalidReferralFile("le fichier est vide : il faut une ligne d'en-tête et une ligne par orientation")
    if profile.format == FileFormat.XLSX:
        return read_xlsx(data, profile)
    if profile.format == FileFormat.CAF_XML:
        from services.intake.adapters.caf_flow import read_caf_flow

        return read_caf_flow(data, profile)
    if data.startswith(_XLSX_MAGIC):
        raise InvalidReferralFile(
            f"c'est un classeur XLSX : choisissez un profil au format xlsx (« {profile.name} » lit du CSV)"
        )
    return read_csv(data, profile)
