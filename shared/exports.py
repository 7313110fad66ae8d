"""Files people open in a French office: CSV (`;`, UTF-8 with BOM, French headers) and XLSX (openpyxl).

Cells are neutralised so that a spreadsheet never reads text as a formula (`=`, `+`, `-`, `@` first); numbers stay
numbers. Machine names stay in JSON; these files carry French headers and labels.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | date | None


@dataclass(frozen=True)
class Table:
    """A sheet: its French title, French headers and rows."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def safe(value: Any) -> Cell:
    """A cell a spreadsheet never reads as a formula (text only: numbers and dates are kept as they are)."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float | date) or value is None:
        return value
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")  # a French spreadsheet reads 0,4821
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def csv_bytes(table: Table) -> bytes:
    """The table as CSV for a French spreadsheet: `;`, CRLF, UTF-8 with BOM."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe(h) for h in table.headers])
    writer.writerows([_text(safe(cell)) for cell in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(*tables: Table) -> bytes:
    """The tables as the sheets of one XLSX workbook, headers in bold and frozen."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.title[:31])
        sheet.append([safe(h) for h in table.headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([safe(cell) for cell in row])
        sheet.freeze_panes = "A2"
        for index, header in enumerate(table.headers):
            width = max([len(str(header)), *(len(_text(row[index])) for row in table.rows[:200])]) + 2
            sheet.column_dimensions[sheet.cell(1, index + 1).column_letter].width = min(width, 60)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def filename(stem: str, extension: str) -> str:
    """A download's file name made of safe characters only (no request value reaches a header as it was sent)."""
    clean = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in stem)
    return f"{clean[:100] or 'export'}.{extension}"
