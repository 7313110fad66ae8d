"""Free text recorded before it left the events: moved into the private store, events and topics rewritten.

A platform that ran an earlier version holds version-1 events with free text (labels, partners, notes,
names...) in the service's event store and on its topic, forever. The upcasters (`shared.contracts.legacy`)
already keep that text from any consumer; this admin command removes it from where it is stored:

1. `erasures`: intake's erasures recorded before accompaniment and placement kept texts of their own are read
   from intake's topic, and each erased person's key is destroyed here too (a tombstone), so that step 2 never
   brings back a text of someone erased;
2. `rewrite`: every stored event of a changed type and an older version is rewritten as its current version
   (the upcast payload, without text); each text it held is sealed in the private store under the reference the
   rewritten event carries, unless its owner was erased (then it is dropped). Batches, each in a transaction;
   running it again does nothing;
3. `republish` (with `--republish`, the service stopped): every event of the store is published again, rewritten,
   then the records the topic held before are deleted (Kafka's DeleteRecords): consumers, idempotent by event id,
   skip the copies they already processed; a BI tool reading the topic from the start reads it without text. The
   service's dead letters are deleted too (`--dead-letters`), after they were dealt with.

`python -m services.accompaniment legacy-texts [--republish [--dead-letters]]` (and `services.placement`); the
README ("Free text recorded before this version") gives the whole procedure, reporting's rebuild included.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from aiokafka import TopicPartition
from aiokafka.admin import RecordsToDelete

from shared.contracts import REGISTRY
from shared.contracts.intake import BeneficiaryPersonalDataErased
from shared.contracts.legacy import LEGACY_TEXTS, UPCASTERS
from shared.envelope import Envelope
from shared.errors import EnvelopeError
from shared.eventstore import PostgresEventStore
from shared.kafka import make_admin, make_consumer, make_producer, stop_consumer
from shared.private_text import Owner, PersonalDataErased, PrivateTexts
from shared.settings import PlatformSettings

log = structlog.get_logger(__name__)

CHANGED_TYPES = sorted({event_type for event_type, _ in UPCASTERS})


@dataclass
class LegacyReport:
    """What the command did."""

    erasures_replayed: int = 0
    events_rewritten: int = 0
    texts_moved: int = 0
    texts_dropped_for_erased_owners: int = 0
    events_republished: int = 0
    # Offsets deleted from the topics: the records, and the markers of the relay's transactions among them.
    offsets_deleted: int = 0


async def _partitions(settings: PlatformSettings, topic: str) -> list[TopicPartition]:
    """The topic's partitions (none if it does not exist)."""
    admin = make_admin(settings)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return [
        TopicPartition(topic, p["partition"])
        for t in described
        if t.get("error_code", 0) == 0
        for p in sorted(t.get("partitions", []), key=lambda p: p["partition"])
    ]


async def replay_erasures(settings: PlatformSettings, pool: asyncpg.Pool, texts: PrivateTexts) -> int:
    """Tombstone here every person intake erased, read from intake's topic from the beginning."""
    topic = settings.topic("intake.events")
    consumer = make_consumer(settings, None)
    await consumer.start()
    erased = 0
    try:
        partitions = await _partitions(settings, topic)
        if not partitions:
            return 0
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for record in records:
                    try:
                        envelope = Envelope.from_kafka(record.value, record.headers)
                    except EnvelopeError:
                        continue
                    if envelope.type != BeneficiaryPersonalDataErased.event_type():
                        continue
                    event = REGISTRY.decode(envelope.type, envelope.schema_version, envelope.data)
                    assert isinstance(event, BeneficiaryPersonalDataErased)
                    async with pool.acquire() as conn, conn.transaction():
                        erased += await texts.erase(conn, Owner.person(event.beneficiary_id), event.erased_on)
    finally:
        await stop_consumer(consumer)
    return erased


async def rewrite_events(
    pool: asyncpg.Pool, schema: str, texts: PrivateTexts, report: LegacyReport, batch: int = 500
) -> None:
    """Rewrite the stored events of an older version as their current one, their texts sealed (or dropped)."""
    for event_type in CHANGED_TYPES:
        cls = REGISTRY.current(event_type)
        while True:
            async with pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    f"""SELECT position, type, schema_version, data FROM {schema}.events
                        WHERE type = $1 AND schema_version < $2 ORDER BY position LIMIT $3 FOR UPDATE""",
                    event_type,
                    cls.schema_version,
                    batch,
                )
                for row in rows:
                    await _rewrite(conn, schema, texts, report, row, cls)
            if len(rows) < batch:
                break


async def _rewrite(conn: Any, schema: str, texts: PrivateTexts, report: LegacyReport, row: Any, cls: Any) -> None:
    payload = json.loads(row["data"])
    by_owner: dict[Owner, dict] = {}
    for ref, owner, text in LEGACY_TEXTS.get(row["type"], lambda _: [])(payload):
        by_owner.setdefault(owner, {})[ref] = text
    for owner, owned in by_owner.items():
        try:
            await texts.seal(conn, owner, owned)
            report.texts_moved += len(owned)
        except PersonalDataErased:
            report.texts_dropped_for_erased_owners += len(owned)
    event = REGISTRY.decode(row["type"], row["schema_version"], payload)
    await conn.execute(
        f"UPDATE {schema}.events SET data = $2::jsonb, schema_version = $3, dataschema = $4 WHERE position = $1",
        row["position"],
        json.dumps(event.model_dump(mode="json")),
        cls.schema_version,
        cls.dataschema(),
    )
    report.events_rewritten += 1


