"""Rebuild: replay every topic from the beginning into fresh projections, and show or compare the figures.

python -m services.reporting rebuild [--as-of DATE] [--json] [--write-bi] [--compare URL --token T]
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date

import asyncpg
import httpx
from aiokafka import TopicPartition
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from services.reporting.adapters.bi import BiStore
from services.reporting.adapters.faust_app import CONTEXTS
from services.reporting.domain import indicators, projection
from services.reporting.settings import ReportingSettings
from shared.envelope import Envelope
from shared.errors import EnvelopeError
from shared.kafka import make_admin, make_consumer


async def replay(settings: ReportingSettings, console: Console) -> tuple[dict[str, dict], int, int]:
    """Fold every event published so far into fresh rows; returns (rows, events, unreadable records)."""
    consumer = make_consumer(settings, None, isolation_level="read_uncommitted")
    await consumer.start()
    try:
        partitions = await _partitions(settings, [settings.topic(f"{c}.events") for c in CONTEXTS])
        if not partitions:
            return {}, 0, 0
        consumer.assign(partitions)
        begin = await consumer.beginning_offsets(partitions)
        end = await consumer.end_offsets(partitions)
        await consumer.seek_to_beginning(*partitions)
        remaining = {tp for tp in partitions if end[tp] > begin[tp]}
        total = sum(end[tp] - begin[tp] for tp in partitions)
        rows: dict[str, dict] = {}
        events = unreadable = 0
        with Progress(
            TextColumn("replaying topics"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task("replay", total=total)
            while remaining:
                batch = await consumer.getmany(*remaining, timeout_ms=1000, max_records=5000)
                for tp, records in batch.items():
                    for record in records:
                        if record.offset >= end[tp]:
                            break
                        try:
                            envelope = Envelope.from_kafka(record.value, record.headers)
                            projection.fold([envelope], rows)
                            events += 1
                        except EnvelopeError:
                            unreadable += 1
                        progress.advance(task)
                # Checked for every partition, records or not: a partition written in transactions ends with a
                # commit marker, which takes an offset but is never returned as a record.
                for tp in list(remaining):
                    if await consumer.position(tp) >= end[tp]:
                        remaining.discard(tp)
        return rows, events, unreadable
    finally:
        await consumer.stop()


async def _partitions(settings: ReportingSettings, topics: list[str]) -> list[TopicPartition]:
    admin = make_admin(settings)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [
        TopicPartition(t["topic"], p["partition"])
        for t in described
        if t.get("error_code", 0) == 0
        for p in sorted(t["partitions"], key=lambda p: p["partition"])
    ]


async def run(args, settings: ReportingSettings) -> int:
    """The rebuild command."""
    console = Console(stderr=True)
    rows, events, unreadable = await replay(settings, console)
    as_of = args.as_of or date.today()
    start, end = indicators.default_period(as_of)
    q = indicators.Query(
        start=start, end=end, as_of=as_of, positive_groups=tuple(str(g) for g in settings.positive_exit_groups)
    )
    figures = indicators.compute(rows.values(), q)
    console.print(f"{events} events replayed into {len(rows)} rows ({unreadable} unreadable records skipped)")
    if args.write_bi:
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
        try:
            bi = BiStore(pool, settings.reporting_bi_schema, settings.reporting_bi_reader_role)
            await bi.migrate()
            await bi.replace_all(rows)
        finally:
            await pool.close()
        console.print(f"BI read models in schema {settings.reporting_bi_schema} rewritten")
    if args.json:
        print(json.dumps(figures, indent=2, sort_keys=True))
    else:
        a = figures["accompaniments"]
        console.print(
            f"caseload {a['caseload']}  entries {a['entries']}  exits {a['exits']}  "
            f"positive-exit rate {a['positive_exit_rate']}  emploi durable {a['emploi_durable_rate']}"
        )
    if args.compare:
        async with httpx.AsyncClient(timeout=30, headers={"Authorization": f"Bearer {args.token}"}) as client:
            response = await client.get(f"{args.compare}/indicators", params={"as_of": as_of.isoformat()})
            response.raise_for_status()
        live = response.json()
        if live != figures:
            differing = sorted(k for k in figures if figures[k] != live.get(k))
            console.print(f"[red]live figures differ from the rebuild in: {', '.join(differing)}[/red]")
            return 1
        console.print("[green]live figures are identical to the rebuild[/green]")
    return 0


def main(argv: list[str]) -> None:
    """Parse the rebuild command line."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m services.reporting rebuild", description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", type=date.fromisoformat, help="reference date (default: today)")
    parser.add_argument("--json", action="store_true", help="print every indicator as JSON on stdout")
    parser.add_argument("--write-bi", action="store_true", help="rewrite the BI read models from the rebuild")
    parser.add_argument(
        "--compare", metavar="URL", help="reporting service to compare with, e.g. http://127.0.0.1:8004"
    )
    parser.add_argument("--token", help="bearer token for --compare (department staff or admin)")
    args = parser.parse_args(argv)
    if args.compare and not args.token:
        parser.error("--compare needs --token")
    sys.exit(asyncio.run(run(args, ReportingSettings())))
