"""Bulk import of the department's referral file: every row accounted for, chunk by chunk."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.intake.adapters import referral_csv
from services.intake.service_layer.dependencies import Dependencies
from services.intake.service_layer.referrals import OutcomeStatus, enrol_referrals
from shared.eventstore import Tracing


class ImportedRow(BaseModel):
    """What became of one line of the file."""

    line: int = Field(description="Line number in the file; the header is line 1.")
    status: OutcomeStatus
    beneficiary_id: UUID | None = Field(None, description="The new or the existing beneficiary.")
    agency_id: str | None = None
    reason: str | None = Field(None, description="Why the row was rejected.")


class ImportReport(BaseModel):
    """The outcome of an import, row by row."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "import_id": "0b6c3c1e-2a7a-4f0e-9a65-4c1fd1f7f1a2",
                    "encoding": "cp1252",
                    "delimiter": ";",
                    "ignored_columns": [],
                    "total": 3,
                    "created": 1,
                    "duplicates": 1,
                    "rejected": 1,
                    "rows": [
                        {
                            "line": 2,
                            "status": "created",
                            "beneficiary_id": "6f1d2c9e-6a43-4d8e-bb0e-2f9f0c3e7a10",
                            "agency_id": "ali-la-courneuve",
                        },
                        {
                            "line": 3,
                            "status": "duplicate",
                            "beneficiary_id": "6f1d2c9e-6a43-4d8e-bb0e-2f9f0c3e7a10",
                            "agency_id": "ali-la-courneuve",
                        },
                        {"line": 4, "status": "rejected", "reason": "birth_date: '31/02/1990' is not a valid date"},
                    ],
                }
            ]
        }
    )

    import_id: UUID = Field(description="Correlation id of every event the import recorded.")
    encoding: str
    delimiter: str
    ignored_columns: list[str] = Field(description="Header cells that name no known column.")
    total: int
    created: int
    duplicates: int
    rejected: int
    rows: list[ImportedRow]


Progress = Callable[[int], None]


async def import_referrals(
    data: bytes,
    *,
    deps: Dependencies,
    today: date,
    source: str,
    chunk_size: int,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Read the file and enrol its referrals, one transaction per chunk; a bad row never stops the others.

    Each row is written completely or not at all. A file imported again creates nothing: its rows are
    duplicates. Should the database fail mid-way, the chunks already committed stay and importing the same
    file again completes it.
    """
    parsed = await asyncio.to_thread(referral_csv.parse, data, default_source=source)
    import_id = uuid.uuid4()
    tracing = Tracing(correlation_id=import_id)
    rows: list[ImportedRow] = [
        ImportedRow(line=r.line, status="rejected", reason=r.reason) for r in parsed.rows if r.command is None
    ]
    if on_progress and rows:
        on_progress(len(rows))
    valid = [r for r in parsed.rows if r.command is not None]
    for start in range(0, len(valid), chunk_size):
        chunk = valid[start : start + chunk_size]
        outcomes = await enrol_referrals([r.command for r in chunk], deps=deps, today=today, tracing=tracing)
        for row, outcome in zip(chunk, outcomes, strict=True):
            rows.append(
                ImportedRow(
                    line=row.line,
                    status=outcome.status,
                    beneficiary_id=outcome.beneficiary_id,
                    agency_id=outcome.agency_id,
                    reason=str(outcome.error) if outcome.error else None,
                )
            )
        if on_progress:
            on_progress(len(chunk))
    rows.sort(key=lambda r: r.line)
    return ImportReport(
        import_id=import_id,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        ignored_columns=parsed.ignored_columns,
        total=len(rows),
        created=sum(r.status == "created" for r in rows),
        duplicates=sum(r.status == "duplicate" for r in rows),
        rejected=sum(r.status == "rejected" for r in rows),
        rows=rows,
    )
