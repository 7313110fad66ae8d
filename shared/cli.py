"""Command line of every domain service.

python -m services.<name> [serve]              HTTP API with the outbox relay and consumers (default; with
                                               ALI_HTTP_WORKERS=N > 1, the API in N processes and the relay and
                                               consumers in one more)
python -m services.<name> relay | consume      only the outbox relay / only the consumers
python -m services.<name> migrate              bring the schema to the latest revision, print the revisions
python -m services.<name> dlq replay ...       apply dead letters again through the normal handler
python -m services.<name> outbox parked        events the relay could not publish, with their error
python -m services.<name> outbox retry ...     publish parked events again
python -m services.<name> parked               consumed events waiting for a prerequisite
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import uvloop
from fastapi import FastAPI
from rich.console import Console
from rich.table import Table

from shared import dlq
from shared.http.processes import serve
from shared.kafka import make_producer
from shared.logging import configure_logging
from shared.outbox import list_parked, retry_parked
from shared.runtime import run_workers
from shared.service import ServiceRuntime
from shared.settings import PlatformSettings
from shared.worker_board import WorkerBoard


async def _migrate(runtime: ServiceRuntime, console: Console) -> int:
    revisions = await runtime.migrate()
    for name, revision in revisions.items():
        console.print(f"{runtime.schema}: {name} at revision {revision}")
    return 0


async def _dlq_replay(runtime: ServiceRuntime, args: argparse.Namespace, selection: dlq.Selection) -> int:
    console = Console()
    await runtime.connect()
    runtime.producer = make_producer(runtime.settings)
    await runtime.producer.start()
    try:
        consumers = {spec.name: runtime.event_consumer(spec) for spec in runtime.consumers}
        report = await dlq.run_replay(
            runtime.settings, runtime.dlq_topic, consumers, selection, dry_run=args.dry_run, console=console
        )
    finally:
        await runtime.stop()
    return 1 if report.failures else 0


def workers_process(build_runtime: Callable[[], ServiceRuntime]) -> Callable[[WorkerBoard], None]:
    """What the workers process of `serve` runs (shared/http/processes.py): the relay and the consumers."""

    def run(board: WorkerBoard) -> None:
        uvloop.run(run_workers(build_runtime(), board=board))

    return run


Cell = Callable[[Mapping[str, Any]], object]
_RELAY_COLUMNS: dict[str, Cell] = {
    "position": itemgetter("position"),
    "event id": itemgetter("event_id"),
    "type": itemgetter("type"),
    "bytes": itemgetter("size"),
    "error": lambda r: f"{r['error_type']}: {r['error']}",
}
_WAITING_COLUMNS: dict[str, Cell] = {
    "consumer": itemgetter("consumer"),
    "event id": itemgetter("event_id"),
    "type": itemgetter("type"),
    "waits for": itemgetter("park_key"),
    "reason": itemgetter("reason"),
}


def _parked_table(title: str, columns: dict[str, Cell], rows: Sequence[Mapping[str, Any]]) -> Table:
    """Parked events, one a line: the given columns, then how often they were tried and since when."""
    table = Table(title=f"{title} ({len(rows)})")
    for heading in [*columns, "attempts", "parked at"]:
        table.add_column(heading)
    for r in rows:
        cells = [str(cell(r)) for cell in columns.values()]
        table.add_row(*cells, str(r["attempts"]), r["parked_at"].isoformat(timespec="seconds"))
    return table


async def _outbox(runtime: ServiceRuntime, args: argparse.Namespace) -> int:
    console = Console()
    await runtime.connect()
    try:
        if args.action == "retry":
            published, failed = await retry_parked(
                runtime.store, runtime.settings, runtime.topic, None if args.all else args.position
            )
            console.print(f"published again: {len(published)} {published}")
            for position, error in failed:
                console.print(f"still refused: position {position}: {error}")
            return 1 if failed else 0
        rows = await list_parked(runtime.pool, runtime.schema)
        console.print(_parked_table(f"Events the relay of {runtime.schema} parked", _RELAY_COLUMNS, rows))
        return 0
    finally:
        await runtime.stop()


async def _parked(runtime: ServiceRuntime) -> int:
    console = Console()
    await runtime.connect()
    try:
        rows = await runtime.parking.list(runtime.pool)
        title = f"Consumed events waiting for a prerequisite in {runtime.schema}"
        console.print(_parked_table(title, _WAITING_COLUMNS, rows))
        return 0
    finally:
        await runtime.stop()


def parser_for(name: str, *, legacy_texts: bool = False) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The service's argument parser, and its `dlq replay` sub-parser (for selection errors)."""
    parser = argparse.ArgumentParser(prog=f"python -m services.{name}", description=f"The {name} service.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="HTTP API with the outbox relay and consumers (default)")
    sub.add_parser("relay", help="only the outbox relay: publish the store's events to Kafka")
    sub.add_parser("consume", help="only the consumers of other services' events")
    sub.add_parser("migrate", help="bring the service's schema to the latest revision (also done at every start)")
    dlq_parser = sub.add_parser("dlq", help="dead letters of the service's consumers")
    dlq_sub = dlq_parser.add_subparsers(dest="dlq_command", required=True)
    replay = dlq_sub.add_parser(
        "replay",
        help="apply dead letters again through the normal handler (idempotent: applied events are skipped)",
        description=dlq.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dlq.add_arguments(replay)
    outbox = sub.add_parser("outbox", help="events the outbox relay could not publish (parked)")
    outbox_sub = outbox.add_subparsers(dest="action", required=True)
    outbox_sub.add_parser("parked", help="list them with their error")
    retry = outbox_sub.add_parser("retry", help="publish them again (after the cause is fixed)")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every parked event")
    which.add_argument("--position", type=int, action="append", help="the parked event at this position")
    sub.add_parser("parked", help="consumed events waiting for a prerequisite (e.g. a late enrolment)")
    if legacy_texts:
        sub.add_parser("legacy-texts", help="move the free text of events recorded before v2 out of the store (--help)")
    return parser, replay


def main(
    name: str,
    settings: PlatformSettings,
    port: int,
    build_runtime: Callable[[], ServiceRuntime],
    build_app: Callable[[], FastAPI],
    argv: list[str] | None = None,
    *,
    legacy_texts: Callable[[list[str]], int] | None = None,
) -> None:
    """Parse the command line and run the service (or one of its admin commands)."""
    argv = sys.argv[1:] if argv is None else argv
    if legacy_texts is not None and argv[:1] == ["legacy-texts"]:
        # Its own options (--help): `legacy-texts` of shared/legacy_texts.py.
        configure_logging("WARNING", json=False)
        sys.exit(legacy_texts(argv[1:]))
    parser, replay_parser = parser_for(name, legacy_texts=legacy_texts is not None)
    args = parser.parse_args(argv)
    if args.command in (None, "serve"):
        configure_logging(settings.log_level, settings.log_json, service=name)
        serve(build_app, settings, port, workers_process(build_runtime))
        return
    if args.command in ("relay", "consume"):
        configure_logging(settings.log_level, settings.log_json, service=name)
        runtime = build_runtime()
        asyncio.run(run_workers(runtime, relay=args.command == "relay", consumers=args.command == "consume"))
        return
    # Admin commands talk to a person: readable logs, warnings only.
    configure_logging("WARNING", json=False)
    runtime = build_runtime()
    if args.command == "migrate":
        code = asyncio.run(_migrate(runtime, Console()))
    elif args.command == "dlq":
        code = asyncio.run(_dlq_replay(runtime, args, dlq.selection_from(args, replay_parser)))
    elif args.command == "outbox":
        code = asyncio.run(_outbox(runtime, args))
    else:
        code = asyncio.run(_parked(runtime))
    raise SystemExit(code)


def main_keeping_texts(
    name: str,
    settings: Any,
    port: int,
    build_runtime: Callable[[Any], ServiceRuntime],
    build_app: Callable[[Any], FastAPI],
) -> None:
    """`main` of a service keeping free text encrypted (`settings.master_key()`), with its `legacy-texts` command."""
    from shared import legacy_texts
    from shared.adapters.private_texts import PostgresPrivateTexts

    def runtime() -> ServiceRuntime:
        return build_runtime(settings)

    def texts(runtime: ServiceRuntime) -> PostgresPrivateTexts:
        return PostgresPrivateTexts(runtime.schema, settings.master_key())

    main(
        name,
        settings,
        port,
        runtime,
        lambda: build_app(settings),
        legacy_texts=lambda argv: legacy_texts.main(settings, name, runtime, texts, argv),
    )
