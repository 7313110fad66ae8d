"""What an import reports, row by row (machine codes in JSON; French labels in the downloadable files)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class RowStatus(StrEnum):
    """What became of one row of a file."""

    CREATED = "created"
    DUPLICATE = "duplicate"
    RETURN = "return"
    REJECTED = "rejected"
    SKIPPED = "skipped"
    RIGHTS_ENDED = "rights_ended"


STATUS_LABELS: dict[RowStatus, str] = {
    RowStatus.CREATED: "créé",
    RowStatus.DUPLICATE: "doublon (déjà suivi)",
    RowStatus.RETURN: "retour (nouvel accompagnement)",
    RowStatus.REJECTED: "rejeté",
    RowStatus.SKIPPED: "ignoré",
    RowStatus.RIGHTS_ENDED: "fin de droit RSA signalée",
}


class ImportedRow(BaseModel):
    """What became of one row of the file."""

    line: int = Field(description="Line of the file (CSV, XML) or row of the sheet (XLSX); the header is line 1.")
    status: RowStatus
    beneficiary_id: UUID | None = Field(None, description="The new, existing or returning beneficiary.")
    agency_id: str | None = None
    reason: str | None = Field(None, description="Why the row was rejected or skipped, in French.")
    possible_duplicates: list[UUID] = Field(
        default_factory=list,
        description="Created, but these people's names agree once transliterated: a caseworker should check.",
    )


class ImportReport(BaseModel):
    """The outcome of an import, row by row."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "import_id": "0b6c3c1e-2a7a-4f0e-9a65-4c1fd1f7f1a2",
                    "profile": "agences-rdv",
                    "format": "csv",
                    "encoding": "cp1252",
                    "delimiter": ";",
                    "columns": {"last_name": "NOM", "first_name": "PRENOM", "town": "VILLE"},
                    "ignored_columns": [],
                    "imported_at": "2026-11-20T09:12:00+00:00",
                    "total": 4,
                    "created": 1,
                    "duplicates": 1,
                    "returns": 1,
                    "rejected": 1,
                    "skipped": 0,
                    "rights_ended": 0,
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
                        {
                            "line": 4,
                            "status": "return",
                            "beneficiary_id": "0d4f1c3b-3a8e-4a52-8a1b-2d7f4a1e9c55",
                            "agency_id": "ali-bobigny",
                        },
                        {
                            "line": 5,
                            "status": "rejected",
                            "reason": "ville « Noisy » ambiguë : Noisy-le-Grand (93051), Noisy-le-Sec (93053)",
                        },
                    ],
                }
            ]
        }
    )

    import_id: UUID = Field(description="Correlation id of every event the import recorded.")
    profile: str
    format: str
    encoding: str | None
    delimiter: str | None
    columns: dict[str, str] = Field(description="The header found for each target.")
    ignored_columns: list[str] = Field(description="Header cells the profile does not map.")
    imported_at: datetime
    total: int
    created: int
    duplicates: int
    returns: int
    rejected: int
    skipped: int
    rights_ended: int
    rows: list[ImportedRow]

    @classmethod
    def of(cls, rows: list[ImportedRow], **fields: Any) -> ImportReport:
        """The report of these rows, counted."""
        rows = sorted(rows, key=lambda r: r.line)
        count = {s: sum(r.status == s for r in rows) for s in RowStatus}
        return cls(
            total=len(rows),
            created=count[RowStatus.CREATED],
            duplicates=count[RowStatus.DUPLICATE],
            returns=count[RowStatus.RETURN],
            rejected=count[RowStatus.REJECTED],
            skipped=count[RowStatus.SKIPPED],
            rights_ended=count[RowStatus.RIGHTS_ENDED],
            rows=rows,
            **fields,
        )


class PreviewRow(BaseModel):
    """One row as the import would read it (dry run)."""

    line: int
    status: str = Field(
        description="`ok` (would be referred), `rights_closed` (CAF/MSA: an ended right), `rejected` or `skipped`."
    )
    values: dict[str, str] = Field(default_factory=dict, description="Each field as read, by French label.")
    reason: str | None = None


class DryRunReport(BaseModel):
    """The first rows of a file as they will be read; nothing is written."""

    profile: str
    format: str
    encoding: str | None
    delimiter: str | None
    columns: dict[str, str]
    ignored_columns: list[str]
    total: int = Field(description="Data rows in the file.")
    readable: int = Field(description="Rows that would be referred (before de-duplication).")
    rights_closed: int = Field(0, description="CAF/MSA rows whose RSA right ended.")
    rejected: int
    skipped: int
    rows: list[PreviewRow]
