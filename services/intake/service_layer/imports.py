"""Bulk import of a source's file (CSV, XLSX, the CAF/MSA flow) read with its mapping profile: every row accounted
for, chunk by chunk, and the report kept for download."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from services.intake.adapters import sources
from services.intake.domain.dedup import DedupIndex, dedup_keys
from services.intake.domain.evolution import BENEFICIARY
from services.intake.domain.mapping import MappingProfile
from services.intake.service_layer.dependencies import Dependencies
from services.intake.service_layer.reading import ParsedRow, how_read, parse_rows, preview
from services.intake.service_layer.referrals import enrol_referrals
from services.intake.service_layer.reports import DryRunReport, ImportedRow, ImportReport, RowStatus
from shared.contracts.intake import RsaRightsClosureReason, RsaRightsEnded
from shared.eventstore import Tracing

Progress = Callable[[int], None]
PREVIEW_ROWS = 20


def read_file(data: bytes, profile: MappingProfile, today: date) -> tuple[sources.SourceFile, list[ParsedRow]]:
    """The file read with the profile, and its rows converted."""
    source = sources.read(data, profile)
    return source, parse_rows(source, profile, today)


async def dry_run(data: bytes, *, profile: MappingProfile, today: date, limit: int = PREVIEW_ROWS) -> DryRunReport:
    """The first rows as they will be read; nothing is written."""
    source = await asyncio.to_thread(sources.read, data, profile)
    return preview(source, profile, today, limit)


async def import_referrals(
    data: bytes,
    *,
    deps: Dependencies,
    profile: MappingProfile,
    today: date,
    chunk_size: int,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Read the file and enrol its referrals, one transaction per chunk; a bad row never stops the others.

    Each row is written completely or not at all. A file imported again creates nothing: its rows are
    duplicates. Should the database fail mid-way, the chunks already committed stay and importing the same
    file again completes it. A person whose accompaniment was closed is enrolled again (a return); a CAF/MSA
    row whose RSA right ended proposes the `end_of_rsa_rights` exit for a person followed.
    """
    source, parsed = await asyncio.to_thread(read_file, data, profile, today)
    import_id = uuid.uuid4()
    tracing = Tracing(correlation_id=import_id)
    rows: list[ImportedRow] = []
    referable, ended = [], []
    for row in parsed:
        if row.skipped is not None:
            rows.append(ImportedRow(line=row.line, status=RowStatus.SKIPPED, reason=row.skipped))
        elif row.command is None:
            rows.append(ImportedRow(line=row.line, status=RowStatus.REJECTED, reason=row.reason))
        elif row.rights is not None and row.rights.state.closed:
            ended.append(row)
        else:
            referable.append(row)
    if on_progress and rows:
        on_progress(len(rows))
    for start in range(0, len(referable), chunk_size):
        chunk = referable[start : start + chunk_size]
        outcomes = await enrol_referrals([r.command for r in chunk], deps=deps, today=today, tracing=tracing)
        for row, outcome in zip(chunk, outcomes, strict=True):
            rows.append(
                ImportedRow(
                    line=row.line,
                    status=RowStatus(outcome.status),
                    beneficiary_id=outcome.beneficiary_id,
                    agency_id=outcome.agency_id,
                    reason=outcome.reason,
                    possible_duplicates=list(outcome.possible_duplicates),
                )
            )
        if on_progress:
            on_progress(len(chunk))
    if ended:
        rows += await report_rights_ended(ended, deps=deps, reported_on=source.flow_date or today, tracing=tracing)
        if on_progress:
            on_progress(len(ended))
    report = ImportReport.of(rows, import_id=import_id, imported_at=datetime.now(UTC), **how_read(source, profile))
    async with deps.store.transaction(tracing) as uow:
        await deps.reports.save(uow.connection, report)
    return report


async def report_rights_ended(
    rows: Sequence[ParsedRow], *, deps: Dependencies, reported_on: date, tracing: Tracing
) -> list[ImportedRow]:
    """Rows whose RSA right ended: for a person followed, `RsaRightsEnded` (once per end of right)."""
    keys = [deps.indexer.digests(dedup_keys(r.command)) for r in rows]
    outcomes: list[ImportedRow] = []
    async with deps.store.transaction(tracing) as uow:
        conn = uow.connection
        await deps.persons.lock_dedup(conn)
        entries = await deps.persons.entries_matching(conn, [k for row_keys in keys for k in row_keys.items()])
        index = DedupIndex(entries)
        holders = {e.beneficiary_id for e in entries}
        agencies = await deps.persons.agencies_of(conn, holders)
        follow_ups = await deps.follow_ups.of(conn, holders)
        for row, row_keys in zip(rows, keys, strict=True):
            match = index.match(row_keys)
            if match is None or match.beneficiary_id not in agencies:
                outcomes.append(_skipped(row, "droit RSA clos : personne non orientée vers une ALI"))
                continue
            person = match.beneficiary_id
            if person in follow_ups:
                outcomes.append(_skipped(row, "droit RSA clos : son accompagnement est déjà terminé", person))
                continue
            state = await uow.load(BENEFICIARY, person)
            ended_on = row.rights.ended_on or reported_on
            if state.erased_on is not None or state.rsa_rights_ended_on == ended_on:
                outcomes.append(_skipped(row, "fin de droit RSA déjà signalée", person))
                continue
            event = RsaRightsEnded(
                beneficiary_id=person,
                agency_id=agencies[person],
                ended_on=ended_on,
                state=row.rights.state,
                reason=row.rights.reason or RsaRightsClosureReason.UNKNOWN,
                reported_on=reported_on,
                source=row.command.referral_source,
            )
            await uow.save(BENEFICIARY, state, [event])
            await deps.persons.set_version(conn, person, state.version + 1)
            outcomes.append(
                ImportedRow(
                    line=row.line,
                    status=RowStatus.RIGHTS_ENDED,
                    beneficiary_id=person,
                    agency_id=agencies[person],
                    reason="droit RSA clos : la sortie « fin de droits RSA » est proposée à son référent",
                )
            )
    return outcomes


def _skipped(row: ParsedRow, reason: str, person: uuid.UUID | None = None) -> ImportedRow:
    return ImportedRow(line=row.line, status=RowStatus.SKIPPED, beneficiary_id=person, reason=reason)
