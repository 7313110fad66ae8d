"""A source's file read into referrals, row by row: what the import enrols, and what a dry run shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.intake.adapters.sources import RsaRights, SourceFile
from services.intake.domain.commands import ReferBeneficiary
from services.intake.domain.mapping import LABELS, MappingProfile
from services.intake.domain.referral_rows import RowError, RowReader
from services.intake.service_layer.reports import DryRunReport, PreviewRow
from shared.territory import COMMUNES


@dataclass(frozen=True)
class ParsedRow:
    """One row: the referral it designates, or why it cannot be one (rejected) or is not one (skipped)."""

    line: int
    command: ReferBeneficiary | None = None
    reason: str | None = None
    skipped: str | None = None
    rights: RsaRights | None = None


def parse_rows(source: SourceFile, profile: MappingProfile, import_day: date) -> list[ParsedRow]:
    """Every row of the file, converted (the profile's formats, the commune resolved), in file order."""
    parsed = []
    to_referral = RowReader(profile, import_day)
    for row in source.rows:
        if row.error is not None:
            parsed.append(ParsedRow(row.line, reason=row.error))
            continue
        try:
            command = to_referral(row.values)
        except RowError as e:
            parsed.append(ParsedRow(row.line, reason=str(e), skipped=row.skipped, rights=row.rights))
            continue
        parsed.append(ParsedRow(row.line, command, skipped=row.skipped, rights=row.rights))
    return parsed


def _closed(row: ParsedRow) -> bool:
    return row.rights is not None and row.rights.state.closed


def _shown(command: ReferBeneficiary) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in command.model_dump(exclude_none=True).items():
        if name == "commune_code":
            values[LABELS[name]] = f"{COMMUNES[value].name} ({value})"
        elif isinstance(value, date):
            values[LABELS.get(name, name)] = value.strftime("%d/%m/%Y")
        else:
            values[LABELS.get(name, name)] = str(value)
    return values


def how_read(source: SourceFile, profile: MappingProfile) -> dict[str, Any]:
    """How the file was read, as the import's report and the dry run both tell it."""
    return dict(
        profile=profile.name,
        format=source.format.value,
        encoding=source.encoding,
        delimiter=source.delimiter,
        columns=source.columns,
        ignored_columns=source.ignored_columns,
    )


def preview(source: SourceFile, profile: MappingProfile, import_day: date, limit: int) -> DryRunReport:
    """The first `limit` rows as the import would read them; counts over the whole file. Writes nothing."""
    rows = parse_rows(source, profile, import_day)
    shown = []
    for row in rows[:limit]:
        if row.skipped is not None:
            shown.append(PreviewRow(line=row.line, status="skipped", reason=row.skipped))
        elif row.command is None:
            shown.append(PreviewRow(line=row.line, status="rejected", reason=row.reason))
        elif row.rights is not None and row.rights.state.closed:
            ended = f" le {row.rights.ended_on:%d/%m/%Y}" if row.rights.ended_on else ""
            reason = f"droit RSA clos{ended} : la sortie est proposée si la personne est suivie, sinon ignorée"
            shown.append(PreviewRow(line=row.line, status="rights_closed", values=_shown(row.command), reason=reason))
        else:
            shown.append(PreviewRow(line=row.line, status="ok", values=_shown(row.command)))
    return DryRunReport(
        **how_read(source, profile),
        total=len(rows),
        readable=sum(r.command is not None and r.skipped is None and not _closed(r) for r in rows),
        rejected=sum(r.command is None and r.skipped is None for r in rows),
        skipped=sum(r.skipped is not None for r in rows),
        rights_closed=sum(_closed(r) and r.command is not None and r.skipped is None for r in rows),
        rows=shown,
    )
