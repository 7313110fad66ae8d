"""Command line of every domain service: `serve` (HTTP and workers), `relay`, `consume`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from shared.logging import configure_logging
from shared.service import ServiceRuntime
from shared.settings import PlatformSettings


async def _run_workers(runtime: ServiceRuntime, *, relay: bool, consumers: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start(relay=relay, consumers=consumers)
    try:
        await stop.wait()
    finally:
        await runtime.stop()


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
    """Parse the command line and run the service."""
    argv = sys.argv[1:] if argv is None else argv
    if legacy_texts is not None and argv[:1] == ["legacy-texts"]:
        configure_logging(settings.log_level, settings.log_json, service=name)
        sys.exit(legacy_texts(argv[1:]))
    parser = argparse.ArgumentParser(prog=f"python -m services.{name}", description=f"The {name} service.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="HTTP API with the outbox relay and consumers (default)")
    sub.add_parser("relay", help="only the outbox relay: publish the store's events to Kafka")
    sub.add_parser("consume", help="only the consumers of other services' events")
    if legacy_texts is not None:
        sub.add_parser("legacy-texts", help="move free text of events recorded before v2 out of the store (--help)")
    args = parser.parse_args(argv)
    configure_logging(settings.log_level, settings.log_json, service=name)
    if args.command in (None, "serve"):
        uvicorn.run(build_app(), host=settings.http_host, port=port, log_config=None, access_log=False)
    else:
        runtime = build_runtime()
        asyncio.run(_run_workers(runtime, relay=args.command == "relay", consumers=args.command == "consume"))
