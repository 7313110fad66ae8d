"""The outbox relay on the real broker: everything appended reaches Kafka, each stream in order."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict

import pytest

from shared.envelope import Envelope
from shared.eventstore import Tracing
from shared.kafka import ensure_topics
from shared.outbox import OutboxRelay
from tests.builders import employer_registered
from tests.support import envelope_ids, read_topic, relays_running, wait_until

pytestmark = pytest.mark.integration

WRITERS = 8
EVENTS = 10_000


async def _writer(store, writer: int, count: int, seed: int) -> None:
    rng = random.Random(seed)
    streams = [f"w{writer}-s{i}" for i in range(25)]
    versions = dict.fromkeys(streams, 0)
    written = 0
    while written < count:
        stream = rng.choice(streams)
        size = min(rng.randint(1, 5), count - written)
        await store.append(
            stream,
            versions[stream],
            [employer_registered(written + i) for i in range(size)],
            partition_key=stream,
            tracing=Tracing.new(),
        )
        versions[stream] += size
        written += size


async def test_eight_concurrent_writers_every_event_reaches_kafka_in_stream_order(store, settings):
    topic = settings.topic("relaytest.events")
    await ensure_topics(settings, [topic])
    relay = OutboxRelay(store, settings, topic, batch_size=500, idle_wait=0.05)
    stop = asyncio.Event()
    relaying = asyncio.create_task(relay.run(stop))
    try:
        # The relay runs while the writers append, so it reads the log while commits are in flight.
        await asyncio.gather(*(_writer(store, w, EVENTS // WRITERS, seed=w) for w in range(WRITERS)))

        async def caught_up():
            return relay.events_published >= EVENTS

        await wait_until(caught_up, timeout=120, message="relay to publish 10,000 events")
    finally:
        stop.set()
        await relaying

    records = await read_topic(settings, topic, expect=EVENTS)
    envelopes = [Envelope.from_kafka(r.value, r.headers) for r in records]
    assert len({e.id for e in envelopes}) == EVENTS
    assert len(envelopes) == EVENTS, "the relay ran without a crash: nothing may be published twice"
    versions_seen: dict[str, list[int]] = defaultdict(list)
    partitions: dict[str, set[int]] = defaultdict(set)
    for record, envelope in zip(records, envelopes, strict=True):
        versions_seen[envelope.stream_id].append(envelope.stream_version)
        partitions[envelope.stream_id].add(record.partition)
        assert record.key == envelope.partition_key.encode()
    for stream, versions in versions_seen.items():
        assert versions == list(range(1, len(versions) + 1)), f"{stream} out of order or missing events"
        assert len(partitions[stream]) == 1
    assert await relay.checkpoint() == max(e.position for e in envelopes)


async def test_two_relays_of_one_store_publish_each_event_once(store, settings):
    """Replicas of a service each start a relay: one publishes, the other stands by."""
    topic = settings.topic("replicas.events")
    await ensure_topics(settings, [topic])
    async with relays_running(store, settings, topic, batch_size=50) as relays:
        await _writer(store, 0, 500, seed=42)

        async def published():
            return sum(r.events_published for r in relays) >= 500

        await wait_until(published, timeout=60, message="500 events published")
        await asyncio.sleep(1)  # a second publisher, if any, would have sent its copies by now
        assert sorted(r.standby for r in relays) == [False, True]
    ids = await envelope_ids(settings, topic)
    assert len(ids) == len(set(ids)) == 500


async def test_commits_made_while_the_relay_lingers_go_to_kafka_in_one_transaction(store, settings):
    topic = settings.topic("linger.events")
    await ensure_topics(settings, [topic])
    relay = OutboxRelay(store, settings, topic, batch_size=500, idle_wait=0.05, linger=3.0)
    stop = asyncio.Event()
    relaying = asyncio.create_task(relay.run(stop))
    try:
        await store.append("linger-0", 0, [employer_registered(0)], partition_key="linger-0", tracing=Tracing.new())

        async def first_published():
            return relay.events_published == 1

        await wait_until(first_published, timeout=30, interval=0.01, message="the first event published")
        for i in range(1, 11):  # ten commits, each of its own, while the relay lingers after its small batch
            await store.append(
                f"linger-{i}", 0, [employer_registered(i)], partition_key=f"linger-{i}", tracing=Tracing.new()
            )

        async def all_published():
            return relay.events_published >= 11

        await wait_until(all_published, timeout=30, message="the ten commits published")
        assert relay.batches_published == 2, "the ten commits went out together, in one Kafka transaction"
    finally:
        stop.set()
        await relaying
    assert len(await envelope_ids(settings, topic)) == 11