async def _end_offsets(settings: PlatformSettings, topic: str) -> dict[TopicPartition, int]:
    consumer = make_consumer(settings, None)
    await consumer.start()
    try:
        partitions = await _partitions(settings, topic)
        return await consumer.end_offsets(partitions) if partitions else {}
    finally:
        await stop_consumer(consumer)


async def _delete_before(settings: PlatformSettings, offsets: dict[TopicPartition, int]) -> int:
    wanted = {tp: RecordsToDelete(before_offset=end) for tp, end in offsets.items() if end > 0}
    if not wanted:
        return 0
    admin = make_admin(settings)
    await admin.start()
    try:
        await admin.delete_records(wanted)
    finally:
        await admin.close()
    return sum(offsets.values())


async def _publish_all(settings: PlatformSettings, store: PostgresEventStore, topic: str, batch: int) -> int:
    """Every stored event, as it now reads, on the topic again (keyed as the relay keys it); how many."""
    producer = make_producer(settings)
    await producer.start()
    published, after = 0, 0
    try:
        while events := await store.read_all(after, batch):
            sent = [
                await producer.send(topic, value=e.kafka_value(), key=e.kafka_key(), headers=e.kafka_headers())
                for e in events
            ]
            await asyncio.gather(*sent)
            published += len(events)
            after = events[-1].position or after
    finally:
        await producer.stop()
    return published


async def republish(
    settings: PlatformSettings,
    store: PostgresEventStore,
    context: str,
    report: LegacyReport,
    *,
    dead_letters: bool,
    deleter: PlatformSettings | None = None,
) -> None:
    """Publish every stored event again (rewritten), then delete the records the topic held before (as `deleter`:
    deleting records takes a principal allowed to, the admin where ACLs are in force).

    The copies keep their positions, so the relay, which resumes after the last position published on each
    partition, finds the topic as it left it.
    """
    deleter = deleter or settings
    topic = settings.topic(f"{context}.events")
    async with store.pool.acquire() as conn:
        lock = f"ali-relay-{store.schema}-kafka"
        if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", lock):
            raise RuntimeError(f"the {context} service's relay is running: stop the service before republishing")
        try:
            before = await _end_offsets(settings, topic)
            report.events_republished = await _publish_all(settings, store, topic, settings.relay_batch_size)
            report.offsets_deleted = await _delete_before(deleter, before)
            if dead_letters:
                dlq = await _end_offsets(settings, settings.topic(f"{context}.dlq"))
                report.offsets_deleted += await _delete_before(deleter, dlq)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", lock)


async def run(
    settings: PlatformSettings,
    store: PostgresEventStore,
    context: str,
    texts: PrivateTexts,
    *,
    republish_topic: bool = False,
    dead_letters: bool = False,
    deleter: PlatformSettings | None = None,
) -> LegacyReport:
    """The whole command on a migrated store: erasures, rewrite, and optionally the topic's republication."""
    report = LegacyReport()
    report.erasures_replayed = await replay_erasures(settings, store.pool, texts)
    await rewrite_events(store.pool, store.schema, texts, report)
    if republish_topic:
        await republish(settings, store, context, report, dead_letters=dead_letters, deleter=deleter)
    log.info("legacy_texts.done", context=context, **report.__dict__)
    return report


def main(settings: PlatformSettings, context: str, build_runtime: Any, texts_of: Any, argv: list[str]) -> int:
    """`legacy-texts` of a service's command line: runs `run` on the service's store, prints the report."""
    import argparse

    parser = argparse.ArgumentParser(prog=f"python -m services.{context} legacy-texts", description=__doc__)
    parser.add_argument("--republish", action="store_true", help="republish the topic (the service stopped)")
    parser.add_argument("--dead-letters", action="store_true", help="with --republish: delete the dead letters too")
    parser.add_argument(
        "--as-admin",
        action="store_true",
        help="delete the old records as the admin principal (its credentials in ALI_SECRETS_DIR): where ACLs are"
        " in force, a service may not delete records",
    )
    args = parser.parse_args(argv)
    deleter = None
    if args.as_admin:
        deleter = PlatformSettings.of(
            "admin",
            kafka_bootstrap_servers=settings.kafka_bootstrap_servers,
            kafka_ca_file=settings.kafka_ca_file,
            topic_suffix=settings.topic_suffix,
        )

    async def go() -> LegacyReport:
        runtime = build_runtime()
        await runtime.connect()
        try:
            return await run(
                settings,
                runtime.store,
                context,
                texts_of(runtime),
                republish_topic=args.republish,
                dead_letters=args.dead_letters,
                deleter=deleter,
            )
        finally:
            await runtime.stop()

    report = asyncio.run(go())
    print(json.dumps(report.__dict__, indent=2))
    return 0
