"""Intake's command line: `import FILE` runs the bulk import in-process; other commands are the services' usual ones.

    python -m services.intake import referrals.csv [--report report.json] [--source caf_monthly_list]

The import goes through the same handlers as `POST /referrals/import` and records its events in the store; the
outbox relay of the running intake service publishes them.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from services.intake.bootstrap import build_app, build_runtime, dependencies, open_store
from services.intake.domain.errors import InvalidReferralFile
from services.intake.service_layer.imports import ImportReport, import_referrals
from services.intake.settings import IntakeSettings
from shared import cli
from shared.logging import configure_logging

SHOWN_REJECTIONS = 50


async def run_import(settings: IntakeSettings, data: bytes, source: str, console: Console) -> ImportReport:
    """Import a file with a progress bar."""
    pool, store = await open_store(settings)
    try:
        deps = dependencies(settings, store)
        columns = (TextColumn("referrals"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("import", total=None)

            def advance(rows: int) -> None:
                progress.advance(task, rows)

            return await import_referrals(
                data,
                deps=deps,
                today=date.today(),
                source=source,
                chunk_size=settings.intake_import_chunk_size,
                on_progress=advance,
            )
    finally:
        await pool.close()


def print_summary(report: ImportReport, console: Console) -> None:
    """The counts, then the rejected rows with their reasons."""
    summary = Table(title="Import", caption=f"{report.encoding}, '{report.delimiter}', import {report.import_id}")
    for column in ("rows", "created", "duplicates", "rejected"):
        summary.add_column(column, justify="right")
    summary.add_row(*(str(n) for n in (report.total, report.created, report.duplicates, report.rejected)))
    console.print(summary)
    if report.ignored_columns:
        console.print(f"ignored columns: {', '.join(report.ignored_columns)}")
    rejected = [r for r in report.rows if r.status == "rejected"]
    if rejected:
        table = Table(title="Rejected rows")
        table.add_column("line", justify="right")
        table.add_column("reason")
        for row in rejected[:SHOWN_REJECTIONS]:
            table.add_row(str(row.line), row.reason or "")
        console.print(table)
        if len(rejected) > SHOWN_REJECTIONS:
            console.print(f"... and {len(rejected) - SHOWN_REJECTIONS} more in the report file (--report)")


def _import_command(argv: list[str], settings: IntakeSettings) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.intake import", description="Import the department's referral file (CSV)."
    )
    parser.add_argument("file", type=Path, help="the CSV file")
    parser.add_argument("--report", type=Path, help="write the full JSON report (every row) to this file")
    parser.add_argument("--source", default="department_import", help="source code of rows that name none")
    args = parser.parse_args(argv)
    configure_logging(settings.log_level, settings.log_json, service="intake")
    console = Console(stderr=True)
    try:
        data = args.file.read_bytes()
    except OSError as e:
        parser.error(f"cannot read {args.file}: {e}")
    try:
        report = asyncio.run(run_import(settings, data, args.source, console))
    except InvalidReferralFile as e:
        console.print(f"[red]{args.file}: {e}[/red]")
        return 2
    print_summary(report, Console())
    if args.report:
        args.report.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        console.print(f"report written to {args.report}")
    return 0


def main(argv: list[str] | None = None) -> None:
    """`import FILE` here; `serve`, `relay`, `consume` through the command line every service shares."""
    argv = sys.argv[1:] if argv is None else argv
    settings = IntakeSettings()
    if argv[:1] == ["import"]:
        sys.exit(_import_command(argv[1:], settings))
    if argv[:1] in (["-h"], ["--help"]):
        print("python -m services.intake import FILE [--report REPORT.json]: import a referral file (see import -h)")
    cli.main(
        "intake",
        settings,
        settings.intake_http_port,
        lambda: build_runtime(settings),
        lambda: build_app(settings),
        argv,
    )
