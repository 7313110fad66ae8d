"""What the platform holds, counted beside the clients' tally: events in each store, distinct event ids on each
topic, reporting's figures on each replica, and the services' readiness. Used by the fault tests."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import asyncpg
import httpx
from aiokafka import TopicPartition

from shared.kafka import make_admin, make_consumer, stop_consumer
from shared.settings import PlatformSettings

STORES = ("intake", "accompaniment", "placement")


@dataclass(frozen=True)
class StoredEvents:
    """One service's event store: every event id, and the events the tally speaks of."""

    ids: frozenset[str]
    types: Counter
    # Per tallied type, the subject it names (beneficiary id, barrier id), counted: 1 each when exactly once.
    subjects: dict[str, Counter] = field(default_factory=dict)


async def stored_events(database_url: str, schema: str) -> StoredEvents:
    """Every event of a service's store (SQL on its events table, as the superuser)."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            f"""SELECT event_id::text AS id, type,
                       coalesce(data->>'barrier_id', data->>'beneficiary_id') AS subject
                FROM {schema}.events"""
        )
    finally:
        await conn.close()
    subjects: dict[str, Counter] = {}
    for row in rows:
        subjects.setdefault(row["type"], Counter())[row["subject"]] += 1
    return StoredEvents(frozenset(r["id"] for r in rows), Counter(r["type"] for r in rows), subjects)


async def topic_event_ids(settings: PlatformSettings, topic: str, timeout: float = 120) -> Counter:
    """The event id (`ce_id`) of every committed record of a topic, read from the beginning up to its end."""
    consumer = make_consumer(settings, None, isolation_level="read_committed", max_poll_records=2000)
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        while not (parts := consumer.partitions_for_topic(topic)):
            if time.monotonic() > deadline:
                raise AssertionError(f"topic {topic} not found")
            await consumer._client.force_metadata_update()
            await asyncio.sleep(0.3)
        partitions = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        # Under read_committed the end is the last stable offset: what a reader may see now.
        ends = await consumer.end_offsets(partitions)
        ids: Counter = Counter()
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            if time.monotonic() > deadline:
                raise AssertionError(f"reading {topic} did not reach its end in {timeout}s")
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    ids[dict(record.headers or []).get("ce_id", b"").decode()] += 1
        return ids
    finally:
        await stop_consumer(consumer)


async def dead_letters(settings: PlatformSettings) -> dict[str, int]:
    """Records on every dead-letter topic of the platform."""
    admin = make_admin(settings)
    await admin.start()
    try:
        topics = sorted(t for t in await admin.list_topics() if t.startswith("ali.") and ".dlq" in t)
    finally:
        await admin.close()
    return {t: sum((await topic_event_ids(settings, t)).values()) for t in topics}


async def figures(client: httpx.AsyncClient, url: str) -> dict | None:
    """The department's figures from one reporting replica (None while it answers 503 or not at all)."""
    try:
        response = await client.get(f"{url}/indicators")
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


async def all_ready(urls: list[str]) -> bool:
    """Every one of these processes answers 200 on `/health/ready`."""
    async with httpx.AsyncClient(timeout=3) as client:
        for url in urls:
            try:
                if (await client.get(f"{url}/health/ready")).status_code != 200:
                    return False
            except httpx.HTTPError:
                return False
    return True


async def seconds_until_ready(urls: list[str], since: float, timeout: float) -> float | None:
    """Seconds from `since` (monotonic) until every process is ready, polled every half second; None: not within."""
    deadline = since + timeout
    while time.monotonic() < deadline:
        if await all_ready(urls):
            return time.monotonic() - since
        await asyncio.sleep(0.5)
    return None
