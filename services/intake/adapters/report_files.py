"""The import report as the files people open: CSV for a French spreadsheet (`;`, UTF-8 with BOM, French headers)
and XLSX."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from services.intake.service_layer.reports import STATUS_LABELS, ImportReport
from shared.csv_safe import neutralise

HEADERS = ["Ligne", "Statut", "Identifiant du bénéficiaire", "Agence", "Motif", "Doublons possibles à vérifier"]


def _rows(report: ImportReport) -> list[list[str | int]]:
    return [
        [
            row.line,
            STATUS_LABELS[row.status],
            str(row.beneficiary_id or ""),
            row.agency_id or "",
            neutralise(row.reason or ""),
            " ".join(str(p) for p in row.possible_duplicates),
        ]
        for row in report.rows
    ]


def _summary(report: ImportReport) -> list[list[str | int]]:
    return [
        ["Import", str(report.import_id)],
        ["Profil", neutralise(report.profile)],
        ["Lignes", report.total],
        ["Créés", report.created],
        ["Doublons", report.duplicates],
        ["Retours", report.returns],
        ["Rejetés", report.rejected],
        ["Ignorés", report.skipped],
        ["Fins de droit signalées", report.rights_ended],
    ]


def report_csv(report: ImportReport) -> bytes:
    """The per-row report as CSV: `;`, UTF-8 with BOM, French headers."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(_rows(report))
    return out.getvalue().encode("utf-8-sig")


def report_xlsx(report: ImportReport) -> bytes:
    """The per-row report as an XLSX workbook: the rows, and a summary sheet."""
    workbook = Workbook()
    rows = workbook.active
    rows.title = "Lignes"
    rows.append(HEADERS)
    for cell in rows[1]:
        cell.font = Font(bold=True)
    for row in _rows(report):
        rows.append(row)
    rows.freeze_panes = "A2"
    for column, width in zip("ABCDEF", (8, 30, 38, 30, 80, 40), strict=True):
        rows.column_dimensions[column].width = width
    summary = workbook.create_sheet("Synthèse")
    for row in _summary(report):
        summary.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
