"""Intake's command line: `import FILE` runs the bulk import in-process; other commands are the services' usual ones.

    python -m services.intake import referrals.csv [--profile NAME] [--dry-run] [--report report.csv|.xlsx|.json]

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

from services.intake.adapters.report_files import report_csv, report_xlsx
from services.intake.bootstrap import build_app, build_runtime, dependencies, open_store
from services.intake.domain.errors import InvalidReferralFile, ProfileNotFound
from services.intake.service_layer import profiles
from services.intake.service_layer.imports import ImportReport, dry_run, import_referrals
from services.intake.service_layer.reports import STATUS_LABELS, DryRunReport, RowStatus
from services.intake.settings import IntakeSettings
from shared import cli
from shared.logging import configure_logging
from shared.settings import load_settings

SHOWN_REJECTIONS = 50


async def run_import(
    settings: IntakeSettings, data: bytes, profile: str | None, source: str | None, preview: bool, console: Console
) -> ImportReport | DryRunReport:
    """Import a file with a progress bar (or show how its first rows read)."""
    pool, store = await open_store(settings)
    try:
        deps = dependencies(settings, store)
        chosen = await profiles.resolve(profile, deps=deps)
        if source is not None:
            chosen = chosen.model_copy(update={"referral_source": source})
        if preview:
            return await dry_run(data, profile=chosen, today=date.today())
        columns = (TextColumn("referrals"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("import", total=None)

            def advance(rows: int) -> None:
                progress.advance(task, rows)

            return await import_referrals(
                data,
                deps=deps,
                profile=chosen,
                today=date.today(),
                chunk_size=settings.intake_import_chunk_size,
                on_progress=advance,
            )
    finally:
        await pool.close()


def print_preview(report: DryRunReport, console: Console) -> None:
    """The first rows as they will be read."""
    console.print(
        f"profil {report.profile} ({report.format}, {report.encoding or '-'}) : {report.total} lignes,"
        f" {report.readable} lisibles, {report.rejected} rejetées, {report.skipped} ignorées (rien n'est écrit)"
    )
    table = Table(title="Premières lignes telles qu'elles seront lues")
    table.add_column("ligne", justify="right")
    table.add_column("statut")
    table.add_column("valeurs ou motif")
    for row in report.rows:
        shown = row.reason or "; ".join(f"{k} = {v}" for k, v in row.values.items())
        table.add_row(str(row.line), row.status, shown)
    console.print(table)


def print_summary(report: ImportReport, console: Console) -> None:
    """The counts, then the rejected rows with their reasons."""
    summary = Table(title="Import", caption=f"{report.profile}, {report.encoding}, import {report.import_id}")
    for column in ("lignes", "créés", "doublons", "retours", "rejetés", "ignorés", "fins de droit"):
        summary.add_column(column, justify="right")
    counts = (report.total, report.created, report.duplicates, report.returns, report.rejected, report.skipped)
    summary.add_row(*(str(n) for n in (*counts, report.rights_ended)))
    console.print(summary)
    if report.ignored_columns:
        console.print(f"colonnes ignorées : {', '.join(report.ignored_columns)}")
    rejected = [r for r in report.rows if r.status == RowStatus.REJECTED]
    if rejected:
        table = Table(title=f"Lignes {STATUS_LABELS[RowStatus.REJECTED]}es")
        table.add_column("ligne", justify="right")
        table.add_column("motif")
        for row in rejected[:SHOWN_REJECTIONS]:
            table.add_row(str(row.line), row.reason or "")
        console.print(table)
        if len(rejected) > SHOWN_REJECTIONS:
            console.print(f"... et {len(rejected) - SHOWN_REJECTIONS} autres dans le rapport (--report)")


def _import_command(argv: list[str], settings: IntakeSettings) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.intake import",
        description="Import a source's file (CSV, XLSX or the CAF/MSA XML flow) read with a mapping profile.",
    )
    parser.add_argument("file", type=Path, help="the file")
    parser.add_argument(
        "--profile", help="mapping profile: plateforme (default), agences-rdv, caf-msa, or one an admin saved"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show the first rows as they will be read; write nothing"
    )
    parser.add_argument("--report", type=Path, help="write the full report to this file (.json, .csv or .xlsx)")
    parser.add_argument("--source", help="source code of rows that name none (default: the profile's)")
    args = parser.parse_args(argv)
    configure_logging(settings.log_level, settings.log_json, service="intake")
    console = Console(stderr=True)
    try:
        data = args.file.read_bytes()
    except OSError as e:
        parser.error(f"cannot read {args.file}: {e}")
    try:
        report = asyncio.run(run_import(settings, data, args.profile, args.source, args.dry_run, console))
    except (InvalidReferralFile, ProfileNotFound) as e:
        console.print(f"[red]{args.file}: {e}[/red]")
        return 2
    if isinstance(report, DryRunReport):
        print_preview(report, Console())
        return 0
    print_summary(report, Console())
    if args.report:
        suffix = args.report.suffix.lower()
        if suffix == ".csv":
            args.report.write_bytes(report_csv(report))
        elif suffix == ".xlsx":
            args.report.write_bytes(report_xlsx(report))
        else:
            args.report.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        console.print(f"rapport écrit dans {args.report}")
    return 0


def main(argv: list[str] | None = None) -> None:
    """`import FILE` here; `serve`, `relay`, `consume` through the command line every service shares."""
    argv = sys.argv[1:] if argv is None else argv
    settings = load_settings(IntakeSettings, "intake")
    if argv[:1] == ["import"]:
        sys.exit(_import_command(argv[1:], settings))
    if argv[:1] in (["-h"], ["--help"]):
        print("python -m services.intake import FILE [--profile NAME] [--dry-run]: import a file (see import -h)")
    cli.main(
        "intake",
        settings,
        settings.intake_http_port,
        lambda: build_runtime(settings),
        lambda: build_app(settings),
        argv,
    )
