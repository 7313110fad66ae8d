"""Throughput of the event store (8 concurrent writers) and of the outbox relay, on the real stack.

    python -m bench.relay_throughput [--events N] [--writers W]

Works on a schema and topic of its own (dropped afterwards); prints events per second.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

import asyncpg
from rich.console import Console
from rich.table import Table

from shared.contracts.placement import EmployerRegistered, EmployerSize
from shared.eventstore import PostgresEventStore, Tracing
from shared.kafka import ensure_topics
from shared.logging import configure_logging
from shared.outbox import OutboxRelay
from shared.settings import PlatformSettings


def _event(n: int) -> EmployerRegistered:
    return EmployerRegistered(
        employer_id=uuid.uuid4(),
        siret="73282932000074",
        name=f"Employer {n}",
        size=EmployerSize.TPE,
        sector="retail",
        social_economy=False,
        siae=False,
        commune_code="93027",
    )


async def _writer(store: PostgresEventStore, writer: int, count: int) -> None:
    for i in range(count):
        await store.append(
            f"bench-{writer}-{i % 50}", i // 50, [_event(i)], partition_key=str(i % 50), tracing=Tracing.new()
        )


async def run(events: int, writers: int) -> None:
    """Append, then relay, and print the rates."""
    run_id = f"bench{uuid.uuid4().hex[:8]}"
    # The operator (admin principal, superuser) on a topic and schema of its own.
    settings = PlatformSettings.of("admin", topic_suffix=run_id)
    pool = await asyncpg.create_pool(settings.database_url, min_size=writers, max_size=writers + 2)
    store = PostgresEventStore(pool, f"{run_id}_store", source="/ali/bench")
    await store.migrate()
    topic = settings.topic("bench.events")
    await ensure_topics(settings, [topic])
    try:
        start = time.perf_counter()
        await asyncio.gather(*(_writer(store, w, events // writers) for w in range(writers)))
        append_seconds = time.perf_counter() - start
        relay = OutboxRelay(store, settings, topic, batch_size=settings.relay_batch_size)
        start = time.perf_counter()
        published = await relay.publish_pending()
        relay_seconds = time.perf_counter() - start
    finally:
        await pool.execute(f"DROP SCHEMA {run_id}_store CASCADE")
        await pool.close()
    table = Table(title=f"{events} events, {writers} concurrent writers, one event per append")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("events/s", justify="right")
    table.add_row("append (event store)", f"{append_seconds:.2f}", f"{events / append_seconds:,.0f}")
    table.add_row("relay to Kafka (acks=all)", f"{relay_seconds:.2f}", f"{published / relay_seconds:,.0f}")
    Console().print(table)


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.relay_throughput", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--writers", type=int, default=8)
    args = parser.parse_args()
    configure_logging("WARNING", json=False)
    asyncio.run(run(args.events, args.writers))


if __name__ == "__main__":
    main()
