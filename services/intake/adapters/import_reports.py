"""Import reports kept for download (statuses, ids, line numbers and reasons; no identity)."""

from __future__ import annotations

from services.intake.service_layer.ports import ImportReports
from services.intake.service_layer.reports import ImportReport


class PostgresImportReports(ImportReports):
    """Reports in intake's schema."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def save(self, conn, report):
        await conn.execute(
            f"""INSERT INTO {self.schema}.import_reports (import_id, report) VALUES ($1, $2::jsonb)
                ON CONFLICT (import_id) DO UPDATE SET report = EXCLUDED.report""",
            report.import_id,
            report.model_dump_json(),
        )

    async def get(self, conn, import_id):
        body = await conn.fetchval(f"SELECT report FROM {self.schema}.import_reports WHERE import_id = $1", import_id)
        return ImportReport.model_validate_json(body) if body is not None else None
